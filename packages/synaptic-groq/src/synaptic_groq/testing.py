"""pytest support: a ``groq_emulator`` fixture. In a ``conftest.py``::

from synaptic_groq.testing import groq_emulator  # noqa: F401 (a fixture)

def test_my_app(groq_emulator):
    config = GroqConfig("test-key", GroqModel.GPT_OSS_20B, base_url=groq_emulator.base_url)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from synaptic_groq.emulator import GroqEmulator


@pytest.fixture
def groq_emulator() -> Iterator[GroqEmulator]:
    """A fresh Groq emulator on a free loopback port, stopped after the test."""
    with GroqEmulator() as emulator:
        yield emulator
