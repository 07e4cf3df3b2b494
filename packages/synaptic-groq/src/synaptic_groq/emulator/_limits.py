"""Groq's rate limits: requests and tokens, per minute and per day, per API key and model.

Each limit is a bucket refilled continuously (a limit of 6,000 tokens per minute gives
back 100 tokens a second), so a client that paces itself sees steady progress rather
than minute edges. A request needs one request from both request buckets and its
estimated prompt tokens from both token buckets; its real tokens are debited when the
answer is known. The headers follow Groq's pairing (groq-api.md sections 6 and 9):
``limit-requests`` / ``remaining-requests`` / ``reset-requests`` describe the **per-day**
request limit, the ``-tokens`` ones the **per-minute** token limit; ``reset-*`` is the
time until that bucket is full again. The clock is injectable.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from synaptic_core.pacing import Bucket


def go_duration(seconds: float) -> str:
    """Seconds as a Go duration, the way Groq writes them: ``2m59.56s``, ``7.66s``, ``350ms``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = f"{rest:.2f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, as Groq sends ``retry-after``."""
    return str(max(1, math.ceil(seconds)))


@dataclass(frozen=True, slots=True)
class Limits:
    """Requests and tokens per minute and per day (None: no such limit)."""

    requests_per_minute: int | None = 1000
    tokens_per_minute: int | None = 1_000_000
    requests_per_day: int | None = 500_000
    tokens_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request may go ahead, and the headers to send either way."""

    allowed: bool
    headers: dict[str, str]
    retry_after: float = 0.0
    which: str = ""  # "requests" or "tokens" when refused
    what: str = ""  # "tokens per minute (TPM)" ...
    limit: int = 0
    used: int = 0
    requested: int = 0


_NAMES = {
    ("requests", 60.0): ("requests per minute (RPM)", "requests"),
    ("requests", 86_400.0): ("requests per day (RPD)", "requests"),
    ("tokens", 60.0): ("tokens per minute (TPM)", "tokens"),
    ("tokens", 86_400.0): ("tokens per day (TPD)", "tokens"),
}


class _Budget:
    """The buckets of one (API key, model), full when it first sends a request."""

    def __init__(self, limits: Limits, now: float) -> None:
        self.requests = [
            (Bucket.full(capacity, period, now), period)
            for capacity, period in (
                (limits.requests_per_minute, 60.0),
                (limits.requests_per_day, 86_400.0),
            )
            if capacity is not None
        ]
        self.tokens = [
            (Bucket.full(capacity, period, now), period)
            for capacity, period in (
                (limits.tokens_per_minute, 60.0),
                (limits.tokens_per_day, 86_400.0),
            )
            if capacity is not None
        ]

    def refill(self, now: float) -> None:
        for bucket, _ in (*self.requests, *self.tokens):
            bucket.refill(now)

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        day = next((b for b, p in self.requests if p == 86_400.0), None)
        requests = day or next((b for b, _ in self.requests), None)
        minute = next((b for b, p in self.tokens if p == 60.0), None)
        tokens = minute or next((b for b, _ in self.tokens), None)
        if requests is not None:
            headers["x-ratelimit-limit-requests"] = str(int(requests.capacity))
            headers["x-ratelimit-remaining-requests"] = str(max(0, math.floor(requests.level)))
            headers["x-ratelimit-reset-requests"] = go_duration(requests.until_full())
        if tokens is not None:
            headers["x-ratelimit-limit-tokens"] = str(int(tokens.capacity))
            headers["x-ratelimit-remaining-tokens"] = str(max(0, math.floor(tokens.level)))
            headers["x-ratelimit-reset-tokens"] = go_duration(tokens.until_full())
        return headers


class RateBudget:
    """Groq's limits for every (API key, model) that sends requests. Thread-safe.

    One ``_Budget`` per (API key, model), with the arithmetic of
    ``synaptic_core.pacing.Bucket`` (the client's pacing uses the same).
    """

    def __init__(
        self,
        requests_per_minute: int | None = 1000,
        tokens_per_minute: int | None = 1_000_000,
        *,
        requests_per_day: int | None = 500_000,
        tokens_per_day: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = Limits(
            requests_per_minute, tokens_per_minute, requests_per_day, tokens_per_day
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, str], _Budget] = {}

    def reset(self) -> None:
        """Every bucket full again."""
        with self._lock:
            self._budgets.clear()

    def _budget(self, key: str, model: str) -> _Budget:
        now = self._clock()
        budget = self._budgets.get((key, model))
        if budget is None:
            budget = self._budgets[(key, model)] = _Budget(self.limits, now)
        budget.refill(now)
        return budget

    def never_fits(self, tokens: int) -> int | None:
        """The per-minute token limit when one request's ``tokens`` exceed it (Groq: 413)."""
        limit = self.limits.tokens_per_minute
        return limit if limit is not None and tokens > limit else None

    def admit(self, key: str = "", model: str = "", tokens: int = 0) -> Verdict:
        """Take one request and ``tokens`` (the prompt's estimate), or refuse with the wait."""
        with self._lock:
            budget = self._budget(key, model)
            for kind, buckets, amount in (
                ("requests", budget.requests, 1),
                ("tokens", budget.tokens, tokens),
            ):
                for bucket, period in buckets:
                    wait = bucket.wait_for(amount)
                    if wait > 0:
                        what, which = _NAMES[(kind, period)]
                        return Verdict(
                            False,
                            budget.headers(),
                            wait,
                            which,
                            what,
                            int(bucket.capacity),
                            int(bucket.capacity) - max(0, math.floor(bucket.level)),
                            amount,
                        )
            for bucket, _ in budget.requests:
                bucket.level -= 1
            for bucket, _ in budget.tokens:
                bucket.level -= tokens
            return Verdict(True, budget.headers())

    def settle(self, key: str, model: str, reserved: int, used: int) -> dict[str, str]:
        """Replace the ``reserved`` estimate by the ``used`` tokens; the headers after."""
        with self._lock:
            budget = self._budget(key, model)
            for bucket, _ in budget.tokens:
                bucket.level -= used - reserved
            return budget.headers()
