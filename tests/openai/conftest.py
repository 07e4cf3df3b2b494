"""Fixtures for the OpenAI-compatible wire format: Groq-shaped bodies from groq-api.md."""

from __future__ import annotations

from typing import Any

import pytest

from synaptic_core import FakeBackend
from synaptic_openai import OpenAIChatModel, OpenAIConfig

KEY = "gsk_test_SECRET_key_123"
BASE = "https://api.groq.com/openai/v1"
URL = f"{BASE}/chat/completions"


def completion(message: dict[str, Any], finish: str = "stop", **top: Any) -> dict[str, Any]:
    """A non-streaming chat completion as Groq sends it."""
    return {
        "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
        "object": "chat.completion",
        "created": 1730241104,
        "model": "openai/gpt-oss-20b",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "queue_time": 0.037493756,
            "prompt_tokens": 18,
            "prompt_time": 0.000680594,
            "completion_tokens": 556,
            "completion_time": 0.463333333,
            "total_tokens": 574,
            "total_time": 0.464013927,
        },
        "system_fingerprint": "fp_179b0f92c9",
        "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w"},
        **top,
    }


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    """A streamed chunk as Groq sends it."""
    return {
        "id": "chatcmpl-stream-1",
        "object": "chat.completion.chunk",
        "created": 1730241104,
        "model": "openai/gpt-oss-20b",
        "system_fingerprint": "fp_179b0f92c9",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **top,
    }


USAGE = {
    "queue_time": 0.02,
    "prompt_tokens": 10,
    "prompt_time": 0.001,
    "completion_tokens": 3,
    "completion_time": 0.004,
    "total_tokens": 13,
    "total_time": 0.005,
}


@pytest.fixture
def config() -> OpenAIConfig:
    return OpenAIConfig(KEY, "openai/gpt-oss-20b", base_url=BASE)


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def model(config: OpenAIConfig, backend: FakeBackend) -> OpenAIChatModel:
    return OpenAIChatModel(config, backend)
