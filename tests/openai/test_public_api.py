"""synaptic_openai's surface: explicit sorted __all__, and a light import."""

from __future__ import annotations

import subprocess
import sys

import synaptic_openai


def test_all_is_unique_and_complete() -> None:
    names = list(synaptic_openai.__all__)  # its order is ruff's (RUF022, checked by lint)
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(synaptic_openai, name), name
    assert {"OpenAIChatModel", "OpenAIConfig", "SSEDecoder", "StreamAssembler"} <= set(names)


def test_import_does_not_load_httpx() -> None:
    code = "import sys, synaptic_openai; assert 'httpx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
