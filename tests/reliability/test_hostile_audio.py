"""Audio on a bad day, against real sockets (``hostile``): a server that echoes the key
(errors, request ids, the transcript itself), drips its answer, or cuts a spoken
answer short. The key never shows, nothing hangs past its deadline, and a cut speech
leaves no file behind."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synaptic_core import HttpBackend, NetworkError, RequestTimeoutError, SynapticError
from synaptic_groq import GroqConfig, GroqSpeechModel, GroqTranscriptionModel
from synaptic_groq.emulator._audio import wav

from .hostile import HostileServer, drip_body, drip_headers, json_escaped, reply, response
from .test_hostile_server import ECHOES, KEY, LIMIT, SLACK, assert_no_key, everything_about


def whisper(server: HostileServer) -> GroqTranscriptionModel:
    config = GroqConfig(KEY, "whisper-large-v3", base_url=server.base_url)
    return GroqTranscriptionModel(config, HttpBackend())


def orpheus(server: HostileServer) -> GroqSpeechModel:
    config = GroqConfig(KEY, "canopylabs/orpheus-v1-english", base_url=server.base_url)
    return GroqSpeechModel(config, HttpBackend())


@pytest.mark.parametrize("case", sorted(c for c in ECHOES if not c.startswith("200")))
def test_an_echoed_key_reaches_no_audio_error(case: str, tmp_path: Path) -> None:
    with HostileServer(reply(ECHOES[case])) as server, pytest.raises(SynapticError) as heard:
        whisper(server).transcribe_sync(wav(0.1))
    assert_no_key(everything_about(heard.value))
    with HostileServer(reply(ECHOES[case])) as server, pytest.raises(SynapticError) as said:
        orpheus(server).speak_sync("hi", to=tmp_path / "out.wav")
    assert_no_key(everything_about(said.value))
    assert not list(tmp_path.iterdir())  # no file, no partial


def test_an_echoed_request_id_is_redacted_in_every_audio_answer(tmp_path: Path) -> None:
    echo = f"x-request-id: {KEY}\r\n"
    answers = {
        "json": response("200 OK", b'{"text": " hi"}', headers=echo),
        "text": response("200 OK", b" hi", content_type="text/plain", headers=echo),
    }
    for form, answer in answers.items():
        with HostileServer(reply(answer)) as server:
            heard = whisper(server).transcribe_sync(wav(0.1), response_format=form)
        assert (heard.text, heard.request_id) == (" hi", "[REDACTED]")
    spoken = response("200 OK", wav(0.1), content_type="audio/wav", headers=echo)
    with HostileServer(reply(spoken)) as server:
        held = orpheus(server).speak_sync("hi")
    with HostileServer(reply(spoken)) as server:
        streamed = orpheus(server).speak_sync("hi", to=tmp_path / "a.wav")
    assert held.request_id == streamed.request_id == "[REDACTED]"
    assert streamed.size == len(wav(0.1))


def test_a_spoken_answer_cut_short_leaves_no_file(tmp_path: Path) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncontent-length: 100000\r\n\r\n"
    (tmp_path / "keep.wav").write_bytes(b"RIFF earlier")
    with HostileServer(reply(head + wav(0.1)[:500])) as server, pytest.raises(SynapticError) as cut:
        orpheus(server).speak_sync("hi", to=tmp_path / "keep.wav")
    assert isinstance(cut.value, NetworkError)
    assert (tmp_path / "keep.wav").read_bytes() == b"RIFF earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.wav"]


@pytest.mark.parametrize("handler", [drip_headers, drip_body])
def test_a_dripping_server_meets_the_audio_deadline(handler: object, tmp_path: Path) -> None:
    for call in ("transcribe", "speak"):
        with HostileServer(handler()) as server:  # type: ignore[operator]
            started = time.monotonic()
            with pytest.raises(RequestTimeoutError):
                if call == "transcribe":
                    whisper(server).transcribe_sync(wav(0.1), timeout=LIMIT)
                else:
                    orpheus(server).speak_sync("hi", timeout=LIMIT, to=tmp_path / "x.wav")
            assert time.monotonic() - started < LIMIT + SLACK, call
    assert not list(tmp_path.iterdir())


def test_synaptic_transcribe_prints_no_echoed_key(tmp_path: Path) -> None:
    """A server that puts the key in the transcript: the command line shows it as
    ``[REDACTED]`` in every format, as chat does."""
    body = json.dumps({"text": f" the key is {KEY}", "x_groq": {"id": "req_1"}}).encode()
    escaped = ('{"text": " escaped ' + json_escaped(KEY) + '"}').encode()
    (tmp_path / "a.wav").write_bytes(wav(0.1))
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    env.update(GROQ_API_KEY=KEY, SYNAPTIC_HOME=str(tmp_path / "home"))
    for answer in (body, escaped):
        for args in (["-f", "text"], ["-f", "json"], ["--jsonl", "all.jsonl"]):
            (tmp_path / "all.jsonl").unlink(missing_ok=True)
            with HostileServer(reply(response("200 OK", answer))) as server:
                env["GROQ_BASE_URL"] = server.base_url
                done = subprocess.run(
                    [sys.executable, "-m", "synaptic", "transcribe", "a.wav", "--retries", "0",
                     *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                    check=False)  # fmt: skip
            assert done.returncode == 0, done.stderr
            written = (tmp_path / "all.jsonl").read_text() if "--jsonl" in args else ""
            assert_no_key(done.stdout + done.stderr + written)
            assert "[REDACTED]" in done.stdout + written
