"""``LocalRateLimiter``: one process's budget, shared by its threads and event loops.

A budget is kept per key (``provider:key-hash:model``, chosen by
``RateLimitedChatModel``): requests and tokens, per minute and per day, each a bucket
from ``_buckets``. ``reserve`` takes one request and the estimated tokens and says how
long to wait (FIFO: later callers wait longer); ``settle`` swaps the estimate for the
real usage; ``cancel`` refunds; ``observe`` corrects the buckets from the server's
headers (and learns limits the config left unset); ``pause`` sets the shared "not
before" time after a 429. Nothing here sleeps: the caller waits, so threads and
coroutines pace the same way and a wait can be cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core._errors import RateLimitError, RequestTooLargeError
from synaptic_core._ratelimit import RateLimitInfo
from synaptic_core.pacing._buckets import Bucket

MINUTE = 60.0
DAY = 86_400.0


class Limits(BaseModel):
    """A profile's ``limits``: each optional; unset ones are learned from the
    ``x-ratelimit-*`` headers of the first responses.

    ``max_wait``: the longest a request waits for the budget before failing with a
    ``RateLimitError`` (None: no bound). ``store``: where the budget lives (None: this
    process; ``redis://...`` with ``synaptic[redis]``: every process naming it).
    ``budget``: a name that makes several profiles share one budget. ``headroom``: the
    share of each configured limit kept in reserve (1%), because the server's window
    starts when its first request arrives, a moment after ours: without it the opening
    burst can overrun the server's view by the few requests that moment refills.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    requests_per_minute: int | None = Field(default=None, gt=0)
    tokens_per_minute: int | None = Field(default=None, gt=0)
    requests_per_day: int | None = Field(default=None, gt=0)
    tokens_per_day: int | None = Field(default=None, gt=0)
    max_wait: float | None = Field(default=300.0, gt=0)
    store: str | None = None
    budget: str | None = None
    headroom: float = Field(default=0.01, ge=0, lt=1)

    def capacity(self, value: int | None) -> float | None:
        """A configured limit less the headroom (None stays None)."""
        return None if value is None else max(1.0, value * (1 - self.headroom))


class RateLimiter(Protocol):
    """What ``RateLimitedChatModel`` needs from a budget store (local, Redis, ...)."""

    limits: Limits

    def reserve(self, key: str, tokens: int) -> Reservation: ...
    def settle(self, key: str, reserved: int, used: int) -> None: ...
    def refund(self, key: str, tokens: int) -> None: ...
    def pause(self, key: str, seconds: float) -> None: ...
    def observe(self, key: str, info: RateLimitInfo | None) -> None: ...


@dataclass
class Reservation:
    """One request's claim on a budget: settle it with the real usage, or cancel it.
    ``limiter`` is the store that granted it (a Redis store's local fallback included)."""

    key: str
    tokens: int
    wait: float
    limiter: RateLimiter
    done: bool = field(default=False)

    def settle(self, used_tokens: int | None) -> None:
        """The request finished: count ``used_tokens`` (None: keep the estimate)."""
        if not self.done:
            self.done = True
            self.limiter.settle(
                self.key, self.tokens, self.tokens if used_tokens is None else used_tokens
            )

    def cancel(self) -> None:
        """The request never ran (cancelled, or refused with a 429): refund it."""
        if not self.done:
            self.done = True
            self.limiter.refund(self.key, self.tokens)


@dataclass
class _State:
    requests: dict[float, Bucket] = field(default_factory=dict)  # period -> bucket
    tokens: dict[float, Bucket] = field(default_factory=dict)
    not_before: float = 0.0
    in_flight_requests: int = 0
    in_flight_tokens: int = 0


class LocalRateLimiter:
    """The in-process budget (the default store). Thread-safe; never sleeps.

    ``header_periods``: what the provider's ``x-ratelimit-*-requests`` and ``-tokens``
    headers count over, in seconds. Groq: requests per day and tokens per minute (the
    default); OpenAI: both per minute.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        header_periods: tuple[float, float] = (DAY, MINUTE),
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self.header_periods = header_periods

    def _state(self, key: str, now: float) -> _State:
        state = self._states.get(key)
        if state is None:
            limits = self.limits
            state = self._states[key] = _State()
            for capacity, period, into in (
                (limits.capacity(limits.requests_per_minute), MINUTE, state.requests),
                (limits.capacity(limits.requests_per_day), DAY, state.requests),
                (limits.capacity(limits.tokens_per_minute), MINUTE, state.tokens),
                (limits.capacity(limits.tokens_per_day), DAY, state.tokens),
            ):
                if capacity is not None:
                    into[period] = Bucket.full(capacity, period, now)
        return state

    def reserve(self, key: str, tokens: int) -> Reservation:
        """Claim one request and ``tokens``; the reservation says how long to wait first.

        Raises ``RequestTooLargeError`` at once when ``tokens`` can never fit (more than
        a token limit), and ``RateLimitError`` when the wait would pass ``max_wait``.
        """
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            for period, bucket in state.tokens.items():
                if tokens > bucket.capacity:
                    per = "minute" if period == MINUTE else "day"
                    msg = (
                        f"this request needs about {tokens:,} tokens, more than the limit of "
                        f"{int(bucket.capacity):,} tokens per {per}: it can never be sent as "
                        "is; lower max_tokens or shorten the prompt"
                    )
                    raise RequestTooLargeError(msg, code="rate_limit_exceeded")
            wait = max(0.0, state.not_before - now)
            for bucket in state.requests.values():
                wait = max(wait, bucket.take(1, now))
            for bucket in state.tokens.values():
                wait = max(wait, bucket.take(tokens, now))
            state.in_flight_requests += 1
            state.in_flight_tokens += tokens
            reservation = Reservation(key, tokens, wait, self)
            max_wait = self.limits.max_wait
            if max_wait is not None and wait > max_wait:
                self._refund(state, tokens, now)
                msg = (
                    f"the rate-limit budget needs a {wait:.1f}s wait, more than max_wait "
                    f"({max_wait:g}s); raise max_wait or lower the load"
                )
                raise RateLimitError(msg, retry_after=wait, retryable=False)
            return reservation

    def _refund(self, state: _State, tokens: int, now: float) -> None:
        for bucket in state.requests.values():
            bucket.give(1, now)
        for bucket in state.tokens.values():
            bucket.give(tokens, now)
        state.in_flight_requests -= 1
        state.in_flight_tokens -= tokens

    def refund(self, key: str, tokens: int) -> None:
        """Give back a reservation that never ran."""
        with self._lock:
            now = self._clock()
            self._refund(self._state(key, now), tokens, now)

    def settle(self, key: str, reserved: int, used: int) -> None:
        """Replace the ``reserved`` estimate by the ``used`` tokens."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            for bucket in state.tokens.values():
                bucket.give(reserved - used, now)
            state.in_flight_requests -= 1
            state.in_flight_tokens -= reserved

    def pause(self, key: str, seconds: float) -> None:
        """A 429 said wait ``seconds``: nobody on this budget starts before then."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            state.not_before = max(state.not_before, now + seconds)

    def observe(self, key: str, info: RateLimitInfo | None) -> None:
        """Correct the local view from the server's headers; learn unset limits."""
        if info is None:
            return
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            requests_period, tokens_period = self.header_periods
            for limit, remaining, period, buckets, in_flight in (
                (
                    info.limit_requests,
                    info.remaining_requests,
                    requests_period,
                    state.requests,
                    state.in_flight_requests,
                ),
                (
                    info.limit_tokens,
                    info.remaining_tokens,
                    tokens_period,
                    state.tokens,
                    state.in_flight_tokens,
                ),
            ):
                bucket = buckets.get(period)
                if bucket is None and limit:
                    bucket = buckets[period] = Bucket.full(limit, period, now)
                if bucket is not None and remaining is not None:
                    bucket.correct(remaining, now, in_flight)

    def learn(self, key: str, kind: str, period: float, limit: int) -> None:
        """A 429 named a limit the headers do not carry (Groq's requests per minute):
        add it, empty (the server just said it is used up)."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            buckets = state.requests if kind == "requests" else state.tokens
            if period not in buckets and limit > 0:
                bucket = buckets[period] = Bucket.full(limit, period, now)
                in_flight = (
                    state.in_flight_requests if kind == "requests" else state.in_flight_tokens
                )
                bucket.correct(0, now, in_flight)

    def snapshot(self, key: str) -> dict[str, float]:
        """The levels of ``key``'s buckets now (for tests and the CLI)."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            levels: dict[str, float] = {}
            for name, buckets in (("requests", state.requests), ("tokens", state.tokens)):
                for period, bucket in buckets.items():
                    bucket.refill(now)
                    levels[f"{name}_per_{'minute' if period == MINUTE else 'day'}"] = bucket.level
            return levels
