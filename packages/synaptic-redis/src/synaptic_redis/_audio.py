"""``RedisAudioBudget``: Groq's audio limits (requests per minute and day, audio seconds
per hour and day) as one budget for every process and machine that names the store.

``synaptic_core.audio.AudioBudget``'s arithmetic done by one Lua script call per
reservation (``_audio_script``), on the Redis server's clock; the budget is a hash,
``synaptic:audio:<provider>:<sha256 of the key, 16 hex>:<model>``, and the API key
never reaches Redis. An outage warns once and paces with a local ``AudioBudget`` at
this process's last known share (1 / the workers that reserved in the last minute),
its per-minute and per-hour buckets starting empty (no burst); Redis is tried again
after ``retry_interval`` seconds. ``on_outage="raise"`` raises ``NetworkError``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Literal

from synaptic_core import RateLimitError, RateLimitInfo
from synaptic_core.audio import AudioBudget
from synaptic_core.audio._budget import (
    MIN_BILLED,
    WAIT_MARGIN,
    refused_kind,
    too_late,
    too_long,
)
from synaptic_core.pacing import Limits
from synaptic_redis._audio_script import AUDIO_SCRIPT, AUDIO_SHA
from synaptic_redis._link import StoreLink
from synaptic_redis._resp import Arg
from synaptic_redis._script import WORKER_WINDOW


class RedisAudioBudget:
    """An audio budget in Redis: ``reserve(seconds)`` answers the wait before sending."""

    def __init__(
        self,
        limits: Limits,
        *,
        key: str,
        url: str | None = None,
        on_outage: Literal["local", "raise"] = "local",
        retry_interval: float = 1.0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.key = key
        self.link = StoreLink(url or limits.store or "redis://127.0.0.1:6379/0",
                              on_outage=on_outage, retry_interval=retry_interval,
                              timeout=timeout, clock=clock)  # fmt: skip
        capacities = {
            "r:60": limits.requests_per_minute,
            "r:86400": limits.requests_per_day,
            "s:3600": limits.audio_seconds_per_hour,
            "s:86400": limits.audio_seconds_per_day,
        }
        self._conf = json.dumps({k: v for k, v in capacities.items() if v is not None})
        self.max_wait = limits.max_wait
        self.local = AudioBudget(
            requests_per_minute=limits.requests_per_minute,
            requests_per_day=limits.requests_per_day,
            audio_seconds_per_hour=limits.audio_seconds_per_hour,
            audio_seconds_per_day=limits.audio_seconds_per_day,
            max_wait=limits.max_wait,
            clock=clock,
        )
        self._lock = threading.Lock()
        self._restarted = -1  # the outage the local budget last restarted for
        self.share = 1.0  # 1 / workers, as Redis last said

    def __repr__(self) -> str:
        return f"RedisAudioBudget({self.link.public_url()!r}, {self.key.split(':', 3)[-1]!r})"

    def close(self) -> None:
        self.link.close()

    def _args(self, *args: Arg) -> list[Arg]:
        return [2, f"synaptic:{self.key}", f"synaptic:workers:{self.key}", args[0], self._conf,
                *args[1:]]  # fmt: skip

    def _reserve_args(self, seconds: float, audio: bool) -> list[Arg]:
        billed = max(seconds, MIN_BILLED) if audio else 0.0
        max_wait = -1.0 if self.max_wait is None else self.max_wait
        return self._args("reserve", billed, max_wait, self.link.worker, WORKER_WINDOW)

    def _refused_args(self, seconds: float, error: RateLimitError, audio: bool) -> list[Arg]:
        billed = max(seconds, MIN_BILLED) if audio else 0.0
        kind = "s" if refused_kind(error) == "seconds" else "r"
        room = (billed or MIN_BILLED) if kind == "s" else 1.0
        return self._args("refused", billed, error.retry_after or 0.0, kind, room)

    def _local(self) -> AudioBudget:
        with self._lock:
            if self._restarted != self.link.outages:
                self._restarted = self.link.outages
                self.local.restart_shared(self.share)
        return self.local

    def _granted(self, seconds: float, audio: bool, result: list[str] | None) -> float:
        if result is None:
            return self._local().reserve(seconds, audio=audio)
        status, value, third = result[0], float(result[1]), result[2]
        if status == "never":
            raise too_long(max(seconds, MIN_BILLED), value, float(third))
        self.share = 1 / max(1, int(third))
        if status == "late":
            raise too_late(value, self.max_wait or 0.0)
        return value + WAIT_MARGIN if value > 0 else 0.0

    def reserve(self, seconds: float, *, audio: bool = True) -> float:
        """One request and ``seconds`` of audio (at least 10; none with ``audio=False``)
        taken from the shared budget; how long to wait before sending (one round trip)."""
        result = self.link.call(AUDIO_SCRIPT, AUDIO_SHA, self._reserve_args(seconds, audio))
        return self._granted(seconds, audio, result)

    async def areserve(self, seconds: float, *, audio: bool = True) -> float:
        """``reserve`` without blocking the event loop."""
        args = self._reserve_args(seconds, audio)
        return self._granted(seconds, audio, await self.link.acall(AUDIO_SCRIPT, AUDIO_SHA, args))

    def settle(self, rate_limit: RateLimitInfo | None) -> None:
        """An answer: mirrored in the local budget (where an outage starts from); the
        shared budget counts what was reserved, not the headers."""
        self.local.settle(rate_limit)

    async def asettle(self, rate_limit: RateLimitInfo | None) -> None:
        self.local.settle(rate_limit)

    def refused(self, seconds: float, error: RateLimitError, *, audio: bool = True) -> None:
        """A 429: the claim back and the budget it names paused for every process (one
        round trip; in an outage, the local budget's)."""
        args = self._refused_args(seconds, error, audio)
        if self.link.call(AUDIO_SCRIPT, AUDIO_SHA, args) is None:
            self._local().refused(seconds, error, audio=audio)

    async def arefused(self, seconds: float, error: RateLimitError, *, audio: bool = True) -> None:
        args = self._refused_args(seconds, error, audio)
        if await self.link.acall(AUDIO_SCRIPT, AUDIO_SHA, args) is None:
            self._local().refused(seconds, error, audio=audio)

    def snapshot(self) -> dict[str, float]:
        """The levels of the budget's buckets in Redis now (``{"s:3600": 12.5, ...}``)."""
        result = self.link.call(AUDIO_SCRIPT, AUDIO_SHA, self._args("snapshot")) or []
        return {name: float(level) for name, level in zip(result[::2], result[1::2], strict=False)}
