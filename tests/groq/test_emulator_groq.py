"""The emulator as a faithful Groq: structured output, forced tools, reasoning, compound
systems, section 9 error frames, API keys, sizes, Groq's limits, stats, and load.
Clients: synaptic and, for auth, limits and structured output, the official SDK."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict

import groq as official
from synaptic_core import (
    AIMessageChunk,
    AuthenticationError,
    BadRequestError,
    ChatRequest,
    ContextLengthExceededError,
    HttpBackend,
    JsonValidateFailedError,
    Message,
    RateLimitError,
    RequestTooLargeError,
    ToolChoice,
    ToolDefinition,
    ToolUseFailedError,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqExtras, browser_search
from synaptic_groq.emulator import GroqEmulator, Scenario

ROOT = Path(__file__).parent.parent.parent


def model_for(
    emulator: GroqEmulator, model: str = "openai/gpt-oss-120b", key: str = "k"
) -> GroqChatModel:
    return GroqChatModel(GroqConfig(key, model, base_url=emulator.base_url), HttpBackend())


def sdk(emulator: GroqEmulator, key: str = "k") -> official.Groq:
    return official.Groq(api_key=key, base_url=emulator.host_url, max_retries=0)


# --- structured output ----------------------------------------------------------------


class Kind(str, Enum):
    CAPITAL = "capital"
    TOWN = "town"


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    kind: Kind
    population: int


class Country(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    cities: list[Place]
    capital: Place
    landlocked: bool
    motto: str | None


def test_json_schema_answers_a_valid_instance() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        request = ChatRequest([Message.human("Describe Portugal")]).with_response_format(Country)
        country = model.chat_sync(request).parse(Country)  # strict: extra="forbid"
        assert country.capital.kind is Kind.CAPITAL
        assert len(country.cities) == 1
        again = model.chat_parsed_sync("Describe Portugal", Country)
        assert again == country  # deterministic
        body = emulator.requests[0]
        assert "$defs" in body["response_format"]["json_schema"]["schema"]


def test_json_object_answers_a_json_object() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        request = ChatRequest([Message.human("Answer in JSON: capital of France?")])
        content = model.chat_sync(request.with_response_format("json_object")).content
        assert isinstance(json.loads(content), dict)


def test_structured_output_through_the_official_sdk() -> None:
    with GroqEmulator() as emulator:
        client = sdk(emulator)
        schema = Country.model_json_schema()
        completion = client.chat.completions.create(
            model="openai/gpt-oss-20b",
            messages=[{"role": "user", "content": "Describe Portugal"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "Country", "schema": schema, "strict": True},
            },
        )
        Country.model_validate_json(completion.choices[0].message.content or "")
        client.close()


def test_json_validate_failed_fault() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        emulator.add_fault("json_validate_failed")
        with pytest.raises(JsonValidateFailedError) as info:
            model.chat_sync(
                ChatRequest([Message.human("JSON please")]).with_response_format("json_object")
            )
        assert info.value.status_code == 400
        assert info.value.failed_generation == '{"answer": "unfinished'


def test_json_mode_with_tools_is_refused_where_groq_refuses_it() -> None:
    tool = ToolDefinition(name="f", parameters={"type": "object", "properties": {}})
    request = (
        ChatRequest([Message.human("q")]).with_tools([tool]).with_response_format("json_object")
    )
    with GroqEmulator() as emulator:
        with model_for(emulator, "qwen/qwen3.6-27b") as model, pytest.raises(BadRequestError):
            model.chat_sync(request)
        with model_for(emulator, "openai/gpt-oss-20b") as model:
            assert model.chat_sync(request).message.tool_calls  # gpt-oss takes both


# --- tools and reasoning --------------------------------------------------------------

WEATHER = ToolDefinition(
    name="get_weather",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1},
        },
        "required": ["city", "unit", "days"],
        "additionalProperties": False,
    },
)


@pytest.mark.parametrize("choice", [ToolChoice.REQUIRED, ToolChoice.function("get_weather")])
def test_a_forced_tool_call_fits_the_schema(choice: ToolChoice) -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        request = (
            ChatRequest([Message.human("Weather in Lisbon?")])
            .with_tools([WEATHER])
            .with_tool_choice(choice)
        )
        [call] = model.chat_sync(request).message.tool_calls
        assert call.name == "get_weather"
        assert call.arguments == {"city": "Lisbon", "unit": "celsius", "days": 1}


@pytest.mark.parametrize(
    ("options", "reasoning", "think_in_content"),
    [
        ({"reasoning_format": "parsed"}, True, False),
        ({"reasoning_format": "raw"}, False, True),
        ({"reasoning_format": "hidden"}, False, False),
        ({"include_reasoning": True}, True, False),
        ({"include_reasoning": False}, False, False),
        ({}, False, True),  # qwen's default: raw
    ],
)
def test_reasoning_formats(
    options: dict[str, Any], reasoning: bool, think_in_content: bool
) -> None:
    with GroqEmulator() as emulator, model_for(emulator, "qwen/qwen3.6-27b") as model:
        response = model.chat_sync(ChatRequest([Message.human("Why?")]).with_extra(options))
        assert (response.message.reasoning is not None) is reasoning
        assert response.content.startswith("<think>") is think_in_content
        streamed = AIMessageChunk.merge(
            model.stream_chat_sync(ChatRequest([Message.human("Why?")]).with_extra(options))
        )
        assert streamed.reasoning == response.message.reasoning
        assert streamed.content == response.content


def test_reasoning_rules_of_section_2() -> None:
    with GroqEmulator() as emulator:
        raw = emulator.chat(
            {"model": "qwen/qwen3.6-27b", "messages": [{"role": "user", "content": "q"}],
             "reasoning_format": "raw", "response_format": {"type": "json_object"}},
            None,
        )  # fmt: skip
        assert raw.status == 400
        both = emulator.chat(
            {"model": "qwen/qwen3.6-27b", "messages": [{"role": "user", "content": "q"}],
             "reasoning_format": "parsed", "include_reasoning": True},
            None,
        )  # fmt: skip
        assert both.status == 400


def test_compound_answers_with_executed_tools_streamed_or_not() -> None:
    with GroqEmulator() as emulator, model_for(emulator, "groq/compound") as model:
        whole = model.chat_sync("What is new with Groq LPUs?")
        streamed = AIMessageChunk.merge(model.stream_chat_sync("What is new with Groq LPUs?"))
    for answer in (whole, streamed):
        extras = GroqExtras.of(answer)
        [tool] = extras.executed_tools
        assert tool.type == "search"
        assert tool.parsed_arguments == {"query": "What is new with Groq LPUs?"}
        assert [r.score for r in extras.search_results] == [0.91, 0.74]
        assert extras.usage_breakdown is not None
        assert extras.usage_breakdown.models[0].model == "openai/gpt-oss-120b"
    assert GroqExtras.of(streamed) == GroqExtras.of(whole)


def test_built_in_tools_report_their_work() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        request = ChatRequest([Message.human("Search the news")]).with_tools([browser_search()])
        response = model.chat_sync(request)
        assert GroqExtras.of(response).executed_tools[0].type == "search"
        assert emulator.requests[0]["tools"] == [{"type": "browser_search"}]


def test_a_stream_can_end_in_section_9s_error_frame() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        emulator.add_fault("tool_use_failed")
        chunks: list[AIMessageChunk] = []
        request = (
            ChatRequest([Message.human("Weather?")])
            .with_tools([WEATHER])
            .with_extra(reasoning_effort="low")
        )
        with pytest.raises(ToolUseFailedError) as info:
            for chunk in model.stream_chat_sync(request):
                chunks.append(chunk)
        assert info.value.status_code == 400
        assert info.value.failed_generation == ""
        assert (
            AIMessageChunk.merge(chunks).reasoning
            == "The user asks: Weather? I should answer briefly."
        )


# --- API keys -------------------------------------------------------------------------


def test_only_the_given_keys_are_accepted() -> None:
    with GroqEmulator(api_keys=["gsk_good"]) as emulator:
        with model_for(emulator, key="gsk_good") as good:
            assert good.chat_sync("hi").content
        with model_for(emulator, key="gsk_bad") as bad, pytest.raises(AuthenticationError) as info:
            bad.chat_sync("hi")
        assert info.value.status_code == 401
        assert info.value.code == "invalid_api_key"
        response = httpx.post(
            f"{emulator.base_url}/chat/completions",
            json={"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "x"}]},
            headers={"authorization": "Bearer gsk_bad"},
        )
        assert response.status_code == 401
        assert response.json() == {
            "error": {
                "message": "Invalid API Key",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        }
        with pytest.raises(official.AuthenticationError):
            sdk(emulator, "gsk_bad").chat.completions.create(
                model="openai/gpt-oss-20b", messages=[{"role": "user", "content": "hi"}]
            )


def test_keys_from_a_scenario_and_a_blank_key() -> None:
    with GroqEmulator(scenario=Scenario(api_keys=["s1"])) as emulator:
        assert emulator.api_keys == frozenset({"s1"})
    with GroqEmulator() as emulator:
        response = httpx.get(f"{emulator.base_url}/models", headers={"authorization": "Bearer"})
        assert response.status_code == 401


# --- sizes ----------------------------------------------------------------------------


def test_a_body_past_the_cap_is_refused_unread() -> None:
    with GroqEmulator(max_body_bytes=1000) as emulator:
        big = {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "x" * 2000}]}
        response = httpx.post(
            f"{emulator.base_url}/chat/completions", json=big, headers={"authorization": "Bearer k"}
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_too_large"
        with model_for(emulator) as model, pytest.raises(RequestTooLargeError):
            model.chat_sync("x" * 2000)
        assert emulator.requests == []


def test_context_window_and_max_tokens() -> None:
    with GroqEmulator() as emulator, model_for(emulator) as model:
        with pytest.raises(ContextLengthExceededError) as info:
            model.chat_sync("word " * 110_000)  # ~137,500 tokens by the emulator's estimate
        assert info.value.status_code == 400
        with pytest.raises(BadRequestError, match="must be less than or equal to `65536`"):
            model.chat_sync(ChatRequest([Message.human("hi")], max_tokens=10**7))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_emulator_process(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:(\d+))/openai/v1", line)
    assert match, line
    return process, match.group(1)


def test_a_100_mb_body_is_refused_with_flat_memory() -> None:
    process, host_url = start_emulator_process()
    try:
        port = int(host_url.rsplit(":", 1)[1])
        httpx.get(f"{host_url}/emulator/stats")  # warm up
        idle = rss_kib(process.pid)
        size = 100 * 1024 * 1024
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /openai/v1/chat/completions HTTP/1.1\r\nhost: x\r\n"
                b"authorization: Bearer k\r\ncontent-type: application/json\r\n"
                + f"content-length: {size}\r\n\r\n".encode()
            )
            sent = 0
            chunk = b"x" * (1024 * 1024)
            with pytest.raises((BrokenPipeError, ConnectionResetError)):  # closed long before
                while sent < size:
                    sock.sendall(chunk)
                    sent += len(chunk)
                raise BrokenPipeError  # (only if the server read everything: it must not)
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b"request_too_large" in answer
        grown_mib = (rss_kib(process.pid) - idle) / 1024
        assert grown_mib < 100, grown_mib
        stats = httpx.get(f"{host_url}/emulator/stats").json()
        assert stats["requests_by_status"]["413"] == 1
    finally:
        process.terminate()
        process.communicate(timeout=10)


# --- Groq's limits --------------------------------------------------------------------


def test_limits_are_per_key_and_model() -> None:
    with GroqEmulator(requests_per_minute=1) as emulator:
        with model_for(emulator, key="gsk_a") as a, model_for(emulator, key="gsk_b") as b:
            a.chat_sync("one")
            b.chat_sync("one")  # another key: its own budget
            with model_for(emulator, "openai/gpt-oss-20b", key="gsk_a") as other:
                other.chat_sync("one")  # another model: its own budget
            with pytest.raises(RateLimitError) as info:
                a.chat_sync("two")
        assert info.value.retry_after is not None
        assert "Please try again in" in str(info.value)


def test_per_day_limits() -> None:
    now = [0.0]
    with (
        GroqEmulator(requests_per_day=2, clock=lambda: now[0]) as emulator,
        model_for(emulator) as model,
    ):
        model.chat_sync("1")
        response = model.chat_sync("2")
        assert response.rate_limit is not None
        assert (response.rate_limit.limit_requests, response.rate_limit.remaining_requests) == (
            2,
            0,
        )
        with pytest.raises(RateLimitError, match=r"on requests per day \(RPD\)"):
            model.chat_sync("3")
        now[0] += 43_200  # half a day refills one request
        model.chat_sync("3")


def test_a_request_larger_than_tpm_is_413() -> None:
    with GroqEmulator(tokens_per_minute=100) as emulator, model_for(emulator) as model:
        with pytest.raises(RequestTooLargeError) as info:
            model.chat_sync(ChatRequest([Message.human("hi")], max_tokens=500))
        assert info.value.status_code == 413
        assert info.value.code == "rate_limit_exceeded"
        assert "Limit 100, Requested" in str(info.value)


def test_cached_tokens_are_not_counted() -> None:
    prompt = "cached context " * 40  # ~150 tokens by the estimate
    with (
        GroqEmulator(cached_tokens=100, clock=lambda: 0.0) as emulator,
        model_for(emulator) as model,
    ):
        response = model.chat_sync(prompt)
        assert response.usage is not None
        assert response.usage.cached_tokens == 100
        spent = 1_000_000 - (response.rate_limit.remaining_tokens or 0)  # type: ignore[union-attr]
        assert spent == response.usage.total_tokens - 100


def test_the_official_sdk_sees_groqs_429() -> None:
    with GroqEmulator(requests_per_minute=1) as emulator:
        client = sdk(emulator)
        client.chat.completions.create(
            model="openai/gpt-oss-20b", messages=[{"role": "user", "content": "a"}]
        )
        with pytest.raises(official.RateLimitError) as info:
            client.chat.completions.create(
                model="openai/gpt-oss-20b", messages=[{"role": "user", "content": "b"}]
            )
        assert info.value.response.headers["retry-after"] == "60"
        assert "Please try again in" in info.value.message
        client.close()


# --- stats ----------------------------------------------------------------------------


def test_stats_and_reset() -> None:
    with GroqEmulator(requests_per_minute=1) as emulator, model_for(emulator) as model:
        model.chat_sync("hello there")
        with pytest.raises(RateLimitError):
            model.chat_sync("again")
        stats = httpx.get(f"{emulator.host_url}/emulator/stats").json()
        assert stats["requests"] == 2
        assert stats["requests_by_status"] == {"200": 1, "429": 1}
        assert stats["tokens_in"] > 0
        assert stats["tokens_out"] > 0
        assert stats["open_connections"] >= 1
        assert httpx.post(f"{emulator.host_url}/emulator/reset").json() == {"reset": True}
        after = httpx.get(f"{emulator.host_url}/emulator/stats").json()
        assert (after["requests"], after["tokens_in"], after["tokens_out"]) == (0, 0, 0)
        model.chat_sync("the budget was reset too")


# --- load -----------------------------------------------------------------------------


def test_holds_1000_connections_and_100_streams_with_flat_memory() -> None:
    process, host_url = start_emulator_process("--rpm", "100000", "--rpd", "100000")
    port = int(host_url.rsplit(":", 1)[1])
    sockets: list[socket.socket] = []
    try:
        httpx.get(f"{host_url}/emulator/stats")
        idle = rss_kib(process.pid)
        for _ in range(1000):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        deadline = time.monotonic() + 30
        while httpx.get(f"{host_url}/emulator/stats").json()["open_connections"] < 1001:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with_connections = rss_kib(process.pid)

        async def streams() -> list[int]:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:

                async def one(i: int) -> int:
                    body = {
                        "model": "openai/gpt-oss-20b",
                        "stream": True,
                        "messages": [{"role": "user", "content": f"stream {i} " * 50}],
                    }
                    async with client.stream(
                        "POST", f"{host_url}/openai/v1/chat/completions", json=body,
                        headers={"authorization": "Bearer k"},
                    ) as response:  # fmt: skip
                        return sum([1 async for _ in response.aiter_lines()])

                return await asyncio.gather(*(one(i) for i in range(100)))

        lines = asyncio.run(streams())
        assert all(count > 100 for count in lines)
        after = rss_kib(process.pid)
        assert (with_connections - idle) / 1024 < 60  # 1,000 idle connections
        assert (after - idle) / 1024 < 80  # and 100 streams on top
    finally:
        for sock in sockets:
            sock.close()
        process.terminate()
        process.communicate(timeout=10)
