"""Pacing audio calls by a budget (``AudioBudget`` in this process, or a store's shared
by every process): ``RateLimitedTranscriptionModel`` and ``RateLimitedSpeechModel``.

Each call reserves before it is sent (and waits what the budget says), then tells the
budget how it went: answered (its rate-limit headers), refused with a 429 (given back,
and the budget pauses for the ``retry-after``), or failed otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from synaptic_core._errors import RateLimitError
from synaptic_core.audio._budget import (
    DAY,
    HOUR,
    MIN_BILLED,
    MINUTE,
    WAIT_MARGIN,
    AudioBudget,
    SharedAudioBudget,
    audio_budget_key,
)
from synaptic_core.audio._models import (
    SpeechModel,
    SpeechRequest,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._types import SpeechAudio, Transcription
from synaptic_core.audio._wrapper import AudioWrapper

__all__ = ["DAY", "HOUR", "MINUTE", "MIN_BILLED", "WAIT_MARGIN", "AudioBudget",
           "RateLimitedSpeechModel", "RateLimitedTranscriptionModel", "SharedAudioBudget",
           "audio_budget_key"]  # fmt: skip


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

    async def _paced(self, seconds: float, audio: bool, call: Callable[[], Awaitable[Any]]) -> Any:
        wait = await self.budget.areserve(seconds, audio=audio)
        if wait > 0:
            await self.sleep(wait)
        try:
            done = await call()
        except RateLimitError as error:
            await self.budget.arefused(seconds, error, audio=audio)  # a retry reserves again
            raise
        except BaseException:
            await self.budget.asettle(None)
            raise
        await self.budget.asettle(done.rate_limit)
        return done

    def _paced_sync(self, seconds: float, audio: bool, call: Callable[[], Any]) -> Any:
        wait = self.budget.reserve(seconds, audio=audio)
        if wait > 0:
            self.sleep_sync(wait)
        try:
            done = call()
        except RateLimitError as error:
            self.budget.refused(seconds, error, audio=audio)
            raise
        except BaseException:
            self.budget.settle(None)
            raise
        self.budget.settle(done.rate_limit)
        return done


class RateLimitedTranscriptionModel(_Paced, TranscriptionModel):
    """A transcription model behind an audio budget: a request, and the upload's seconds
    (at least 10; 10 for ``url=``, whose length is not known here)."""

    model: TranscriptionModel

    def _seconds(self, request: TranscriptionRequest) -> float:
        return MIN_BILLED if request.audio is None else request.audio.seconds()

    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        heard: Transcription = await self._paced(
            self._seconds(request), True, lambda: self.model._transcribe(request)
        )
        return heard

    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        heard: Transcription = self._paced_sync(
            self._seconds(request), True, lambda: self.model._transcribe_sync(request)
        )
        return heard


class RateLimitedSpeechModel(_Paced, SpeechModel):
    """A speech model behind an audio budget (requests only: what a speech request
    costs in audio seconds is not known before it answers)."""

    model: SpeechModel

    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        said: SpeechAudio = await self._paced(0.0, False, lambda: self.model._speak(request))
        return said

    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        said: SpeechAudio = self._paced_sync(0.0, False, lambda: self.model._speak_sync(request))
        return said
