"""The command line as a daily tool (DESIGN 18): conversations that survive errors,
commands, default retries, visible waits, and the conversation log in SQLite."""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synaptic.cli._conversation import HELP, converse
from synaptic.cli._logstore import (
    SCHEMA_VERSION,
    Exchange,
    LogError,
    LogStore,
    history,
    logs_path,
)
from synaptic.cli._visible import Announcer
from synaptic_core import (
    AIMessage,
    HumanMessage,
    ServerError,
    SystemMessage,
    load_chat_model,
)
from synaptic_core.telemetry import add_listener, remove_listener
from synaptic_groq.emulator import GroqEmulator

from .cli_run import ROOT, Terminal, run

KEY = "gsk_daily_SECRET_0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SYNAPTIC_MODEL", "SYNAPTIC_CONFIG", "GROQ_API_KEY", "GROQ_BASE_URL",
                 "SYNAPTIC_NO_LOG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[GroqEmulator]:
    with GroqEmulator() as server:
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        yield server


def scripted(*events: Any) -> Any:
    queue = list(events)

    def read(_: str) -> str:
        event = queue.pop(0)
        if isinstance(event, BaseException):
            raise event
        return str(event)

    return read


# --- the conversation loop --------------------------------------------------------


def test_a_failed_request_prints_one_line_and_the_conversation_goes_on() -> None:
    seen: list[list[str]] = []
    written: list[str] = []

    def answer(turn: list[Any]) -> AIMessage:
        seen.append([m.content for m in turn])
        if turn[-1].content == "third":
            raise ServerError("groq error (HTTP 500)", status_code=500)
        return AIMessage(f"re: {turn[-1].content}")

    read = scripted("first", "second", "third", "third again", EOFError())
    converse(None, [SystemMessage("sys")], read=read, answer=answer, write=written.append)
    assert seen[-1] == ["sys", "first", "re: first", "second", "re: second", "third again"]
    assert "error: groq error (HTTP 500)" in written


def test_a_bug_is_not_swallowed_as_a_failed_request() -> None:
    def answer(_: list[Any]) -> AIMessage:
        raise AttributeError("a bug")

    with pytest.raises(AttributeError):
        converse(None, [], read=scripted("hi"), answer=answer, write=lambda _: None)


def test_commands_help_reset_exit_and_unknown_are_never_sent() -> None:
    sent: list[list[str]] = []
    written: list[str] = []
    resets: list[bool] = []

    def answer(turn: list[Any]) -> AIMessage:
        sent.append([m.content for m in turn])
        return AIMessage("ok")

    read = scripted("one", "/help", "/nope", "/reset", "two", "//slash", "/exit", "never")
    converse(None, [SystemMessage("sys")], read=read, answer=answer, write=written.append,
             on_reset=lambda: resets.append(True))  # fmt: skip
    assert sent == [["sys", "one"], ["sys", "two"], ["sys", "two", "ok", "/slash"]]
    assert HELP in written
    assert "unknown command /nope; /help lists them (start with // to send a /)" in written
    assert "(new conversation)" in written
    assert resets == [True]


def test_several_lines_between_triple_quotes() -> None:
    sent: list[str] = []
    prompts: list[str] = []
    lines = iter(['"""', "line one", "", "line three", '"""', "/exit"])

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(lines)

    converse(None, [], read=read, answer=lambda t: sent.append(t[-1].content),
             write=lambda _: None)  # fmt: skip
    assert sent == ["line one\n\nline three"]
    assert prompts == ["> ", "... ", "... ", "... ", "... ", "> "]


def test_a_continued_conversation_starts_from_its_history() -> None:
    sent: list[list[str]] = []
    earlier = [SystemMessage("sys"), HumanMessage("q1"), AIMessage("a1")]
    converse(None, [SystemMessage("sys")], read=scripted("q2", EOFError()),
             answer=lambda t: sent.append([m.content for m in t]), write=lambda _: None,
             history=earlier)  # fmt: skip
    assert sent == [["sys", "q1", "a1", "q2"]]


# --- retries by default, and said on a terminal -----------------------------------


