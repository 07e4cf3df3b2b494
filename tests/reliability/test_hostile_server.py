"""Issue 20 against hostile loopback servers: one deadline for the whole call (sync and
async, headers included), the key in no error, header, log line or CLI output whatever
the server echoes, redirects named and never retried, nested JSON as typed errors, and
the CLI's memory following the answer, not its number of chunks."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synaptic.cli import main
from synaptic.cli._answer import Usage, stream_answer
from synaptic.cli._chat import DEFAULT_TIMEOUT
from synaptic_core import (
    AIMessageChunk,
    ChatModel,
    ConfigError,
    HttpBackend,
    ParseError,
    RedirectError,
    RequestTimeoutError,
    RetryChatModel,
    RetryConfig,
    ServerError,
    SynapticError,
    load_chat_model,
)
from synaptic_core._config import parse_config
from synaptic_core._secrets import scrub
from synaptic_groq import GroqChatModel, GroqConfig

from .hostile import (
    HostileServer,
    chat_body,
    drip_body,
    drip_headers,
    endless_continue,
    json_escaped,
    nested,
    nested_error,
    reply,
    response,
    sse,
)

KEY = "gsk_HOSTILE_secret_key_0123456789abcdef"
LIMIT = 0.5  # seconds: each deadline test waits this long, really (a server that drips)
SLACK = 1.5  # what a busy machine may add on top


def model_for(server: HostileServer, backend: HttpBackend | None = None) -> GroqChatModel:
    config = GroqConfig(KEY, "openai/gpt-oss-20b", base_url=server.base_url)
    return GroqChatModel(config, backend or HttpBackend())


def everything_about(error: BaseException) -> str:
    """What a person or a log could ever see of an error: traceback (causes included),
    repr, and every field, of it and of every error chained to it (``__cause__`` and
    ``__context__``, shown or suppressed: a JSON decoder's error keeps the whole body in
    its ``doc``)."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    seen: list[str] = [text]
    chained: BaseException | None = error
    while chained is not None and len(seen) < 20:
        seen.append(repr(chained))
        seen += [str(value) for value in vars(chained).values()]
        seen.append(str(getattr(chained, "doc", "")))
        chained = chained.__cause__ or chained.__context__
    return " ".join(seen)


def assert_no_key(text: str) -> None:
    assert KEY[:12] not in text  # not even a prefix (a message cut through the key)
    assert json_escaped(KEY) not in text
    assert json_escaped(KEY).upper() not in text


# --- 1. one deadline ---------------------------------------------------------------------

HANG = {"drip_headers": drip_headers, "endless_continue": endless_continue, "drip_body": drip_body}


def _call(model: GroqChatModel, how: str) -> None:
    if how == "chat_sync":
        model.chat_sync("hi", timeout=LIMIT)
    elif how == "stream_chat_sync":
        list(model.stream_chat_sync("hi", timeout=LIMIT))
    elif how == "chat":
        asyncio.run(model.chat("hi", timeout=LIMIT))
    elif how == "stream_chat":

        async def consume() -> None:
            async for _ in model.stream_chat("hi", timeout=LIMIT):
                pass

        asyncio.run(consume())
    else:  # the backend's own deadline, no per-call timeout
        model.chat_sync("hi")


@pytest.mark.parametrize(
    "how", ["chat_sync", "stream_chat_sync", "chat", "stream_chat", "deadline"]
)
@pytest.mark.parametrize("hang", sorted(HANG))
def test_one_deadline_bounds_the_whole_call(hang: str, how: str) -> None:
    with HostileServer(HANG[hang]()) as server:
        backend = HttpBackend(deadline=LIMIT) if how == "deadline" else HttpBackend()
        model = model_for(server, backend)
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as info:
            _call(model, how)
        took = time.monotonic() - started
        backend.close()
    assert LIMIT * 0.9 <= took < LIMIT + SLACK, took
    assert f"{LIMIT:g}s passed" in str(info.value)
    assert info.value.retryable


def test_the_cli_gives_up_at_its_timeout_and_has_a_generous_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DEFAULT_TIMEOUT == 600.0
    with HostileServer(drip_headers()) as server:
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        started = time.monotonic()
        with pytest.raises(SystemExit) as info:
            main(["chat", "-m", "groq:openai/gpt-oss-20b", "--timeout", str(LIMIT), "hi"])
        took = time.monotonic() - started
    _, err = capsys.readouterr()
    assert info.value.code == 1
    assert took < LIMIT + SLACK + 1
    assert err.startswith("error: timed out: the request's timeout of 0.5s passed")
    with pytest.raises(SystemExit):
        main(["chat", "--help"])
    assert "[default: 600.0;" in " ".join(capsys.readouterr()[0].split())


