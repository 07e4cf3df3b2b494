"""Audio on the wire (DESIGN 19, groq-api.md section 10): the exact multipart body, the
answers' three shapes, Groq's rules checked before anything is sent, sync and async."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import (
    ConfigError,
    FakeBackend,
    InputError,
    ParseError,
    RateLimitError,
    RequestTooLargeError,
)
from synaptic_core.audio import SpeechAudio, Transcription, TranscriptionRequest
from synaptic_core.audio._source import PIECE, AudioSource
from synaptic_groq import GroqConfig, GroqSpeechModel, GroqTranscriptionModel
from synaptic_openai._audio_wire import multipart

KEY = "gsk_audio_SECRET_0123456789"
CLIP = b"RIFF\x24\x00\x00\x00WAVEfmt "  # a WAV's first bytes: enough to be named audio.wav
BASE = "https://api.groq.com/openai/v1"

# Real recorded shapes (groq-api.md section 10): json, text, verbose_json with words.
JSON_ANSWER = {"text": " And so my fellow Americans.", "x_groq": {"id": "req_01jtest"}}
VERBOSE_WORDS = {
    "task": "transcribe",
    "language": "English",
    "duration": 36.712501248,
    "text": " And so my fellow Americans.",
    "words": [
        {"word": "And", "start": 0.0, "end": 0.46},
        {"word": "so", "start": 0.46, "end": 0.7},
        {"word": "my", "start": 0.7, "end": 0.9},
        {"word": "fellow", "start": 0.9, "end": 1.3},
        {"word": "Americans.", "start": 1.28, "end": 2.0},
    ],
    "segments": None,
    "x_groq": {"id": "req_01jwords"},
}
VERBOSE_SEGMENTS = {
    "task": "transcribe",
    "language": "English",
    "duration": 4.5,
    "text": " First part. Second part.",
    "segments": [
        {"id": 0, "seek": 0, "start": 0.0, "end": 2.0, "text": " First part.", "tokens": [1, 2],
         "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.1,
         "no_speech_prob": 0.01},
        {"id": 1, "seek": 0, "start": 2.0, "end": 4.5, "text": " Second part.", "tokens": [3],
         "temperature": 0.0, "avg_logprob": -0.3, "compression_ratio": 1.0,
         "no_speech_prob": 0.02},
    ],
    "x_groq": {"id": "req_01jsegs"},
}  # fmt: skip


def transcriber(backend: FakeBackend, model: str = "whisper-large-v3-turbo") -> Any:
    return GroqTranscriptionModel(GroqConfig(KEY, model, base_url=BASE), backend)


def fields(body: bytes, boundary: str) -> list[tuple[str, bytes]]:
    """The multipart body's parts as (name, value), in order."""
    parts = body.split(f"--{boundary}".encode())[1:-1]
    found = []
    for part in parts:
        head, _, value = part.partition(b"\r\n\r\n")
        name = head.decode().split('name="')[1].split('"')[0]
        found.append((name, value.removesuffix(b"\r\n")))
    return found


def test_the_multipart_body_exactly(tmp_path: Path) -> None:
    audio = tmp_path / "talk.wav"
    audio.write_bytes(b"RIFF0000WAVEdata")
    request = TranscriptionRequest("transcribe", AudioSource.of(audio), language="en",
                                   prompt="names: Ada", temperature=0.2,
                                   response_format="verbose_json",
                                   timestamp_granularities=("word", "segment"))  # fmt: skip
    kind, size, body = multipart(request, "whisper-large-v3", boundary="XyZ")
    data = b"".join(body())
    assert kind == "multipart/form-data; boundary=XyZ"
    assert size == len(data)
    assert data == (
        b'--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-large-v3\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="language"\r\n\r\nen\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nnames: Ada\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="response_format"\r\n\r\nverbose_json\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="temperature"\r\n\r\n0.2\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nword\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\n'
        b"segment\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="talk.wav"\r\n'
        b"Content-Type: audio/x-wav\r\n\r\nRIFF0000WAVEdata\r\n--XyZ--\r\n"
    )
    assert data == b"".join(body())  # read again from the start (a retry)


