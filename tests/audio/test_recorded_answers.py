"""Replays of real Groq Whisper answers' shapes (public recordings in vercel/ai's Groq
fixtures, shortened here): ``json`` with ``x_groq.id`` and a leading space,
``text/plain`` with no request id in the body and no trailing newline, and
``verbose_json`` with words only (``segments: null``), a duration to the nanosecond,
the language's name, and words whose times overlap the previous word's."""

from __future__ import annotations

from typing import Any

from synaptic_core import FakeBackend
from synaptic_groq import GroqConfig, GroqTranscriptionModel

WORDS: dict[str, Any] = {
    "task": "transcribe",
    "language": "English",
    "duration": 36.712501248,
    "text": " Galileo was an American robotic space program",
    "words": [
        {"word": "Galileo", "start": 0.1, "end": 0.68},
        {"word": "moons,", "start": 4.9, "end": 5.7},
        {"word": "as", "start": 5.68, "end": 5.84},  # starts before the last one ended
        {"word": "and", "start": 32.18, "end": 32.48},
        {"word": "Earth,", "start": 32.02, "end": 33.14},  # and before the last started
        {"word": "Jupiter.", "start": 35.28, "end": 35.64},
    ],
    "segments": None,
    "x_groq": {"id": "req_01kyq27x28emr9zbm8ny8jcf61"},
}


def model(backend: FakeBackend) -> GroqTranscriptionModel:
    return GroqTranscriptionModel(GroqConfig("gsk_replay_0123456789", "whisper-large-v3"), backend)


def test_the_json_answer() -> None:
    body = {
        "text": " Hello from the Versal AISDK.",
        "x_groq": {"id": "req_01kha51bpcezj8q824a6zfchr1"},
    }
    heard = model(FakeBackend().add_response(body)).transcribe_sync(b"ID3\x04audio")
    assert (heard.text, heard.request_id) == (
        " Hello from the Versal AISDK.",
        "req_01kha51bpcezj8q824a6zfchr1",
    )
    assert (heard.language, heard.duration, heard.words, heard.segments) == (None, None, [], [])


def test_the_text_answer() -> None:
    backend = FakeBackend().add_response(
        content=" Galileo was an American robotic space program",
        headers={"content-type": "text/plain; charset=UTF-8"},
    )
    heard = model(backend).transcribe_sync(b"ID3\x04audio", response_format="text")
    assert heard.text == " Galileo was an American robotic space program"
    assert heard.request_id is None  # none in a text body, none in these headers


def test_the_verbose_answer_with_words_only() -> None:
    backend = FakeBackend().add_response(WORDS)
    heard = model(backend).transcribe_sync(b"ID3\x04audio", response_format="verbose_json",
                                           timestamp_granularities=["word"])  # fmt: skip
    assert (heard.task, heard.language, heard.duration) == ("transcribe", "English", 36.712501248)
    assert heard.segments == []
    assert [w.word for w in heard.words][:2] == ["Galileo", "moons,"]
    assert heard.request_id == "req_01kyq27x28emr9zbm8ny8jcf61"
    srt = heard.to_srt()  # from words: overlapping times are kept as sent, lines end at "."
    assert srt.startswith("1\n00:00:00,100 --> 00:00:05,840\nGalileo moons, as\n\n")
    assert srt.endswith("00:00:32,180 --> 00:00:35,640\nand Earth, Jupiter.\n\n")
