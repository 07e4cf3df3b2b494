"""GroqChatModel + the real HttpBackend against the emulator: chat, stream, tools, rate
limits, validation, and every scripted fault ending in its documented error class."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from synaptic_core import (
    AIMessageChunk,
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ChatRequest,
    ConfigError,
    HttpBackend,
    Message,
    ModelDecommissionedError,
    ModelNotFoundError,
    ModelRetiredError,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    RetryChatModel,
    RetryConfig,
    ServerError,
    StreamError,
    SynapticError,
    ToolCall,
    ToolChoice,
    ToolDefinition,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqModel
from synaptic_groq.emulator import Fault, GroqEmulator, Scenario
from synaptic_openai import OpenAIChatModel, OpenAIConfig

WEATHER = ToolDefinition(
    name="get_weather",
    description="Get current weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


OPEN: list[HttpBackend] = []


@pytest.fixture(autouse=True)
def close_backends() -> Any:
    """Close every blocking client a test opened (async ones close inside their loop)."""
    yield
    while OPEN:
        OPEN.pop().close()


def backend(timeout: float = 10) -> HttpBackend:
    opened = HttpBackend(timeout=timeout)
    OPEN.append(opened)
    return opened


def model_for(emulator: GroqEmulator, timeout: float = 10, **options: Any) -> GroqChatModel:
    config = GroqConfig(
        "emulator-key", GroqModel.GPT_OSS_120B, base_url=emulator.base_url, **options
    )
    return GroqChatModel(config, backend(timeout))


def test_chat(groq_emulator: GroqEmulator) -> None:
    model = model_for(groq_emulator)
    response = model.chat_sync(
        ChatRequest([Message.system("Be brief."), Message.human("What is Rust famous for?")])
    )
    assert (
        response.content == "Emulated answer from openai/gpt-oss-120b to: What is Rust famous for?"
    )
    assert response.finish_reason == "stop"
    assert response.id is not None
    assert response.id.startswith("chatcmpl-emu-")
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.queue_time == 0.012
    assert response.request_id.startswith("req_emu_")
    assert response.rate_limit is not None
    assert (response.rate_limit.limit_requests, response.rate_limit.remaining_requests) == (
        14_400,
        14_399,
    )
    assert groq_emulator.requests[-1]["messages"][0] == {"role": "system", "content": "Be brief."}
    again = model.chat_sync(
        ChatRequest([Message.system("Be brief."), Message.human("What is Rust famous for?")])
    )
    assert again.content == response.content  # deterministic


async def test_stream(groq_emulator: GroqEmulator) -> None:
    model = model_for(groq_emulator)
    chunks = [c async for c in model.stream_chat("Tell me about Rust ownership")]
    assert len(chunks) > 5
    merged = AIMessageChunk.merge(chunks)
    assert (
        merged.content
        == "Emulated answer from openai/gpt-oss-120b to: Tell me about Rust ownership"
    )
    assert merged.finish_reason == "stop"
    assert [c.usage is not None for c in chunks].count(True) == 1  # final chunk + usage chunk: once
    body = groq_emulator.requests[-1]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    await model.backend.aclose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("stream", [False, True])
def test_tool_round_trip(groq_emulator: GroqEmulator, stream: bool) -> None:
    model = model_for(groq_emulator)
    request = (
        ChatRequest([Message.human("What is the weather in Tokyo?")])
        .with_tools([WEATHER])
        .with_tool_choice(ToolChoice.AUTO)
    )
    first = (
        AIMessageChunk.merge(model.stream_chat_sync(request)).to_message()
        if stream
        else model.chat_sync(request).message
    )
    [call] = first.tool_calls
    assert (call.name, call.arguments) == ("get_weather", {"city": "Tokyo"})
    final = model.chat_sync(request.append(first, Message.tool("Sunny, 22C", call.id)))
    assert final.content == "According to get_weather: Sunny, 22C."
    assert groq_emulator.requests[-1]["messages"][-1] == {
        "role": "tool",
        "content": "Sunny, 22C",
        "tool_call_id": call.id,
    }


def test_tool_arguments_fit_the_schema(groq_emulator: GroqEmulator) -> None:
    tool = ToolDefinition(
        name="book",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "nights": {"type": "integer", "minimum": 2},
                "budget": {"type": "number"},
                "breakfast": {"type": "boolean"},
                "room": {"enum": ["single", "double"]},
                "guests": {"type": "array", "items": {"type": "string"}},
                "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
                "address": {
                    "type": "object",
                    "properties": {"zip": {"type": "string"}},
                    "required": ["zip"],
                },
            },
            "required": [
                "city",
                "nights",
                "budget",
                "breakfast",
                "room",
                "guests",
                "note",
                "address",
            ],
        },
    )
    request = (
        ChatRequest([Message.human("Book a hotel in Paris")])
        .with_tools([WEATHER, tool])
        .with_tool_choice(ToolChoice.function("book"))
    )
    [call] = model_for(groq_emulator).chat_sync(request).message.tool_calls
    assert call == ToolCall(
        id=call.id,
        name="book",
        arguments={
            "city": "Paris",
            "nights": 2,
            "budget": 1.0,
            "breakfast": True,
            "room": "single",
            "guests": ["Paris"],
            "note": "Paris",
            "address": {"zip": "Paris"},
        },
    )


@pytest.mark.parametrize("choice", [ToolChoice.NONE, None])
def test_no_tool_call_when_choice_forbids_or_no_tools(
    groq_emulator: GroqEmulator, choice: ToolChoice | None
) -> None:
    request = ChatRequest([Message.human("Weather in Tokyo?")])
    if choice is not None:
        request = request.with_tools([WEATHER]).with_tool_choice(choice)
    message = model_for(groq_emulator).chat_sync(request).message
    assert message.tool_calls == []
    assert message.content.startswith("Emulated answer")


def test_rate_limit_then_success_through_retry(groq_emulator: GroqEmulator) -> None:
    groq_emulator.add_fault("rate_limit", retry_after=2)
    waits: list[float] = []
    model = RetryChatModel(model_for(groq_emulator), RetryConfig(), sleep_sync=waits.append)
    assert model.chat_sync("Hello").content.startswith("Emulated answer")
    assert waits == [2.0]
    assert len(groq_emulator.requests) == 2


async def test_stream_retried_after_a_cut_before_its_first_chunk(
    groq_emulator: GroqEmulator,
) -> None:
    groq_emulator.add_fault(Fault("truncate", after_chunks=0))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    model = RetryChatModel(model_for(groq_emulator), RetryConfig(), sleep=sleep, random=lambda: 0.0)
    chunks = [c async for c in model.stream_chat("Hello")]
    assert AIMessageChunk.merge(chunks).content.startswith("Emulated answer")
    assert waits == [0.5]


def test_budget_sends_headers_and_429s_then_refills() -> None:
    now = [1000.0]
    with GroqEmulator(requests_per_minute=2, clock=lambda: now[0]) as emulator:
        model = model_for(emulator)
        first = model.chat_sync("one")
        assert first.rate_limit is not None
        # Groq's pairing: the request headers describe the day, the token ones the minute.
        assert (
            first.rate_limit.limit_requests,
            first.rate_limit.remaining_requests,
            first.rate_limit.limit_tokens,
        ) == (14_400, 14_399, 1_000_000)
        now[0] += 15.5  # the 2-per-minute bucket refills continuously: +0.52 request
        model.chat_sync("two")
        with pytest.raises(RateLimitError) as info:
            model.chat_sync("three")
        error = info.value
        assert error.retry_after == 15.0  # 14.5 s until one whole request, rounded up
        assert (
            "on requests per minute (RPM): Limit 2, Used 2, Requested 1. Please try again in 14.5s."
            in str(error)
        )
        now[0] += 14.5
        assert model.chat_sync("four").rate_limit is not None


def test_token_budget() -> None:
    with GroqEmulator(tokens_per_minute=30) as emulator:
        model = model_for(emulator)
        model.chat_sync("a long enough question to spend the whole token budget")
        with pytest.raises(RateLimitError, match="on tokens per minute"):
            model.chat_sync("again")


FAULTS: list[tuple[str, bool, type[SynapticError], str]] = [
    ("rate_limit", False, RateLimitError, "groq error (HTTP 429, rate_limit_exceeded)"),
    ("rate_limit", True, RateLimitError, "groq error (HTTP 429, rate_limit_exceeded)"),
    (
        "capacity",
        False,
        CapacityExceededError,
        "groq error (HTTP 498): Flex tier capacity exceeded.",
    ),
    ("capacity", True, CapacityExceededError, "groq error (HTTP 498)"),
    ("server_error", False, ServerError, "groq error (HTTP 500): Internal Server Error"),
    ("unavailable", True, ServerError, "groq error (HTTP 503): Service Unavailable"),
    (
        "bad_gateway",
        False,
        ServerError,
        "groq error (HTTP 502): <html> <head><title>502 Bad Gateway</title></head>",
    ),
    ("error_frame", True, ServerError, "groq error (HTTP 503 in stream): Service Unavailable"),
    ("error_frame", False, ServerError, "groq error (HTTP 200): Internal Server Error"),
    ("truncate", True, StreamError, "groq stream ended before the answer was complete"),
    (
        "truncate",
        False,
        NetworkError,
        "network error (peer closed connection without sending complete message body",
    ),
    (
        "reset",
        True,
        NetworkError,
        "network error (peer closed connection without sending complete message body",
    ),
    (
        "reset",
        False,
        NetworkError,
        "network error (peer closed connection without sending complete message body",
    ),
]


@pytest.mark.parametrize(("kind", "stream", "cls", "message"), FAULTS)
def test_each_fault_raises_its_documented_class(
    groq_emulator: GroqEmulator, kind: str, stream: bool, cls: type[SynapticError], message: str
) -> None:
    groq_emulator.add_fault(kind)
    model = model_for(groq_emulator)
    with pytest.raises(cls) as info:
        if stream:
            list(model.stream_chat_sync("a b c d e f"))
        else:
            model.chat_sync("a b c d e f")
    assert type(info.value) is cls
    assert str(info.value).startswith(message)
    assert model.chat_sync("next one is fine").content.startswith("Emulated answer")


@pytest.mark.parametrize(
    ("kind", "stream"),
    [("slow_first_byte", False), ("slow_first_byte", True), ("stall", True), ("stall", False)],
)
def test_slow_and_stalled_answers_time_out(
    groq_emulator: GroqEmulator, kind: str, stream: bool
) -> None:
    groq_emulator.add_fault(Fault(kind, delay=30))  # type: ignore[arg-type]
    model = model_for(groq_emulator, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError, match="timed out waiting for the server to send data"):
        if stream:
            list(model.stream_chat_sync("hi"))
        else:
            model.chat_sync("hi")
    assert time.monotonic() - started < 5


def test_fault_by_request_header(groq_emulator: GroqEmulator) -> None:
    config = GroqConfig(
        "k",
        GroqModel.GPT_OSS_20B,
        base_url=groq_emulator.base_url,
        headers={"x-emulator-fault": "capacity"},
    )
    with pytest.raises(CapacityExceededError):
        GroqChatModel(config, backend()).chat_sync("hi")


def test_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(
        'requests_per_minute = 100\n[[faults]]\nkind = "unavailable"\ntimes = 2\n[[faults]]\nkind = "server_error"\nevery = 3\n'
    )
    with GroqEmulator(scenario=str(path)) as emulator:
        model = model_for(emulator)
        outcomes = []
        for _ in range(6):
            try:
                model.chat_sync("hi")
                outcomes.append("ok")
            except ServerError as error:
                outcomes.append(str(error.status_code))
        assert outcomes == ["503", "503", "500", "ok", "ok", "500"]
        assert model.chat_sync("x").rate_limit.remaining_requests == 14_400 - 7  # type: ignore[union-attr]


def test_scenario_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown fault keys"):
        Scenario.from_dict({"faults": [{"kind": "stall", "sleep": 2}]})
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")  # type: ignore[arg-type]


def test_groq_strictness(groq_emulator: GroqEmulator) -> None:
    request = ChatRequest([Message.human("hi")]).with_extra(colour="red")
    # The emulator answers an unknown field as Groq does...
    raw = OpenAIChatModel(
        OpenAIConfig("k", "openai/gpt-oss-120b", base_url=groq_emulator.base_url), backend()
    )
    with pytest.raises(BadRequestError) as info:
        raw.chat_sync(request)
    assert str(info.value) == "openai error (HTTP 400): property 'colour' is unsupported"
    # ...and GroqChatModel refuses it (and n=2) before sending anything.
    model = model_for(groq_emulator)
    before = len(groq_emulator.requests)
    with pytest.raises(ConfigError, match="Groq does not know the body field 'colour'"):
        model.chat_sync(request)
    with pytest.raises(ConfigError, match="n other than 1"):
        model.chat_sync(ChatRequest([Message.human("hi")]).with_extra(n=2))
    assert len(groq_emulator.requests) == before


def test_model_errors(groq_emulator: GroqEmulator, quiet_retired: None) -> None:
    retired = GroqChatModel(
        GroqConfig("k", GroqModel.LLAMA3_3_70B_VERSATILE, base_url=groq_emulator.base_url),
        backend(),
    )
    with pytest.raises(ModelRetiredError) as info:  # Groq's 404 since 2026-08-16
        retired.chat_sync("hi")
    assert isinstance(info.value, ModelDecommissionedError)
    assert isinstance(info.value, ModelNotFoundError)
    assert info.value.status_code == 404
    assert info.value.replacement == "openai/gpt-oss-120b"
    older = GroqChatModel(
        GroqConfig("k", GroqModel.LLAMA3_1_70B_VERSATILE, base_url=groq_emulator.base_url),
        backend(),
    )
    with pytest.raises(ModelDecommissionedError) as old_info:  # the earlier 400
        older.chat_sync("hi")
    assert type(old_info.value) is ModelDecommissionedError
    assert old_info.value.status_code == 400
    assert old_info.value.replacement == "openai/gpt-oss-120b"  # the chain's live end
    unknown = GroqChatModel(
        GroqConfig.new_custom("k", "llama-3.1-405b").with_base_url(groq_emulator.base_url),
        backend(),
    )
    with pytest.raises(ModelNotFoundError, match=r"The model `llama-3\.1-405b` does not exist"):
        unknown.chat_sync("hi")


def test_missing_key_is_401(groq_emulator: GroqEmulator) -> None:
    response = httpx.post(
        f"{groq_emulator.base_url}/chat/completions",
        json={"model": "openai/gpt-oss-20b", "messages": []},
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": "Invalid API Key",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    from synaptic_core import error_from_response

    assert isinstance(
        error_from_response(401, response.headers, response.content), AuthenticationError
    )


def test_unknown_url_and_bad_json(groq_emulator: GroqEmulator) -> None:
    headers = {"authorization": "Bearer k"}
    assert (
        httpx.post(f"{groq_emulator.host_url}/v1/chat/completions", headers=headers).json()[
            "error"
        ]["code"]
        == "unknown_url"
    )
    bad = httpx.post(
        f"{groq_emulator.base_url}/chat/completions", headers=headers, content=b"{nope"
    )
    assert bad.status_code == 400


async def test_list_models(groq_emulator: GroqEmulator) -> None:
    model = model_for(groq_emulator)
    models = {m.id: m for m in await model.list_models()}
    assert "openai/gpt-oss-120b" in models
    assert "llama-3.3-70b-versatile" not in models
    assert models["openai/gpt-oss-120b"].context_window == 131_072
    assert models["openai/gpt-oss-120b"].owned_by == "OpenAI"
    async with httpx.AsyncClient() as client:
        single = await client.get(
            f"{groq_emulator.base_url}/models/openai%2Fgpt-oss-20b",
            headers={"authorization": "Bearer k"},
        )
    assert single.json()["id"] == "openai/gpt-oss-20b"
    await model.backend.aclose()  # type: ignore[attr-defined]


async def test_holds_256_concurrent_connections() -> None:
    """256 requests in flight at once, each held 0.3 s by the server: done in about 0.3 s,
    not 256 x 0.3 s, so every connection was served concurrently."""
    with GroqEmulator() as emulator:
        emulator.add_fault(Fault("slow_first_byte", delay=0.3, times=256))
        config = GroqConfig("k", GroqModel.GPT_OSS_20B, base_url=emulator.base_url)
        async with HttpBackend(
            timeout=30, max_connections=300, max_keepalive_connections=300
        ) as backend:
            model = GroqChatModel(config, backend)
            started = time.monotonic()
            results = await asyncio.gather(*(model.chat(f"question {i}") for i in range(256)))
            elapsed = time.monotonic() - started
    assert [r.content for r in results] == [
        f"Emulated answer from openai/gpt-oss-20b to: question {i}" for i in range(256)
    ]
    assert elapsed < 10


def test_stop_releases_stalled_responses() -> None:
    emulator = GroqEmulator().start()
    emulator.add_fault(Fault("stall", delay=60))
    import threading

    errors: list[BaseException] = []

    def call() -> None:
        try:
            list(model_for(emulator, timeout=30).stream_chat_sync("hi"))
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.2)  # let the request reach the stall; the test is about stop(), not timing
    started = time.monotonic()
    emulator.stop()
    worker.join(10)
    assert not worker.is_alive()
    assert time.monotonic() - started < 5
    assert errors
    assert isinstance(errors[0], SynapticError)


def test_wire_shapes_match_groq_api_md(groq_emulator: GroqEmulator) -> None:
    headers = {"authorization": "Bearer k"}
    body = {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "hi"}],
        "seed": 7,
    }
    data = httpx.post(
        f"{groq_emulator.base_url}/chat/completions", headers=headers, json=body
    ).json()
    assert set(data) == {
        "id",
        "object",
        "created",
        "model",
        "choices",
        "usage",
        "usage_breakdown",
        "system_fingerprint",
        "x_groq",
        "service_tier",
    }
    assert data["object"] == "chat.completion"
    assert data["x_groq"]["seed"] == 7
    assert set(data["usage"]) == {
        "queue_time",
        "prompt_tokens",
        "prompt_time",
        "completion_tokens",
        "completion_time",
        "total_tokens",
        "total_time",
    }
    with httpx.stream(
        "POST",
        f"{groq_emulator.base_url}/chat/completions",
        headers=headers,
        json={**body, "stream": True},
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    events = [json.loads(line[6:]) for line in lines[:-1]]
    assert lines[-1] == "data: [DONE]"
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert events[0]["x_groq"]["id"].startswith("req_emu_")
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    assert events[-1]["x_groq"]["usage"] == events[-1]["usage"]
