"""Byte-exact Groq streams of groq-api.md section 9, and the non-streamed twin of each.

Each fixture is one answer in two forms: the SSE bytes Groq streams (compact JSON, one
``data:`` frame per chunk, as real traffic shows) and the JSON body ``chat()`` gets for
the same answer. The stream-fidelity tests feed the bytes split every way and check
that nothing is lost and that both forms carry the same facts.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

MODEL = "openai/gpt-oss-120b"
CREATED = 1764590400
FINGERPRINT = "fp_e99e93f2ac"
REQUEST_ID = "req_01kbj4x6qfe8ya0vq7q2z0y3mn"
SEED = 1487290741

# The in-stream error frame real traffic showed (section 9), byte for byte.
ERROR_FRAME = (
    b"event: error\n"
    b'data: {"error":{"message":"Tool choice is required, but model did not call a tool",'
    b'"type":"invalid_request_error","code":"tool_use_failed","failed_generation":"",'
    b'"status_code":400}}\n\n'
)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {dumps(payload)}\n\n".encode()


def groq_chunk(
    delta: dict[str, Any],
    finish: str | None = None,
    *,
    chunk_id: str = "chatcmpl-7c1e5d0a-5b8f-4f1e-9a55-3c2f4d1b9e01",
    model: str = MODEL,
    **top: Any,
) -> dict[str, Any]:
    """One chunk as Groq streams it (key order as Groq sends them)."""
    return {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **top,
    }


# 93 reasoning deltas, 412 characters in all, as the recorded tool_use_failed stream had.
_THOUGHT = (
    "The user asks whether it will rain in Lisbon tomorrow. We have a tool get_weather "
    "that takes a city and a date. The tool choice is required, so we should call it. "
    "But the question is hypothetical and the user also says they only want a yes or no "
    "guess without data. Maybe we can answer directly. We need to decide. Let us think "
    "about what the user wants: a quick guess. So answer maybe, and skip the tool now...."
)
assert len(_THOUGHT) == 412, len(_THOUGHT)


def _split_text(text: str, pieces: int) -> list[str]:
    """``text`` in ``pieces`` consecutive, non-empty parts (token-like, uneven)."""
    bounds = [round(i * len(text) / pieces) for i in range(pieces + 1)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


REASONING_DELTAS = _split_text(_THOUGHT, 93)
assert len(REASONING_DELTAS) == 93
assert all(REASONING_DELTAS)


@dataclass
class Answer:
    """One answer as a stream and as a whole body."""

    name: str
    frames: list[bytes]
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def stream(self) -> bytes:
        return b"".join(self.frames)


def whole_body(
    message: dict[str, Any],
    finish: str,
    usage: dict[str, Any],
    *,
    completion_id: str = "chatcmpl-7c1e5d0a-5b8f-4f1e-9a55-3c2f4d1b9e01",
    model: str = MODEL,
    **top: Any,
) -> dict[str, Any]:
    """The non-streamed body of the same answer (key order as Groq sends them)."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
        **top,
        "system_fingerprint": FINGERPRINT,
        "service_tier": "on_demand",
        "x_groq": {"id": REQUEST_ID, "seed": SEED},
    }


def tool_use_failed_stream() -> Answer:
    """Reasoning deltas, one content delta, then the error frame (no [DONE])."""
    frames = [
        frame(
            groq_chunk(
                {"role": "assistant", "content": ""},
                x_groq={"id": REQUEST_ID, "seed": SEED},
            )
        )
    ]
    frames += [
        frame(groq_chunk({"reasoning": piece, "channel": "analysis"})) for piece in REASONING_DELTAS
    ]
    frames.append(frame(groq_chunk({"content": "maybe"})))
    frames.append(ERROR_FRAME)
    return Answer("tool_use_failed", frames)


_USAGE = {
    "queue_time": 0.051234,
    "prompt_tokens": 212,
    "prompt_time": 0.010345,
    "completion_tokens": 96,
    "completion_time": 0.187,
    "total_tokens": 308,
    "total_time": 0.197345,
    "completion_tokens_details": {"reasoning_tokens": 41},
}


def reasoning_answer() -> Answer:
    """gpt-oss with parsed reasoning: request id and seed first, usage last."""
    reasoning = ["The user ", "greets me.", " Reply briefly."]
    content = ["Hello", "! How can ", "I help?"]
    frames = [
        frame(
            groq_chunk(
                {"role": "assistant", "content": ""},
                x_groq={"id": REQUEST_ID, "seed": SEED},
            )
        )
    ]
    frames += [frame(groq_chunk({"reasoning": r, "channel": "analysis"})) for r in reasoning]
    frames += [frame(groq_chunk({"content": c})) for c in content]
    frames.append(
        frame(groq_chunk({}, "stop", x_groq={"id": REQUEST_ID, "usage": _USAGE}, usage=_USAGE))
    )
    frames.append(b"data: [DONE]\n\n")
    message = {"role": "assistant", "content": "".join(content), "reasoning": "".join(reasoning)}
    body = whole_body(message, "stop", _USAGE)
    return Answer("reasoning", frames, body, {"x-ratelimit-remaining-tokens": "7900"})


