"""Groq's audio endpoints, emulated (groq-api.md section 10): ``/audio/transcriptions``
and ``/audio/translations`` (multipart) and ``/audio/speech`` (a valid WAV).

The duration of an upload is read from its header where the format has one (WAV's byte
rate and data size, FLAC's STREAMINFO, an MP3's first frame), else estimated from its
size (the rest, as 128 kbit/s). ``url=`` is fetched, but only from loopback (``fetch``: the emulator
never reaches the network). Answers are deterministic: the transcript names the file
and its duration, so a test can tell uploads apart. Where groq-api.md marks Groq's wording as
uncertain, the messages here are plausible, not recorded.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from typing import Any

MAX_ATTACHMENT = 25 * 1024 * 1024
MAX_BY_URL = 100 * 1024 * 1024  # Groq's dev tier: "up to 100 MB" through `url`
URL_TIMEOUT = 10.0
MAX_PROMPT = 896
MAX_SPEECH_INPUT = 200
SPEECH_RATE = 24_000  # Orpheus answers 24 kHz mono 16-bit WAV
SECONDS_PER_CHARACTER = 0.06
VOICES = {
    "canopylabs/orpheus-v1-english": ("autumn", "diana", "hannah", "austin", "daniel", "troy"),
    "canopylabs/orpheus-arabic-saudi": ("fahad", "sultan", "lulwa", "noura"),
}
TRANSCRIBERS = ("whisper-large-v3", "whisper-large-v3-turbo")
MEDIA_TYPES = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm")
TRANSLATORS = ("whisper-large-v3",)
LANGUAGES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "ar": "Arabic",
             "ja": "Japanese", "zh": "Chinese", "pt": "Portuguese", "it": "Italian"}  # fmt: skip
_FIELDS = frozenset({"model", "file", "url", "language", "prompt", "response_format",
                     "temperature", "timestamp_granularities[]"})  # fmt: skip


class AudioLimits:
    """Groq's audio limits, per API key and model (groq-api.md section 10): requests per
    minute and audio seconds per hour, each a continuously refilled bucket; a request
    is billed 10 seconds at least. ``admit`` answers the wait a refused request must
    make (its 429's ``retry-after``), or None when it is let through (and counted)."""

    def __init__(
        self,
        requests_per_minute: int | None,
        audio_seconds_per_hour: float | None,
        clock: Any,
    ) -> None:
        import threading  # noqa: PLC0415

        self.requests_per_minute = requests_per_minute
        self.audio_seconds_per_hour = audio_seconds_per_hour
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], list[Any]] = {}

    def admit(self, key: str, model: str, seconds: float) -> tuple[str, float] | None:
        from synaptic_core.pacing._buckets import Bucket  # noqa: PLC0415

        billed = max(seconds, 10.0)
        with self._lock:
            now = self.clock()
            found = self._buckets.get((key, model))
            if found is None:
                found = self._buckets[(key, model)] = [
                    None if not self.requests_per_minute
                    else Bucket.full(float(self.requests_per_minute), 60.0, now),
                    None if not self.audio_seconds_per_hour
                    else Bucket.full(float(self.audio_seconds_per_hour), 3600.0, now),
                ]  # fmt: skip
            requests, audio = found
            for bucket in (requests, audio):
                if bucket is not None:
                    bucket.refill(now)
            if requests is not None and requests.level < 1:
                return "requests per minute (RPM)", requests.wait_for(1.0)
            if audio is not None and audio.level < billed:
                return "audio seconds per hour (ASH)", audio.wait_for(billed)
            if requests is not None:
                requests.take(1.0, now)
            if audio is not None:
                audio.take(billed, now)
            return None

    def headers(self, key: str, model: str) -> dict[str, str]:
        """The ``x-ratelimit-*-requests`` trio for the key and model's requests-per-minute
        bucket, as chat answers carry it. Groq documents no audio-seconds headers, so
        none are invented (groq-api.md section 10)."""
        from synaptic_groq.emulator._limits import go_duration  # noqa: PLC0415

        with self._lock:
            found = self._buckets.get((key, model))
            requests = None if found is None else found[0]
            if requests is None:
                return {}
            requests.refill(self.clock())
            return {
                "x-ratelimit-limit-requests": str(int(requests.capacity)),
                "x-ratelimit-remaining-requests": str(max(0, math.floor(requests.level))),
                "x-ratelimit-reset-requests": go_duration(requests.until_full()),
            }


