"""``TranscriptionModel`` and ``SpeechModel``: the audio calls, provider-neutral.

Same habits as ``ChatModel``: ``await model.transcribe(...)`` and a real blocking
``transcribe_sync(...)`` (no event loop inside), typed errors from the same hierarchy,
``timeout=`` per call. A provider implements the four ``_`` methods; the public ones
check the arguments once, so every provider refuses the same mistakes the same way.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from typing_extensions import Self

from synaptic_core._errors import InputError
from synaptic_core.audio._source import AudioInput, AudioSource
from synaptic_core.audio._types import SpeechAudio, Transcription
from synaptic_core.telemetry._hooks import LISTENERS

ResponseFormat = Literal["json", "text", "verbose_json"]
Granularity = Literal["word", "segment"]
FORMATS = ("json", "text", "verbose_json")


@dataclass(frozen=True)
class TranscriptionRequest:
    """One speech-to-text call, checked: ``task`` is ``transcribe`` or ``translate``;
    exactly one of ``audio`` and ``url``."""

    task: Literal["transcribe", "translate"]
    audio: AudioSource | None = None
    url: str | None = None
    language: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    response_format: ResponseFormat = "json"
    timestamp_granularities: tuple[Granularity, ...] = ()
    timeout: float | None = None


@dataclass(frozen=True)
class SpeechRequest:
    """One text-to-speech call."""

    text: str
    voice: str | None = None
    response_format: str = "wav"
    sample_rate: int | None = None
    speed: float | None = None
    timeout: float | None = None
    to: Path | None = None  # stream the audio into this file instead of holding it


def _request(
    task: Literal["transcribe", "translate"],
    audio: AudioInput | None,
    url: str | None,
    *,
    language: str | None,
    prompt: str | None,
    temperature: float | None,
    response_format: str,
    timestamp_granularities: Sequence[str] | None,
    timeout: float | None,
) -> TranscriptionRequest:
    if audio is None and url is None:
        raise InputError("give the audio: a path, bytes or a binary file, or url=")
    if audio is not None and url is not None:
        raise InputError("give the audio (a path, bytes or a binary file) or url=, not both")
    if response_format not in FORMATS:
        hint = " (subtitles: ask for verbose_json, then .to_srt() or .to_vtt())" if \
            response_format in ("srt", "vtt") else ""  # fmt: skip
        msg = f"response_format must be one of {', '.join(FORMATS)}, not {response_format!r}{hint}"
        raise InputError(msg)
    granularities = tuple(timestamp_granularities or ())
    for each in granularities:
        if each not in ("word", "segment"):
            raise InputError(f"timestamp_granularities: 'word' or 'segment', not {each!r}")
    if granularities and response_format != "verbose_json":
        raise InputError("timestamp_granularities need response_format='verbose_json'")
    if temperature is not None and not 0 <= temperature <= 1:
        raise InputError(f"temperature must be between 0 and 1, not {temperature}")
    if language is not None and not (2 <= len(language) <= 3 and language.isalpha()):
        msg = (
            f"language must be an ISO-639-1 code such as 'en', 'fr' or 'de', not "
            f"{language!r} (Whisper takes the code, and answers the language's name)"
        )
        raise InputError(msg)
    return TranscriptionRequest(
        task,
        None if audio is None else AudioSource.of(audio),
        url,
        language,
        prompt,
        temperature,
        response_format,  # type: ignore[arg-type]
        granularities,  # type: ignore[arg-type]
        timeout,
    )


class _Closable(abc.ABC):  # noqa: B024 (no abstract method of its own)
    """What both audio bases share: ``close``/``aclose`` (no-ops here: providers with a
    backend close it) and ``with`` / ``async with`` around them."""

    def close(self) -> None:  # noqa: B027 (a deliberate no-op default)
        """Release connections (providers with a backend close it)."""

    async def aclose(self) -> None:  # noqa: B027
        """Release connections, async."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class TranscriptionModel(_Closable):
    """Speech to text: ``transcribe`` (the language spoken) and ``translate`` (to
    English), async and blocking."""

    async def transcribe(
        self,
        audio: AudioInput | None = None,
        *,
        url: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float | None = None,
        response_format: str = "json",
        timestamp_granularities: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> Transcription:
        """The text of ``audio`` (a path, bytes or a binary file) or of ``url``."""
        request = _request("transcribe", audio, url, language=language, prompt=prompt,
                           temperature=temperature, response_format=response_format,
                           timestamp_granularities=timestamp_granularities,
                           timeout=timeout)  # fmt: skip
        return await self._observed(request)

    def transcribe_sync(
        self,
        audio: AudioInput | None = None,
        *,
        url: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        temperature: float | None = None,
        response_format: str = "json",
        timestamp_granularities: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> Transcription:
        """Blocking ``transcribe``."""
        request = _request("transcribe", audio, url, language=language, prompt=prompt,
                           temperature=temperature, response_format=response_format,
                           timestamp_granularities=timestamp_granularities,
                           timeout=timeout)  # fmt: skip
        return self._observed_sync(request)

    async def translate(
        self,
        audio: AudioInput | None = None,
        *,
        url: str | None = None,
        prompt: str | None = None,
        temperature: float | None = None,
        response_format: str = "json",
        timeout: float | None = None,
    ) -> Transcription:
        """The English translation of ``audio`` or ``url`` (``task == "translate"``)."""
        request = _request("translate", audio, url, language=None, prompt=prompt,
                           temperature=temperature, response_format=response_format,
                           timestamp_granularities=None, timeout=timeout)  # fmt: skip
        return await self._observed(request)

    def translate_sync(
        self,
        audio: AudioInput | None = None,
        *,
        url: str | None = None,
        prompt: str | None = None,
        temperature: float | None = None,
        response_format: str = "json",
        timeout: float | None = None,
    ) -> Transcription:
        """Blocking ``translate``."""
        request = _request("translate", audio, url, language=None, prompt=prompt,
                           temperature=temperature, response_format=response_format,
                           timestamp_granularities=None, timeout=timeout)  # fmt: skip
        return self._observed_sync(request)

    async def _observed(self, request: TranscriptionRequest) -> Transcription:
        """``_transcribe``, told to listeners when something listens (telemetry)."""
        if not LISTENERS:
            return await self._transcribe(request)
        from synaptic_core.telemetry._audio import observe  # noqa: PLC0415

        operation = "transcription" if request.task == "transcribe" else "translation"
        return await observe(self, operation, request, lambda: self._transcribe(request))

    def _observed_sync(self, request: TranscriptionRequest) -> Transcription:
        if not LISTENERS:
            return self._transcribe_sync(request)
        from synaptic_core.telemetry._audio import observe_sync  # noqa: PLC0415

        operation = "transcription" if request.task == "transcribe" else "translation"
        return observe_sync(self, operation, request, lambda: self._transcribe_sync(request))

    @abc.abstractmethod
    async def _transcribe(self, request: TranscriptionRequest) -> Transcription:
        """Send a checked request (transcribe or translate)."""

    @abc.abstractmethod
    def _transcribe_sync(self, request: TranscriptionRequest) -> Transcription:
        """Blocking ``_transcribe``."""


class SpeechModel(_Closable):
    """Text to speech: ``speak`` returns ``SpeechAudio`` (``.save(path)`` writes it).
    ``max_input``: the most characters one request takes, where the provider says
    (``speech_pieces`` cuts longer text)."""

    @property
    def max_input(self) -> int | None:
        """None: the provider names no limit."""
        return None

    async def speak(
        self,
        text: str,
        *,
        voice: str | None = None,
        response_format: str = "wav",
        sample_rate: int | None = None,
        speed: float | None = None,
        timeout: float | None = None,
        to: str | os.PathLike[str] | None = None,
    ) -> SpeechAudio:
        """``text`` spoken by ``voice`` (the model's default when None). With ``to``, the
        audio is streamed into that file as it arrives (replaced whole, never half
        written) and not held: the answer's ``path`` names the file, ``data`` is empty.
        """
        request = _speech(text, voice, response_format=response_format, sample_rate=sample_rate,
                          speed=speed, timeout=timeout, to=to)  # fmt: skip
        if not LISTENERS:
            return _finished(request, await self._speak(request))
        from synaptic_core.telemetry._audio import observe  # noqa: PLC0415

        spoken = await observe(self, "speech", request, lambda: self._speak(request))
        return _finished(request, spoken)

    def speak_sync(
        self,
        text: str,
        *,
        voice: str | None = None,
        response_format: str = "wav",
        sample_rate: int | None = None,
        speed: float | None = None,
        timeout: float | None = None,
        to: str | os.PathLike[str] | None = None,
    ) -> SpeechAudio:
        """Blocking ``speak``."""
        request = _speech(text, voice, response_format=response_format, sample_rate=sample_rate,
                          speed=speed, timeout=timeout, to=to)  # fmt: skip
        if not LISTENERS:
            return _finished(request, self._speak_sync(request))
        from synaptic_core.telemetry._audio import observe_sync  # noqa: PLC0415

        spoken = observe_sync(self, "speech", request, lambda: self._speak_sync(request))
        return _finished(request, spoken)

    @abc.abstractmethod
    async def _speak(self, request: SpeechRequest) -> SpeechAudio:
        """Send a checked request."""

    @abc.abstractmethod
    def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
        """Blocking ``_speak``."""


def _speech(
    text: str, voice: str | None, *, to: str | os.PathLike[str] | None, **options: object
) -> SpeechRequest:
    if not isinstance(text, str) or not text.strip():
        raise InputError("the text to speak is empty")
    path = None if to is None else Path(to)
    if path is not None and path.is_dir():
        msg = f"to= must name a file, not the folder {str(path)!r}"
        raise InputError(msg)
    if path is not None and not path.parent.is_dir():  # said before anything is sent
        msg = f"to={str(path)!r}: the folder {str(path.parent)!r} does not exist"
        raise InputError(msg)
    named = "" if path is None else path.suffix.lower().lstrip(".")
    form = options.get("response_format", "wav")
    if named in ("wav", "mp3", "flac", "ogg", "opus", "mulaw") and named != form:
        msg = (
            f"to={str(path)!r} names {named} audio, but the answer is {form}: name the file "
            f".{form}, or ask for response_format={named!r} if the provider has it"
        )
        raise InputError(msg)
    return SpeechRequest(text, voice, to=path, **options)  # type: ignore[arg-type]


def _finished(request: SpeechRequest, spoken: SpeechAudio) -> SpeechAudio:
    """A provider that does not stream into ``to`` held the audio: save it there."""
    if request.to is None or spoken.path is not None:
        return spoken
    spoken.save(request.to)
    return spoken.model_copy(update={"path": request.to, "data": b""})