_TOOL_ARGS = '{"city":"Lisbon","date":"2026-12-02"}'


def tool_call_answer() -> Answer:
    """A tool call sent whole in one delta (content null), finish ``tool_calls``."""
    call = {
        "id": "fc_3a1d9k2m7",
        "type": "function",
        "function": {"name": "get_weather", "arguments": _TOOL_ARGS},
    }
    frames = [
        frame(
            groq_chunk(
                {"role": "assistant", "content": None},
                x_groq={"id": REQUEST_ID, "seed": SEED},
            )
        ),
        frame(groq_chunk({"tool_calls": [{"index": 0, **call}]})),
        frame(
            groq_chunk({}, "tool_calls", x_groq={"id": REQUEST_ID, "usage": _USAGE}, usage=_USAGE)
        ),
        b"data: [DONE]\n\n",
    ]
    body = whole_body({"role": "assistant", "tool_calls": [call]}, "tool_calls", _USAGE)
    return Answer("tool_call", frames, body)


SEARCH_ARGS = '{"query": "Groq LPU inference speed 2026"}'
SEARCH_RESULTS = {
    "results": [
        {
            "title": "Groq LPU benchmarks",
            "url": "https://example.com/groq-lpu",
            "content": "Groq serves gpt-oss-120b at about 500 tokens per second.",
            "score": 0.91,
        },
        {
            "title": "Inference hardware compared",
            "url": "https://example.org/inference",
            "content": "LPUs keep weights in SRAM.",
            "score": 0.74,
        },
    ],
    "images": [],
}
EXECUTED_TOOL = {
    "index": 0,
    "type": "search",
    "arguments": SEARCH_ARGS,
    "output": "Title: Groq LPU benchmarks\nURL: https://example.com/groq-lpu\n...",
    "search_results": SEARCH_RESULTS,
}
_INNER_USAGE = {
    "queue_time": 0.02,
    "prompt_tokens": 900,
    "prompt_time": 0.03,
    "completion_tokens": 40,
    "completion_time": 0.05,
    "total_tokens": 940,
    "total_time": 0.08,
}
USAGE_BREAKDOWN = {
    "models": [
        {"model": "openai/gpt-oss-120b", "usage": _INNER_USAGE},
        {"model": "openai/gpt-oss-20b", "usage": {**_INNER_USAGE, "prompt_tokens": 300}},
    ]
}
_COMPOUND_USAGE = {
    "queue_time": 0.04,
    "prompt_tokens": 1200,
    "prompt_time": 0.06,
    "completion_tokens": 80,
    "completion_time": 0.1,
    "total_tokens": 1280,
    "total_time": 0.16,
}


def compound_answer() -> Answer:
    """groq/compound: a new ``id`` on every chunk, a search in two deltas (arguments,
    then output and results), the answer, then usage and ``usage_breakdown``."""
    ids = iter(f"stub-{n:02d}" for n in range(100))

    def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> bytes:
        return frame(groq_chunk(delta, finish, chunk_id=next(ids), model="groq/compound", **top))

    content = ["LPUs ", "serve gpt-oss-120b ", "at about 500 tokens/s."]
    frames = [
        chunk({"role": "assistant", "content": ""}, x_groq={"id": REQUEST_ID, "seed": SEED}),
        chunk({"reasoning": "I should search."}),
        chunk({"executed_tools": [{"index": 0, "type": "search", "arguments": SEARCH_ARGS}]}),
        chunk({"executed_tools": [EXECUTED_TOOL]}),
        *[chunk({"content": c}) for c in content],
        chunk(
            {},
            "stop",
            x_groq={"id": REQUEST_ID, "usage": _COMPOUND_USAGE, "usage_breakdown": USAGE_BREAKDOWN},
            usage=_COMPOUND_USAGE,
        ),
        b"data: [DONE]\n\n",
    ]
    message = {
        "role": "assistant",
        "content": "".join(content),
        "reasoning": "I should search.",
        "executed_tools": [EXECUTED_TOOL],
    }
    body = whole_body(
        message,
        "stop",
        _COMPOUND_USAGE,
        completion_id="stub-00",
        model="groq/compound",
        usage_breakdown=USAGE_BREAKDOWN,
    )
    return Answer("compound", frames, body)


def splits(data: bytes, points: list[int]) -> list[bytes]:
    """``data`` cut at ``points`` (sorted, deduplicated, inside the data)."""
    cuts = sorted({p for p in points if 0 < p < len(data)})
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def fragments(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]