def test_a_url_is_sent_instead_of_a_file() -> None:
    backend = FakeBackend().add_response(JSON_ANSWER)
    answer = transcriber(backend).transcribe_sync(url="https://example.com/a.mp3")
    sent = backend.last_request
    boundary = sent.headers["content-type"].split("boundary=")[1]
    assert fields(sent.read_body(), boundary) == [
        ("model", b"whisper-large-v3-turbo"),
        ("response_format", b"json"),
        ("url", b"https://example.com/a.mp3"),
    ]
    assert sent.url == f"{BASE}/audio/transcriptions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert int(sent.headers["content-length"]) == len(sent.read_body())
    assert (answer.text, answer.request_id, answer.task) == (
        " And so my fellow Americans.", "req_01jtest", "transcribe")  # fmt: skip


def test_the_upload_streams_from_disk_in_pieces(tmp_path: Path) -> None:
    audio = tmp_path / "big.flac"
    audio.write_bytes(b"\x01" * (3 * PIECE + 5))
    backend = FakeBackend().add_response(JSON_ANSWER)
    transcriber(backend).transcribe_sync(audio)
    sent = backend.last_request
    assert sent.content is None  # nothing held: a function that reads it
    assert sent.body is not None
    pieces = list(sent.body())
    assert max(len(p) for p in pieces) <= PIECE
    assert sent.body_size == len(b"".join(pieces)) == int(sent.headers["content-length"])
    assert repr(sent).endswith(f", {sent.body_size} bytes)")
    assert KEY not in repr(sent)


def test_bytes_and_a_binary_file_are_audio_too(tmp_path: Path) -> None:
    backend = FakeBackend().add_response(JSON_ANSWER).add_response(JSON_ANSWER)
    model = transcriber(backend)
    model.transcribe_sync(b"ID3-mp3-bytes")
    handle = io.BytesIO(b"skip|OggS-data")
    handle.name = "/tmp/voice.ogg"  # type: ignore[attr-defined]
    handle.seek(5)
    model.transcribe_sync(handle)
    first, second = (r.read_body() for r in backend.requests)
    assert b'filename="audio.mp3"' in first  # bytes named by their content: Groq reads the type
    assert b"ID3-mp3-bytes" in first
    assert b'filename="voice.ogg"' in second
    assert b"\r\n\r\nOggS-data\r\n" in second


@pytest.mark.parametrize(
    ("answer", "response_format", "words", "segments"),
    [(VERBOSE_WORDS, "verbose_json", 5, 0), (VERBOSE_SEGMENTS, "verbose_json", 0, 2)],
)
def test_verbose_json_answers(
    answer: dict[str, Any], response_format: str, words: int, segments: int
) -> None:
    backend = FakeBackend().add_response(answer, headers={"x-ratelimit-remaining-requests": "19"})
    got = transcriber(backend).transcribe_sync(CLIP, response_format=response_format)
    assert (len(got.words), len(got.segments)) == (words, segments)
    assert (got.language, got.duration, got.task) == ("English", answer["duration"], "transcribe")
    assert got.request_id == answer["x_groq"]["id"]
    assert got.rate_limit is not None
    assert got.rate_limit.remaining_requests == 19
    assert got.provider_metadata == {"x_groq": answer["x_groq"]}


def test_a_text_answer_is_the_bare_transcript() -> None:
    backend = FakeBackend().add_response(
        content=" And so my fellow Americans",
        headers={"content-type": "text/plain; charset=UTF-8", "x-request-id": "req_txt"},
    )
    got = transcriber(backend).transcribe_sync(CLIP, response_format="text")
    assert (got.text, got.request_id, got.segments) == (
        " And so my fellow Americans",
        "req_txt",
        [],
    )


