"""The official ``groq`` SDK (a test-only dependency) talks to our emulator: chat, stream
and tool calls parse without error, so the emulator is faithful for other clients too."""

from __future__ import annotations

import json

import pytest

import groq
from synaptic_groq.emulator import GroqEmulator

TOOLS = [
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
    }
]


@pytest.fixture
def client(groq_emulator: GroqEmulator) -> groq.Groq:
    # The SDK's base URL is the bare host; it adds /openai/v1 itself.
    with groq.Groq(api_key="emulator-key", base_url=groq_emulator.host_url, max_retries=0) as sdk:
        yield sdk


def test_chat(client: groq.Groq) -> None:
    completion = client.chat.completions.create(
        model="openai/gpt-oss-120b",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is Rust famous for?"},
        ],
        temperature=0.5,
        max_completion_tokens=100,
    )
    assert (
        completion.choices[0].message.content
        == "Emulated answer from openai/gpt-oss-120b to: What is Rust famous for?"
    )
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (
        completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.x_groq is not None
    assert completion.x_groq.id.startswith("req_emu_")


def test_stream(client: groq.Groq) -> None:
    stream = client.chat.completions.create(
        model="openai/gpt-oss-20b",
        messages=[{"role": "user", "content": "Tell me three things"}],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Emulated answer from openai/gpt-oss-20b to: Tell me three things"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].x_groq is not None
    assert chunks[-1].x_groq.usage is not None


def test_tool_calls(client: groq.Groq) -> None:
    completion = client.chat.completions.create(
        model="openai/gpt-oss-120b",
        messages=[{"role": "user", "content": "What is the weather in Tokyo?"}],
        tools=TOOLS,
        tool_choice="auto",
    )
    message = completion.choices[0].message
    assert completion.choices[0].finish_reason == "tool_calls"
    [call] = message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Tokyo"}
    final = client.chat.completions.create(
        model="openai/gpt-oss-120b",
        messages=[
            {"role": "user", "content": "What is the weather in Tokyo?"},
            message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 22C"},
        ],
        tools=TOOLS,
    )
    assert final.choices[0].message.content == "According to get_weather: Sunny, 22C."


def test_streamed_tool_call(client: groq.Groq) -> None:
    stream = client.chat.completions.create(
        model="openai/gpt-oss-120b",
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=TOOLS,
        stream=True,
    )
    calls = [tc for c in stream if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert [(c.function.name, c.function.arguments) for c in calls if c.function] == [
        ("get_weather", '{"city": "Paris"}')
    ]


def test_errors_reach_the_sdk_as_its_own_classes(
    client: groq.Groq, groq_emulator: GroqEmulator
) -> None:
    groq_emulator.add_fault("rate_limit", retry_after=3)
    with pytest.raises(groq.RateLimitError) as info:
        client.chat.completions.create(
            model="openai/gpt-oss-20b", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.response.headers["retry-after"] == "3"
    models = client.models.list()
    assert "openai/gpt-oss-120b" in [m.id for m in models.data]
