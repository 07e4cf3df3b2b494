"""SRT and WebVTT from a transcription: cues from its segments, else from its words
(grouped into lines of at most ``MAX_CHARS`` characters and ``MAX_SECONDS`` seconds,
ended early at a sentence's end), else one cue for the whole text when its duration is
known; without any timing (``json`` or ``text`` answers) an ``InputError`` says to ask
for ``verbose_json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synaptic_core.audio._types import Transcription

MAX_CHARS = 42  # a subtitle line, as broadcasters keep it
MAX_SECONDS = 7.0

Cue = tuple[float, float, str]


def cues(transcription: Transcription) -> list[Cue]:
    """(start, end, text) of each cue, in order; empty texts left out."""
    if transcription.segments:
        found = [(s.start, s.end, s.text.strip()) for s in transcription.segments]
    elif transcription.words:
        found = _from_words(transcription)
    elif transcription.duration:
        found = [(0.0, transcription.duration, transcription.text.strip())]
    else:
        from synaptic_core._errors import InputError  # noqa: PLC0415

        msg = (
            "this transcription has no timings (no segments, words or duration): ask for "
            "response_format='verbose_json' to make subtitles"
        )
        raise InputError(msg)
    return [(start, max(start, end), text) for start, end, text in found if text]


def _from_words(transcription: Transcription) -> list[Cue]:
    found: list[Cue] = []
    words: list[str] = []
    start = end = 0.0
    for word in transcription.words:
        text = word.word.strip()
        if not text:
            continue
        line = " ".join([*words, text])
        if words and (len(line) > MAX_CHARS or word.end - start > MAX_SECONDS):
            found.append((start, end, " ".join(words)))
            words = []
        if not words:
            start = word.start
        words.append(text)
        end = max(end, word.end)
        if text.endswith((".", "?", "!")):
            found.append((start, end, " ".join(words)))
            words = []
    if words:
        found.append((start, end, " ".join(words)))
    return found


def _clock(seconds: float, mark: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{mark}{millis:03d}"


def srt(transcription: Transcription) -> str:
    return "".join(
        f"{number}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text}\n\n"
        for number, (start, end, text) in enumerate(cues(transcription), start=1)
    )


def vtt(transcription: Transcription) -> str:
    body = "".join(
        f"{_clock(start, '.')} --> {_clock(end, '.')}\n{text}\n\n"
        for start, end, text in cues(transcription)
    )
    return f"WEBVTT\n\n{body}"
