"""Stream assembly over a scripted transport: chunks, tool calls, usage once, error
frames, cut streams, statuses before the first chunk, and connection release."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    AuthenticationError,
    CapacityExceededError,
    FakeBackend,
    NetworkError,
    RateLimitError,
    RateLimitInfo,
    ServerError,
    StreamError,
    TokenUsage,
    ToolCall,
)
from synaptic_openai import OpenAIChatModel

from .conftest import USAGE, chunk

FIRST = chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_stream_1", "seed": 7})
GROQ_TOKENS = TokenUsage(
    input_tokens=10,
    output_tokens=3,
    total_tokens=13,
    queue_time=0.02,
    prompt_time=0.001,
    completion_time=0.004,
    total_time=0.005,
)


async def settle() -> None:
    """Let the loop run the asyncgen finaliser (call_soon -> task -> aclose): a few turns."""
    for _ in range(5):
        await asyncio.sleep(0)


async def collect(model: OpenAIChatModel, prompt: str = "q") -> list[AIMessageChunk]:
    return [c async for c in model.stream_chat(prompt)]


async def test_content_stream_as_groq_sends_it(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse(
        [
            FIRST,
            chunk({"content": "Ownership "}),
            chunk({"content": "moves."}),
            chunk({}, "stop", x_groq={"id": "req_stream_1", "usage": USAGE}, usage=USAGE),
            {
                "id": "chatcmpl-stream-1",
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": USAGE,
            },
        ],
        headers={"x-ratelimit-remaining-requests": "99"},
    )
    chunks = await collect(model)
    assert [c.content for c in chunks] == ["Ownership ", "moves.", ""]
    assert [c.usage for c in chunks] == [None, None, GROQ_TOKENS]  # counted once
    assert chunks[-1].finish_reason == "stop"
    assert {c.id for c in chunks} == {"chatcmpl-stream-1"}
    assert chunks[0].rate_limit == RateLimitInfo(remaining_requests=99)
    assert [c.rate_limit for c in chunks[1:]] == [None, None]
    merged = AIMessageChunk.merge(chunks)
    assert merged.to_message().content == "Ownership moves."
    assert merged.usage == GROQ_TOKENS
    body = backend.last_request.json()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert backend.last_request.headers["accept"] == "text/event-stream"


@pytest.mark.parametrize(
    "final",
    [
        [chunk({}, "stop", usage=USAGE)],
        [chunk({}, "stop", x_groq={"id": "r", "usage": USAGE})],
        [chunk({}, "stop"), {"id": "c", "choices": [], "usage": USAGE}],
        [chunk({}, "stop", usage=USAGE), {"id": "c", "choices": [], "x_groq": {"usage": USAGE}}],
    ],
)
async def test_usage_from_any_place_counted_once(
    model: OpenAIChatModel, backend: FakeBackend, final: list[dict[str, Any]]
) -> None:
    backend.add_sse([FIRST, chunk({"content": "hi"}), *final])
    chunks = await collect(model)
    assert [c.usage for c in chunks if c.usage is not None] == [GROQ_TOKENS]


def two_interleaved_calls() -> list[dict[str, Any]]:
    """Two parallel tool calls, each split into many fragments, interleaved."""
    weather = '{"city": "Tokyo", "unit": "c"}'
    time_args = '{"tz": "Asia/Tokyo"}'
    events = [chunk({"role": "assistant", "content": None})]
    events.append(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_w",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        )
    )
    events.append(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_t",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": ""},
                    }
                ]
            }
        )
    )
    for i in range(max(len(weather), len(time_args))):
        if i < len(weather):
            events.append(
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": weather[i]}}]})
            )
        if i < len(time_args):
            events.append(
                chunk({"tool_calls": [{"index": 1, "function": {"arguments": time_args[i]}}]})
            )
    events.append(chunk({}, "tool_calls", usage=USAGE))
    return events


async def test_interleaved_parallel_tool_calls_come_out_whole(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse(two_interleaved_calls())
    message = AIMessageChunk.merge(await collect(model)).to_message()
    assert message.tool_calls == [
        ToolCall(id="call_w", name="get_weather", arguments={"city": "Tokyo", "unit": "c"}),
        ToolCall(id="call_t", name="get_time", arguments={"tz": "Asia/Tokyo"}),
    ]
    assert message.invalid_tool_calls == []


def test_interleaved_calls_sync_with_pairwise_merge(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse(two_interleaved_calls())
    total: AIMessageChunk | None = None
    for piece in model.stream_chat_sync("q"):
        total = piece if total is None else total + piece
    assert total is not None
    assert [c.name for c in total.to_message().tool_calls] == ["get_weather", "get_time"]


async def test_whole_tool_call_in_one_delta_as_groq_usually_sends(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse(
        [
            chunk({"role": "assistant", "content": None}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "2zvvry1t5",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Tokyo"}'},
                        }
                    ]
                }
            ),
            chunk({}, "tool_calls"),
        ]
    )
    message = AIMessageChunk.merge(await collect(model)).to_message()
    assert message.tool_calls == [
        ToolCall(id="2zvvry1t5", name="get_weather", arguments={"city": "Tokyo"})
    ]


async def test_bad_streamed_arguments_are_kept(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse(
        [
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "x", "function": {"name": "f", "arguments": '{"a": '}}
                    ]
                }
            ),
            chunk({}, "tool_calls"),
        ]
    )
    message = AIMessageChunk.merge(await collect(model)).to_message()
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0].arguments == '{"a": '


async def test_reasoning_deltas(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_sse(
        [
            chunk({"reasoning": "6 x 7 "}),
            chunk({"reasoning": "is 42"}),
            chunk({"content": "42"}),
            chunk({}, "stop"),
        ]
    )
    chunks = await collect(model)
    assert [(c.reasoning, c.content) for c in chunks] == [
        ("6 x 7 ", ""),
        ("is 42", ""),
        (None, "42"),
        (None, ""),
    ]
    assert AIMessageChunk.merge(chunks).to_message().reasoning == "6 x 7 is 42"


@pytest.mark.parametrize(
    ("frames", "cls", "message"),
    [
        (
            [
                '{"error": {"message": "Rate limit reached. Please try again in 1.5s.", "type": "tokens", "code": "rate_limit_exceeded"}}'
            ],
            RateLimitError,
            "openai error (in stream, rate_limit_exceeded): Rate limit reached. Please try again in 1.5s. (retry after 1.5s)",
        ),
        (
            [
                '{"error": {"message": "Service Unavailable", "type": "internal_server_error", "code": 503}}'
            ],
            ServerError,
            "openai error (HTTP 503 in stream, 503): Service Unavailable",
        ),
        (
            ['{"error": "capacity exceeded"}'],
            StreamError,
            "openai error (in stream): capacity exceeded",
        ),
        (
            ['{"error": {"message": "flex tier full", "type": "capacity_exceeded"}}'],
            CapacityExceededError,
            "openai error (in stream): flex tier full",
        ),
    ],
)
async def test_error_frames_raise_the_typed_error(
    model: OpenAIChatModel,
    backend: FakeBackend,
    frames: list[str],
    cls: type[Exception],
    message: str,
) -> None:
    backend.add_sse([FIRST, chunk({"content": "partial"}), *frames])
    seen: list[str] = []
    with pytest.raises(cls) as info:
        async for piece in model.stream_chat("q"):
            seen.append(piece.content)
    assert str(info.value) == message
    assert seen == ["partial"]
    assert getattr(info.value, "request_id", None) == "req_stream_1"


async def test_named_error_event(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_stream(
        [
            f"data: {json.dumps(FIRST)}\n\n",
            'event: error\ndata: {"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}\n\n',
        ]
    )
    with pytest.raises(
        AuthenticationError, match=r"openai error \(in stream, invalid_api_key\): Invalid API Key"
    ):
        await collect(model)


async def test_named_error_event_with_plain_text(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_stream(["event: error\ndata: upstream overloaded\n\n"])
    with pytest.raises(StreamError, match=r"openai error \(in stream\): upstream overloaded"):
        await collect(model)


async def test_x_groq_error_stops_the_stream(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_sse(
        [FIRST, chunk({"content": "a"}, x_groq={"id": "req_x", "error": "over capacity"})]
    )
    with pytest.raises(StreamError, match="openai stopped the stream early: over capacity"):
        await collect(model)


@pytest.mark.parametrize(
    "script",
    [
        {"events": [FIRST, chunk({"content": "cut here"})], "done": False},
        {"events": [], "done": False},
    ],
)
async def test_stream_ending_early_is_a_stream_error(
    model: OpenAIChatModel, backend: FakeBackend, script: dict[str, Any]
) -> None:
    backend.add_sse(script["events"], done=script["done"])
    with pytest.raises(
        StreamError,
        match=r"ended before the answer was complete \(no finish_reason and no \[DONE\]\)",
    ) as info:
        await collect(model)
    assert info.value.retryable is True


async def test_stream_cut_mid_event(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_stream(
        [f"data: {json.dumps(FIRST)}\n\n", 'data: {"id": "chatcmpl-stream-1", "choi']
    )
    with pytest.raises(StreamError, match="stream was cut mid-event"):
        await collect(model)


async def test_connection_reset_mid_stream(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_stream(
        [f"data: {json.dumps(chunk({'content': 'a'}))}\n\n"], error=NetworkError("reset")
    )
    with pytest.raises(NetworkError):
        await collect(model)
    assert backend.open_streams == 0


async def test_finish_without_done_is_complete(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse([chunk({"content": "ok"}), chunk({}, "stop")], done=False)
    assert [c.content for c in await collect(model)] == ["ok", ""]


async def test_garbage_frame_is_a_stream_error(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_stream(["data: <html>oops</html>\n\n"])
    with pytest.raises(
        StreamError, match="sent an event that is not a JSON object: '<html>oops</html>'"
    ):
        await collect(model)


async def test_bytes_after_done_are_ignored(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_stream(
        [
            f"data: {json.dumps(chunk({'content': 'x'}, 'stop'))}\n\ndata: [DONE]\n\ndata: garbage\n\n"
        ]
    )
    assert [c.content for c in await collect(model)] == ["x"]


async def test_http_error_on_a_stream_raises_before_any_chunk(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_response(
        status=429,
        content=json.dumps({"error": {"message": "slow down", "type": "requests"}}),
        headers={"retry-after": "3"},
    )
    stream = model.stream_chat("q")
    with pytest.raises(RateLimitError) as info:
        await stream.__anext__()
    assert info.value.retry_after == 3.0
    assert backend.open_streams == 0


async def test_consumer_stopping_early_releases_the_connection(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse([chunk({"content": str(i)}) for i in range(10)])
    stream = model.stream_chat("q")
    async for piece in stream:
        assert piece.content == "0"
        assert backend.open_streams == 1
        break
    await stream.aclose()  # type: ignore[attr-defined]
    assert backend.open_streams == 0


def test_sync_consumer_stopping_early_releases_the_connection(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse([chunk({"content": str(i)}) for i in range(10)])
    stream = model.stream_chat_sync("q")
    assert next(stream).content == "0"
    assert backend.open_streams == 1
    stream.close()  # type: ignore[attr-defined]
    assert backend.open_streams == 0


async def test_cancelled_consumer_releases_the_connection(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    started = asyncio.Event()
    backend.add_sse([chunk({"content": "a"})], done=False)

    async def consume() -> None:
        async for _ in model.stream_chat("q"):
            started.set()
            await asyncio.Event().wait()  # blocks until cancelled

    task = asyncio.create_task(consume())
    await started.wait()
    assert backend.open_streams == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await settle()
    assert backend.open_streams == 0


async def test_break_without_aclose_releases_within_a_few_loop_turns(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_sse([chunk({"content": str(i)}) for i in range(10)])
    async for _ in model.stream_chat("q"):
        break
    await settle()
    assert backend.open_streams == 0
