"""The README's first command runs examples/quickstart.py: keep it working."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "quickstart.py"


async def test_quickstart_tour(capsys: pytest.CaptureFixture[str]) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    namespace = runpy.run_path(str(EXAMPLE), run_name="example")
    await namespace["main"](sleep=sleep)
    out = capsys.readouterr().out
    assert waits == [0.2]
    assert out.splitlines() == [
        "1. chat",
        "   Rust is famous for memory safety without a garbage collector.",
        "2. stream",
        "   Ownership moves values.",
        "3. tool call round trip (with a rate limit recovered on the way)",
        "   tool get_weather({'city': 'Tokyo'}) -> Sunny and 22C in Tokyo",
        "  [retry] RateLimitError: waiting 0.2s",
        "   It is sunny and 22C in Tokyo.",
    ]
