"""The ``synaptic`` command through its real entry point: output, exit codes, errors."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from synaptic import __version__
from synaptic.cli import main
from synaptic_groq.emulator import GroqEmulator

from .cli_run import run


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "SYNAPTIC_MODEL",
        "SYNAPTIC_CONFIG",
        "GROQ_API_KEY",
        "GROQ_BASE_URL",
        "OPENAI_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys) == (0, f"synaptic, version {__version__}\n", "")
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("chat", "providers", "models", "emulator", "demo"):
        assert re.search(rf"^\s+{command}\s", out, re.M), command
    code, out, _ = run(["chat", "--help"], capsys)
    assert code == 0
    assert "--no-stream" in out
    assert "--json" in out


def test_chat_streams_and_waits(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["chat", "-m", "fake:echo", "hello there"], capsys) == (0, "hello there\n", "")
    assert run(["chat", "-m", "fake:echo", "--no-stream", "hi"], capsys) == (0, "hi\n", "")


def test_chat_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["chat", "-m", "fake:echo", "--json", "-s", "be brief", "hi"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["message"]["content"] == "hi"
    assert data["finish_reason"] == "stop"


def test_chat_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from a pipe"))
    assert run(["chat", "-m", "fake:echo", "-"], capsys) == (0, "from a pipe\n", "")


def test_chat_with_a_config_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "synaptic.toml").write_text(
        'default = "x"\n[profiles.x]\nprovider = "fake"\nresponses = ["from the profile"]\n'
    )
    assert run(["chat", "hi"], capsys) == (0, "from the profile\n", "")


def test_chat_against_the_emulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with GroqEmulator() as emulator:
        monkeypatch.setenv("GROQ_API_KEY", "gsk_cli_SECRET")
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "Hello"], capsys)
        assert (code, out) == (0, "Emulated answer from openai/gpt-oss-20b to: Hello\n")
        code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--json", "Hello"], capsys)
        assert "gsk_cli_SECRET" not in out + err
        emulator.add_fault("unavailable")
        code, out, err = run(
            ["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", "Hello"], capsys
        )
        assert (code, out, err) == (1, "", "error: groq error (HTTP 503): Service Unavailable\n")


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (["chat", "-m", "nope:x", "hi"], 1, "error: unknown provider 'nope'"),
        (
            ["chat", "-m", "groq:openai/gpt-oss-20b", "hi"],
            1,
            "error: provider 'groq' (groq:openai/gpt-oss-20b) needs an API key: set the environment variable GROQ_API_KEY",
        ),
        (["chat", "hi"], 1, "error: no model chosen"),
        (
            ["chat", "--temperature", "hot", "-m", "fake:echo", "hi"],
            2,
            "Error: Invalid value for '-t' / '--temperature'",
        ),
        (["bogus"], 2, "Error: No such command 'bogus'"),
        (
            ["chat", "-m", "fake:echo", "-t", "9", "hi"],
            1,
            "error: invalid settings for provider 'fake' (fake:echo): temperature",
        ),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, err: str
) -> None:
    got_code, out, got_err = run(args, capsys)
    assert got_code == code
    assert out == ""
    assert err.startswith(err) if code == 2 else got_err.startswith(err)
    assert "Traceback" not in got_err
    if code == 1:
        assert got_err.count("\n") == 1


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from synaptic_core import ConfigError

    with pytest.raises(ConfigError, match="unknown provider"):
        main(["--debug", "chat", "-m", "nope:x", "hi"])


def test_providers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["providers"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "fake",
        "groq",
        "openai",
        "openai-compatible",
        "shout",
    ]
    assert "(key: $GROQ_API_KEY)" in lines[1]


def test_models_catalog_and_live(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(["models"], capsys)
    assert code == 0
    assert (
        out.splitlines()[0]
        == "synaptic's Groq catalog (2026-12); `synaptic models --live` asks Groq"
    )
    assert re.search(
        r"^llama-3.3-70b-versatile\s+chat\s+131,072\s+32,768\s+decommissioned\s+openai/gpt-oss-120b$",
        out,
        re.M,
    )
    # A chain is followed to a live model, never to one that is itself retired.
    assert re.search(
        r"^llama-3.1-70b-versatile\s+chat\s+131,072\s+-\s+decommissioned\s+openai/gpt-oss-120b$",
        out,
        re.M,
    )
    with GroqEmulator() as emulator:
        monkeypatch.setenv("GROQ_API_KEY", "k")
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        code, out, _ = run(["models", "--live"], capsys)
    assert code == 0
    assert (
        out.splitlines()[0]
        == f"{len(emulator.known_models())} models from {emulator.base_url}/models"
    )
    assert re.search(r"^openai/gpt-oss-120b\s+chat\s+131,072\s+65,536\s+production$", out, re.M)
    assert re.search(r"^whisper-large-v3\s+transcription\s+448\s+448\s+production$", out, re.M)


def test_models_live_without_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["models", "--live"], capsys)
    assert (code, err) == (
        1,
        "error: Groq needs an API key: pass it or set GROQ_API_KEY (create one at https://console.groq.com/keys)\n",
    )


def test_emulator_command_serves_until_interrupted(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"faults": [{"kind": "capacity"}]}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synaptic",
            "emulator",
            "--port",
            "0",
            "--rpm",
            "5",
            "--rpd",
            "50",
            "--scenario",
            str(scenario),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.fullmatch(
            r"Groq emulator listening on (http://127\.0\.0\.1:\d+/openai/v1) \(Ctrl-C to stop\)\n",
            first,
        )
        assert match, first
        assert (
            process.stdout.readline()
            == f"  export GROQ_BASE_URL={match.group(1)} GROQ_API_KEY=any-key\n"
        )
        import httpx

        headers = {"authorization": "Bearer k"}
        body = {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "hi"}]}
        assert (
            httpx.post(f"{match.group(1)}/chat/completions", json=body, headers=headers).status_code
            == 498
        )
        ok = httpx.post(f"{match.group(1)}/chat/completions", json=body, headers=headers)
        assert ok.headers["x-ratelimit-limit-requests"] == "50"  # Groq's pairing: per day
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out.strip() == "stopped"
