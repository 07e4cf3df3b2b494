"""Audio calls as spans and duration metrics: one CLIENT span per call, named
``{operation} {model}`` (``transcription``, ``translation``, ``speech``: the GenAI
conventions name no audio operations yet), the request id and audio facts, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from synaptic_core import RateLimitError
from synaptic_core.audio import RetryTranscriptionModel
from synaptic_groq import GroqConfig, GroqSpeechModel, GroqTranscriptionModel
from synaptic_groq.emulator import GroqEmulator
from synaptic_groq.emulator._audio import wav

from .conftest import Otel

KEY = "gsk_otel_audio_SECRET_0123456789"


@pytest.fixture
def emulator() -> Iterator[GroqEmulator]:
    with GroqEmulator() as running:
        yield running


def test_a_transcription_and_a_speech_are_one_span_each(
    otel: Otel, emulator: GroqEmulator, tmp_path: Path
) -> None:
    port = int(emulator.base_url.split(":")[2].split("/")[0])
    whisper = GroqTranscriptionModel(
        GroqConfig(KEY, "whisper-large-v3", base_url=emulator.base_url)
    )
    voice = GroqSpeechModel(
        GroqConfig(KEY, "canopylabs/orpheus-v1-english", base_url=emulator.base_url)
    )
    with whisper, voice:
        heard = whisper.transcribe_sync(wav(2.0), response_format="verbose_json")
        said = voice.speak_sync("Hello there")
        streamed = voice.speak_sync("Hello there", to=tmp_path / "hi.wav")
    transcription, speech, into_file = otel.spans()
    assert transcription.name == "transcription whisper-large-v3"
    assert dict(transcription.attributes or {}) == {
        "gen_ai.operation.name": "transcription",
        "gen_ai.provider.name": "groq",
        "gen_ai.request.model": "whisper-large-v3",
        "server.address": "127.0.0.1",
        "server.port": port,
        "synaptic.audio.upload_bytes": len(wav(2.0)),
        "groq.request_id": heard.request_id,
        "synaptic.audio.seconds": 2.0,
    }
    assert speech.name == "speech canopylabs/orpheus-v1-english"
    assert dict(speech.attributes or {})["synaptic.audio.output_bytes"] == len(said.data)
    assert dict(into_file.attributes or {})["synaptic.audio.output_bytes"] == streamed.size
    assert streamed.size == len(said.data)
    durations = otel.points()["gen_ai.client.operation.duration"]
    assert sorted(a["gen_ai.operation.name"] for a, _, _ in durations) == [
        "speech",
        "transcription",
    ]


def test_a_retried_translation_is_one_span_and_an_error_sets_the_status(
    otel: Otel, emulator: GroqEmulator
) -> None:
    model = RetryTranscriptionModel(
        GroqTranscriptionModel(GroqConfig(KEY, "whisper-large-v3", base_url=emulator.base_url)),
        sleep_sync=lambda _: None,
    )
    emulator.add_fault("rate_limit", retry_after=0)
    model.translate_sync(wav(0.5))
    [span] = otel.spans()
    assert span.name == "translation whisper-large-v3"
    emulator.add_fault("rate_limit", retry_after=0, times=3)
    with pytest.raises(RateLimitError):
        model.translate_sync(wav(0.5))
    failed = otel.spans()[-1]
    assert dict(failed.attributes or {})["error.type"] == "RateLimitError"
    assert failed.status.status_code.name == "ERROR"
    assert KEY not in (failed.status.description or "")