def test_translation_goes_to_its_endpoint_and_turbo_refuses_it() -> None:
    backend = FakeBackend().add_response({"text": "Hello", "x_groq": {"id": "r"}})
    got = transcriber(backend, "whisper-large-v3").translate_sync(CLIP)
    assert backend.last_request.url == f"{BASE}/audio/translations"
    assert got.task == "translate"
    with pytest.raises(ConfigError, match="transcribes only; to translate to English use"):
        transcriber(FakeBackend()).translate_sync(CLIP)


def test_groq_rules_are_checked_before_anything_is_sent(tmp_path: Path) -> None:
    backend = FakeBackend()
    model = transcriber(backend)
    big = tmp_path / "long.mp3"
    with big.open("wb") as handle:
        handle.truncate(25 * 1024 * 1024 + 1)  # sparse: no 25 MB written
    with pytest.raises(RequestTooLargeError) as info:
        model.transcribe_sync(big)
    assert (
        "long.mp3 is 26,214,401 bytes; Groq takes attachments up to 25 MB (26,214,400 bytes): "
        "pass url=" in str(info.value)
    )
    with pytest.raises(InputError, match="the prompt is 897 characters; Groq takes at most 896"):
        model.transcribe_sync(CLIP, prompt="p" * 897)
    with pytest.raises(InputError, match=r"ask for verbose_json, then \.to_srt"):
        model.transcribe_sync(CLIP, response_format="srt")
    with pytest.raises(InputError, match="need response_format='verbose_json'"):
        model.transcribe_sync(CLIP, timestamp_granularities=["word"])
    with pytest.raises(InputError, match=r"give the audio .* or url=, not both"):
        model.transcribe_sync(CLIP, url="https://example.com/a.mp3")
    with pytest.raises(InputError, match="cannot read the audio file"):
        model.transcribe_sync(tmp_path / "missing.wav")
    with pytest.raises(ConfigError, match="is a chat model, not a speech-to-text"):
        GroqTranscriptionModel(GroqConfig(KEY, "openai/gpt-oss-20b"))
    assert backend.requests == []


def test_errors_are_the_same_typed_errors_and_never_hold_the_key() -> None:
    body = {"error": {"message": f"Rate limit reached for {KEY}", "type": "tokens",
                      "code": "rate_limit_exceeded"}}  # fmt: skip
    backend = FakeBackend().add_response(body, status=429, headers={"retry-after": "7"})
    with pytest.raises(RateLimitError) as info:
        transcriber(backend).transcribe_sync(CLIP)
    assert info.value.retry_after == 7
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    backend = FakeBackend().add_response(content=b"<html>oops</html>")
    with pytest.raises(ParseError, match="is not JSON"):
        transcriber(backend).transcribe_sync(CLIP)


def test_async_transcription_and_speech() -> None:
    async def main() -> tuple[Transcription, SpeechAudio]:
        backend = FakeBackend().add_response(JSON_ANSWER)
        heard = await transcriber(backend).transcribe(CLIP)
        speech_backend = FakeBackend().add_response(
            content=b"RIFF....WAVE", headers={"content-type": "audio/wav", "x-request-id": "rs"}
        )
        speaker = GroqSpeechModel(GroqConfig(KEY, "canopylabs/orpheus-v1-english", base_url=BASE),
                                  speech_backend)  # fmt: skip
        said = await speaker.speak("Hello there", voice="troy")
        assert speech_backend.last_request.json() == {
            "model": "canopylabs/orpheus-v1-english", "input": "Hello there",
            "response_format": "wav", "voice": "troy"}  # fmt: skip
        return heard, said

    heard, said = asyncio.run(main())
    assert heard.text == " And so my fellow Americans."
    assert (said.data, said.content_type, said.request_id) == (b"RIFF....WAVE", "audio/wav", "rs")