@pytest.mark.parametrize(
    ("overrides", "attempts", "ok"),
    [
        ({}, 3, True),
        ({"retries": 0}, 1, False),
        ({"retry": False}, 1, False),
        ({"retries": 1}, 2, False),
        ({"retries": 5}, 3, True),
    ],
)
def test_load_chat_model_retries_transient_errors_by_default(
    emulator: GroqEmulator, overrides: dict[str, Any], attempts: int, ok: bool
) -> None:
    from synaptic_core import RateLimitError

    emulator.add_fault("rate_limit", retry_after=0, times=2)
    model = load_chat_model("groq:openai/gpt-oss-20b", **overrides)
    said: list[str] = []
    announcer = Announcer(said.append)
    add_listener(announcer)
    try:
        if ok:
            assert model.chat_sync("hi").content.startswith("Emulated answer")
        else:
            with pytest.raises(RateLimitError):
                model.chat_sync("hi")
    finally:
        remove_listener(announcer)
    assert len(said) == attempts - 1
    assert all(line.endswith(", retrying in 0.0s)") for line in said)


def test_a_model_built_directly_does_only_what_it_is_told(emulator: GroqEmulator) -> None:
    from synaptic_core import RateLimitError
    from synaptic_groq import GroqChatModel, GroqConfig

    emulator.add_fault("rate_limit", retry_after=0)
    model = GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b", base_url=emulator.base_url))
    with pytest.raises(RateLimitError):
        model.chat_sync("hi")


def test_bad_retries_settings_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from synaptic_core import ConfigError

    monkeypatch.setenv("GROQ_API_KEY", KEY)
    with pytest.raises(ConfigError, match="'retries' must be a whole number, 0 or more"):
        load_chat_model("groq:openai/gpt-oss-20b", retries=-1)
    with pytest.raises(ConfigError, match="'retry' must be a table of settings, or false"):
        load_chat_model("groq:openai/gpt-oss-20b", retry="often")


def test_retries_waits_and_fallbacks_are_said_one_line_each(emulator: GroqEmulator) -> None:
    emulator.add_fault("rate_limit", retry_after=0)
    model = load_chat_model("groq:openai/gpt-oss-20b")
    said: list[str] = []
    announcer = Announcer(said.append)
    add_listener(announcer)
    try:
        assert model.chat_sync("hi").content.startswith("Emulated answer")
        announcer.on_wait(None, 0.1)  # type: ignore[arg-type]  # pacing's spacing: silent
        announcer.on_wait(None, 2.25)  # type: ignore[arg-type]
        announcer.on_fallback(None, "main", ServerError("down", status_code=503), "backup")  # type: ignore[arg-type]
    finally:
        remove_listener(announcer)
    assert said[0] == "(rate limited (HTTP 429): attempt 1 failed, retrying in 0.0s)"
    assert said[1:] == ["(waiting 2.2s for the rate-limit budget)",
                        "(main failed: down; trying backup)"]  # fmt: skip


# --- the log ----------------------------------------------------------------------


def test_the_log_is_wal_with_a_schema_version_and_refuses_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    with LogStore(path) as store:
        store.add(Exchange("c1", "hi", "hello", provider="groq", model="m"))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    db.execute("INSERT INTO schema_version VALUES (99)")
    db.commit()
    db.close()
    with pytest.raises(LogError, match=r"written by a newer synaptic .schema 99.*--no-log"):
        LogStore(path).recent(1)


def test_a_damaged_log_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LogError, match=r"is damaged .*move it away.*--no-log"):
        LogStore(path).recent(1)


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_create_and_log_at_once(tmp_path: Path, round_: int) -> None:
    """Both open a log that does not exist yet: one creates it (WAL, schema), the other
    waits for it; neither fails with SQLite's "database is locked"."""
    path = tmp_path / "logs.db"
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from synaptic.cli._logstore import Exchange, LogStore
        with LogStore(Path({str(path)!r})) as store:
            for i in range(40):
                store.add(Exchange(sys.argv[1], f"q{{i}}", f"a{{i}}"))
        """
    )
    workers = [subprocess.Popen([sys.executable, "-c", code, name], stderr=subprocess.PIPE,
                                text=True) for name in ("a", "b")]  # fmt: skip
    errors = [w.communicate(timeout=60)[1] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], errors
    with LogStore(path) as store:
        assert len(store.conversation("a")) == len(store.conversation("b")) == 40


def test_a_log_in_a_read_only_folder_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As SQLite fails there (root may write anywhere, so the failure is played)."""
    from synaptic.cli import _logstore

    path = tmp_path / "logs.db"
    with LogStore(path) as store:
        store.add(Exchange("c", "q", "a"))

    def refused(self: LogStore) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(LogStore, "_connect", refused)
    monkeypatch.setattr(_logstore.os, "access", lambda *_: False)
    with LogStore(path) as store:
        assert [e.prompt for e in store.recent(None)] == ["q"]
        with pytest.raises(LogError, match="is read-only: its folder cannot be written"):
            store.add(Exchange("c", "q2", "a2"))
    monkeypatch.setattr(_logstore.os, "access", lambda *_: True)
    with pytest.raises(LogError, match=r"cannot open the log .*unable to open database file"):
        LogStore(path).recent(1)