class AudioError(Exception):
    """An answer other than 200: status, message, and Groq's error code if any."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    data: bytes


def parse_parts(content_type: str, body: bytes) -> list[Part]:
    """A ``multipart/form-data`` body's parts, in order (repeated names kept)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if "multipart/form-data" not in content_type or match is None:
        raise AudioError(400, "the request must be multipart/form-data")
    boundary = b"--" + match.group(1).encode()
    parts: list[Part] = []
    for raw in body.split(boundary)[1:]:
        if raw.startswith(b"--"):
            break
        head, _, data = raw.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', disposition)
        if name is None:
            raise AudioError(400, "a multipart part has no name")
        filename = re.search(r'filename="([^"]*)"', disposition)
        parts.append(
            Part(name.group(1), filename and filename.group(1), data.removesuffix(b"\r\n"))
        )
    return parts


def asks_for_url(content_type: str, body: bytes) -> bool:
    """Whether a transcription body names a ``url`` (cheap: checked before parsing)."""
    return "multipart/form-data" in content_type and b'name="url"' in body


async def fetch(content_type: str, body: bytes) -> bytes | AudioError:
    """The audio a transcription's ``url`` names, fetched before the request is answered
    (asynchronously: the URL may be served by this emulator itself), or the error Groq
    would answer. Loopback hosts only, no redirects followed, at most 100 MB."""
    try:
        values = {p.name: p for p in parse_parts(content_type, body)}
        url = _text(values, "url")
        if url is None:
            return AudioError(400, "exactly one of `file` or `url` must be provided")
        return await _fetch(url)
    except AudioError as error:
        return error


