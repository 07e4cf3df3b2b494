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
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core._errors import RateLimitError, RequestTooLargeError
from synaptic_core._ratelimit import RateLimitInfo
from synaptic_core.pacing._buckets import Bucket

if TYPE_CHECKING:
    from synaptic_core.pacing._saved import SavedBudgets

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
    audio_seconds_per_hour: float | None = Field(default=None, gt=0)
    """Audio models only (Groq's ASH): seconds of audio sent per hour."""
    audio_seconds_per_day: float | None = Field(default=None, gt=0)
    """Audio models only (Groq's ASD)."""
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

    # Optional (``getattr``): ``recheck(reservation) -> float``, the extra wait of a
    # reservation granted before a 429 reset the budget (0 when none did); and
    # ``epochs = True`` for a store whose ``settle`` / ``refund`` take ``epoch=`` (a
    # reservation granted before the last reset gives nothing back: the reset replaced
    # the budget it was taken from).


@dataclass
class Reservation:
    """One request's claim on a budget: settle it with the real usage, or cancel it.
    ``limiter`` is the store that granted it (a Redis store's local fallback included)."""

    key: str
    tokens: int
    wait: float
    limiter: RateLimiter
    done: bool = field(default=False)
    epoch: int = 0
    """The budget's count of 429 resets when this was granted (see ``recheck``)."""

    def _epoch(self) -> dict[str, int]:
        """``epoch=`` for a store that takes it (``epochs``), else nothing."""
        return {"epoch": self.epoch} if getattr(self.limiter, "epochs", False) else {}

    def settle(self, used_tokens: int | None) -> None:
        """The request finished: count ``used_tokens`` (None: keep the estimate)."""
        if not self.done:
            self.done = True
            used = self.tokens if used_tokens is None else used_tokens
            self.limiter.settle(self.key, self.tokens, used, **self._epoch())

    def cancel(self) -> None:
        """The request never ran (cancelled, or refused with a 429): refund it."""
        if not self.done:
            self.done = True
            self.limiter.refund(self.key, self.tokens, **self._epoch())

    def recheck(self) -> float:
        """After waiting: 0 to go, or the wait of a new claim when a 429 reset the budget
        since this was granted (the store's ``recheck``, else 0)."""
        recheck = getattr(self.limiter, "recheck", None)
        return 0.0 if recheck is None else float(recheck(self))

    # Async twins: a store with ``asettle`` / ``arefund`` / ``arecheck`` (Redis) talks to
    # its server without blocking the event loop; any other store's sync methods are
    # called as they are (in-memory, they never wait on I/O).

    async def asettle(
        self, used_tokens: int | None, rate_limit: RateLimitInfo | None = None
    ) -> bool:
        """``settle`` for async code. ``rate_limit`` (the response's headers) goes along
        to a store that reads them in the same round trip (``settle_observes``): True
        when it did, so the caller observes them itself only when it did not."""
        asettle = getattr(self.limiter, "asettle", None)
        if asettle is None:
            self.settle(used_tokens)
            return False
        if self.done:
            return False
        self.done = True
        used = self.tokens if used_tokens is None else used_tokens
        options: dict[str, object] = dict(self._epoch())
        observes = rate_limit is not None and bool(getattr(self.limiter, "settle_observes", False))
        if observes:
            options["rate_limit"] = rate_limit
        await asettle(self.key, self.tokens, used, **options)
        return observes

    async def acancel(self) -> None:
        """``cancel`` for async code."""
        arefund = getattr(self.limiter, "arefund", None)
        if arefund is None:
            self.cancel()
            return
        if not self.done:
            self.done = True
            await arefund(self.key, self.tokens, **self._epoch())

    async def arecheck(self) -> float:
        """After waiting: 0 to go, or the wait of a new claim when a 429 reset the budget
        since this was granted (the store's ``arecheck``, else ``recheck``, else 0)."""
        arecheck = getattr(self.limiter, "arecheck", None)
        return self.recheck() if arecheck is None else float(await arecheck(self))


@dataclass
class _State:
    requests: dict[float, Bucket] = field(default_factory=dict)  # period -> bucket
    tokens: dict[float, Bucket] = field(default_factory=dict)
    not_before: float = 0.0
    in_flight_requests: int = 0
    in_flight_tokens: int = 0
    resets: int = 0  # 429s seen: a reservation granted before the last one is stale
    remembered: bool = False  # started from what an earlier process left (SavedBudgets)


def _empty_until_not_before(state: _State, now: float) -> None:
    """The buckets a pause speaks for restart from empty at ``not_before`` (one
    request's room, then their rate): the per-minute ones, and the per-day ones too when
    the pause is longer than a minute (a day's limit)."""
    pause = state.not_before - now
    for buckets, first in ((state.requests, 1.0), (state.tokens, 0.0)):
        for bucket in buckets.values():
            if bucket.period <= MINUTE or pause > MINUTE:
                # A retry-after is when one request fits again: that one, then the rate
                # (for tokens, nothing is known of the next request).
                bucket.empty_until(pause, now, then=first)


def budget_wait_error(wait: float, max_wait: float, *, remembered: str = "") -> RateLimitError:
    """The budget needs a longer wait than allowed: refused here, never sent (``code``
    ``local_budget``, no status: a bulk job does not count the line as failed).
    ``remembered``: the file an earlier run left this budget's state in, if any."""
    msg = (
        f"the rate-limit budget needs a {wait:.1f}s wait, more than max_wait "
        f"({max_wait:g}s); raise max_wait or lower the load"
    )
    if remembered:
        msg += (
            f" (the budget as an earlier run on this machine left it, in {remembered}; "
            "delete that file to forget it)"
        )
    error = RateLimitError(msg, retry_after=wait, retryable=False, code=LOCAL_BUDGET)
    error.remembered = remembered or None
    return error