def test_logs_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    logs_path().parent.mkdir(parents=True, exist_ok=True)
    with LogStore(logs_path()) as store:
        store.add(Exchange("c1", "q", "a"))
    code, _, err = run(["logs", "--cid", "nope"], capsys)
    assert (code, err.count("\n")) == (1, 1)
    assert err.startswith("error: no conversation 'nope' in the log ")
    logs_path().write_bytes(b"garbage" * 300)
    for name in ("logs.db-wal", "logs.db-shm"):
        (logs_path().parent / name).unlink(missing_ok=True)
    code, _, err = run(["logs"], capsys)
    assert (code, err.count("\n")) == (1, 1)
    assert err.startswith(f"error: the log {logs_path()} is damaged (")


def test_history_skips_failed_exchanges_and_keeps_the_latest_system() -> None:
    found = [
        Exchange("c", "q1", "a1", system="old"),
        Exchange("c", "q2", "partial", system="new", error="groq error (HTTP 500)"),
        Exchange("c", "q3", "a3", system="new"),
    ]
    assert [(m.role, m.content) for m in history(found)] == [
        ("system", "new"), ("human", "q1"), ("ai", "a1"), ("human", "q3"), ("ai", "a3")]  # fmt: skip


def test_chat_logs_the_exchange_and_logs_shows_it(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["chat", "-m", "groq:openai/gpt-oss-20b", "-s", "be brief", "hi"], capsys)
    assert (code, out) == (0, "Emulated answer from openai/gpt-oss-20b to: hi\n")
    code, out, _ = run(["logs", "--json"], capsys)
    [logged] = json.loads(out)
    wanted = ("prompt", "answer", "system", "provider", "model", "error")
    assert {k: logged[k] for k in wanted} == {
        "prompt": "hi",
        "answer": "Emulated answer from openai/gpt-oss-20b to: hi",
        "system": "be brief",
        "provider": "groq",
        "model": "openai/gpt-oss-20b",
        "error": None,
    }
    assert isinstance(logged["input_tokens"], int)
    assert logged["request_id"].startswith("req_emu_")
    code, out, _ = run(["logs"], capsys)
    assert code == 0
    assert "## Prompt\n\nhi\n\n## Answer\n\nEmulated answer from openai/gpt-oss-20b to: hi" in out
    assert f"conversation {logged['conversation_id']}" in out
    assert KEY not in logs_path().read_bytes().decode("latin-1")