# --- 2. the key never leaks --------------------------------------------------------------

ECHOES = {
    "200 not JSON": response(
        "200 OK", f"<html>your key {KEY}</html>".encode(), content_type="text/html"
    ),
    "200 wrong shape": response("200 OK", json.dumps({"unexpected": KEY}).encode()),
    # The message keeps 300 characters of the body, the body field 2,000: a cut through
    # the key must not leave its prefix behind.
    "200 not JSON, key at the message's cut": response(
        "200 OK", b"A" * 275 + KEY.encode(), content_type="text/html"
    ),
    "500 key at the body's cut": response(
        "500 Internal Server Error", b"B" * 1990 + KEY.encode(), content_type="text/html"
    ),
    "401 escaped key": response(
        "401 Unauthorized",
        ('{"error": {"message": "Invalid API Key: ' + json_escaped(KEY) + '"}}').encode(),
    ),
    "500 key in x-request-id": response(
        "500 Internal Server Error",
        b'{"error": {"message": "oops"}}',
        headers=f"x-request-id: {KEY}\r\n",
    ),
}
STREAM_ECHOES = {
    "error frame": sse(
        json.dumps(
            {"error": {"message": f"bad key {KEY}", "type": "invalid_request_error"}}
        ).encode()
    ),
    "escaped error frame": sse(
        ('{"error": {"message": "key ' + json_escaped(KEY) + '", "type": "server_error"}}').encode()
    ),
    "non-JSON event": sse(f"not json, but {KEY}".encode()),
    "key in x-request-id": response(
        "429 Too Many Requests",
        b'{"error": {"message": "slow down"}}',
        headers=f"x-request-id: {KEY}\r\nretry-after: 1\r\n",
    ),
}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # httpx, httpcore and ours all at DEBUG
    return caplog


@pytest.mark.parametrize("case", sorted(ECHOES))
def test_an_echoed_key_reaches_no_error_and_no_log(
    case: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    with HostileServer(reply(ECHOES[case])) as server, pytest.raises(SynapticError) as info:
        model_for(server).chat_sync("hi")
    assert_no_key(everything_about(info.value))
    assert_no_key(debug_logs.text)
    assert "[REDACTED]" in everything_about(info.value)


@pytest.mark.parametrize("case", sorted(STREAM_ECHOES))
def test_an_echoed_key_in_a_stream_reaches_no_error_and_no_log(
    case: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    server = HostileServer(reply(STREAM_ECHOES[case]))
    with server, pytest.raises(SynapticError) as info:
        list(model_for(server).stream_chat_sync("hi"))
    assert_no_key(everything_about(info.value))
    assert_no_key(debug_logs.text)


def test_a_successful_answer_does_not_carry_an_echoed_request_id() -> None:
    answer = response("200 OK", chat_body("fine"), headers=f"x-request-id: {KEY}\r\n")
    stream = sse(
        json.dumps(
            {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "x"}}]}
        ).encode(),
        b"[DONE]",
        headers=f"x-request-id: {KEY}\r\n",
    )
    with HostileServer(reply(answer)) as server:
        result = model_for(server).chat_sync("hi")
    assert result.content == "fine"
    assert result.request_id == "[REDACTED]"
    assert_no_key(repr(result) + result.model_dump_json())
    with HostileServer(reply(stream)) as server:
        chunks = list(model_for(server).stream_chat_sync("hi"))
    merged = AIMessageChunk.merge(chunks)
    assert merged.content == "x"
    assert merged.http_headers is not None
    assert merged.http_headers["x-request-id"] == "[REDACTED]"
    assert_no_key(merged.model_dump_json())


