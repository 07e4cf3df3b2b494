"""``AudioBudget``: Groq's audio limits in this process: requests per minute and per day,
and **audio seconds per hour and per day** (ASH and ASD, groq-api.md section 10; free
plan: 20 RPM, 2,000 RPD, 7,200 ASH, 28,800 ASD).

An upload's seconds (read from its header, or estimated from its size) are taken from
the budget, at least ``MIN_BILLED`` (Groq bills 10 s at least); a request that does not
fit waits until the buckets refill (first come, first served: the buckets go into debt,
as the chat budgets do, ``synaptic_core.pacing._buckets``). A wait past ``max_wait`` is
a ``RateLimitError`` with ``code="local_budget"``, raised before anything is sent.
Thread-safe: ``synaptic transcribe``'s workers share one.

What the server says is believed over what the budget thinks: a 429 gives the refused
request back and pauses the budget until its ``retry-after`` (so the requests behind it
wait too, instead of meeting the same 429); the ``x-ratelimit-*-requests`` headers lower
the bucket whose limit they name. With ``saved`` (the CLI's ``budgets.json``) a budget
starts from what the last process left of it, so a run started right after a killed
one does not burst into a budget that one spent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from synaptic_core._errors import RateLimitError
from synaptic_core.pacing._buckets import Bucket

if TYPE_CHECKING:
    from synaptic_core._ratelimit import RateLimitInfo
    from synaptic_core.pacing._saved import SavedBudgets

MIN_BILLED = 10.0
WAIT_MARGIN = 0.25
"""Added to any wait: the server's buckets started at its first request, a moment after
ours, so a request sent the instant ours has room can find the server's a little short
(a 429 the retry then waits out behind everyone else). A quarter second covers the
moment and costs little against waits of seconds."""
MINUTE, HOUR, DAY = 60.0, 3600.0, 86_400.0
_PER = {MINUTE: "minute", HOUR: "hour", DAY: "day"}


def too_long(seconds: float, capacity: float, period: float) -> RateLimitError:
    """Audio longer than a bucket holds: it can never be sent as it is."""
    msg = (
        f"this audio is {seconds:.0f} s; the budget allows {capacity:.0f} audio seconds "
        f"per {_PER.get(period, f'{period:g} s')}: split it"
    )
    return RateLimitError(msg, provider="synaptic", code="local_budget", retryable=False)


def too_late(wait: float, max_wait: float) -> RateLimitError:
    """A wait past ``max_wait``: refused before anything is sent."""
    msg = (
        f"the audio budget would make this request wait {wait:.0f} s, more than "
        f"max_wait ({max_wait:g} s)"
    )
    return RateLimitError(msg, provider="synaptic", retry_after=wait, code="local_budget")


def refused_kind(error: RateLimitError) -> str:
    """Which budget a 429 names: ``"seconds"`` when its message speaks of audio seconds
    (Groq's ASH/ASD), else ``"requests"``."""
    text = str(error).lower()
    return "seconds" if "audio seconds" in text or "(ash)" in text or "(asd)" in text \
        else "requests"  # fmt: skip


class SharedAudioBudget(Protocol):
    """What the wrappers need from a budget: ``AudioBudget`` in this process, or a
    store's (``synaptic_redis.RedisAudioBudget``) shared by every process naming it.
    ``audio=False``: a request that costs no audio seconds up front (speech)."""

    def reserve(self, seconds: float, *, audio: bool = True) -> float: ...
    def settle(self, rate_limit: RateLimitInfo | None) -> None: ...
    def refused(self, seconds: float, error: RateLimitError, *, audio: bool = True) -> None: ...
    async def areserve(self, seconds: float, *, audio: bool = True) -> float: ...
    async def asettle(self, rate_limit: RateLimitInfo | None) -> None: ...
    async def arefused(
        self, seconds: float, error: RateLimitError, *, audio: bool = True
    ) -> None: ...


class AudioBudget:
    """The audio limits of one key and model, in this process (``saved``/``key``: where
    its levels are remembered between processes)."""

    def __init__(
        self,
        *,
        requests_per_minute: int | None = None,
        requests_per_day: int | None = None,
        audio_seconds_per_hour: float | None = None,
        audio_seconds_per_day: float | None = None,
        max_wait: float | None = 300.0,
        clock: Callable[[], float] = time.monotonic,
        saved: SavedBudgets | None = None,
        key: str = "audio",
    ) -> None:
        self.clock = clock
        self.max_wait = max_wait
        self.saved = saved
        self.key = key
        self._lock = threading.Lock()
        self._limits = (
            ((requests_per_minute, MINUTE), (requests_per_day, DAY)),
            ((audio_seconds_per_hour, HOUR), (audio_seconds_per_day, DAY)),
        )
        self._requests: list[Bucket] = []
        self._seconds: list[Bucket] = []
        self._started = False
        self._not_before = 0.0
        self._in_flight = 0
        self.remembered = False  # whether ``saved`` held this budget when it started

    def _start(self, now: float) -> None:
        """The buckets start full at the first request, as the server's do (started at
        construction, they would refill for a while the server's never did), lowered
        to what ``saved`` remembers."""
        requests, seconds = self._limits
        self._requests = [Bucket.full(float(n), period, now) for n, period in requests if n]
        self._seconds = [Bucket.full(float(n), period, now) for n, period in seconds if n]
        self._started = True
        if self.saved is not None:  # seconds kept under "tokens": the file's one format
            by_period = {b.period: b for b in self._requests}, {b.period: b for b in self._seconds}
            not_before, self.remembered = self.saved.restore(self.key, *by_period, now)
            self._not_before = max(self._not_before, not_before)

    def _save(self, now: float, *, force: bool = False) -> None:
        saved = self.saved
        if saved is not None and self._started and (force or saved.due(now)):
            levels = ({b.period: b for b in self._requests},
                      {b.period: b for b in self._seconds}, self._not_before)  # fmt: skip
            saved.save({self.key: levels}, now)

    def flush(self) -> None:
        """Write the levels to ``saved`` now (the CLI's commands on their way out)."""
        with self._lock:
            self._save(self.clock(), force=True)

    def restart_shared(self, share: float) -> None:
        """Start again at ``share`` of every limit (a shared store went away: this
        process's part of the budget). The per-minute and per-hour buckets start empty,
        never full, so nothing bursts; the per-day ones full at their share."""
        with self._lock:
            now = self.clock()
            requests, seconds = self._limits
            self._requests = [
                Bucket(n * share, period, n * share if period >= DAY else 0.0, now)
                for n, period in requests
                if n
            ]
            self._seconds = [
                Bucket(n * share, period, n * share if period >= DAY else 0.0, now)
                for n, period in seconds
                if n
            ]
            self._started = True

    def reserve(self, seconds: float, *, audio: bool = True) -> float:
        """Take one request and ``seconds`` of audio (at least 10; none with
        ``audio=False``); how long to wait before sending. ``RateLimitError`` (nothing
        taken) when that is past ``max_wait`` or the audio is longer than a bucket."""
        billed = max(seconds, MIN_BILLED) if audio else 0.0
        with self._lock:
            now = self.clock()
            if not self._started:
                self._start(now)
            wait = max(0.0, self._not_before - now)
            for bucket in self._requests:
                bucket.refill(now)
                wait = max(wait, bucket.wait_for(1.0))
            for bucket in self._seconds if billed else ():
                bucket.refill(now)
                if billed > bucket.capacity:
                    raise too_long(seconds, bucket.capacity, bucket.period)
                wait = max(wait, bucket.wait_for(billed))
            if self.max_wait is not None and wait > self.max_wait:
                raise too_late(wait, self.max_wait)
            for bucket in self._requests:
                bucket.take(1.0, now)
            for bucket in self._seconds if billed else ():
                bucket.take(billed, now)
            self._in_flight += 1
            self._save(now)
            return wait + WAIT_MARGIN if wait > 0 else 0.0

    def settle(self, rate_limit: RateLimitInfo | None) -> None:
        """A request answered (or failed other than by a 429): no longer in flight, and
        the answer's ``x-ratelimit-*-requests`` lower the bucket whose limit they name
        when no other request is in flight here."""
        with self._lock:
            now = self.clock()
            self._in_flight = max(0, self._in_flight - 1)
            limit = None if rate_limit is None else rate_limit.limit_requests
            remaining = None if rate_limit is None else rate_limit.remaining_requests
            # Only with nothing else in flight: a request sent later may have reached
            # the server first and be counted in ``remaining`` already (subtracting it
            # again would stall a busy job); the 429 pause covers the rest.
            if limit is not None and remaining is not None and not self._in_flight:
                for bucket in self._requests:
                    if abs(bucket.capacity - limit) < 0.5:
                        bucket.correct(float(remaining), now, 0.0)
            self._save(now)

    def refused(self, seconds: float, error: RateLimitError, *, audio: bool = True) -> None:
        """The server answered 429: the request spent nothing there, so it is given
        back, and the budget its message names pauses until ``retry-after`` (its short
        buckets empty until then, with one request's room at the end; a bucket already
        deeper in debt, with requests queued here, is left as it is), so the requests
        behind it queue instead of meeting the same 429."""
        billed = max(seconds, MIN_BILLED) if audio else 0.0
        with self._lock:
            now = self.clock()
            if not self._started:
                self._start(now)
            self._in_flight = max(0, self._in_flight - 1)
            for bucket in self._requests:
                bucket.give(1.0, now)
            for bucket in self._seconds if billed else ():
                bucket.give(billed, now)
            pause = error.retry_after
            if pause is not None and pause > 0:
                self._not_before = max(self._not_before, now + pause)
                seconds_named = refused_kind(error) == "seconds"
                buckets, room = (self._seconds, billed or MIN_BILLED) if seconds_named \
                    else (self._requests, 1.0)  # fmt: skip
                for bucket in buckets:  # lowered, never raised: claims queued here stand
                    if bucket.period <= HOUR:
                        level = bucket.level
                        bucket.empty_until(pause, now, then=min(room, bucket.capacity))
                        bucket.level = min(level, bucket.level)
            self._save(now, force=True)

    async def areserve(self, seconds: float, *, audio: bool = True) -> float:
        """``reserve`` for async code (in this process, nothing to wait on)."""
        return self.reserve(seconds, audio=audio)

    async def asettle(self, rate_limit: RateLimitInfo | None) -> None:
        self.settle(rate_limit)

    async def arefused(self, seconds: float, error: RateLimitError, *, audio: bool = True) -> None:
        self.refused(seconds, error, audio=audio)


def audio_budget_key(model: Any, budget: str | None = None) -> str:
    """``audio:`` and chat's ``budget_key``: ``audio:provider:key-hash:model`` (the key
    itself never leaves it), or ``audio:budget:NAME`` when a profile names one."""
    from synaptic_core.pacing._model import budget_key  # noqa: PLC0415

    return f"audio:{budget_key(model, budget)}"