def test_continue_sends_the_history_and_cid_names_a_conversation(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    model = ["-m", "groq:openai/gpt-oss-20b"]
    assert run(["chat", *model, "first"], capsys)[0] == 0
    assert run(["chat", *model, "-c", "second"], capsys)[0] == 0
    assert [m["content"] for m in emulator.requests[-1]["messages"]] == [
        "first", "Emulated answer from openai/gpt-oss-20b to: first", "second"]  # fmt: skip
    assert run(["chat", *model, "unrelated"], capsys)[0] == 0
    assert [m["content"] for m in emulator.requests[-1]["messages"]] == ["unrelated"]
    [first, second, third] = json.loads(run(["logs", "--json", "-n", "0"], capsys)[1])
    assert first["conversation_id"] == second["conversation_id"] != third["conversation_id"]
    assert run(["chat", *model, "--cid", first["conversation_id"], "third"], capsys)[0] == 0
    assert len(emulator.requests[-1]["messages"]) == 5
    code, _, err = run(["chat", *model, "--cid", "nope", "x"], capsys)
    assert code == 1
    assert "no conversation 'nope' in the log" in err


def test_a_failed_exchange_is_logged_with_its_error_and_left_out_of_history(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    model = ["-m", "groq:openai/gpt-oss-20b", "--retries", "0"]
    assert run(["chat", *model, "first"], capsys)[0] == 0
    emulator.add_fault("server_error")
    code, _, err = run(["chat", *model, "-c", "second"], capsys)
    assert code == 1
    assert err.startswith("error: ")
    assert run(["chat", *model, "-c", "third"], capsys)[0] == 0
    assert [m["content"] for m in emulator.requests[-1]["messages"]][-1:] == ["third"]
    assert len(emulator.requests[-1]["messages"]) == 3  # first, its answer, third
    logged = json.loads(run(["logs", "--json", "-n", "0"], capsys)[1])
    assert [e["error"] is None for e in logged] == [True, False, True]


def test_no_log_logs_off_and_the_environment_turn_logging_off(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ["-m", "groq:openai/gpt-oss-20b"]
    assert run(["chat", *model, "--no-log", "one"], capsys)[0] == 0
    assert not logs_path().exists()
    assert run(["logs", "off"], capsys)[1].startswith("logging is off")
    assert run(["chat", *model, "two"], capsys)[0] == 0
    assert not logs_path().exists()
    assert run(["logs", "status"], capsys)[1] == (
        f"logging is off (`synaptic logs on` turns it on): {logs_path()}\n"
    )
    assert run(["logs", "on"], capsys)[1] == "logging is on\n"
    monkeypatch.setenv("SYNAPTIC_NO_LOG", "1")
    assert run(["logs", "status"], capsys)[1] == (
        f"logging is off ($SYNAPTIC_NO_LOG is set): {logs_path()}\n"
    )
    assert run(["chat", *model, "three"], capsys)[0] == 0
    assert not logs_path().exists()
    monkeypatch.delenv("SYNAPTIC_NO_LOG")
    assert run(["chat", *model, "four"], capsys)[0] == 0
    assert [e["prompt"] for e in json.loads(run(["logs", "--json"], capsys)[1])] == ["four"]
    assert run(["logs", "path"], capsys)[1] == f"{logs_path()}\n"


def test_continue_with_nothing_logged_says_so(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "-c", "hi"], capsys)
    assert code == 1
    assert err.startswith("error: nothing to continue: no conversation logged yet (")
    code, _, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "-c", "--cid", "x", "hi"],
                       capsys)  # fmt: skip
    assert code == 2
    assert "give -c (the latest conversation) or --cid ID, not both" in err


def test_a_log_that_cannot_be_written_costs_a_warning_not_the_answer(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs_path().parent.mkdir(parents=True, exist_ok=True)
    logs_path().write_bytes(b"garbage" * 200)
    code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "hi"], capsys)
    assert (code, out) == (0, "Emulated answer from openai/gpt-oss-20b to: hi\n")
    assert "warning: the exchange was not logged: the log" in err


# --- the command starts fast --------------------------------------------------------


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_neither_asyncio_httpx_nor_pydantic(flag: str) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from synaptic.cli import main
        try:
            main([{flag!r}])
        except SystemExit:
            pass
        heavy = ("asyncio", "httpx", "pydantic", "synaptic_core")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)  # fmt: skip
    assert done.stdout.splitlines()[-1] == "[]"


def test_the_help_table_matches_each_commands_own_help() -> None:
    from synaptic.cli import COMMANDS, cli

    for name, (_, short) in COMMANDS.items():
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        assert command.get_short_help_str(limit=200) == short


# --- on a real terminal --------------------------------------------------------------


