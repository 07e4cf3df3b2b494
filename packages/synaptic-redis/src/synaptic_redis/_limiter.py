"""``RedisRateLimiter``: one budget for every process and machine that names the store.

The same arithmetic as the in-process store (``synaptic_core.pacing``: continuously
refilled buckets that go into debt, so waits are handed out first come, first served; a
429 empties the budget until its retry-after and voids the claims granted before), done
by one Lua script call per operation (``_script``), so every update is atomic; time is
the Redis server's (``TIME``), never a machine's own clock, so hosts with skewed clocks
share one view. A budget is one hash, ``synaptic:budget:<provider>:<sha256 of the key,
16 hex>:<model>``, and a sorted set of the workers sharing it: the API key itself never
reaches Redis.

Sync code calls ``reserve`` / ``settle`` / ...; async code their ``a``-twins, which talk
to Redis without blocking the event loop: one round trip to reserve, one to settle and
read the response's headers together (``asettle(..., rate_limit=...)``).

An outage (refused, reset, timed out, or an error reply such as ``READONLY`` from a
replica after a failover) never stops requests and never surfaces a Redis error: the
store falls back to a local budget (one warning) whose per-minute buckets start EMPTY
(never full: no burst) and which refills at this process's last known share of the
shared one (1 / the workers that reserved in the last minute), so N processes cut off
from Redis still pace at the organisation's rate together; it tries Redis again after
``retry_interval`` seconds and resyncs from the next responses' headers.
``on_outage="raise"`` raises ``NetworkError`` instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Literal

from synaptic_core import RateLimitInfo, RequestTooLargeError
from synaptic_core.pacing import Limits, LocalRateLimiter, Reservation, budget_wait_error
from synaptic_redis._link import StoreLink
from synaptic_redis._resp import Arg, AsyncClient, Endpoint, SyncClient
from synaptic_redis._script import SCRIPT, SHA, WORKER_WINDOW

_NAMES = {"r": "requests", "t": "tokens"}
_MINUTE = 60.0
_DAY = 86_400.0


def _too_large(tokens: int, limit: float, period: float) -> RequestTooLargeError:
    per = "minute" if period == _MINUTE else "day"
    msg = (
        f"this request needs about {tokens:,} tokens, more than the limit of "
        f"{int(limit):,} tokens per {per}: it can never be sent as is; "
        "lower max_tokens or shorten the prompt"
    )
    return RequestTooLargeError(msg, code="rate_limit_exceeded")


class _Fallback(LocalRateLimiter):
    """This process's share of the budget, for while Redis is away.

    Each outage starts its per-minute buckets EMPTY, never full: a full local budget
    would burst (32 lines in 0.7 s under 60 a minute, the moment Redis died). Every
    bucket refills at ``share`` of its limit, the share the store last reported, so
    processes cut off together still pace at the shared rate. A per-day bucket starts at
    its share of what the headers last said was left today (an outage spends nothing;
    emptied, it would pace a Groq key at its daily average: 14,400 a day is 10 a minute),
    the per-minute ones stopping any burst. A pause it saw (a 429, mirrored while Redis
    was up) still holds: its debt is kept, in time.
    """

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float],
        header_periods: tuple[float, float],
    ) -> None:
        super().__init__(limits, clock=clock, header_periods=header_periods)
        self._shares: dict[str, float] = {}  # key -> share its buckets are scaled to
        self._scaled: dict[str, dict[tuple[str, float], float]] = {}  # ... each bucket's

    def restart(self, key: str, share: float) -> None:
        """An outage began: ``key``'s per-minute buckets empty now, and every bucket
        refills at ``share`` of its limit."""
        with self._lock:
            now = self._clock()
            self._shares[key] = share
            self._scale(key, now, empty=True)

    def _scale(self, key: str, now: float, *, empty: bool) -> None:
        state = self._state(key, now)
        share = self._shares.get(key, 1.0)
        scaled = self._scaled.setdefault(key, {})
        for kind, buckets in (("requests", state.requests), ("tokens", state.tokens)):
            for period, bucket in buckets.items():
                old = scaled.get((kind, period), 1.0)
                if not empty and old == share:
                    continue
                bucket.refill(now)
                level = bucket.level
                if empty and period <= _MINUTE:
                    level = min(0.0, level)
                bucket.capacity *= share / old
                bucket.level = level * share / old  # the same time to refill, at the new rate
                scaled[(kind, period)] = share

    def reserve(self, key: str, tokens: int) -> Reservation:
        """As the local store does, except that a request too large for this process's
        share, but not for the whole budget, waits for it rather than failing."""
        with self._lock:
            now = self._clock()
            state = self._state(key, now)
            scaled = self._scaled.get(key, {})
            for period, bucket in state.tokens.items():
                whole = bucket.capacity / scaled.get(("tokens", period), 1.0)
                if tokens > whole:
                    raise _too_large(tokens, whole, period)
            return self._claim(key, state, tokens, now)

    def observe(self, key: str, info: RateLimitInfo | None) -> None:
        """As the local store does; a limit learned here is this process's share of it."""
        super().observe(key, info)
        with self._lock:
            self._scale(key, self._clock(), empty=False)

    def learn(self, key: str, kind: str, period: float, limit: int) -> None:
        super().learn(key, kind, period, limit)
        with self._lock:
            self._scale(key, self._clock(), empty=False)

    def paused_for(self, key: str) -> float:
        """Seconds until the last pause this process saw on ``key`` ends (0: none)."""
        with self._lock:
            now = self._clock()
            return max(0.0, self._state(key, now).not_before - now)


