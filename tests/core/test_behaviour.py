"""The library behaves as an application expects (issue: the newcomer path): no leaked
sockets, no stray log output, typed errors for bad input, per-call options, raw HTTP
facts, streams as context managers, structured output in one call."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from synaptic_core import (
    ChatRequest,
    ConfigError,
    FakeBackend,
    HttpBackend,
    InputError,
    Message,
    RequestTimeoutError,
    StructuredOutputError,
)
from synaptic_groq import GroqChatModel, GroqConfig

KEY = "gsk_behaviour_SECRET"


def completion(content: str = "ok") -> dict[str, object]:
    return {
        "id": "chatcmpl-1",
        "model": "openai/gpt-oss-20b",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def groq(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b"), backend)


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")}
    return subprocess.run(
        [sys.executable, *flags, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


# --- resources and logging ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "stream", "async"])
def test_a_model_never_closed_leaks_no_socket(mode: str) -> None:
    code = f"""
        import asyncio, gc
        import synaptic
        from synaptic_groq.emulator import GroqEmulator
        with GroqEmulator() as emulator:
            def build():
                return synaptic.load_chat_model(
                    "groq:openai/gpt-oss-20b", base_url=emulator.base_url,
                    environ={{"GROQ_API_KEY": "k"}},
                )
            if "{mode}" == "sync":
                m = build(); print(m.chat_sync("hi").content); del m
            elif "{mode}" == "stream":
                m = build(); print("".join(c.content for c in m.stream_chat_sync("hi"))); del m
            else:
                async def main():
                    m = build(); print((await m.chat("hi")).content)
                asyncio.run(main())
            gc.collect()
        print("done")
    """
    done = run_python(code, "-W", "error", "-X", "dev")
    assert done.returncode == 0, done.stderr
    assert "ResourceWarning" not in done.stderr
    assert done.stdout.splitlines()[-1] == "done"


def test_no_log_output_unless_the_app_configures_logging() -> None:
    code = """
        from synaptic_core import FakeBackend, RetryChatModel, RetryConfig, ServerError
        from synaptic_groq import GroqChatModel, GroqConfig
        backend = FakeBackend().add_response({"error": {"message": "x"}}, status=500)
        backend.add_response({"error": {"message": "x"}}, status=500)
        model = RetryChatModel(
            GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b"), backend),
            RetryConfig(max_attempts=2, initial_delay=0.0, jitter=False),
        )
        try:
            model.chat_sync("hi")
        except ServerError:
            print("gave up")
    """
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "gave up\n"
    assert done.stderr == ""
    configured = run_python("import logging; logging.basicConfig()\n" + textwrap.dedent(code))
    assert "gave up after 2 attempts" in configured.stderr  # still there when asked for


# --- bad input ------------------------------------------------------------------------


def test_text_that_is_not_unicode_is_an_input_error() -> None:
    backend = FakeBackend()
    with pytest.raises(InputError) as info:
        groq(backend).chat_sync([Message.system("be brief"), Message.human("caf\udce9")])
    assert isinstance(info.value, ValueError)
    assert str(info.value) == (
        "message 2 has text that is not valid Unicode ('\\udce9' at character 3, usually bytes "
        "decoded with errors='surrogateescape'); decode the input with its real encoding, or "
        "with errors='replace'"
    )
    assert backend.requests == []


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_a_blank_key_in_the_environment_is_a_config_error(blank: str) -> None:
    if blank == "":
        expected = "Groq needs an API key: pass it or set GROQ_API_KEY"
    else:
        expected = "GROQ_API_KEY is set but blank: set it to your API key, or unset it"
    with pytest.raises(ConfigError) as info:
        GroqConfig(model="openai/gpt-oss-20b", environ={"GROQ_API_KEY": blank})
    assert str(info.value).startswith(expected)


def test_a_blank_key_passed_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="the API key is blank"):
        GroqConfig("   ", "openai/gpt-oss-20b")


# --- per-call options and raw HTTP facts ----------------------------------------------


def test_per_call_headers_body_and_timeout() -> None:
    backend = FakeBackend().add_response(completion(), headers={"x-custom": "1"})
    model = GroqChatModel(
        GroqConfig(KEY, "openai/gpt-oss-20b").with_headers({"X-App": "demo"}, x_team="core"),
        backend,
    )
    response = model.chat_sync(
        "hi",
        extra_headers={"X-Request-Source": "batch-7"},
        extra_body={"user": "u-42"},
        timeout=12.5,
    )
    sent = backend.last_request
    assert sent.headers["x-request-source"] == "batch-7"
    assert sent.headers["x-app"] == "demo"
    assert sent.headers["x_team"] == "core"
    assert sent.timeout == 12.5
    assert json.loads(sent.content or b"")["user"] == "u-42"
    assert response.http_status == 200
    assert response.http_headers is not None
    assert response.http_headers["x-custom"] == "1"


def test_a_per_call_header_cannot_replace_the_key() -> None:
    backend = FakeBackend()
    with pytest.raises(ConfigError, match="'Authorization' is set by the client"):
        groq(backend).chat_sync("hi", extra_headers={"Authorization": "Bearer other"})
    with pytest.raises(ConfigError, match="line break"):
        groq(backend).chat_sync("hi", extra_headers={"X-A": "a\r\nb"})
    assert backend.requests == []


def test_request_builders_take_mappings() -> None:
    request = (
        ChatRequest([Message.human("q")])
        .with_headers({"X-Trace": "t1"})
        .with_extra({"search_settings": {"country": "pt"}}, user="u")
        .with_timeout(3)
    )
    assert request.headers == {"X-Trace": "t1"}
    assert request.extra == {"search_settings": {"country": "pt"}, "user": "u"}
    assert request.timeout == 3


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers (bounded: closed at the end)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("stream", [False, True])
def test_a_per_call_timeout_bounds_the_call(silent_server: int, stream: bool) -> None:
    config = GroqConfig(KEY, "openai/gpt-oss-20b", base_url=f"http://127.0.0.1:{silent_server}")
    with (
        GroqChatModel(config, HttpBackend(timeout=60)) as model,
        pytest.raises(RequestTimeoutError),
    ):
        if stream:
            list(model.stream_chat_sync("hi", timeout=0.2))
        else:
            model.chat_sync("hi", timeout=0.2)


async def test_a_per_call_timeout_bounds_an_async_call(silent_server: int) -> None:
    config = GroqConfig(KEY, "openai/gpt-oss-20b", base_url=f"http://127.0.0.1:{silent_server}")
    async with GroqChatModel(config, HttpBackend(timeout=60)) as model:
        with pytest.raises(RequestTimeoutError, match=r"the request's timeout of 0\.2s"):
            await model.chat("hi", timeout=0.2)


# --- streams as context managers ------------------------------------------------------

SSE = [
    {"id": "c", "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}]},
    {"id": "c", "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": "stop"}]},
]


def test_a_sync_stream_in_with_closes_when_left_early() -> None:
    backend = FakeBackend().add_sse(SSE)
    with groq(backend).stream_chat_sync("hi") as stream:
        first = next(stream)
    assert first.content == "a"
    with pytest.raises(StopIteration):
        next(stream)  # closed: the connection was released when the block ended


async def test_an_async_stream_in_async_with() -> None:
    backend = FakeBackend().add_sse(SSE).add_sse(SSE)
    model = groq(backend)
    async with model.stream_chat("hi") as stream:
        assert [c.content async for c in stream] == ["a", "b"]
    async with model.stream_chat("hi") as stream:
        assert (await stream.__anext__()).content == "a"
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
    assert [c.content for c in groq(FakeBackend().add_sse(SSE)).stream_chat_sync("x")] == ["a", "b"]


# --- structured output in one call ----------------------------------------------------


class City(BaseModel):
    name: str
    country: str


def test_chat_parsed_returns_the_object() -> None:
    backend = FakeBackend().add_response(completion('{"name": "Lisbon", "country": "Portugal"}'))
    city = groq(backend).chat_parsed_sync("Capital of Portugal?", City)
    assert city == City(name="Lisbon", country="Portugal")
    body = json.loads(backend.last_request.content or b"")
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "City"
    assert body["response_format"]["json_schema"]["strict"] is True


async def test_chat_parsed_async_and_mismatch() -> None:
    backend = FakeBackend().add_response(completion('{"name": "Lisbon"}'))
    with pytest.raises(StructuredOutputError) as info:
        await groq(backend).chat_parsed("Capital?", City, timeout=5)
    assert info.value.content == '{"name": "Lisbon"}'
    assert backend.last_request.timeout == 5


def test_a_blank_key_through_load_chat_model_names_the_variable() -> None:
    import synaptic

    with pytest.raises(ConfigError) as info:
        synaptic.load_chat_model("groq:openai/gpt-oss-20b", environ={"GROQ_API_KEY": "  "})
    assert str(info.value) == (
        "provider 'groq' (groq:openai/gpt-oss-20b): the environment variable GROQ_API_KEY is "
        "set but blank; set it to your API key, or unset it"
    )
