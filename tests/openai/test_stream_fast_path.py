"""The content-delta fast path can only decline, never differ from the full parse."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synaptic_openai import StreamAssembler

HEAD = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "system_fingerprint": "fp",
}


def frame(payload: dict[str, Any] | str) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def content(text: str, **choice: Any) -> dict[str, Any]:
    return {
        **HEAD,
        "choices": [
            {
                "index": 0,
                "delta": {"content": text},
                "logprobs": None,
                "finish_reason": None,
                **choice,
            }
        ],
    }


def assemble(frames: list[bytes], *, fast: bool) -> list[Any]:
    assembler = StreamAssembler(
        provider="groq", headers={"x-ratelimit-remaining-tokens": "5"}, fast_path=fast
    )
    chunks = []
    for data in frames:
        chunks += assembler.feed(data)
    chunks += assembler.close()
    return [c.model_dump() for c in chunks]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_fast_path_matches_the_full_parse(texts: list[str]) -> None:
    frames = [
        frame(
            {
                **HEAD,
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ],
            }
        )
    ]
    frames += [frame(content(t)) for t in texts]
    frames += [
        frame(
            {
                **HEAD,
                "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
            }
        ),
        b"data: [DONE]\n\n",
    ]
    fast, slow = assemble(frames, fast=True), assemble(frames, fast=False)
    assert fast == slow
    assert "".join(c["content"] for c in fast) == "".join(texts)


NEAR_MISSES = [
    # same prefix, but something the fast path must not swallow
    frame(
        {**content("x"), "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    ),
    frame({**content("x"), "x_groq": {"id": "r", "error": "stopped"}}),
    frame(content("x", finish_reason="stop")),
    frame(
        {
            **HEAD,
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": "x", "reasoning": "r"},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ],
        }
    ),
    frame(json.dumps(content("x"), separators=(",", ":"))[:-1] + ',"extra":1}'),
    frame(json.dumps(content("a")).replace('"a"', '"a" ')),
    frame(
        json.dumps(content("x"), separators=(",", ":")).replace(
            '"content":"x"', '"content":"x\\u00"'
        )
    ),
]


@pytest.mark.parametrize("near_miss", NEAR_MISSES)
def test_near_misses_take_the_full_parse(near_miss: bytes) -> None:
    frames = [
        frame(content("first")),
        frame(content("second")),
        near_miss,
        frame(content("", finish_reason="stop")),
    ]
    try:
        slow = assemble(frames, fast=False)
    except Exception as error:
        with pytest.raises(type(error)):
            assemble(frames, fast=True)
        return
    assert assemble(frames, fast=True) == slow
