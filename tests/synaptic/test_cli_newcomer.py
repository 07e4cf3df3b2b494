"""The CLI finishes the job: stdin with a prompt, bad encodings, limits and retries, the
usage footer, clean warnings, pipes that close, busy ports, debug output on stderr only,
and the conversation loop (as a function and on a real pseudo-terminal)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synaptic.cli._answer import footer
from synaptic.cli._conversation import converse
from synaptic_core import AIMessage, HumanMessage, SystemMessage
from synaptic_groq.emulator import GroqEmulator

from .cli_run import ROOT, Terminal, run


def command(
    args: list[str], *, stdin: bytes = b"", env: dict[str, str] | None = None, shell: bool = False
) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    base["SYNAPTIC_HOME"] = os.environ[
        "SYNAPTIC_HOME"
    ]  # the test's own (conftest), never the user's
    cmd: Any = args if not shell else " ".join(args)
    if not shell:
        cmd = [sys.executable, "-m", "synaptic", *args]
    return subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
        shell=shell,
        executable="/bin/bash" if shell else None,
        cwd=ROOT,
    )


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SYNAPTIC_MODEL", "SYNAPTIC_CONFIG", "GROQ_API_KEY", "GROQ_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[GroqEmulator]:
    with GroqEmulator() as server:
        monkeypatch.setenv("GROQ_API_KEY", "gsk_cli_SECRET")
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        yield server


# --- input ----------------------------------------------------------------------------


def test_a_prompt_and_piped_input_are_both_sent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("file contents\n"))
    code, out, _ = run(["chat", "-m", "fake:echo", "Summarize this:"], capsys)
    assert (code, out) == (0, "Summarize this:\n\nfile contents\n\n")


def test_non_utf8_stdin_is_replaced_with_a_warning() -> None:
    done = command(["chat", "-m", "fake:echo", "-"], stdin=b"caf\xe9 hello\n")
    assert done.returncode == 0
    assert done.stdout.decode() == "caf\ufffd hello\n\n"
    assert done.stderr.decode() == (
        "warning: standard input is not valid utf-8 (byte 0xe9 at position 3); undecodable "
        "bytes were replaced with U+FFFD; pass --encoding (e.g. --encoding latin-1) if you "
        "know its encoding\n"
    )
    latin = command(["chat", "-m", "fake:echo", "--encoding", "latin-1", "-"], stdin=b"caf\xe9\n")
    assert (latin.returncode, latin.stdout.decode(), latin.stderr) == (0, "café\n\n", b"")


def test_a_non_utf8_prompt_argument_is_not_a_crash() -> None:
    done = command(["chat", "-m", "fake:echo", os.fsdecode(b"caf\xe9")])
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "caf\ufffd\n"
    assert b"warning: the prompt is not valid utf-8" in done.stderr


def test_dash_without_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["chat", "-m", "fake:echo", "-"], capsys)
    assert code == 2
    assert "'-' reads the prompt from standard input, but none was piped" in err


# --- limits, retries, timeouts --------------------------------------------------------


def test_max_tokens_and_retries_reach_the_request(
    capsys: pytest.CaptureFixture[str], emulator: GroqEmulator
) -> None:
    emulator.add_fault("unavailable")
    args = ["chat", "-m", "groq:openai/gpt-oss-20b", "--max-tokens", "7", "--retries", "1", "hi"]
    code, out, err = run(args, capsys)
    assert (code, out, err) == (0, "Emulated answer from openai/gpt-oss-20b to: hi\n", "")
    assert [r["max_completion_tokens"] for r in emulator.requests] == [7, 7]
    emulator.add_fault("unavailable")
    code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", "hi"], capsys)
    assert (code, err) == (1, "error: groq error (HTTP 503): Service Unavailable\n")


def test_timeout_ends_a_call_to_a_server_that_never_answers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with GroqEmulator() as server:
        server.add_fault("stall", delay=30)
        monkeypatch.setenv("GROQ_API_KEY", "k")
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        code, _out, err = run(
            ["chat", "-m", "groq:openai/gpt-oss-20b", "--timeout", "0.3", "hi"], capsys
        )
    assert code == 1
    assert err.startswith("error: timed out")
    assert err.count("\n") == 1


# --- the usage footer -----------------------------------------------------------------


def test_usage_footer_on_request(
    capsys: pytest.CaptureFixture[str], emulator: GroqEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--usage", "hi"], capsys)
    assert code == 0
    assert out == "Emulated answer from openai/gpt-oss-20b to: hi\n"
    assert re.fullmatch(
        r"\[\d+ in · \d+ out · first token \d+\.\d\d s · [\d,]+ tok/s · [\d,]+ requests left"
        r" · [\d,]+ tokens left\]\n",
        err,
    ), err
    assert "\x1b[" not in err
    code, _, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--no-usage", "hi"], capsys)
    assert (code, err) == (0, "")


def test_json_carries_the_usage_numbers(
    capsys: pytest.CaptureFixture[str], emulator: GroqEmulator
) -> None:
    code, out, _ = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--json", "hi"], capsys)
    assert code == 0
    summary = json.loads(out)["usage_summary"]
    assert set(summary) == {
        "input_tokens",
        "output_tokens",
        "time_to_first_token",
        "seconds",
        "output_tokens_per_second",
        "remaining_requests",
        "remaining_tokens",
    }
    assert summary["output_tokens"] > 0
    assert summary["remaining_requests"] is not None


def test_footer_text() -> None:
    numbers = {
        "input_tokens": 1200,
        "output_tokens": 80,
        "time_to_first_token": 0.214,
        "seconds": 0.4,
        "output_tokens_per_second": 512.3,
        "remaining_requests": 14399,
        "remaining_tokens": None,
    }
    assert footer(numbers, color=False) == (
        "[1,200 in · 80 out · first token 0.21 s · 512 tok/s · 14,399 requests left]"
    )
    assert footer(numbers, color=True).startswith("\x1b[2m[")


# --- warnings, pipes, ports, debug ----------------------------------------------------


def test_a_retired_model_warns_in_one_clean_line(
    capsys: pytest.CaptureFixture[str], emulator: GroqEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synaptic_groq import _catalog

    monkeypatch.setattr(_catalog, "_warned", set())  # warned once per process: a fresh one
    code, _, err = run(["chat", "-m", "groq:llama-3.3-70b-versatile", "hi"], capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (
        "warning: Groq model 'llama-3.3-70b-versatile' is decommissioned (since 2026-08-16 on "
        "free and developer tiers; enterprise keeps it); use 'openai/gpt-oss-120b' instead. "
        "(synaptic's model catalog, 2026-12)"
    )
    assert len(lines) == 2
    assert lines[1].startswith("error: groq error (HTTP 404, model_not_found)")
    assert "use 'openai/gpt-oss-120b' instead" in lines[1]
    assert "DecommissionedModelWarning" not in err


def test_a_closed_pipe_ends_quietly() -> None:
    done = command(
        [
            "set -o pipefail;",
            f"{sys.executable} -c \"print('x' * 2_000_000)\" |",
            f"{sys.executable} -m synaptic chat -m fake:echo - | head -c 10",
        ],
        shell=True,
    )
    assert done.stdout == b"x" * 10
    assert done.stderr == b""
    assert done.returncode == 0


def test_a_busy_port_names_it_and_suggests_port_0() -> None:
    with GroqEmulator() as server:
        port = server.port
        done = command(["emulator", "--port", str(port)])
    assert done.returncode == 1
    assert done.stderr.decode() == (
        f"error: port {port} on 127.0.0.1 is already in use (another emulator?); choose "
        "another with --port, or --port 0 for any free port\n"
    )


def test_debug_logs_go_to_stderr_only(emulator: GroqEmulator) -> None:
    done = command(
        ["--debug", "chat", "-m", "groq:openai/gpt-oss-20b", "hi"],
        env={"GROQ_API_KEY": "gsk_cli_SECRET", "GROQ_BASE_URL": emulator.base_url},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "Emulated answer from openai/gpt-oss-20b to: hi\n"
    assert b"httpcore" in done.stderr or b"httpx" in done.stderr
    assert b"gsk_cli_SECRET" not in done.stdout + done.stderr


# --- the conversation -----------------------------------------------------------------


def test_the_conversation_keeps_history_and_stops_one_answer_on_ctrl_c() -> None:
    inputs = iter(["Hi", "", "Stop this one", "And now?", "/exit", "never read"])
    seen: list[list[Any]] = []
    written: list[str] = []

    def read(prompt: str) -> str:
        assert prompt == "> "
        return next(inputs)

    def answer(turn: list[Any]) -> AIMessage:
        seen.append(turn)
        if turn[-1].content == "Stop this one":
            raise KeyboardInterrupt
        return AIMessage(f"re: {turn[-1].content}")

    converse(None, [SystemMessage("be brief")], read=read, answer=answer, write=written.append)  # type: ignore[arg-type]
    assert [[m.content for m in turn] for turn in seen] == [
        ["be brief", "Hi"],
        ["be brief", "Hi", "re: Hi", "Stop this one"],
        ["be brief", "Hi", "re: Hi", "And now?"],  # the stopped answer is not kept
    ]
    assert isinstance(seen[2][-1], HumanMessage)
    assert "(answer stopped)" in written  # the answer's line was ended before it
    assert next(inputs) == "never read"


def test_the_conversation_ends_on_eof_and_survives_ctrl_c_at_the_prompt() -> None:
    events: list[Any] = [KeyboardInterrupt(), "q", EOFError()]
    answered: list[str] = []

    def read(_: str) -> str:
        event = events.pop(0)
        if isinstance(event, BaseException):
            raise event
        return str(event)

    converse(
        None, [], read=read, answer=lambda t: answered.append(t[-1].content), write=lambda _: None
    )  # type: ignore[arg-type]
    assert answered == ["q"]
    assert events == []


def test_the_conversation_on_a_real_terminal() -> None:
    pytest.importorskip("pty")
    terminal = Terminal(["chat", "-m", "fake:echo"])
    terminal.read_until(b"> ")
    terminal.write(b"hello there\n")
    terminal.read_until(b"hello there\r\nhello there\r\n")  # typed, then echoed by the model
    terminal.read_until(b"]\x1b[0m\r\n> ")  # the usage footer (a terminal), then the prompt
    terminal.write(b"/exit\n")
    assert terminal.wait() == 0
    assert b"/help lists commands, /exit or Ctrl-D leaves" in terminal.output


def test_pacing_waits_are_announced_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from synaptic.cli._visible import announced
    from synaptic_core.telemetry import LISTENERS

    with announced(terminal=False):
        assert not LISTENERS  # piped: nothing said
    with announced(terminal=True):
        [listener] = LISTENERS
        listener.on_wait(None, 2.25)  # type: ignore[arg-type]
    assert not LISTENERS
    assert capsys.readouterr().err == "(waiting 2.2s for the rate-limit budget)\n"
