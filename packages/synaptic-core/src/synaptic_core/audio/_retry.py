"""Retries for audio calls: ``RetryTranscriptionModel`` and ``RetrySpeechModel``, with
``RetryChatModel``'s rules and knobs (``RetryConfig``; injectable sleeps, clock and
randomness; ``on_retry``). An upload is sent again from its start: the request's body
is a function that reads the audio anew (a pipe's bytes were kept when it was read)."""

from __future__ import annotations

from synaptic_core._retry import RetryKnobs
from synaptic_core.audio._models import (
    SpeechModel,
    SpeechRequest,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._types import SpeechAudio, Transcription
from synaptic_core.audio._wrapper import AudioWrapper


class _Retrying(RetryKnobs, AudioWrapper):
    """The knobs and the retry loops: ``RetryKnobs``, as ``RetryChatModel``'s."""


class RetryTranscriptionModel(_Retrying, TranscriptionModel):
    """``RetryTranscriptionModel(model, RetryConfig())``: retries what may pass (429,
    5xx, timeouts, cut connections), honouring ``retry-after``."""

    model: TranscriptionModel

    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        return await self._retried(lambda: self.model._transcribe(request))

    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        return self._retried_sync(lambda: self.model._transcribe_sync(request))


class RetrySpeechModel(_Retrying, SpeechModel):
    """``RetrySpeechModel(model, RetryConfig())``: ``RetryTranscriptionModel`` for speech."""

    model: SpeechModel

    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        return await self._retried(lambda: self.model._speak(request))

    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        return self._retried_sync(lambda: self.model._speak_sync(request))