def test_a_conversation_on_a_terminal_survives_a_500_and_recalls_with_the_up_arrow(
    tmp_path: Path,
) -> None:
    pytest.importorskip("pty")
    with GroqEmulator() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
        env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=server.base_url, SYNAPTIC_HOME=str(tmp_path),
                   TERM="xterm")  # fmt: skip
        terminal = Terminal(["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0"], env)
        terminal.read_until(b"> ")
        terminal.write(b"hello\n")
        terminal.read_until(b"to: hello")
        terminal.read_until(b"> ")
        server.add_fault("server_error")
        terminal.write(b"this one fails\n")
        terminal.read_until(b"error: ")
        terminal.read_until(b"> ")
        terminal.write(b"\x1b[A\n")  # the Up arrow: the last question again
        terminal.read_until(b"to: this one fails")
        terminal.read_until(b"> ")
        terminal.write(b"/exit\n")
        status = terminal.wait()
        sent = [[m["content"] for m in body["messages"]] for body in server.requests]
    assert status == 0
    assert sent[-1] == ["hello", "Emulated answer from openai/gpt-oss-20b to: hello",
                        "this one fails"]  # fmt: skip
    assert b"^[[A" not in terminal.output
    assert (tmp_path / "chat_history").read_text().splitlines()[-2:] == [
        "this one fails", "/exit"]  # fmt: skip


# --- output and input details ---------------------------------------------------------


def test_an_error_after_part_of_an_answer_starts_on_a_new_line(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.add_fault("error_frame", after_chunks=3)
    code, out, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", "hi"],
                         capsys)  # fmt: skip
    assert code == 1
    assert out.endswith("\n")
    assert out.strip()  # part of the answer was shown
    assert err.startswith("error: ")


def test_encoding_is_for_standard_input_only(
    emulator: GroqEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Piped(io.StringIO):
        buffer = io.BytesIO("Café crème".encode("latin-1"))

    monkeypatch.setattr(sys, "stdin", Piped())
    code, _, err = run(["chat", "-m", "groq:openai/gpt-oss-20b", "--encoding", "latin-1",
                        "Résumé:"], capsys)  # fmt: skip
    assert (code, err) == (0, "")
    assert emulator.requests[-1]["messages"][-1]["content"] == "Résumé:\n\nCafé crème"


def test_an_empty_prompt_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["chat", "-m", "fake:echo", "  "], capsys)
    assert code == 2
    assert "the prompt is empty (only spaces or blank lines)" in err


