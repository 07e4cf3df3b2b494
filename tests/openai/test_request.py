"""The exact JSON sent, through the real httpx path (respx), for every message kind, tool
form, tool_choice form, response_format form and override."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic
import pytest
import respx

from synaptic_core import (
    AIMessage,
    ChatRequest,
    HttpBackend,
    InvalidToolCall,
    Message,
    ResponseFormat,
    SystemMessage,
    ToolCall,
    ToolChoice,
    ToolDefinition,
)
from synaptic_openai import OPENAI_COMPATIBLE, OpenAIChatModel, OpenAIConfig, build_body

from .conftest import BASE, KEY, URL, completion

HI = [Message.human("hi")]
BASE_BODY = {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "hi"}]}


def sent_body(
    request: ChatRequest, config: OpenAIConfig | None = None, **model_args: Any
) -> dict[str, Any]:
    """Send ``request`` through HttpBackend + respx and return the JSON that went out."""
    config = config or OpenAIConfig(KEY, "openai/gpt-oss-20b", base_url=BASE)
    with respx.mock(assert_all_called=True) as router:
        route = router.post(url__eq=f"{config.base_url}/chat/completions").mock(
            return_value=httpx.Response(
                200, json=completion({"role": "assistant", "content": "ok"})
            )
        )
        with HttpBackend() as backend:
            OpenAIChatModel(config, backend, **model_args).chat_sync(request)
        sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    return json.loads(sent.content)


def test_minimal_request_sends_only_model_and_messages() -> None:
    assert sent_body(ChatRequest(HI)) == BASE_BODY


MESSAGES: list[tuple[Any, dict[str, Any]]] = [
    (Message.system("Be brief."), {"role": "system", "content": "Be brief."}),
    (
        SystemMessage([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]),
        {"role": "system", "content": "ab"},
    ),
    (Message.human("hello"), {"role": "user", "content": "hello"}),
    (
        Message.human([{"type": "text", "text": "only text"}]),
        {"role": "user", "content": "only text"},
    ),
    (
        Message.human(
            [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "url": "https://example.com/cat.png", "detail": "low"},
                {"type": "image_url", "url": "data:image/png;base64,AAAA"},
            ]
        ),
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/cat.png", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
    ),
    (Message.ai("Sure."), {"role": "assistant", "content": "Sure."}),
    (AIMessage(""), {"role": "assistant", "content": ""}),
    (
        Message.ai(
            tool_calls=[ToolCall(id="2zvvry1t5", name="get_weather", arguments={"city": "Tokyo"})]
        ),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "2zvvry1t5",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'},
                }
            ],
        },
    ),
    (
        AIMessage(
            "Let me check.",
            tool_calls=[ToolCall(id="a", name="f", arguments={})],
            invalid_tool_calls=[
                InvalidToolCall(id="b", name="g", arguments="{bad", error="not JSON")
            ],
            reasoning="internal thoughts are not replayed",
        ),
        {
            "role": "assistant",
            "content": "Let me check.",
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{bad"}},
            ],
        },
    ),
    (
        Message.tool("22C and sunny", "2zvvry1t5"),
        {"role": "tool", "content": "22C and sunny", "tool_call_id": "2zvvry1t5"},
    ),
    (
        Message.human("named").model_copy(update={"name": "alice"}),
        {"role": "user", "content": "named", "name": "alice"},
    ),
]


@pytest.mark.parametrize(("message", "wire"), MESSAGES)
def test_each_message_kind(message: Any, wire: dict[str, Any]) -> None:
    assert sent_body(ChatRequest([message]))["messages"] == [wire]


WEATHER = ToolDefinition(
    name="get_weather",
    description="Get current weather for a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.mark.parametrize(
    ("tool", "wire"),
    [
        (
            WEATHER,
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Get current weather for a city.",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            },
        ),
        (
            ToolDefinition(name="now"),
            {
                "type": "function",
                "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
            },
        ),
        (
            ToolDefinition(
                name="strict_tool", parameters={"type": "object", "properties": {}}, strict=True
            ),
            {
                "type": "function",
                "function": {
                    "name": "strict_tool",
                    "parameters": {"type": "object", "properties": {}},
                    "strict": True,
                },
            },
        ),
    ],
)
def test_tool_forms(tool: ToolDefinition, wire: dict[str, Any]) -> None:
    assert sent_body(ChatRequest(HI).with_tools([tool]))["tools"] == [wire]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        (ToolChoice.AUTO, "auto"),
        (ToolChoice.NONE, "none"),
        (ToolChoice.REQUIRED, "required"),
        (
            ToolChoice.function("get_weather"),
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tool_choice_forms(choice: ToolChoice, wire: Any) -> None:
    body = sent_body(ChatRequest(HI).with_tools([WEATHER]).with_tool_choice(choice))
    assert body["tool_choice"] == wire


class Person(pydantic.BaseModel):
    """A person."""

    name: str
    age: int | None = None


@pytest.mark.parametrize(
    ("response_format", "wire"),
    [
        (ResponseFormat.text(), {"type": "text"}),
        (ResponseFormat.json_object(), {"type": "json_object"}),
        (
            ResponseFormat.from_json_schema(
                {"type": "object", "properties": {"x": {"type": "integer"}}}, name="thing"
            ),
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "thing",
                    "schema": {"type": "object", "properties": {"x": {"type": "integer"}}},
                },
            },
        ),
        (
            Person,
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "Person",
                    "description": "A person.",
                    "schema": {
                        "type": "object",
                        "properties": {
                            "name": {"title": "Name", "type": "string"},
                            "age": {
                                "title": "Age",
                                "anyOf": [{"type": "integer"}, {"type": "null"}],
                            },
                        },
                        "required": ["name", "age"],
                        "additionalProperties": False,
                    },
                    "strict": True,
                },
            },
        ),
    ],
)
def test_response_format_forms(response_format: Any, wire: dict[str, Any]) -> None:
    assert (
        sent_body(ChatRequest(HI).with_response_format(response_format))["response_format"] == wire
    )


def test_config_defaults_and_request_overrides() -> None:
    config = OpenAIConfig(
        KEY,
        "openai/gpt-oss-20b",
        base_url=BASE,
        temperature=0.7,
        max_tokens=2048,
        top_p=0.9,
        seed=42,
        stop=["<|end|>"],
        extra_body={"service_tier": "flex", "user": "u1"},
    )
    assert sent_body(ChatRequest(HI), config) == {
        **BASE_BODY,
        "temperature": 0.7,
        "max_completion_tokens": 2048,
        "top_p": 0.9,
        "seed": 42,
        "stop": ["<|end|>"],
        "service_tier": "flex",
        "user": "u1",
    }
    request = (
        ChatRequest(HI)
        .with_temperature(0.0)
        .with_max_tokens(5)
        .with_top_p(1.0)
        .with_seed(7)
        .with_stop("END")
        .with_parallel_tool_calls(False)
        .with_extra(user="u2", reasoning_effort="low")
    )
    assert sent_body(request, config) == {
        **BASE_BODY,
        "temperature": 0.0,
        "max_completion_tokens": 5,
        "top_p": 1.0,
        "seed": 7,
        "stop": ["END"],
        "parallel_tool_calls": False,
        "service_tier": "flex",
        "user": "u2",
        "reasoning_effort": "low",
    }


def test_compatible_dialect_uses_max_tokens() -> None:
    config = OpenAIConfig(None, "llama3", base_url="http://127.0.0.1:8000/v1", max_tokens=64)
    with respx.mock(assert_all_called=True) as router:
        route = router.post("http://127.0.0.1:8000/v1/chat/completions").mock(
            return_value=httpx.Response(
                200, json=completion({"role": "assistant", "content": "ok"})
            )
        )
        with HttpBackend() as backend:
            OpenAIChatModel(config, backend, dialect=OPENAI_COMPATIBLE).chat_sync("hi")
    sent = route.calls.last.request
    assert "authorization" not in sent.headers  # keyless local server
    assert json.loads(sent.content) == {**BASE_BODY, "model": "llama3", "max_tokens": 64}


def test_stream_body_asks_for_usage() -> None:
    config = OpenAIConfig(KEY, "m", base_url=BASE)
    body = build_body(ChatRequest(HI), config, OpenAIChatModel(config).dialect, stream=True)
    assert body == {
        **BASE_BODY,
        "model": "m",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    plain = build_body(
        ChatRequest(HI), config, OPENAI_COMPATIBLE.__class__("x", stream_usage=False), stream=True
    )
    assert plain == {**BASE_BODY, "model": "m", "stream": True}


def test_unicode_is_sent_as_utf8_not_escaped() -> None:
    with respx.mock() as router:
        route = router.post(URL).mock(
            return_value=httpx.Response(
                200, json=completion({"role": "assistant", "content": "ok"})
            )
        )
        with HttpBackend() as backend:
            OpenAIChatModel(OpenAIConfig(KEY, "m", base_url=BASE), backend).chat_sync("東京の天気")
    raw = route.calls.last.request.content
    assert "東京の天気".encode() in raw
