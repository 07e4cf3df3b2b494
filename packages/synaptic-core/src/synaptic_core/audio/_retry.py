"""Retries for audio calls: ``RetryTranscriptionModel`` and ``RetrySpeechModel``, with
``RetryChatModel``'s rules and knobs (``RetryConfig``; injectable sleeps, clock and
randomness; ``on_retry``). An upload is sent again from its start: the request's body
is a function that reads the audio anew (a pipe's bytes were kept when it was read)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from synaptic_core._errors import SynapticError
from synaptic_core._retry import RetryConfig, RetryEvent, _Attempts
from synaptic_core.audio._models import (
    SpeechModel,
    SpeechRequest,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._types import SpeechAudio, Transcription
from synaptic_core.audio._wrapper import AudioWrapper

T = TypeVar("T")


class _Retrying(AudioWrapper):
    """The knobs and the loops both wrappers share."""

    def __init__(
        self,
        model: Any,
        config: RetryConfig | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sleep_sync: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random.random,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        self.model = model
        self.config = config or RetryConfig()
        self.sleep = sleep
        self.sleep_sync = sleep_sync
        self.clock = clock
        self.random = random
        self.on_retry = on_retry

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, {self.config!r})"

    def _sync(self, call: Callable[[], T]) -> T:
        attempts = _Attempts(self)  # type: ignore[arg-type]  # the same knobs
        while True:
            try:
                return call()
            except SynapticError as error:
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
            self.sleep_sync(delay)

    async def _async(self, call: Callable[[], Awaitable[T]]) -> T:
        attempts = _Attempts(self)  # type: ignore[arg-type]
        while True:
            try:
                return await call()
            except SynapticError as error:
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
            await self.sleep(delay)


class RetryTranscriptionModel(_Retrying, TranscriptionModel):
    """``RetryTranscriptionModel(model, RetryConfig())``: retries what may pass (429,
    5xx, timeouts, cut connections), honouring ``retry-after``."""

    model: TranscriptionModel

    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        return await self._async(lambda: self.model._transcribe(request))

    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        return self._sync(lambda: self.model._transcribe_sync(request))


class RetrySpeechModel(_Retrying, SpeechModel):
    """``RetrySpeechModel(model, RetryConfig())``: ``RetryTranscriptionModel`` for speech."""

    model: SpeechModel

    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        return await self._async(lambda: self.model._speak(request))

    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        return self._sync(lambda: self.model._speak_sync(request))