def test_an_empty_pipe_to_dash_says_it_was_empty(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Piped(io.StringIO):
        buffer = io.BytesIO(b"")

    monkeypatch.setattr(sys, "stdin", Piped())
    code, _, err = run(["chat", "-m", "fake:echo", "-"], capsys)
    assert code == 2
    assert "'-' reads the prompt from standard input, but it was empty" in err


def test_an_emulator_scenario_with_api_keys_does_not_suggest_any_key(tmp_path: Path) -> None:
    import signal

    scenario = tmp_path / "keys.toml"
    scenario.write_text('api_keys = ["gsk_scenario_only_42"]\n', encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", "--scenario", str(scenario)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        match = re.search(r"(http://\S+/openai/v1)", process.stdout.readline())
        assert match
        hint = process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert hint == (
        f"  export GROQ_BASE_URL={match.group(1)} GROQ_API_KEY=<one of the scenario's api_keys>\n"
    )


def test_models_columns_stay_aligned_with_long_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from synaptic_groq import CATALOG

    code, out, _ = run(["models"], capsys)
    assert code == 0
    rows = out.splitlines()[1:]
    longest = max(CATALOG, key=len)
    assert len(longest) > 38  # the old fixed width
    header = rows[0]
    end = header.index("context") + len("context")  # numbers are right-aligned under it
    for row in rows[1:]:
        assert row.split()[0] in CATALOG
        assert re.fullmatch(r"[\d,]+|-", row[:end].split()[-1]), row
        assert row[end] == " ", row


def test_the_example_plugin_is_not_in_the_development_environment() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "synaptic", "providers"], capture_output=True,
                          text=True, env=env, check=True, cwd=ROOT)  # fmt: skip
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert "shout" not in names
    assert "groq" in names


def _terminal_env(server: GroqEmulator, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
    env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=server.base_url, SYNAPTIC_HOME=str(home),
               TERM="xterm")  # fmt: skip
    return env


def test_each_question_is_kept_at_once_and_a_block_is_one_entry(tmp_path: Path) -> None:
    """kill -9 right after a question: it is in the history file already; a block of
    several lines comes back whole with the Up arrow (in the session: readline's file
    keeps one line per line)."""
    pytest.importorskip("pty")
    import signal

    with GroqEmulator() as server:
        terminal = Terminal(["chat", "-m", "groq:openai/gpt-oss-20b"],
                            _terminal_env(server, tmp_path))  # fmt: skip
        terminal.read_until(b"> ")
        terminal.write(b'"""\nline one\nline two\n"""\n')
        terminal.read_until(b"to: line one")
        terminal.read_until(b"> ")
        terminal.write(b"\x1b[A\n")  # Up: the whole block again
        terminal.read_until(b"> ")
        terminal.write(b"kept before the kill\n")
        terminal.read_until(b"to: kept before the kill")
        os.kill(terminal.pid, signal.SIGKILL)
        terminal.wait()
        sent = [body["messages"][-1]["content"] for body in server.requests]
    assert sent == ["line one\nline two", "line one\nline two", "kept before the kill"]
    import readline

    readline.clear_history()
    readline.read_history_file(tmp_path / "chat_history")
    kept = [readline.get_history_item(i + 1)
            for i in range(readline.get_current_history_length())]  # fmt: skip
    readline.clear_history()
    assert kept[-1] == "kept before the kill"  # written at once, before the kill
    assert "line one" in kept[0]  # (a history file keeps one line per line)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_mid_answer_is_logged_and_exits_as_the_shell_expects(
    name: str, tmp_path: Path
) -> None:
    import signal

    signum = getattr(signal, name)
    with GroqEmulator() as server:
        server.add_fault("stall", after_chunks=3, delay=30)
        process = subprocess.Popen(
            [sys.executable, "-m", "synaptic", "chat", "-m", "groq:openai/gpt-oss-20b", "hi"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
            env=_terminal_env(server, tmp_path),
        )  # fmt: skip
        assert process.stdout is not None
        first = b""
        while b"answer " not in first:  # the three chunks before the stall
            first += process.stdout.read1(100)  # type: ignore[attr-defined]
        process.send_signal(signum)
        rest, err = process.communicate(timeout=30)
    assert first
    assert process.returncode == 128 + signum
    assert err.decode().endswith(f"stopped ({name})\n")
    env = {**os.environ, "SYNAPTIC_HOME": str(tmp_path)}
    logged = json.loads(subprocess.run([sys.executable, "-m", "synaptic", "logs", "--json"],
                                       capture_output=True, env=env, check=True).stdout)  # fmt: skip
    assert [(e["prompt"], e["error"]) for e in logged] == [("hi", f"stopped ({name})")]
    assert logged[0]["answer"] == (first + rest).decode().rstrip("\n") == "Emulated answer "


def test_a_first_question_is_kept_even_when_the_history_file_is_new(tmp_path: Path) -> None:
    pytest.importorskip("pty")
    import signal

    with GroqEmulator() as server:
        terminal = Terminal(["chat", "-m", "groq:openai/gpt-oss-20b"],
                            _terminal_env(server, tmp_path))  # fmt: skip
        terminal.read_until(b"> ")
        terminal.write(b"the very first question\n")
        terminal.read_until(b"to: the very first question")
        os.kill(terminal.pid, signal.SIGKILL)
        terminal.wait()
    assert (tmp_path / "chat_history").read_text().splitlines() == ["the very first question"]


def test_closing_the_terminal_mid_answer_logs_it_as_stopped(tmp_path: Path) -> None:
    """The terminal goes away (SIGHUP, then EIO on every write): the exchange is logged
    as stopped by SIGHUP, not as an I/O error, and the exit code says so."""
    pytest.importorskip("pty")
    with GroqEmulator() as server:
        server.add_fault("stall", after_chunks=3, delay=30)
        terminal = Terminal(["chat", "-m", "groq:openai/gpt-oss-20b"],
                            _terminal_env(server, tmp_path))  # fmt: skip
        terminal.read_until(b"> ")
        terminal.write(b"tell me a story\n")
        terminal.read_until(b"Emulated answer ")
        os.close(terminal.fd)  # the window is closed
        _, status = os.waitpid(terminal.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 129
    with LogStore(tmp_path / "logs.db") as store:
        [exchange] = store.recent(None)
    assert (exchange.prompt, exchange.error) == ("tell me a story", "stopped (SIGHUP)")
    assert exchange.answer.startswith("Emulated answer")