def test_speech_voices_defaults_and_kinds(tmp_path: Path) -> None:
    backend = FakeBackend().add_response(content=b"RIFF", headers={"content-type": "audio/wav"})
    speaker = GroqSpeechModel(GroqConfig(KEY, "canopylabs/orpheus-arabic-saudi", base_url=BASE),
                              backend)  # fmt: skip
    audio = speaker.speak_sync("مرحبا", speed=1.2, sample_rate=24000)
    sent = json.loads(backend.last_request.content or b"")
    assert (sent["voice"], sent["speed"], sent["sample_rate"]) == ("fahad", 1.2, 24000)
    assert backend.last_request.headers["accept"] == "audio/wav"
    assert audio.save(tmp_path / "out.wav").read_bytes() == b"RIFF"
    assert repr(audio) == "SpeechAudio(audio/wav, 4 bytes)"
    with pytest.raises(
        InputError,
        match="voice 'troy' is not a voice of canopylabs/orpheus-arabic-saudi; its voices: fahad",
    ):
        speaker.speak_sync("hi", voice="troy")
    with pytest.raises(InputError, match="the text to speak is empty"):
        speaker.speak_sync("  ")
    with pytest.raises(ConfigError, match=r"is a speech-to-text model, not a text-to-speech"):
        GroqSpeechModel(GroqConfig(KEY, "whisper-large-v3"))


def speaker(backend: FakeBackend) -> GroqSpeechModel:
    config = GroqConfig(KEY, "canopylabs/orpheus-v1-english", base_url=BASE)
    return GroqSpeechModel(config, backend)


