"""Pacing audio by its own budget: requests per minute and per day, and **audio seconds
per hour and per day** (Groq's ASH and ASD, groq-api.md section 10; free plan: 20 RPM,
2,000 RPD, 7,200 ASH, 28,800 ASD).

Before an upload, its seconds are read from the file's header (or estimated from its
size) and taken from the budget, at least ``MIN_BILLED`` (Groq bills 10 s at least); a
request that does not fit waits until the buckets refill (first come, first served: the
buckets go into debt, as the chat budgets do, ``synaptic_core.pacing._buckets``). A
wait past ``max_wait`` is a ``RateLimitError`` with ``code="local_budget"``, raised
before anything is sent. One budget per process (``AudioBudget``), shared by every
model it is given to; thread-safe, so ``synaptic transcribe``'s workers share it.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from synaptic_core._errors import RateLimitError
from synaptic_core.audio._models import (
    SpeechModel,
    SpeechRequest,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._types import SpeechAudio, Transcription
from synaptic_core.audio._wrapper import AudioWrapper
from synaptic_core.pacing._buckets import Bucket

MIN_BILLED = 10.0
WAIT_MARGIN = 0.25
"""Added to any wait: the server's buckets started at its first request, a moment after
ours, so a request sent the instant ours has room can find the server's a little short
(a 429 the retry then waits out behind everyone else). A quarter second covers the
moment and costs little against waits of seconds."""
MINUTE, HOUR, DAY = 60.0, 3600.0, 86_400.0


class AudioBudget:
    """The audio limits of one key and model family, in this process."""

    def __init__(
        self,
        *,
        requests_per_minute: int | None = None,
        requests_per_day: int | None = None,
        audio_seconds_per_hour: float | None = None,
        audio_seconds_per_day: float | None = None,
        max_wait: float | None = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._limits = (
            ((requests_per_minute, MINUTE), (requests_per_day, DAY)),
            ((audio_seconds_per_hour, HOUR), (audio_seconds_per_day, DAY)),
        )
        self._requests: list[Bucket] = []
        self._seconds: list[Bucket] = []
        self._started = False

    def _start(self, now: float) -> None:
        """The buckets start full at the first request, as the server's do: started at
        construction, they would refill for a while the server's never did."""
        requests, seconds = self._limits
        self._requests = [Bucket.full(float(n), period, now) for n, period in requests if n]
        self._seconds = [Bucket.full(float(n), period, now) for n, period in seconds if n]
        self._started = True

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

    async def areserve(self, seconds: float) -> float:
        """``reserve`` for async code (in this process, nothing to wait on)."""
        return self.reserve(seconds)

    async def arefund(self, seconds: float) -> None:
        self.refund(seconds)

    def refund(self, seconds: float) -> None:
        """Give back what a request took: the server refused it (a 429), so it spent
        nothing there; the retry that follows reserves again."""
        billed = max(seconds, MIN_BILLED)
        with self._lock:
            now = self.clock()
            for bucket in self._requests:
                bucket.give(1.0, now)
            for bucket in self._seconds:
                bucket.give(billed, now)

    def reserve(self, seconds: float) -> float:
        """Take one request and ``seconds`` of audio; how long to wait before sending.
        ``RateLimitError`` (nothing taken) when that is past ``max_wait``."""
        billed = max(seconds, MIN_BILLED)
        with self._lock:
            now = self.clock()
            if not self._started:
                self._start(now)
            wait = 0.0
            for bucket in self._requests:
                bucket.refill(now)
                wait = max(wait, bucket.wait_for(1.0))
            for bucket in self._seconds:
                bucket.refill(now)
                if billed > bucket.capacity:
                    msg = (
                        f"this audio is {seconds:.0f} s; the budget allows "
                        f"{bucket.capacity:.0f} audio seconds per {bucket.period / HOUR:g} h: "
                        "split it"
                    )
                    raise RateLimitError(msg, provider="synaptic", code="local_budget",
                                         retryable=False)  # fmt: skip
                wait = max(wait, bucket.wait_for(billed))
            if self.max_wait is not None and wait > self.max_wait:
                msg = (
                    f"the audio budget would make this request wait {wait:.0f} s, more than "
                    f"max_wait ({self.max_wait:g} s)"
                )
                raise RateLimitError(msg, provider="synaptic", retry_after=wait,
                                     code="local_budget")  # fmt: skip
            for bucket in self._requests:
                bucket.take(1.0, now)
            for bucket in self._seconds:
                bucket.take(billed, now)
            return wait + WAIT_MARGIN if wait > 0 else 0.0


def audio_budget_key(model: Any, budget: str | None = None) -> str:
    """``audio:provider:key-hash:model`` (the key itself never leaves this function), or
    ``audio:budget:NAME`` when a profile names a shared budget."""
    if budget:
        return f"audio:budget:{budget}"
    config = getattr(model, "config", None)
    provider = getattr(model, "provider", None) or type(model).__name__
    secret: Any = getattr(config, "api_key", None)
    text = str(secret.get_secret_value()) if hasattr(secret, "get_secret_value") else ""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16] if text else "nokey"
    return f"audio:{provider}:{digest}:{getattr(config, 'model', '')}"


class SharedAudioBudget(Protocol):
    """What the wrappers need from a budget: ``AudioBudget`` in this process, or a
    store's (``synaptic_redis.RedisAudioBudget``) shared by every process naming it."""

    def reserve(self, seconds: float) -> float: ...
    def refund(self, seconds: float) -> None: ...
    async def areserve(self, seconds: float) -> float: ...
    async def arefund(self, seconds: float) -> None: ...


class _Paced(AudioWrapper):
    def __init__(
        self,
        model: Any,
        budget: AudioBudget | SharedAudioBudget,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sleep_sync: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.budget = budget
        self.sleep = sleep
        self.sleep_sync = sleep_sync


class RateLimitedTranscriptionModel(_Paced, TranscriptionModel):
    """A transcription model behind an ``AudioBudget``."""

    model: TranscriptionModel

    def _seconds(self, request: TranscriptionRequest) -> float:
        return MIN_BILLED if request.audio is None else request.audio.seconds()

    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        seconds = self._seconds(request)
        wait = await self.budget.areserve(seconds)
        if wait > 0:
            await self.sleep(wait)
        try:
            return await self.model._transcribe(request)
        except RateLimitError:
            await self.budget.arefund(seconds)  # refused: a retry reserves again, not twice
            raise

    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        seconds = self._seconds(request)
        wait = self.budget.reserve(seconds)
        if wait > 0:
            self.sleep_sync(wait)
        try:
            return self.model._transcribe_sync(request)
        except RateLimitError:
            self.budget.refund(seconds)
            raise


class RateLimitedSpeechModel(_Paced, SpeechModel):
    """A speech model behind an ``AudioBudget`` (requests only: what a speech request
    costs in audio seconds is not known before it answers)."""

    model: SpeechModel

    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        wait = await self.budget.areserve(0.0)
        if wait > 0:
            await self.sleep(wait)
        return await self.model._speak(request)

    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        wait = self.budget.reserve(0.0)
        if wait > 0:
            self.sleep_sync(wait)
        return self.model._speak_sync(request)
