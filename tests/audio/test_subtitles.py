"""SRT and WebVTT from a transcription (Groq answers neither itself): from segments,
from words when only words were asked, and one cue when there are neither."""

from __future__ import annotations

import pytest

from synaptic_core.audio import Transcription, TranscriptionSegment, TranscriptionWord


def test_srt_and_vtt_from_segments() -> None:
    heard = Transcription(
        text=" First part. Second part.",
        segments=[
            TranscriptionSegment(id=0, start=0.0, end=2.0, text=" First part."),
            TranscriptionSegment(id=1, start=2.0, end=3725.5, text=" Second part."),
        ],
    )
    assert heard.to_srt() == (
        "1\n00:00:00,000 --> 00:00:02,000\nFirst part.\n\n"
        "2\n00:00:02,000 --> 01:02:05,500\nSecond part.\n\n"
    )
    assert heard.to_vtt() == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.000\nFirst part.\n\n"
        "00:00:02.000 --> 01:02:05.500\nSecond part.\n\n"
    )


def test_words_become_lines_ended_at_sentences_and_kept_short() -> None:
    words = [("And", 0.0, 0.46), ("so.", 0.46, 0.7), ("A", 0.8, 0.9)]
    words += [(f"w{i}", 1.0 + i * 0.1, 1.05 + i * 0.1) for i in range(12)]
    heard = Transcription(
        text="...", words=[TranscriptionWord(word=w, start=a, end=b) for w, a, b in words]
    )
    srt = heard.to_srt()
    assert srt.startswith("1\n00:00:00,000 --> 00:00:00,700\nAnd so.\n\n2\n00:00:00,800 --> ")
    lines = [line for line in srt.split("\n") if line.startswith(("A ", "w"))]
    assert all(len(line) <= 42 for line in lines)
    assert " ".join(lines).split() == ["A", *(f"w{i}" for i in range(12))]


def test_without_timings_one_cue_spans_the_duration() -> None:
    heard = Transcription(text=" Just text.", duration=3.25)
    assert heard.to_srt() == "1\n00:00:00,000 --> 00:00:03,250\nJust text.\n\n"
    assert Transcription(text="  ", duration=1.0).to_vtt() == "WEBVTT\n\n"
    from synaptic_core import InputError

    with pytest.raises(InputError, match="ask for response_format='verbose_json'"):
        Transcription(text=" A json answer: no timings.").to_srt()
