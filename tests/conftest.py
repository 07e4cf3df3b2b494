"""Process-wide state that one test must not leave to the next."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _forget_shared_budget_warnings() -> None:
    """The "someone else spends this budget" warning is said once per budget and process;
    each test starts with it unsaid (without importing pacing for tests that never do)."""
    pacing = sys.modules.get("synaptic_core.pacing._model")
    if pacing is not None:
        pacing._WARNED.clear()  # type: ignore[attr-defined]