async def _fetch(url: str) -> bytes:
    import ipaddress  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not url.startswith(("http://", "https://")) or not host:
        raise AudioError(400, f"`url` must be an http or https URL, not {url[:200]!r}")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        msg = (
            f"the emulator fetches `url` from loopback only (127.0.0.1, ::1, localhost), not "
            f"{host!r}: serve the file on this machine (python -m http.server) or upload it"
        )
        raise AudioError(400, msg)
    received = bytearray()
    try:
        async with (
            httpx.AsyncClient(timeout=URL_TIMEOUT, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                msg = f"failed to retrieve media from url: it answered HTTP {response.status_code}"
                raise AudioError(400, msg)
            async for piece in response.aiter_bytes():
                received += piece
                if len(received) > MAX_BY_URL:
                    msg = "Request Entity Too Large: audio by `url` may be at most 100 MB"
                    raise AudioError(413, msg, "request_too_large")
    except httpx.HTTPError as error:
        msg = f"failed to retrieve media from url: {type(error).__name__}: {error}"
        raise AudioError(400, msg) from None
    return bytes(received)


def duration_of(data: bytes) -> float:
    """Seconds of audio: from a WAV, FLAC or MP3 header, else estimated from the size (the
    client's own estimate, ``synaptic_core.audio``: the two never disagree)."""
    from synaptic_core.audio._duration import duration_of as measured  # noqa: PLC0415

    return measured(data)


@dataclass(frozen=True)
class _Asked:
    task: str
    file: Part | None
    url: str | None
    language: str | None
    form: str
    granularities: list[str]


def _asked(task: str, parts: list[Part], known: set[str]) -> _Asked:
    """The request's fields, checked as Groq checks them."""
    for part in parts:
        translating_only = part.name in ("language", "timestamp_granularities[]")
        if part.name not in _FIELDS or (task == "translate" and translating_only):
            raise AudioError(400, f"unknown param `{part.name}`")
    values = {p.name: p for p in parts}
    model = _text(values, "model")
    if not model:
        raise AudioError(400, "`model` is required")
    _check_model(task, model, known)
    file, url = values.get("file"), _text(values, "url")
    if (file is None) == (url is None):
        raise AudioError(400, "exactly one of `file` or `url` must be provided")
    prompt = _text(values, "prompt") or ""
    if len(prompt) > MAX_PROMPT:
        msg = (
            f"prompt length must be {MAX_PROMPT} characters or fewer, but provided prompt "
            f"contains {len(prompt)} characters"
        )
        raise AudioError(400, msg)
    form = _text(values, "response_format") or "json"
    if form not in ("json", "text", "verbose_json"):
        raise AudioError(
            400, f"response_format `{form}` is not supported: json, text, verbose_json"
        )
    granularities = [p.data.decode() for p in parts if p.name == "timestamp_granularities[]"]
    if any(g not in ("word", "segment") for g in granularities):
        raise AudioError(400, "timestamp_granularities[] must be `word` or `segment`")
    if file is not None and len(file.data) > MAX_ATTACHMENT:
        msg = "Request Entity Too Large: audio attachments may be at most 25 MB; use `url`"
        raise AudioError(413, msg, "request_too_large")
    if file is not None:
        _check_media(file.filename or "", file.data)
    return _Asked(task, file, url, _text(values, "language"), form, granularities)


def _check_media(name: str, data: bytes) -> None:
    """Groq reads the type from the file's name (its extension), or from the content
    when the name has none it knows; an empty file is refused (the wording is not
    recorded: groq-api.md section 10)."""
    from synaptic_core.audio._source import sniff  # noqa: PLC0415

    if not data:
        raise AudioError(400, "the audio file is empty")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    recognised = sniff(data[:64]) is not None
    if extension not in MEDIA_TYPES and not recognised:
        msg = f"file must be one of the following types: [{' '.join(MEDIA_TYPES)}]"
        raise AudioError(400, msg)
    if not recognised:  # named as audio, but not decodable as any
        raise AudioError(400, "could not process file - is it a valid media file?")


def _check_model(task: str, model: str, known: set[str]) -> None:
    if model not in known:
        msg = f"The model `{model}` does not exist or you do not have access to it."
        raise AudioError(404, msg, "model_not_found")
    if model not in TRANSCRIBERS:
        raise AudioError(400, f"model `{model}` does not support audio transcription")
    if task == "translate" and model not in TRANSLATORS:
        raise AudioError(400, f"model `{model}` does not support translation")


def transcription(
    task: str, parts: list[Part], known: set[str], fetched: bytes | AudioError | None = None
) -> tuple[dict[str, Any], str, float]:
    """The answer's fields (before ``x_groq``), its response format, and the audio's
    seconds; ``AudioError`` for what Groq refuses. ``fetched``: what ``fetch`` got for
    the request's ``url``."""
    asked = _asked(task, parts, known)
    if asked.file is not None:
        name, seconds = asked.file.filename or "audio", duration_of(asked.file.data)
    else:
        if not isinstance(fetched, bytes):
            raise fetched or AudioError(400, "failed to retrieve media from url")
        path = (asked.url or "").split("?", 1)[0].split("#", 1)[0]
        name = path.rsplit("/", 1)[-1] or "audio"
        _check_media(name, fetched)
        seconds = duration_of(fetched)
    seconds = max(seconds, 0.01)
    said = "English translation of" if task == "translate" else "transcript of"
    text = f" Emulated {said} {name} ({seconds:.1f} seconds)."
    if asked.form != "verbose_json":
        return {"text": text}, asked.form, seconds
    language = "English" if task == "translate" or not asked.language else \
        LANGUAGES.get(asked.language, asked.language)  # fmt: skip
    answer: dict[str, Any] = {"task": task, "language": language,
                              "duration": round(seconds, 9), "text": text}  # fmt: skip
    words = text.split()
    step = seconds / max(len(words), 1)
    if "word" in asked.granularities:
        answer["words"] = [
            {"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
            for i, w in enumerate(words)
        ]
    answer["segments"] = None if asked.granularities == ["word"] else [
        {"id": 0, "seek": 0, "start": 0.0, "end": round(seconds, 3), "text": text,
         "tokens": list(range(50_364, 50_364 + len(words))), "temperature": 0.0,
         "avg_logprob": -0.2, "compression_ratio": 1.1, "no_speech_prob": 0.01}
    ]  # fmt: skip
    return answer, asked.form, seconds


def speech(body: Any, known: set[str]) -> tuple[bytes, float]:
    """A WAV whose length follows the text, and its seconds; ``AudioError`` otherwise."""
    if not isinstance(body, dict):
        raise AudioError(400, "the body must be a JSON object")
    model, text, voice = body.get("model"), body.get("input"), body.get("voice")
    if not isinstance(model, str) or model not in known:
        msg = f"The model `{model}` does not exist or you do not have access to it."
        raise AudioError(404, msg, "model_not_found")
    if model not in VOICES:
        raise AudioError(400, f"model `{model}` does not support text to speech")
    if not isinstance(text, str) or not text.strip():
        raise AudioError(400, "`input` is required")
    if len(text) > MAX_SPEECH_INPUT:
        raise AudioError(400, f"`input` must be at most {MAX_SPEECH_INPUT} characters")
    if voice not in VOICES[model]:
        raise AudioError(400, f"voice `{voice}` is not supported for `{model}`; voices: "
                              f"{', '.join(VOICES[model])}")  # fmt: skip
    form = body.get("response_format", "wav")
    if form != "wav":
        raise AudioError(400, f"response_format `{form}` is not supported; use `wav`")
    seconds = max(0.5, len(text) * SECONDS_PER_CHARACTER)
    return wav(seconds), seconds


def wav(seconds: float, rate: int = SPEECH_RATE) -> bytes:
    """A mono 16-bit PCM WAV of ``seconds`` of silence."""
    frames = round(seconds * rate)
    data = b"\x00\x00" * frames
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1,
                         1, rate, rate * 2, 2, 16, b"data", len(data))  # fmt: skip
    return header + data


def _text(values: dict[str, Part], name: str) -> str | None:
    part = values.get(name)
    return None if part is None else part.data.decode("utf-8", "replace")
