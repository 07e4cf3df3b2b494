"""Waits, retries and fallbacks, said on the terminal as they happen (DESIGN 18).

A silent 5-second wait for a 429's ``retry-after`` looks like a hang; so does a switch to
a fallback profile. On a terminal, each gets one line on stderr. It listens through
synaptic's instrumentation points (``synaptic_core.telemetry``), so it sees every
wrapper a profile builds (retries, pacing, fallbacks) without knowing how they nest.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterator

import click

from synaptic.cli._common import is_terminal, one_line
from synaptic_core.telemetry import ChatCall, Listener, add_listener, remove_listener

#: Waits shorter than this are pacing's normal spacing, not worth a line.
SHORTEST_SAID = 0.5


def _say(text: str) -> None:
    click.echo(text, err=True)


_SHORT = {
    "RateLimitError": "rate limited",
    "ServerError": "server error",
    "CapacityExceededError": "over capacity",
    "RequestTimeoutError": "timed out",
    "NetworkError": "connection failed",
    "StreamError": "stream cut",
}


def short(error: BaseException) -> str:
    """A few words for a retry line: ``rate limited (HTTP 429)``; the full message is the
    error's, shown if it is the last one."""
    name = type(error).__name__
    words = _SHORT.get(name) or re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Error")).lower()
    status = getattr(error, "status_code", None)
    return f"{words} (HTTP {status})" if isinstance(status, int) else words


class Announcer(Listener):
    """One line per retry, wait (of ``SHORTEST_SAID`` or more) and fallback."""

    def __init__(self, write: Callable[[str], None] = _say) -> None:
        self.write = write

    def on_retry(self, call: ChatCall, attempt: int, delay: float, error: BaseException) -> None:
        self.write(f"({short(error)}: attempt {attempt} failed, retrying in {delay:.1f}s)")

    def on_wait(self, call: ChatCall, seconds: float) -> None:
        if seconds >= SHORTEST_SAID:
            self.write(f"(waiting {seconds:.1f}s for the rate-limit budget)")

    def on_fallback(
        self, call: ChatCall, failed: str, error: BaseException, next_label: str
    ) -> None:
        self.write(f"({failed} failed: {one_line(error)}; trying {next_label})")


@contextlib.contextmanager
def announced(terminal: bool | None = None) -> Iterator[None]:
    """Inside, waits, retries and fallbacks are said on stderr (on a terminal only)."""
    if not (is_terminal(sys.stderr) if terminal is None else terminal):
        yield
        return
    listener = Announcer()
    add_listener(listener)
    try:
        yield
    finally:
        remove_listener(listener)
