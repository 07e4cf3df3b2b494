"""What audio calls return: ``Transcription`` (speech to text) and ``SpeechAudio`` (text
to speech), provider-neutral, with the same habits as ``ChatResponse``: the request id,
what the rate limit has left, and every field not modelled in ``provider_metadata``.

Groq answers no SRT or VTT itself (groq-api.md section 10): ``to_srt()`` and
``to_vtt()`` build subtitles from the segments (or, without them, from the words).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core._ratelimit import RateLimitInfo


class TranscriptionWord(BaseModel):
    """One word with its times in seconds (words carry their punctuation)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    word: str
    start: float
    end: float


class TranscriptionSegment(BaseModel):
    """One segment: its times in seconds, its text, and Whisper's scores where sent."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: int
    start: float
    end: float
    text: str
    seek: int | None = None
    tokens: list[int] | None = None
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None


class Transcription(BaseModel):
    """The text of an audio file (or its English translation: ``task == "translate"``).

    ``language`` is what the provider said (Groq: the language's name, "English", in
    ``verbose_json``; None otherwise); ``duration`` in seconds; ``segments`` and
    ``words`` only with ``verbose_json`` (and the granularities asked for).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    text: str
    language: str | None = None
    duration: float | None = None
    task: str | None = None
    segments: list[TranscriptionSegment] = Field(default_factory=list)
    words: list[TranscriptionWord] = Field(default_factory=list)
    request_id: str | None = None
    rate_limit: RateLimitInfo | None = None
    provider_metadata: dict[str, Any] = Field(default_factory=dict)

    def __repr__(self) -> str:  # the text cut short, the timings counted
        text = self.text if len(self.text) <= 60 else f"{self.text[:57]}..."
        facts = [repr(text)]
        named = (("task", self.task), ("language", self.language), ("duration", self.duration))
        facts += [f"{k}={v!r}" for k, v in named if v is not None]
        facts += [f"{len(self.segments)} segments"] if self.segments else []
        facts += [f"{len(self.words)} words"] if self.words else []
        facts += [f"request_id={self.request_id!r}"] if self.request_id else []
        return f"Transcription({', '.join(facts)})"

    __str__ = __repr__

    def to_srt(self) -> str:
        """SubRip subtitles (numbered cues, ``00:00:01,500`` times)."""
        from synaptic_core.audio._subtitles import srt  # noqa: PLC0415

        return srt(self)

    def to_vtt(self) -> str:
        """WebVTT subtitles (``WEBVTT`` header, ``00:00:01.500`` times)."""
        from synaptic_core.audio._subtitles import vtt  # noqa: PLC0415

        return vtt(self)


class SpeechAudio(BaseModel):
    """Audio made from text: the bytes, their content type (``audio/wav``), and the
    request's facts. Spoken with ``to=``, the audio went straight to ``path`` and
    ``data`` is empty (``size`` counts either)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    data: bytes
    content_type: str
    path: Path | None = None
    request_id: str | None = None
    rate_limit: RateLimitInfo | None = None
    provider_metadata: dict[str, Any] = Field(default_factory=dict)

    def __repr__(self) -> str:  # never the whole audio in a log line
        where = "" if self.path is None else f", in {str(self.path)!r}"
        return f"SpeechAudio({self.content_type}, {self.size:,} bytes{where})"

    __str__ = __repr__  # print(audio) too: pydantic's would print every byte

    @property
    def size(self) -> int:
        """The audio's bytes, held or in ``path``."""
        if self.path is not None and not self.data:
            try:
                return self.path.stat().st_size
            except OSError:
                return 0
        return len(self.data)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the audio to ``path`` (replaced whole: written beside it, then moved)."""
        from synaptic_core.audio._files import copy_whole, written  # noqa: PLC0415

        target = Path(path)
        if self.path is not None and not self.data:
            if self.path.resolve() == target.resolve():
                return target
            return copy_whole(self.path, target)
        with written(target) as out:
            out.write(self.data)
        return target