#: ``code`` of an error raised by the budget itself (the request was never sent).
LOCAL_BUDGET = "local_budget"


class LocalRateLimiter:
    """The in-process budget (the default store). Thread-safe; never sleeps.

    ``header_periods``: what the provider's ``x-ratelimit-*-requests`` and ``-tokens``
    headers count over, in seconds. Groq: requests per day and tokens per minute (the
    default); OpenAI: both per minute. ``saved``: a file that carries the budget's levels
    from one process to the next on this machine (``SavedBudgets``, as the CLI does);
    None: every process starts full.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        header_periods: tuple[float, float] = (DAY, MINUTE),
        saved: SavedBudgets | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self.header_periods = header_periods
        self.saved = saved

    def flush(self) -> None:
        """Write every budget to ``saved`` now (at exit: the last moments count most)."""
        with self._lock:
            self._save(self._clock(), force=True)

    def _save(self, now: float, *, force: bool = False) -> None:
        """Every budget of this store to ``saved`` (at most every ``saved.every``
        seconds; a 429 or a learned limit at once). The caller holds the lock."""
        saved = self.saved
        if saved is not None and (force or saved.due(now)):
            saved.save(
                {k: (s.requests, s.tokens, s.not_before) for k, s in self._states.items()}, now
            )

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
            if self.saved is not None:
                state.not_before, state.remembered = self.saved.restore(
                    key, state.requests, state.tokens, now
                )
                if state.not_before > now:  # the last process's 429: still paused
                    _empty_until_not_before(state, now)
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
            return self._claim(key, state, tokens, now)

    def _claim(self, key: str, state: _State, tokens: int, now: float) -> Reservation:
        wait = max(0.0, state.not_before - now)
        for bucket in state.requests.values():
            wait = max(wait, bucket.take(1, now))
        for bucket in state.tokens.values():
            wait = max(wait, bucket.take(tokens, now))
        state.in_flight_requests += 1
        state.in_flight_tokens += tokens
        reservation = Reservation(key, tokens, wait, self, epoch=state.resets)
        max_wait = self.limits.max_wait
        if max_wait is not None and wait > max_wait:
            self._refund(state, tokens, now)
            remembered = str(self.saved.path) if state.remembered and self.saved else ""
            raise budget_wait_error(wait, max_wait, remembered=remembered)
        self._save(now)  # a burst of claims is spent budget too (a kill -9 may follow)
        return reservation

    def recheck(self, reservation: Reservation) -> float:
        """After waiting: 0 to go, or the wait of a new claim when a 429 reset the budget
        after this one was granted (its place in the old queue no longer exists: every
        stale waiter queues again behind the pause, at the configured rate)."""
        with self._lock:
            now = self._clock()
            state = self._state(reservation.key, now)
            if reservation.epoch == state.resets:
                return 0.0
            state.in_flight_requests -= 1  # the old claim went with the reset, unrefunded
            state.in_flight_tokens -= reservation.tokens
            try:
                fresh = self._claim(reservation.key, state, reservation.tokens, now)
            except RateLimitError:
                reservation.done = True
                raise
            reservation.wait, reservation.epoch = fresh.wait, fresh.epoch
            return fresh.wait

    def _refund(self, state: _State, tokens: int, now: float) -> None:
        for bucket in state.requests.values():
            bucket.give(1, now)
        for bucket in state.tokens.values():
            bucket.give(tokens, now)
        state.in_flight_requests -= 1
        state.in_flight_tokens -= tokens

    #: ``settle`` and ``refund`` take the reservation's ``epoch``.
    epochs = True

    def refund(self, key: str, tokens: int, *, epoch: int | None = None) -> None:
        """Give back a reservation that never ran (one granted before the last 429
        reset gives nothing back: the reset emptied the budget it came from)."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            if epoch is not None and epoch != state.resets:
                state.in_flight_requests -= 1
                state.in_flight_tokens -= tokens
                return
            self._refund(state, tokens, now)

    def settle(self, key: str, reserved: int, used: int, *, epoch: int | None = None) -> None:
        """Replace the ``reserved`` estimate by the ``used`` tokens."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            if epoch is None or epoch == state.resets:
                for bucket in state.tokens.values():
                    bucket.give(reserved - used, now)
            state.in_flight_requests -= 1
            state.in_flight_tokens -= reserved
            self._save(now)

    def pause(self, key: str, seconds: float) -> None:
        """A 429 said wait ``seconds``: the server's budget is spent, whatever was
        configured. Nobody on this budget starts before then, and the buckets it speaks
        for restart from empty at that time (one request's room, then refilling at their
        rate: no burst after the pause): the per-minute ones, and the per-day ones too
        when the pause is longer than a minute (a day's limit). Claims granted before
        are stale (``recheck`` queues them again)."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            state.not_before = max(state.not_before, now + seconds)
            state.resets += 1
            _empty_until_not_before(state, now)
            self._save(now, force=True)
            # Every claim granted before is void (recheck re-queues the waiting ones);
            # those still in flight are the server's to count now.

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
            self._save(now)

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
                self._save(now, force=True)

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
