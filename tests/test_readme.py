"""Every ```python block of the README runs (top-level ``await`` allowed), each in its own
namespace; blocks that talk to Groq run against a respx-mocked Groq, so the docs cannot
drift from the code. The Groq model table must equal the one generated from the catalog.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import re
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from synaptic_groq import DecommissionedModelWarning

from .groq.catalog_table import catalog_table

README = Path(__file__).parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, re.M | re.S)
GROQ = "https://api.groq.com/openai/v1"


class FakeGroq:
    """Answers like Groq: text, SSE streams, a get_weather tool call, and optionally one
    429 first (for the blocks that show rate-limit handling)."""

    def __init__(self, *, rate_limit_first: bool) -> None:
        self.pending_429 = rate_limit_first
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if self.pending_429:
            self.pending_429 = False
            error = {
                "error": {
                    "message": "Rate limit reached. Please try again in 0s.",
                    "type": "tokens",
                    "code": "rate_limit_exceeded",
                }
            }
            return httpx.Response(
                429, json=error, headers={"retry-after": "0", "x-ratelimit-remaining-tokens": "0"}
            )
        last = body["messages"][-1]
        message: dict[str, Any]
        if body.get("tools") and last["role"] != "tool":
            call = {
                "id": "2zvvry1t5",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'},
            }
            message, finish = {"role": "assistant", "tool_calls": [call]}, "tool_calls"
        elif last["role"] == "tool":
            message, finish = (
                {"role": "assistant", "content": f"The weather in Tokyo: {last['content']}."},
                "stop",
            )
        else:
            message, finish = (
                {
                    "role": "assistant",
                    "content": "Rust is famous for memory safety without a garbage collector.",
                },
                "stop",
            )
        usage = {
            "prompt_tokens": 20,
            "completion_tokens": 12,
            "total_tokens": 32,
            "queue_time": 0.01,
            "total_time": 0.02,
        }
        headers = {"x-request-id": "req_readme", "x-ratelimit-remaining-tokens": "17980"}
        if not body.get("stream"):
            data = {
                "id": "chatcmpl-readme",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
                "x_groq": {"id": "req_readme"},
            }
            return httpx.Response(200, json=data, headers=headers)
        words = re.findall(r"\S+\s*", message.get("content") or "")
        deltas = [{"content": w} for w in words] or [
            {"tool_calls": [{"index": 0, **message["tool_calls"][0]}]}
        ]
        events = [
            {"id": "chatcmpl-readme", "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
            for d in deltas
        ]
        events.append(
            {
                "id": "chatcmpl-readme",
                "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                "usage": usage,
            }
        )
        sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(
            200, content=sse.encode(), headers={**headers, "content-type": "text/event-stream"}
        )


def run_block(code: str) -> None:
    compiled = compile(code, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, {"__name__": "readme"})
    if inspect.iscoroutine(result):
        asyncio.run(result)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs(code: str) -> None:
    groq = FakeGroq(rate_limit_first="RateLimitError" in code or "RetryChatModel(model" in code)
    with respx.mock(assert_all_called=False) as router, warnings.catch_warnings():
        warnings.simplefilter("ignore", DecommissionedModelWarning)  # the reference's model
        router.route(url__startswith=GROQ).mock(side_effect=groq)
        router.route(host="127.0.0.1").pass_through()  # blocks that run the real emulator
        run_block(code)
    if groq.requests and "RateLimitError" in code:
        assert len(groq.requests) == 1  # the 429 was caught and shown, not retried
    if "RetryChatModel(model" in code:
        assert len(groq.requests) == 2  # the 429, then the retry


def test_groq_tool_example_sends_the_result_back() -> None:
    [code] = [b for b in BLOCKS if "get_weather(**tc.arguments)" in b]
    groq = FakeGroq(rate_limit_first=False)
    with respx.mock() as router:
        router.route(url__startswith=GROQ).mock(side_effect=groq)
        run_block(code)
    first, second = groq.requests
    assert first["tool_choice"] == "auto"
    assert second["messages"][1:] == [
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
        {"role": "tool", "content": "Sunny, 22C in Tokyo", "tool_call_id": "2zvvry1t5"},
    ]


def test_model_table_matches_the_catalog() -> None:
    assert catalog_table() in TEXT
