"""Audio end to end against the emulator on loopback: synaptic's Groq audio models and
the official SDK's audio calls, Groq's refusals, durations read from the audio."""

from __future__ import annotations

import io
import json
import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from synaptic_core import (
    BadRequestError,
    ModelNotFoundError,
    RateLimitError,
    RequestTooLargeError,
)
from synaptic_core.audio import RetryTranscriptionModel
from synaptic_groq import GroqConfig, GroqSpeechModel, GroqTranscriptionModel
from synaptic_groq.emulator import GroqEmulator
from synaptic_groq.emulator._audio import duration_of, wav

KEY = "gsk_audio_emulated_0123456789"


@pytest.fixture
def emulator() -> Iterator[GroqEmulator]:
    with GroqEmulator() as server:
        yield server


def transcriber(
    emulator: GroqEmulator, model: str = "whisper-large-v3-turbo"
) -> GroqTranscriptionModel:
    return GroqTranscriptionModel(GroqConfig(KEY, model, base_url=emulator.base_url))


def test_a_wav_file_is_transcribed_with_its_duration(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    audio = tmp_path / "meeting.wav"
    audio.write_bytes(wav(2.5, rate=16_000))
    with transcriber(emulator) as model:
        plain = model.transcribe_sync(audio)
        verbose = model.transcribe_sync(audio, response_format="verbose_json", language="fr",
                                        timestamp_granularities=["word", "segment"])  # fmt: skip
        text = model.transcribe_sync(audio, response_format="text")
    assert plain.text == " Emulated transcript of meeting.wav (2.5 seconds)."
    assert plain.request_id is not None
    assert plain.request_id.startswith("req_emu_")
    assert (verbose.language, verbose.duration, verbose.task) == ("French", 2.5, "transcribe")
    assert [w.word for w in verbose.words] == plain.text.split()
    assert verbose.words[-1].end == pytest.approx(2.5)
    assert [s.text for s in verbose.segments] == [plain.text]
    assert verbose.to_srt() == f"1\n00:00:00,000 --> 00:00:02,500\n{plain.text.strip()}\n\n"
    assert text.text == plain.text
    assert emulator.stats.snapshot()["audio_seconds"] == pytest.approx(7.5)


def test_translation_and_its_refusal_on_turbo(emulator: GroqEmulator) -> None:
    with transcriber(emulator, "whisper-large-v3") as model:
        heard = model.translate_sync(wav(1.0), response_format="verbose_json")
    assert (heard.task, heard.language) == ("translate", "English")
    assert heard.text == " Emulated English translation of audio.wav (1.0 seconds)."
    body = {"model": "whisper-large-v3-turbo", "response_format": "json"}
    done = httpx.post(f"{emulator.base_url}/audio/translations", data=body,
                      files={"file": ("a.wav", wav(0.5))},
                      headers={"authorization": f"Bearer {KEY}"})  # fmt: skip
    assert done.status_code == 400
    assert (
        done.json()["error"]["message"]
        == "model `whisper-large-v3-turbo` does not support translation"
    )


def test_the_emulator_refuses_what_groq_refuses(emulator: GroqEmulator) -> None:
    url = f"{emulator.base_url}/audio/transcriptions"
    auth = {"authorization": f"Bearer {KEY}"}
    cases = [
        ({"model": "whisper-large-v3", "timestamp_granularities": "word"}, 400,
         "unknown param `timestamp_granularities`"),
        ({"model": "whisper-large-v3", "prompt": "p" * 900}, 400,
         "prompt length must be 896 characters or fewer, but provided prompt contains 900 "
         "characters"),
        ({"model": "openai/gpt-oss-20b"}, 400, "model `openai/gpt-oss-20b` does not support audio "
         "transcription"),
        ({"model": "whisper-large-v3", "response_format": "srt"}, 400,
         "response_format `srt` is not supported: json, text, verbose_json"),
    ]  # fmt: skip
    for data, status, message in cases:
        done = httpx.post(url, data=data, files={"file": ("a.wav", wav(0.2))}, headers=auth)
        assert (done.status_code, done.json()["error"]["message"]) == (status, message)
    with pytest.raises(ModelNotFoundError):
        transcriber(emulator, "whisper-large-v9").transcribe_sync(wav(0.1))


def test_25_mb_is_checked_by_the_client_and_by_the_emulator(emulator: GroqEmulator) -> None:
    big = b"\x00" * (25 * 1024 * 1024 + 1)
    with pytest.raises(RequestTooLargeError):
        transcriber(emulator).transcribe_sync(big)
    done = httpx.post(f"{emulator.base_url}/audio/transcriptions",
                      data={"model": "whisper-large-v3"}, files={"file": ("big.mp3", big)},
                      headers={"authorization": f"Bearer {KEY}"}, timeout=60)  # fmt: skip
    assert done.status_code == 413
    assert done.json()["error"]["code"] == "request_too_large"


def test_a_url_is_fetched_from_loopback_only(emulator: GroqEmulator, tmp_path: Path) -> None:
    """``url=`` is fetched (here from a file server on loopback) and its header read;
    a host off this machine is refused: the emulator never reaches the network."""
    import functools
    import http.server
    import threading

    (tmp_path / "talk.wav").write_bytes(wav(42.0, rate=8_000))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    files = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    where = f"http://127.0.0.1:{files.server_address[1]}"
    try:
        with transcriber(emulator) as model:
            heard = model.transcribe_sync(url=f"{where}/talk.wav?sig=1")
            assert heard.text == " Emulated transcript of talk.wav (42.0 seconds)."
            with pytest.raises(BadRequestError) as missing:
                model.transcribe_sync(url=f"{where}/gone.wav")
            with pytest.raises(BadRequestError) as remote:
                model.transcribe_sync(url="https://example.com/talk.wav")
    finally:
        files.shutdown()
        files.server_close()
    assert str(missing.value) == (
        "groq error (HTTP 400): failed to retrieve media from url: it answered HTTP 404"
    )
    assert str(remote.value).startswith(
        "groq error (HTTP 400): the emulator fetches `url` from loopback only (127.0.0.1, ::1, localhost), not "
        "'example.com'"
    )
    assert emulator.stats.snapshot()["audio_seconds"] == pytest.approx(42.0)


def test_speech_is_a_wav_whose_length_follows_the_text(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    config = GroqConfig(KEY, "canopylabs/orpheus-v1-english", base_url=emulator.base_url)
    with GroqSpeechModel(config) as speaker:
        short = speaker.speak_sync("Hello.")
        long = speaker.speak_sync("Hello there, this sentence is a good deal longer.", voice="troy")
    assert short.content_type == "audio/wav"
    with wave.open(io.BytesIO(long.data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            24_000,
        )
    assert duration_of(long.data) > duration_of(short.data) >= 0.5
    saved = long.save(tmp_path / "long.wav")
    assert saved.read_bytes() == long.data
    body = {"model": "canopylabs/orpheus-v1-english", "input": "hi", "voice": "fahad"}
    done = httpx.post(f"{emulator.base_url}/audio/speech", json=body,
                      headers={"authorization": f"Bearer {KEY}"})  # fmt: skip
    assert done.status_code == 400
    assert done.json()["error"]["message"].startswith("voice `fahad` is not supported")


def test_flac_and_unknown_formats_get_a_duration() -> None:
    streaminfo = (44_100 << 44) | (88_200)  # 2 seconds at 44.1 kHz, 36 bits of samples
    flac = b"fLaC" + b"\x00" * 14 + streaminfo.to_bytes(8, "big")
    assert duration_of(flac) == pytest.approx(2.0)
    assert duration_of(b"\xff\xfb" + b"\x00" * 15_998) == pytest.approx(1.0)  # 128 kbit/s
    assert struct.unpack_from("<4s", wav(0.1))[0] == b"RIFF"


def test_the_official_sdk_transcribes_and_speaks_against_the_emulator(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    groq = pytest.importorskip("groq")
    client = groq.Groq(api_key=KEY, base_url=emulator.base_url.removesuffix("/openai/v1"),
                       _strict_response_validation=True)  # fmt: skip
    heard = client.audio.transcriptions.create(
        model="whisper-large-v3-turbo", file=("talk.wav", wav(1.5)),
        response_format="verbose_json", timestamp_granularities=["word"],
    )  # fmt: skip
    assert heard.text == " Emulated transcript of talk.wav (1.5 seconds)."
    said = client.audio.speech.create(model="canopylabs/orpheus-v1-english", input="Hi there",
                                      voice="autumn", response_format="wav")  # fmt: skip
    said.write_to_file(tmp_path / "sdk.wav")
    assert (tmp_path / "sdk.wav").read_bytes()[:4] == b"RIFF"
    with pytest.raises(groq.BadRequestError):
        client.audio.translations.create(model="whisper-large-v3-turbo", file=("a.wav", wav(0.2)))
    client.close()


def test_a_bad_request_is_a_typed_error(emulator: GroqEmulator) -> None:
    with pytest.raises(BadRequestError, match="does not support audio transcription"), \
            GroqTranscriptionModel(GroqConfig(KEY, "whisper-large-v3", base_url=emulator.base_url)) as m:  # fmt: skip
        m.config = m.config.model_copy(update={"model": "openai/gpt-oss-20b"})
        m.transcribe_sync(wav(0.1))


def test_audio_models_by_name_from_the_same_specs_and_profiles(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    import synaptic
    from synaptic_core import ConfigError

    env = {"GROQ_API_KEY": KEY}
    with synaptic.load_transcription_model("groq:whisper-large-v3", environ=env,
                                           base_url=emulator.base_url) as heard_by:  # fmt: skip
        assert isinstance(heard_by, RetryTranscriptionModel)  # retried by default, as chat
        assert isinstance(heard_by.model, GroqTranscriptionModel)
        emulator.add_fault("rate_limit", retry_after=0)
        assert heard_by.transcribe_sync(wav(1.0)).text.startswith(" Emulated transcript")
    with synaptic.load_transcription_model("groq:whisper-large-v3", environ=env, retries=0,
                                           base_url=emulator.base_url) as once:  # fmt: skip
        assert isinstance(once, GroqTranscriptionModel)
        emulator.add_fault("rate_limit", retry_after=0)
        with pytest.raises(RateLimitError):
            once.transcribe_sync(wav(1.0))
    config = tmp_path / "synaptic.toml"
    config.write_text(
        '[profiles.voice]\nprovider = "groq"\nmodel = "canopylabs/orpheus-v1-english"\n'
        f'base_url = "{emulator.base_url}"\n'
    )
    with synaptic.load_speech_model("voice", config_file=config, environ=env) as speaker:
        assert speaker.speak_sync("Hi").data[:4] == b"RIFF"
    with pytest.raises(ConfigError, match="is a chat model, not a speech-to-text"):
        synaptic.load_transcription_model("groq:openai/gpt-oss-20b", environ=env)
    with pytest.raises(ConfigError, match=r"provider .fake. \(fake:echo\) has no text-to-speech"):
        synaptic.load_speech_model("fake:echo", environ=env)


# --- the command line -----------------------------------------------------------------


def _cli(args: list[str], emulator: GroqEmulator, home: Path) -> Any:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url, SYNAPTIC_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "synaptic", *args], capture_output=True,
                          text=True, env=env, cwd=home, timeout=120, check=False)  # fmt: skip


def test_transcribe_one_file_to_stdout_and_subtitles_to_a_file(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    (tmp_path / "a.wav").write_bytes(wav(3.0))
    done = _cli(["transcribe", "a.wav"], emulator, tmp_path)
    assert (done.returncode, done.stdout) == (0, "Emulated transcript of a.wav (3.0 seconds).\n")
    done = _cli(["transcribe", "a.wav", "-f", "srt", "-o", "a.srt"], emulator, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a.srt").read_text() == (
        "1\n00:00:00,000 --> 00:00:03,000\nEmulated transcript of a.wav (3.0 seconds).\n\n"
    )
    done = _cli(["transcribe", "a.wav", "--translate", "-f", "json"], emulator, tmp_path)
    assert (
        json.loads(done.stdout)["text"] == " Emulated English translation of a.wav (3.0 seconds)."
    )


def test_transcribe_many_files_resumes_and_never_does_one_twice(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    names = [f"clip{i}.wav" for i in range(6)]
    for name in names:
        (tmp_path / name).write_bytes(wav(0.5))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "clip2.vtt").write_text("done before\n")  # as a killed run left it
    done = _cli(["transcribe", *names, "-f", "vtt", "-o", "out"], emulator, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "resuming: 1 of 6 already done" in done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        n.replace(".wav", ".vtt") for n in names)  # fmt: skip
    assert (tmp_path / "out" / "clip2.vtt").read_text() == "done before\n"
    assert (tmp_path / "out" / "clip0.vtt").read_text().startswith("WEBVTT\n\n00:00:00.000")
    assert emulator.stats.snapshot()["requests_by_status"] == {"200": 5}
    again = _cli(["transcribe", *names, "-f", "vtt", "-o", "out"], emulator, tmp_path)
    assert "resuming: 6 of 6 already done" in again.stderr
    assert emulator.stats.snapshot()["requests_by_status"] == {"200": 5}


def test_speak_writes_a_wav(emulator: GroqEmulator, tmp_path: Path) -> None:
    done = _cli(["speak", "Hello from synaptic", "-o", "hi.wav", "--voice", "daniel"],
                emulator, tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hi.wav").read_bytes()[:4] == b"RIFF"
    assert done.stderr.startswith("wrote hi.wav (")
    bad = _cli(["speak", "Hi", "-o", "hi.wav", "--voice", "fahad"], emulator, tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.startswith(
        "error: voice 'fahad' is not a voice of canopylabs/orpheus-v1-english; its voices: "
        "autumn, diana"
    )
    assert (tmp_path / "hi.wav").read_bytes()[:4] == b"RIFF"  # the earlier file kept
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".wav")) == ["hi.wav"]
    mp3 = _cli(["speak", "Hi", "-o", "hi.mp3"], emulator, tmp_path)
    assert mp3.returncode == 2
    assert "-o 'hi.mp3': synaptic speak writes WAV; name the file .wav" in mp3.stderr


def test_speak_to_standard_output(emulator: GroqEmulator, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url, SYNAPTIC_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "synaptic", "speak", "-", "-o", "-"],
                          input=b"Hello. " * 40, capture_output=True, env=env, cwd=tmp_path,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with wave.open(io.BytesIO(done.stdout)) as heard:
        seconds = heard.getnframes() / heard.getframerate()
    assert seconds == pytest.approx((len("Hello. " * 40) - 1 - 1) * 0.06, abs=0.01)
    assert done.stderr.decode().startswith(
        f"wrote standard output ({len(done.stdout):,} bytes, audio/wav, spoken in 2 pieces)"
    )


def test_speak_cuts_long_text_into_pieces_and_joins_one_wav(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    """Orpheus takes about 200 characters a request (the emulator refuses more): longer
    text is spoken a few sentences at a time and joined into one valid WAV."""
    text = " ".join(f"Sentence number {i} is here." for i in range(30))  # 30 x 27 characters
    done = _cli(["speak", text, "-o", "long.wav"], emulator, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("wrote long.wav (")
    assert ", audio/wav, spoken in 5 pieces)" in done.stderr
    with wave.open(str(tmp_path / "long.wav")) as joined:
        seconds = joined.getnframes() / joined.getframerate()
    # 0.06 s a character, each piece alone: the text less the 4 spaces between pieces
    assert seconds == pytest.approx((len(text) - 4) * 0.06, abs=0.01)
    snapshot = emulator.stats.snapshot()
    assert snapshot["requests_by_status"] == {"200": 5}
    assert snapshot["audio_seconds"] == pytest.approx(seconds)


def test_transcribe_killed_with_kill_9_resumes_with_nothing_lost_or_done_twice(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    names = [f"c{i:02d}.wav" for i in range(40)]
    for name in names:
        (tmp_path / name).write_bytes(wav(0.2))
    config = tmp_path / "synaptic.toml"
    config.write_text('[profiles.w]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
                      "[profiles.w.limits]\nrequests_per_minute = 30\n")  # fmt: skip
    out = tmp_path / "out"
    args = ["transcribe", *names, "-o", "out", "-m", "w", "-C", str(config), "--jobs", "4"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    # The killed run remembers its budget in a home of its own: the rerun tests the
    # resume, not the wait (budget memory: test_a_rerun_right_after_a_kill_...).
    env.update(
        GROQ_API_KEY=KEY,
        GROQ_BASE_URL=emulator.base_url,
        SYNAPTIC_HOME=str(tmp_path / "killed-home"),
    )
    process = subprocess.Popen([sys.executable, "-m", "synaptic", *args], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(list(out.glob("*.txt"))) < 32:  # past the burst: the budget paces the rest
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    done_before = {p.name: p.read_text() for p in out.glob("*.txt")}
    assert 32 <= len(done_before) < 40
    sent_before = emulator.stats.snapshot()["requests"]
    again = _cli(args, emulator, tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(done_before)} of 40 already done" in again.stderr
    assert sorted(p.name for p in out.glob("*.txt")) == [n.replace(".wav", ".txt") for n in names]
    assert all((out / name).read_text() == text for name, text in done_before.items())
    assert emulator.stats.snapshot()["requests"] - sent_before == 40 - len(done_before)


def test_transcribe_into_json_lines_killed_torn_and_resumed(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    """``--jsonl``: a line per file, appended as each finishes; after ``kill -9`` and a
    torn last line, the rerun cuts the torn line, skips the finished files, and ends
    with one line per file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    names = [f"c{i:02d}.wav" for i in range(40)]
    for name in names:
        (tmp_path / name).write_bytes(wav(0.2))
    config = tmp_path / "synaptic.toml"
    config.write_text('[profiles.w]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
                      "[profiles.w.limits]\nrequests_per_minute = 30\n")  # fmt: skip
    lines = tmp_path / "all.jsonl"
    args = ["transcribe", *names, "--jsonl", "all.jsonl", "-f", "srt", "-m", "w",
            "-C", str(config), "--jobs", "4"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    # The killed run remembers its budget in a home of its own: the rerun tests the
    # resume, not the wait (budget memory: test_a_rerun_right_after_a_kill_...).
    env.update(
        GROQ_API_KEY=KEY,
        GROQ_BASE_URL=emulator.base_url,
        SYNAPTIC_HOME=str(tmp_path / "killed-home"),
    )
    process = subprocess.Popen([sys.executable, "-m", "synaptic", *args], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while not lines.exists() or lines.read_bytes().count(b"\n") < 32:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    before = [json.loads(line) for line in lines.read_text().splitlines()]
    assert 32 <= len(before) < 40
    first = before[0]
    assert first["text"] == f" Emulated transcript of {first['file']} (0.2 seconds)."
    assert first["srt"].startswith("1\n00:00:00,000 --> 00:00:00,200\nEmulated transcript")
    left = sorted(set(names) - {b["file"] for b in before})
    with lines.open("a") as torn:  # a write cut by kill -9
        torn.write(f'{{"file": "{left[0]}", "te')
    sent_before = emulator.stats.snapshot()["requests"]
    again = _cli(args, emulator, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "all.jsonl: cut off a last line left half-written" in again.stderr
    assert f"resuming: {len(before)} of 40 already in all.jsonl" in again.stderr
    after = [json.loads(line) for line in lines.read_text().splitlines()]
    assert after[: len(before)] == before  # finished lines untouched
    assert sorted(a["file"] for a in after) == names  # each file exactly once
    assert emulator.stats.snapshot()["requests"] - sent_before == 40 - len(before)
    # Where results go is said once; a file that is not such output is refused.
    both = _cli(["transcribe", "c00.wav", "--jsonl", "x.jsonl", "-o", "out"], emulator, tmp_path)
    assert both.returncode == 2
    assert "-o and --jsonl both name where results go: give one" in both.stderr
    (tmp_path / "notes.jsonl").write_text("hello\n")
    foreign = _cli(["transcribe", "c00.wav", "--jsonl", "notes.jsonl"], emulator, tmp_path)
    assert foreign.returncode == 1
    assert foreign.stderr.startswith(
        "error: notes.jsonl line 1 is not a `synaptic transcribe --jsonl` line"
    )
    assert (tmp_path / "notes.jsonl").read_text() == "hello\n"


def test_transcribe_shows_one_counting_line_on_a_terminal(
    emulator: GroqEmulator, tmp_path: Path
) -> None:
    import os

    pytest.importorskip("pty")
    from tests.synaptic.cli_run import Terminal

    for index in range(3):
        (tmp_path / f"t{index}.wav").write_bytes(wav(0.2))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url, SYNAPTIC_HOME=str(tmp_path))
    files = [str(tmp_path / f"t{i}.wav") for i in range(3)]
    terminal = Terminal(["transcribe", *files, "-o", str(tmp_path / "out")], env)
    assert terminal.wait_for_exit() == 0
    assert b"\r\x1b[2K[3/3] 100% t" in terminal.output
    assert b" -> " not in terminal.output  # the per-file lines are for logs and pipes


def test_transcribe_checks_its_inputs_and_stops_when_every_file_would_fail(
    tmp_path: Path,
) -> None:
    """Findings of a newcomer trial: a missing file, a URL or a file as -o are said
    before anything is sent; a wrong key stops the run (exit 3) instead of failing every
    file; translations and verbose results get names of their own, so a resumed run
    never takes one for the other; a .jsonl of another task or format is refused, and
    the same file typed two ways is done once; standard input is an input."""
    with GroqEmulator(api_keys=[KEY]) as emulator:
        for name in ("a", "b", "c"):
            (tmp_path / f"{name}.wav").write_bytes(wav(0.5))
        missing = _cli(["transcribe", "a.wav", "nope.wav", "-o", "out"], emulator, tmp_path)
        assert missing.returncode == 2
        assert "not a file: nope.wav; nothing was sent" in missing.stderr
        url = _cli(["transcribe", "http://127.0.0.1:9/x.wav"], emulator, tmp_path)
        assert "is a URL: synaptic transcribe takes files" in url.stderr
        (tmp_path / "taken.txt").write_text("x")
        as_file = _cli(["transcribe", "a.wav", "b.wav", "-o", "taken.txt"], emulator, tmp_path)
        assert "-o taken.txt: with many inputs -o names a folder" in as_file.stderr
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "a.wav").write_bytes(wav(0.5))
        clash = _cli(["transcribe", "a.wav", "sub/a.wav", "-o", "out"], emulator, tmp_path)
        assert "a.wav and sub/a.wav would both write a.txt in out: rename one" in clash.stderr
        bad = _cli(["transcribe", "a.wav", "--language", "english"], emulator, tmp_path)
        assert "language must be an ISO-639-1 code such as 'en'" in bad.stderr
        assert emulator.stats.snapshot()["requests"] == 0  # none of that was sent

        import os
        import subprocess
        import sys

        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
        env.update(GROQ_API_KEY="gsk_wrong_key_000", GROQ_BASE_URL=emulator.base_url,
                   SYNAPTIC_HOME=str(tmp_path))  # fmt: skip
        names = []
        for index in range(12):
            names.append(f"w{index:02d}.wav")
            (tmp_path / names[-1]).write_bytes(wav(0.2))
        wrong = subprocess.run([sys.executable, "-m", "synaptic", "transcribe", *names, "-o", "w",
                                "--jobs", "2"], capture_output=True, text=True, env=env,
                               cwd=tmp_path, timeout=60, check=False)  # fmt: skip
        assert wrong.returncode == 3, wrong.stderr
        assert "stopped: every file would fail this way (AuthenticationError)" in wrong.stderr
        assert emulator.stats.snapshot()["requests_by_status"]["401"] < 12

        both = ["transcribe", "a.wav", "b.wav", "-o", "res"]
        assert _cli(both, emulator, tmp_path).returncode == 0
        translated = _cli([*both, "--translate"], emulator, tmp_path)
        assert translated.returncode == 0
        assert "resuming" not in translated.stderr
        verbose = _cli([*both, "-f", "verbose_json"], emulator, tmp_path)
        assert verbose.returncode == 0
        assert sorted(p.name for p in (tmp_path / "res").iterdir()) == [
            "a.en.txt", "a.txt", "a.verbose.json", "b.en.txt", "b.txt", "b.verbose.json"]  # fmt: skip

        lines = ["transcribe", "a.wav", "--jsonl", "all.jsonl"]
        assert _cli(lines, emulator, tmp_path).returncode == 0
        again = _cli(["transcribe", "./a.wav", str(tmp_path / "a.wav"), "--jsonl", "all.jsonl"],
                     emulator, tmp_path)  # fmt: skip
        assert again.returncode == 0
        assert "resuming: 1 of 1 already in all.jsonl" in again.stderr  # one file, typed twice
        assert len((tmp_path / "all.jsonl").read_text().splitlines()) == 1
        other = _cli([*lines, "-f", "srt"], emulator, tmp_path)
        assert other.returncode == 1
        assert "holds results made with another task or format (transcribe, -f text)" in \
            other.stderr  # fmt: skip

        stdin = subprocess.run([sys.executable, "-m", "synaptic", "transcribe", "-"],
                               input=(tmp_path / "c.wav").read_bytes(), capture_output=True,
                               env={**env, "GROQ_API_KEY": KEY}, cwd=tmp_path, timeout=60,
                               check=False)  # fmt: skip
        assert stdin.returncode == 0, stdin.stderr
        assert stdin.stdout.decode().startswith("Emulated transcript of <stdin>.wav (0.5 seconds)")


def test_scripted_faults_meet_audio_as_they_meet_chat(tmp_path: Path) -> None:
    """Queued and periodic faults (``add_fault``, a scenario's ``every``) reach the audio
    endpoints: status faults answer instead, byte faults cut or delay the answer."""
    from synaptic_core import NetworkError, ServerError

    with GroqEmulator() as emulator:
        emulator.add_fault("server_error", every=2)  # as a scenario's [[faults]] every = 2
        model = transcriber(emulator)
        outcomes = []
        for _ in range(4):
            try:
                model.transcribe_sync(wav(0.1))
                outcomes.append(200)
            except ServerError:
                outcomes.append(500)
        assert outcomes == [200, 500, 200, 500]
        emulator.faults.clear()
        emulator.add_fault("reset")
        with pytest.raises(NetworkError):
            model.transcribe_sync(wav(0.1))
        emulator.add_fault("unavailable")
        voice = GroqSpeechModel(GroqConfig(KEY, "canopylabs/orpheus-v1-english",
                                           base_url=emulator.base_url))  # fmt: skip
        with pytest.raises(ServerError):
            voice.speak_sync("hi", to=tmp_path / "x.wav")
        assert not (tmp_path / "x.wav").exists()
        model.close()
        voice.close()


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_stop_a_paced_run_at_once(tmp_path: Path, signum: str) -> None:
    """A stopped run sends nothing more (it used to send every queued file, paced, before
    exiting: 39 paid transcriptions thrown away), exits 130 or 143 at once, and what
    finished is kept for the rerun."""
    import os
    import signal
    import subprocess
    import sys
    import time

    names = [f"c{i:02d}.wav" for i in range(40)]
    for name in names:
        (tmp_path / name).write_bytes(wav(0.1, rate=8_000))
    config = tmp_path / "synaptic.toml"
    config.write_text('[profiles.w]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
                      "[profiles.w.limits]\nrequests_per_minute = 30\n")  # fmt: skip
    with GroqEmulator(audio_requests_per_minute=30) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
        env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url,
                   SYNAPTIC_HOME=str(tmp_path / "home"))  # fmt: skip
        lines = tmp_path / "all.jsonl"
        process = subprocess.Popen(
            [sys.executable, "-m", "synaptic", "transcribe", *names, "--jsonl", str(lines),
             "-m", "w", "-C", str(config)], cwd=tmp_path, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 60
        while not lines.exists() or lines.read_bytes().count(b"\n") < 31:  # past the burst
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(getattr(signal, signum))
        _, err = process.communicate(timeout=10)
        sent = emulator.stats.snapshot()["requests"]
        time.sleep(2.5)  # longer than the budget's spacing (2 s): a queued file would go
        assert emulator.stats.snapshot()["requests"] == sent
    assert process.returncode == (130 if signum == "SIGINT" else 143), err
    assert sent < 40
    assert lines.read_bytes().count(b"\n") >= 31


def test_second_trial_findings_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    """A symlink loop is a clear error, not a traceback; an output folder that cannot be
    written, or a --jsonl another run holds, is said before anything is sent; a fault's
    wording names the request's model; audio that is not audio is a 400."""
    import fcntl
    import os

    with GroqEmulator() as emulator:
        (tmp_path / "a.wav").write_bytes(wav(0.2))
        os.symlink("loop.wav", tmp_path / "loop.wav")
        looped = _cli(["transcribe", "loop.wav", "a.wav"], emulator, tmp_path)
        assert (looped.returncode, "Traceback" in looped.stderr) == (2, False)
        assert "not a file: loop.wav; nothing was sent" in looped.stderr
        (tmp_path / "plain").write_text("a file, not a folder")
        for args in (["transcribe", "a.wav", "-o", "plain/out.txt"],
                     ["speak", "hi", "-o", "plain/x.wav"]):  # fmt: skip
            refused = _cli(args, emulator, tmp_path)
            assert refused.returncode == 1, refused.stderr
            assert "cannot write the " in refused.stderr
            assert "in plain: " in refused.stderr
            assert refused.stderr.rstrip().endswith("nothing was sent")
        with (tmp_path / "held.jsonl").open("a") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            busy = _cli(["transcribe", "a.wav", "--jsonl", "held.jsonl"], emulator, tmp_path)
        assert "another synaptic transcribe is writing held.jsonl" in busy.stderr
        assert emulator.stats.snapshot()["requests"] == 0
        emulator.add_fault("rate_limit", retry_after=0)
        with pytest.raises(RateLimitError, match="for model `whisper-large-v3-turbo`"):
            transcriber(emulator).transcribe_sync(wav(0.2))
        done = httpx.post(f"{emulator.base_url}/audio/transcriptions",
                          data={"model": "whisper-large-v3"},
                          files={"file": ("fake.wav", b"this is text, not audio")},
                          headers={"authorization": f"Bearer {KEY}"})  # fmt: skip
        assert (done.status_code, done.json()["error"]["message"]) == (
            400, "could not process file - is it a valid media file?")  # fmt: skip


def test_library_edges_of_speech_into_files(tmp_path: Path) -> None:
    import io

    from synaptic_core import FakeBackend, InputError

    voice = GroqSpeechModel(GroqConfig(KEY, "canopylabs/orpheus-v1-english"), FakeBackend())
    whisper = GroqTranscriptionModel(GroqConfig(KEY, "whisper-large-v3-turbo"), FakeBackend())
    with pytest.raises(InputError, match=r"names mp3 audio, but the answer is wav: name the file"):
        voice.speak_sync("hi", to=tmp_path / "x.mp3")
    with pytest.raises(InputError, match=r"binary mode \('rb'\), not text"):
        whisper.transcribe_sync(io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"^the audio is empty \(0 bytes\)"):
        whisper.transcribe_sync(b"")
    from synaptic_core.audio import SpeechAudio

    (tmp_path / "plain").write_text("x")
    with pytest.raises(InputError, match=r"cannot write .*x\.wav: .*plain is a file, not a folder"):
        SpeechAudio(data=b"RIFF", content_type="audio/wav").save(tmp_path / "plain" / "x.wav")