@pytest.mark.parametrize("case", ["200 not JSON", "401 escaped key", "500 key in x-request-id"])
def test_the_cli_prints_no_echoed_key(
    case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(reply(ECHOES[case])) as server:
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        for args in (["--no-stream"], [], ["--json"]):
            with pytest.raises(SystemExit) as info:
                main(["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", *args, "hi"])
            out, err = capsys.readouterr()
            assert info.value.code == 1
            assert err.startswith("error: ")
            assert_no_key(out + err)
        with pytest.raises(SynapticError) as raised:  # --debug: the traceback, as raised
            main(["--debug", "chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", "hi"])
        assert_no_key(everything_about(raised.value))


def test_scrub_takes_out_plain_and_escaped_keys() -> None:
    GroqConfig(KEY, "openai/gpt-oss-20b")  # a config alone does not remember ...
    model_for_key = GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b"), HttpBackend())
    assert model_for_key is not None  # ... a model does
    half = json_escaped(KEY[:5]) + KEY[5:]
    mixed_case = json_escaped(KEY).upper().replace("\\U", "\\u")
    for text in (KEY, json_escaped(KEY), half, mixed_case, KEY.replace("_", "\\u005f")):
        assert scrub(f"a {text} b") == "a [REDACTED] b"
    assert scrub("nothing secret") == "nothing secret"


# --- 7. redirects --------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect"])
def test_a_redirect_is_a_typed_error_naming_the_target_and_is_never_retried(status: str) -> None:
    moved = response(
        status,
        b"",
        headers="location: https://user:pw@elsewhere.example/openai/v1/chat?token=abc\r\n",
    )
    with HostileServer(reply(moved)) as server:
        model = RetryChatModel(model_for(server), RetryConfig(max_attempts=3), sleep=lambda _: None)
        for call in (lambda: model.chat_sync("hi"), lambda: list(model.stream_chat_sync("hi"))):
            with pytest.raises(RedirectError) as info:
                call()
            error = info.value
            assert error.status_code == int(status[:3])
            assert error.location == "https://elsewhere.example/openai/v1/chat"
            assert not error.retryable
            assert "does not follow redirects" in str(error)
            assert "https://elsewhere.example/openai/v1/chat" in str(error)
            assert "token=abc" not in everything_about(error)
            assert "pw@" not in everything_about(error)
        assert len(server.requests) == 2  # one per call: no retry, nothing sent elsewhere


# --- 4. nested JSON -----------------------------------------------------------------------


def test_a_deeply_nested_200_body_is_a_parse_error() -> None:
    server = HostileServer(reply(response("200 OK", nested())))
    with server, pytest.raises(ParseError) as info:
        model_for(server).chat_sync("hi")
    assert "nested too deeply" in str(info.value)
    assert info.value.status_code == 200
    assert not isinstance(info.value.__cause__, RecursionError)


def test_a_deeply_nested_500_body_is_a_server_error_and_is_retried() -> None:
    answers = [
        response("500 Internal Server Error", nested_error()),
        response("200 OK", chat_body()),
    ]

    def handle(conn: Any, request: bytes, server: HostileServer) -> None:
        conn.sendall(answers[min(len(server.requests), 2) - 1])

    with HostileServer(handle) as server:
        with pytest.raises(ServerError) as info:
            model_for(server).chat_sync("hi")
        assert info.value.status_code == 500
        assert info.value.retryable
        server.requests.clear()
        retried = RetryChatModel(
            model_for(server), RetryConfig(max_attempts=3), sleep=lambda _: None
        )
        assert retried.chat_sync("hi").content == "ok"
        assert len(server.requests) == 2


def test_nested_tool_arguments_are_an_invalid_tool_call() -> None:
    body = json.loads(chat_body())
    depth = 100_000
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "t1",
            "type": "function",
            "function": {"name": "f", "arguments": "[" * depth + "]" * depth},
        }
    ]
    with HostileServer(reply(response("200 OK", json.dumps(body).encode()))) as server:
        message = model_for(server).chat_sync("hi").message
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0].error == "arguments are JSON nested too deeply"


def test_models_live_reports_a_nested_list_as_one_error_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with HostileServer(reply(response("200 OK", b'{"data": ' + nested() + b"}"))) as server:
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        with pytest.raises(SystemExit) as info:
            main(["models", "--live"])
    _out, err = capsys.readouterr()
    assert info.value.code == 1
    assert err.startswith("error: groq returned a model list that is JSON nested too deeply")
    assert len(err.splitlines()) == 1
    assert "RecursionError" not in err


def test_a_nested_json_config_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "synaptic.json"
    text = nested().decode()
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_config(text, path)


# --- 6. the CLI's memory follows the answer ---------------------------------------------


class ManyChunks(ChatModel):
    """A stream of ``count`` one-character chunks, made on the fly."""

    def __init__(self, count: int) -> None:
        self.count = count

    async def _chat(self, request: Any) -> Any:
        raise NotImplementedError

    def _chat_sync(self, request: Any) -> Any:
        raise NotImplementedError

    def _stream_chat_sync(self, request: Any) -> Iterator[AIMessageChunk]:
        for _ in range(self.count):
            yield AIMessageChunk(content="x")
        yield AIMessageChunk(content="", finish_reason="stop")