class RedisRateLimiter:
    """A ``RateLimiter`` whose budgets live in Redis (``redis://host:port/db``,
    ``rediss://`` for TLS, ``unix:///path?db=N``; see ``synaptic_redis._resp.parse_url``
    for the URL's options). Connects on first use; ``timeout`` bounds every call."""

    #: ``settle`` / ``refund`` (and their twins) take the reservation's ``epoch``.
    epochs = True
    #: ``asettle`` takes ``rate_limit=``: settle and observe in one round trip.
    settle_observes = True

    def __init__(
        self,
        limits: Limits,
        *,
        url: str | None = None,
        header_periods: tuple[float, float] = (_DAY, _MINUTE),
        on_outage: Literal["local", "raise"] = "local",
        retry_interval: float = 1.0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.url = url or limits.store or "redis://127.0.0.1:6379/0"
        self.link = StoreLink(self.url, on_outage=on_outage, retry_interval=retry_interval,
                              timeout=timeout, clock=clock)  # fmt: skip
        self.endpoint: Endpoint = self.link.endpoint
        self.header_periods = header_periods
        self.on_outage = on_outage
        self.retry_interval = retry_interval
        self._conf = json.dumps(
            {
                k: v
                for k, v in {
                    "r:60": limits.capacity(limits.requests_per_minute),
                    "r:86400": limits.capacity(limits.requests_per_day),
                    "t:60": limits.capacity(limits.tokens_per_minute),
                    "t:86400": limits.capacity(limits.tokens_per_day),
                }.items()
                if v is not None
            }
        )
        self.local = _Fallback(limits, clock=clock, header_periods=header_periods)
        self._clock = clock
        self._lock = threading.Lock()
        self._restarted: dict[str, int] = {}  # key -> the outage its fallback started in
        self._shares: dict[str, float] = {}  # key -> 1 / workers, as last reserved

    def __repr__(self) -> str:
        return f"RedisRateLimiter({self._public_url()!r})"

    def _public_url(self) -> str:
        return self.link.public_url()  # never a password

    @property
    def _sync(self) -> SyncClient:
        return self.link.sync

    @property
    def _async(self) -> AsyncClient:
        return self.link.async_

    @staticmethod
    def redis_key(key: str) -> str:
        return f"synaptic:budget:{key}"

    @staticmethod
    def workers_key(key: str) -> str:
        return f"synaptic:workers:{key}"

    @property
    def worker(self) -> str:
        """This process's id among the budget's workers (a fork gets its own)."""
        return self.link.worker

    def share(self, key: str) -> float:
        """This process's share of ``key``'s budget, as Redis last said (1: unknown)."""
        return self._shares.get(key, 1.0)

    def close(self) -> None:
        """Close the idle connections (sync and async); the limiter stays usable."""
        self.link.close()

    async def aclose(self) -> None:
        self.close()

    # --- talking to Redis, or falling back ----------------------------------------------

    def _command(self, key: str, args: tuple[Arg, ...]) -> list[Arg]:
        """``EVALSHA``'s arguments after the SHA: the keys, the operation (``args[0]``),
        the configured capacities, the operation's own arguments."""
        return [2, self.redis_key(key), self.workers_key(key), args[0], self._conf, *args[1:]]

    def _call(self, key: str, *args: Arg) -> list[str] | None:
        """Run the script (blocking); None when Redis is away and the local budget answers."""
        return self.link.call(SCRIPT, SHA, self._command(key, args))

    async def _acall(self, key: str, *args: Arg) -> list[str] | None:
        """``_call`` without blocking the event loop."""
        return await self.link.acall(SCRIPT, SHA, self._command(key, args))

    def _fallback(self, key: str) -> _Fallback:
        """The local budget, restarted empty at this process's share once per outage."""
        with self._lock:
            if self._restarted.get(key) != self.link.outages:
                self._restarted[key] = self.link.outages
                self.local.restart(key, self.share(key))
        return self.local

    # --- what goes in, what comes out ---------------------------------------------------

    def _max_wait(self) -> float:
        max_wait = self.limits.max_wait
        return -1.0 if max_wait is None else max_wait

    def _reserve_args(self, tokens: int) -> tuple[Arg, ...]:
        return ("reserve", tokens, self._max_wait(), self.worker, WORKER_WINDOW)

    def _granted(self, key: str, tokens: int, result: list[str] | None) -> Reservation:
        if result is None:
            return self._fallback(key).reserve(key, tokens)
        status = result[0]
        if status == "never":
            raise _too_large(tokens, float(result[1]), float(result[2]))
        wait = float(result[1])
        if status == "late":
            self._shares[key] = 1 / max(1, int(result[2]))
            raise budget_wait_error(wait, self._max_wait())
        self._shares[key] = 1 / max(1, int(result[3]))
        return Reservation(key, tokens, wait, self, epoch=int(result[2]))

    def _recheck_args(self, reservation: Reservation) -> tuple[Arg, ...]:
        return ("recheck", reservation.epoch, reservation.tokens, self._max_wait())

    def _rechecked(self, reservation: Reservation, result: list[str] | None) -> float:
        if result is None:
            # Redis is away: the shared grant stands, behind any pause seen here.
            return self.local.paused_for(reservation.key)
        wait = float(result[1])
        if result[0] == "late":
            reservation.done = True  # the old claim went with the reset; no new one
            raise budget_wait_error(wait, self._max_wait())
        epoch = int(result[2])
        if epoch != reservation.epoch:
            reservation.wait, reservation.epoch = wait, epoch
        return wait

    @staticmethod
    def _give_args(requests: int, tokens: int, reserved: int, epoch: int | None) -> tuple[Arg, ...]:
        return ("give", requests, tokens, reserved, "" if epoch is None else epoch)

    def _observations(self, key: str, info: RateLimitInfo | None) -> tuple[Arg, ...]:
        """Mirror ``info`` locally (a fallback starts from it); the script's arguments."""
        self.local.observe(key, info)
        if info is None:
            return ()
        requests_period, tokens_period = self.header_periods
        args: list[Arg] = []
        for kind, period, limit, remaining in (
            ("r", requests_period, info.limit_requests, info.remaining_requests),
            ("t", tokens_period, info.limit_tokens, info.remaining_tokens),
        ):
            if limit is not None or remaining is not None:
                args += [
                    kind,
                    int(period),
                    "" if limit is None else limit,
                    "" if remaining is None else remaining,
                ]
        return tuple(args)

    # --- the RateLimiter protocol (sync) ------------------------------------------------

    def reserve(self, key: str, tokens: int) -> Reservation:
        """Claim one request and ``tokens`` (one round trip); see ``LocalRateLimiter``."""
        return self._granted(key, tokens, self._call(key, *self._reserve_args(tokens)))

    def recheck(self, reservation: Reservation) -> float:
        """0 to go, or the wait of a new claim when a 429 reset the budget meanwhile."""
        if reservation.limiter is not self:  # granted by the fallback
            return self.local.recheck(reservation)
        return self._rechecked(
            reservation, self._call(reservation.key, *self._recheck_args(reservation))
        )

    def settle(self, key: str, reserved: int, used: int, *, epoch: int | None = None) -> None:
        # Lost in an outage: the next headers resync the shared view.
        self._call(key, *self._give_args(0, reserved - used, reserved, epoch))

    def refund(self, key: str, tokens: int, *, epoch: int | None = None) -> None:
        self._call(key, *self._give_args(1, tokens, tokens, epoch))

    def pause(self, key: str, seconds: float) -> None:
        self.local.pause(key, seconds)  # also locally, so a fallback honours it
        self._call(key, "pause", seconds)

    def observe(self, key: str, info: RateLimitInfo | None) -> None:
        args = self._observations(key, info)
        if args:
            self._call(key, "observe", *args)

    def learn(self, key: str, kind: str, period: float, limit: int) -> None:
        """A limit named by a 429 (Groq's requests per minute), added empty."""
        self.local.learn(key, kind, period, limit)
        self._call(key, "observe", kind[0], int(period), limit, 0)

    def snapshot(self, key: str) -> dict[str, float]:
        """The levels of ``key``'s buckets in Redis now."""
        result = self._call(key, "snapshot") or []
        levels: dict[str, float] = {}
        for name, value in zip(result[::2], result[1::2], strict=False):
            kind, period = name.split(":")
            levels[f"{_NAMES[kind]}_per_{'minute' if period == '60' else 'day'}"] = float(value)
        return levels

    # --- the async twins: the event loop never waits on Redis ---------------------------

    async def areserve(self, key: str, tokens: int) -> Reservation:
        return self._granted(key, tokens, await self._acall(key, *self._reserve_args(tokens)))

    async def arecheck(self, reservation: Reservation) -> float:
        if reservation.limiter is not self:
            return self.local.recheck(reservation)
        return self._rechecked(
            reservation, await self._acall(reservation.key, *self._recheck_args(reservation))
        )

    async def asettle(
        self,
        key: str,
        reserved: int,
        used: int,
        *,
        epoch: int | None = None,
        rate_limit: RateLimitInfo | None = None,
    ) -> None:
        """Settle and observe ``rate_limit`` (the response's headers) in one round trip."""
        observed = self._observations(key, rate_limit)
        await self._acall(key, *self._give_args(0, reserved - used, reserved, epoch), *observed)

    async def arefund(self, key: str, tokens: int, *, epoch: int | None = None) -> None:
        await self._acall(key, *self._give_args(1, tokens, tokens, epoch))

    async def apause(self, key: str, seconds: float) -> None:
        self.local.pause(key, seconds)
        await self._acall(key, "pause", seconds)

    async def aobserve(self, key: str, info: RateLimitInfo | None) -> None:
        args = self._observations(key, info)
        if args:
            await self._acall(key, "observe", *args)

    async def alearn(self, key: str, kind: str, period: float, limit: int) -> None:
        self.local.learn(key, kind, period, limit)
        await self._acall(key, "observe", kind[0], int(period), limit, 0)