def test_speech_streamed_into_a_file_is_never_held_or_half_written(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    backend = FakeBackend().add_stream(
        [b"RIFF", b"1234", b"WAVE"], headers={"content-type": "audio/wav", "x-request-id": "r1"}
    )
    said = speaker(backend).speak_sync("Hello", to=target)
    assert (said.data, said.path, said.size, said.request_id) == (b"", target, 12, "r1")
    assert target.read_bytes() == b"RIFF1234WAVE"
    assert repr(said) == f"SpeechAudio(audio/wav, 12 bytes, in {str(target)!r})"
    assert said.save(tmp_path / "copy.wav").read_bytes() == b"RIFF1234WAVE"
    # Cut mid-body: the typed error, the earlier file untouched, no partial file left.
    from synaptic_core import NetworkError, PermissionDeniedError

    backend.add_stream([b"RIFFxx"], headers={"content-type": "audio/wav"},
                       error=NetworkError("connection cut", provider="groq"))  # fmt: skip
    with pytest.raises(NetworkError):
        speaker(backend).speak_sync("Hello again", to=target)
    assert target.read_bytes() == b"RIFF1234WAVE"
    # An error answer is read whole and mapped, and nothing is written.
    refusal = {
        "error": {
            "message": "The model requires terms acceptance.",
            "type": "invalid_request_error",
            "code": "model_terms_required",
        }
    }
    backend.add_stream([json.dumps(refusal)], status=403,
                       headers={"content-type": "application/json"})  # fmt: skip
    with pytest.raises(PermissionDeniedError, match="requires terms acceptance"):
        speaker(backend).speak_sync("Hi", to=tmp_path / "never.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.wav", "out.wav"]
    with pytest.raises(InputError, match="to= must name a file, not the folder"):
        speaker(backend).speak_sync("Hi", to=tmp_path)


def test_speech_into_a_file_async_and_from_a_provider_that_holds_the_bytes(
    tmp_path: Path,
) -> None:
    from synaptic_core.audio import SpeechModel, SpeechRequest

    class Holding(SpeechModel):  # a plugin's model that knows nothing of ``to``
        async def _speak(self, request: SpeechRequest) -> SpeechAudio:
            return SpeechAudio(data=request.text.encode(), content_type="audio/wav")

        def _speak_sync(self, request: SpeechRequest) -> SpeechAudio:
            return SpeechAudio(data=request.text.encode(), content_type="audio/wav")

    async def main() -> tuple[SpeechAudio, SpeechAudio]:
        backend = FakeBackend().add_stream(
            [b"RIFF", b"DATA"], headers={"content-type": "audio/wav"}
        )
        streamed = await speaker(backend).speak("Hello", to=tmp_path / "a.wav")
        return streamed, await Holding().speak("held", to=tmp_path / "b.wav")

    streamed, held = asyncio.run(main())
    assert (tmp_path / "a.wav").read_bytes() == b"RIFFDATA"
    assert (streamed.data, streamed.size) == (b"", 8)
    assert (held.data, held.path, held.size) == (b"", tmp_path / "b.wav", 4)
    assert Holding().speak_sync("x", to=tmp_path / "c.wav").path == tmp_path / "c.wav"
    assert (tmp_path / "c.wav").read_bytes() == b"x"


def test_speech_pieces_cut_at_sentences_then_clauses_then_words() -> None:
    from synaptic_core.audio import speech_pieces

    assert speech_pieces("One. Two!  Three?", 10) == ["One. Two!", "Three?"]
    assert speech_pieces("short", 200) == ["short"]
    assert speech_pieces("a, b, c, d", 5) == ["a, b,", "c, d"]
    long = "first clause here, second clause here, third one"
    assert speech_pieces(long, 20) == ["first clause here,", "second clause here,",
                                       "third one"]  # fmt: skip
    assert speech_pieces("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert speech_pieces("مرحبا بك. كيف حالك؟ أنا بخير.", 12) == ["مرحبا بك.", "كيف حالك؟",
                                                                 "أنا بخير."]  # fmt: skip
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    pieces = speech_pieces(text)
    assert all(len(p) <= 200 for p in pieces)
    assert " ".join(pieces) == text  # nothing lost, nothing added
    with pytest.raises(ValueError, match="limit must be at least 1"):
        speech_pieces("x", 0)


def test_join_wav_takes_each_piece_samples_even_with_an_unknown_streamed_size(
    tmp_path: Path,
) -> None:
    import struct
    import wave

    from synaptic_core.audio import join_wav
    from synaptic_groq.emulator._audio import wav

    first, second = tmp_path / "1.wav", tmp_path / "2.wav"
    first.write_bytes(wav(0.5, rate=8_000))
    streamed = bytearray(wav(0.25, rate=8_000))
    streamed[40:44] = struct.pack("<I", 0xFFFFFFFF)  # a streamed WAV's unknown data size
    second.write_bytes(bytes(streamed))
    joined = join_wav([first, second], tmp_path / "all.wav")
    with wave.open(str(joined)) as heard:
        assert (heard.getframerate(), heard.getnframes()) == (8_000, 6_000)
    other = tmp_path / "3.wav"
    other.write_bytes(wav(0.1, rate=16_000))
    with pytest.raises(InputError, match="differ in format"):
        join_wav([first, other], tmp_path / "bad.wav")
    (tmp_path / "4.wav").write_bytes(b"ID3 not a wav")
    with pytest.raises(InputError, match=r"4\.wav is not a WAV file"):
        join_wav([first, tmp_path / "4.wav"], tmp_path / "bad.wav")
    assert not (tmp_path / "bad.wav").exists()


def test_nothing_of_telemetry_loads_when_nobody_listens() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from synaptic_core import FakeBackend\n"
        "from synaptic_groq import GroqConfig, GroqTranscriptionModel\n"
        "backend = FakeBackend().add_response({'text': 'hi'})\n"
        "GroqTranscriptionModel(GroqConfig('gsk_x_123456789', 'whisper-large-v3'), backend)"
        ".transcribe_sync(b'RIFF....WAVE')\n"
        "print('synaptic_core.telemetry._audio' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False"]