def test_the_cli_merges_a_stream_as_it_goes(capsys: pytest.CaptureFixture[str]) -> None:
    count = 100_000
    tracemalloc.start()
    try:
        merged = stream_answer(ManyChunks(count), [], Usage(), timeout=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert merged.content == "x" * count
    assert merged.finish_reason == "stop"
    assert capsys.readouterr().out == "x" * count + "\n"
    # Keeping every chunk object costs hundreds of bytes each (tens of MB here).
    assert peak < 5_000_000, peak


def test_load_chat_model_remembers_the_key_for_scrubbing() -> None:
    model = load_chat_model("groq:openai/gpt-oss-20b", environ={"GROQ_API_KEY": KEY})
    assert scrub(f"x{KEY}y") == "x[REDACTED]y"
    model.close()  # type: ignore[attr-defined]


# --- the key in an answer, and a key HTTP cannot carry ----------------------------------


def test_the_cli_never_prints_a_key_a_server_puts_in_its_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamed with the key split across chunks, whole, and as JSON: the answer is shown
    with ``[REDACTED]`` in the key's place, everything else as sent."""
    half = len(KEY) // 2
    pieces = ["your key: ", KEY[:half], KEY[half:], " (keep it safe)"]
    events = [
        json.dumps(
            {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": piece}}]}
        ).encode()
        for piece in pieces
    ]
    stop = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    streamed = sse(*events, json.dumps(stop).encode(), b"[DONE]")
    whole = response("200 OK", chat_body(f"your key: {KEY} (keep it safe)"))
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    for answer, args in ((streamed, []), (whole, ["--no-stream"]), (whole, ["--json"])):
        with HostileServer(reply(answer)) as server:
            monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
            with pytest.raises(SystemExit) as info:
                main(["chat", "-m", "groq:openai/gpt-oss-20b", *args, "hi"])
        out, err = capsys.readouterr()
        assert info.value.code == 0, err
        assert_no_key(out + err)
        assert "your key: [REDACTED] (keep it safe)" in out


def test_a_key_with_a_character_http_cannot_carry_is_a_config_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = "gsk_pasted_key_0123456789\u00a0"
    with pytest.raises(ConfigError) as info:
        GroqConfig(pasted, "openai/gpt-oss-20b")
    assert "NO-BREAK SPACE at position 26" in str(info.value)
    assert pasted.strip() not in everything_about(info.value)
    monkeypatch.setenv("GROQ_API_KEY", pasted)
    with pytest.raises(SystemExit) as exit_:
        main(["chat", "-m", "groq:openai/gpt-oss-20b", "hi"])
    _, err = capsys.readouterr()
    assert exit_.value.code == 1
    assert err.startswith("error: ")
    assert "NO-BREAK SPACE" in err
    assert pasted.strip() not in err


def test_a_proxy_in_the_environment_never_sees_a_loopback_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP_PROXY and friends apply to remote hosts (as httpx does), never to this
    machine: the embedded emulator works behind a corporate proxy setting, and a key
    meant for a loopback server never travels to the proxy."""
    with HostileServer(reply(response("502 Bad Gateway", b"proxy"))) as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with HostileServer(reply(response("200 OK", chat_body("direct")))) as server:
            for host in ("127.0.0.1", "localhost"):
                config = GroqConfig(
                    KEY, "openai/gpt-oss-20b", base_url=f"http://{host}:{server.port}/openai/v1"
                )
                with GroqChatModel(config, HttpBackend()) as model:
                    assert model.chat_sync("hi").content == "direct"
        assert proxy.requests == []


def test_a_stream_request_answered_with_a_plain_200_is_read_as_what_it_is() -> None:
    """A server that ignores ``stream``, sends an error with a 200 or a gateway's HTML:
    before, each was a retryable 'connection cut' StreamError and the server's words were
    lost; now the error is the typed one, and a whole completion is one chunk."""
    overloaded = b'{"error": {"message": "model overloaded", "type": "invalid_request_error"}}'
    cases: list[tuple[bytes, type[SynapticError] | None, str]] = [
        (response("200 OK", overloaded), SynapticError, "model overloaded"),
        (response("200 OK", b"<html>gateway</html>", content_type="text/html"), ParseError, ""),
        (response("200 OK", chat_body("whole answer")), None, "whole answer"),
    ]
    for answer, error, text in cases:
        with HostileServer(reply(answer)) as server:
            model = model_for(server)
            if error is None:
                chunks = list(model.stream_chat_sync("hi"))
                assert [c.content for c in chunks] == [text]
                assert chunks[0].finish_reason == "stop"
                continue
            with pytest.raises(error) as info:
                list(model.stream_chat_sync("hi"))
            assert text in str(info.value)
            assert "cut" not in str(info.value)
            assert info.value.status_code == 200
