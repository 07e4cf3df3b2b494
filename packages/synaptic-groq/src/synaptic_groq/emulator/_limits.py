"""A per-minute budget of requests and tokens, and the ``x-ratelimit-*`` headers of it.

Windows are fixed minutes from the first request (Groq's real windows differ; what
matters for clients is the headers and the 429). The clock is injectable.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


def go_duration(seconds: float) -> str:
    """Seconds as a Go duration, the way Groq writes them: ``2m59.56s``, ``7.66s``, ``350ms``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.2f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request may go ahead, and the headers to send either way."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float
    which: str  # "requests" or "tokens" when refused


class RateBudget:
    """``requests_per_minute`` and ``tokens_per_minute``, refilled every minute."""

    def __init__(
        self,
        requests_per_minute: int = 1000,
        tokens_per_minute: int = 1_000_000,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._requests = 0
        self._tokens = 0

    def _roll(self, now: float) -> float:
        if self._window_start is None or now - self._window_start >= 60:
            self._window_start, self._requests, self._tokens = now, 0, 0
        return 60 - (now - self._window_start)

    def _headers(self, reset: float) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.requests_per_minute),
            "x-ratelimit-limit-tokens": str(self.tokens_per_minute),
            "x-ratelimit-remaining-requests": str(
                max(0, self.requests_per_minute - self._requests)
            ),
            "x-ratelimit-remaining-tokens": str(max(0, self.tokens_per_minute - self._tokens)),
            "x-ratelimit-reset-requests": go_duration(reset),
            "x-ratelimit-reset-tokens": go_duration(reset),
        }

    def admit(self) -> Verdict:
        """Take one request from the budget, or refuse it with the time to wait."""
        with self._lock:
            reset = self._roll(self._clock())
            if self._requests >= self.requests_per_minute:
                return Verdict(False, self._headers(reset), reset, "requests")
            if self._tokens >= self.tokens_per_minute:
                return Verdict(False, self._headers(reset), reset, "tokens")
            self._requests += 1
            return Verdict(True, self._headers(reset), 0.0, "")

    def spend_tokens(self, tokens: int) -> dict[str, str]:
        """Record tokens used; the headers after spending them."""
        with self._lock:
            reset = self._roll(self._clock())
            self._tokens += tokens
            return self._headers(reset)


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, as Groq sends ``retry-after``."""
    return str(max(1, math.ceil(seconds)))
