"""A fact that arrives on a later chunk is not lost (issue 22; DESIGN section 12).

Groq's 2024-era streams (recorded in public projects' cassettes) send
``"system_fingerprint": null`` on the first chunk and the real value on every later
chunk. The first non-null value wins, for every first-chunk fact: on the chunks from the
one that carries it, the merged chunk, ``to_response()``, and the same as ``chat()``
keeps from the whole body.
"""

from __future__ import annotations

from typing import Any

import pytest

from synaptic_core import AIMessageChunk, FakeBackend
from synaptic_groq import GroqChatModel, GroqConfig

from .stream_fixtures import dumps, fragments, frame, groq_chunk

LATE = "fp_af05557ca2"
MODEL = "llama3-8b-8192"


def recorded_shape(**first: Any) -> bytes:
    """The 2024 shape: the role chunk with nulls, then content chunks with the value."""
    head = groq_chunk({"role": "assistant", "content": ""}, model=MODEL, **first)
    head["system_fingerprint"] = None
    body = [head]
    for word in ("Hello", " there", ", friend", "."):
        body.append(groq_chunk({"content": word}, model=MODEL, system_fingerprint=LATE))
    last = groq_chunk({}, "stop", model=MODEL, system_fingerprint=LATE)
    last["x_groq"] = {
        "id": "req_01hxyz",
        "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
    }
    body.append(last)
    return b"".join(frame(chunk) for chunk in body) + b"data: [DONE]\n\n"


def whole(**extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-7c1e5d0a-5b8f-4f1e-9a55-3c2f4d1b9e01",
        "object": "chat.completion",
        "created": 1764590400,
        "model": MODEL,
        "system_fingerprint": LATE,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there, friend."},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
        **extra,
    }


def model(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b"), backend)  # MODEL is retired


@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_a_fingerprint_first_sent_on_a_later_chunk_is_kept(size: int) -> None:
    chunks = list(
        model(FakeBackend().add_stream(fragments(recorded_shape(), size))).stream_chat_sync("hi")
    )
    prints = [c.system_fingerprint for c in chunks]
    assert LATE in prints  # on the chunk that first carries it
    assert prints.index(LATE) <= 1  # no later than the first chunk after the null one
    merged = AIMessageChunk.merge(chunks)
    assert merged.content == "Hello there, friend."
    assert merged.system_fingerprint == LATE
    streamed = merged.to_response()
    assert streamed.system_fingerprint == LATE
    answered = model(FakeBackend().add_response(whole())).chat_sync("hi")
    assert answered.system_fingerprint == streamed.system_fingerprint == LATE


async def test_the_same_on_the_async_path() -> None:
    backend = FakeBackend().add_stream([recorded_shape()])
    chunks = [c async for c in model(backend).stream_chat("hi")]
    assert AIMessageChunk.merge(chunks).to_response().system_fingerprint == LATE


def test_the_first_non_null_value_wins_and_is_said_once() -> None:
    """A value that changes later does not replace the first one (facts every chunk repeats)."""
    chunks = [
        groq_chunk({"role": "assistant", "content": ""}, model=MODEL),
        groq_chunk({"content": "a"}, model=MODEL),
        groq_chunk({"content": "b"}, "stop", model=MODEL),
    ]
    chunks[0]["system_fingerprint"] = None
    chunks[1]["system_fingerprint"] = "fp_first"
    chunks[2]["system_fingerprint"] = "fp_second"
    body = b"".join(frame(c) for c in chunks) + b"data: [DONE]\n\n"
    got = list(model(FakeBackend().add_stream([body])).stream_chat_sync("hi"))
    assert [c.system_fingerprint for c in got if c.system_fingerprint] == ["fp_first"]
    assert AIMessageChunk.merge(got).system_fingerprint == "fp_first"


def test_a_service_tier_and_created_first_sent_late_are_kept() -> None:
    chunks = [
        groq_chunk({"role": "assistant", "content": ""}, model=MODEL),
        groq_chunk({"content": "a"}, model=MODEL, service_tier="on_demand"),
        groq_chunk({"content": "b"}, "stop", model=MODEL, service_tier="on_demand"),
    ]
    body = b"".join(frame(c) for c in chunks) + b"data: [DONE]\n\n"
    merged = AIMessageChunk.merge(
        list(model(FakeBackend().add_stream([body])).stream_chat_sync("hi"))
    )
    assert merged.service_tier == "on_demand"
    assert merged.to_response().service_tier == "on_demand"


def test_the_fast_path_relearns_after_a_late_fact() -> None:
    """Later content chunks still take the fast path (same result either way)."""
    from synaptic_openai import StreamAssembler

    data = recorded_shape()
    fast = StreamAssembler(provider="groq", headers={})
    slow = StreamAssembler(provider="groq", headers={}, fast_path=False)
    got = [fast.feed(data), slow.feed(data)]
    assert [c.model_dump() for c in got[0]] == [c.model_dump() for c in got[1]]
    assert dumps(LATE) in data.decode()
