"""Audio, provider-neutral (DESIGN 19): what transcription and speech calls take and
return, and the base classes providers implement. Loaded on first use: a program that
only chats never imports it."""

from synaptic_core.audio._files import join_wav
from synaptic_core.audio._models import (
    SpeechModel,
    SpeechRequest,
    TranscriptionModel,
    TranscriptionRequest,
)
from synaptic_core.audio._pacing import (
    AudioBudget,
    RateLimitedSpeechModel,
    RateLimitedTranscriptionModel,
)
from synaptic_core.audio._pieces import speech_pieces
from synaptic_core.audio._retry import RetrySpeechModel, RetryTranscriptionModel
from synaptic_core.audio._source import AudioInput, AudioSource
from synaptic_core.audio._types import (
    SpeechAudio,
    Transcription,
    TranscriptionSegment,
    TranscriptionWord,
)

__all__ = [
    "AudioBudget",
    "AudioInput",
    "AudioSource",
    "RateLimitedSpeechModel",
    "RateLimitedTranscriptionModel",
    "RetrySpeechModel",
    "RetryTranscriptionModel",
    "SpeechAudio",
    "SpeechModel",
    "SpeechRequest",
    "Transcription",
    "TranscriptionModel",
    "TranscriptionRequest",
    "TranscriptionSegment",
    "TranscriptionWord",
    "join_wav",
    "speech_pieces",
]