def test_what_a_newcomer_meets_first(tmp_path: Path) -> None:
    """Short reprs, ``async with``, audio named by its content, refusals before sending
    (empty, unknown type, too long for Orpheus, a missing folder), ``join_wav`` on str
    paths (findings of a newcomer trial)."""
    from synaptic_core.audio import join_wav
    from synaptic_groq.emulator._audio import wav

    said = SpeechAudio(data=wav(1.0), content_type="audio/wav")
    assert str(said) == repr(said) == "SpeechAudio(audio/wav, 48,044 bytes)"
    heard = Transcription(text=" " + "word " * 30, task="transcribe", duration=9.5,
                          request_id="req_1")  # fmt: skip
    assert str(heard) == (
        "Transcription(' word word word word word word word word word word word w...', "
        "task='transcribe', duration=9.5, request_id='req_1')"
    )
    backend = FakeBackend().add_response(JSON_ANSWER).add_response(JSON_ANSWER)
    model = transcriber(backend)
    model.transcribe_sync(io.BytesIO(b"fLaC" + bytes(40)))  # no name: named by its content
    assert b'filename="audio.flac"' in backend.last_request.read_body()
    (tmp_path / "recording").write_bytes(b"OggS" + bytes(40))
    model.transcribe_sync(tmp_path / "recording")
    assert b'filename="recording.ogg"' in backend.last_request.read_body()
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InputError, match=r"the audio empty\.wav is empty \(0 bytes\)"):
        model.transcribe_sync(tmp_path / "empty.wav")
    (tmp_path / "notes.txt").write_text("not audio at all")
    with pytest.raises(InputError, match=r"notes\.txt is not audio Groq takes: name a file"):
        model.transcribe_sync(tmp_path / "notes.txt")
    with pytest.raises(InputError, match="give the audio: a path, bytes or a binary file, or url="):
        model.transcribe_sync()
    assert len(backend.requests) == 2  # none of the refusals was sent
    voice = speaker(FakeBackend())
    with pytest.raises(InputError, match=r"the text is 201 characters; Orpheus takes about 200"):
        voice.speak_sync("a" * 201)
    with pytest.raises(InputError, match=r"to='.*nowhere/x\.wav': the folder .* does not exist"):
        voice.speak_sync("hi", to=tmp_path / "nowhere" / "x.wav")
    (tmp_path / "1.wav").write_bytes(wav(0.5, rate=8_000))
    joined = join_wav([str(tmp_path / "1.wav"), str(tmp_path / "1.wav")], str(tmp_path / "2.wav"))
    assert joined.stat().st_size == 44 + 2 * 8_000

    async def main() -> None:
        async with speaker(FakeBackend().add_response(content=b"RIFF")) as spoken:
            assert (await spoken.speak("hi")).data == b"RIFF"
        async with transcriber(FakeBackend().add_response(JSON_ANSWER)) as whisper:
            assert (await whisper.transcribe(CLIP)).text == JSON_ANSWER["text"]

    asyncio.run(main())


def test_a_retired_speech_model_names_its_replacement() -> None:
    from synaptic_core import ModelRetiredError

    gone = {"error": {"message": "The model `playai-tts` does not exist or you do not have "
                                 "access to it.", "type": "invalid_request_error",
                      "code": "model_not_found"}}  # fmt: skip
    from synaptic_groq._catalog import DecommissionedModelWarning

    backend = FakeBackend().add_response(gone, status=404)
    with pytest.warns(DecommissionedModelWarning, match="use 'canopylabs/orpheus-v1-english'"):
        old = GroqSpeechModel(GroqConfig(KEY, "playai-tts", base_url=BASE), backend)
    with pytest.raises(ModelRetiredError) as info:
        old.speak_sync("hi", voice=None)
    assert info.value.replacement == "canopylabs/orpheus-v1-english"
    assert "use 'canopylabs/orpheus-v1-english' instead" in str(info.value)


def test_the_speak_help_names_every_voice() -> None:
    from click.testing import CliRunner

    from synaptic.cli._speak import speak
    from synaptic_groq._audio import VOICES

    shown = " ".join(CliRunner().invoke(speak, ["--help"]).output.split())
    assert all(voice in shown for voices in VOICES.values() for voice in voices)
