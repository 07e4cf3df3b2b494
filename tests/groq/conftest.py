"""Groq fixtures (shapes from groq-api.md) and a quiet catalog for decommissioned ids."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from synaptic_core import FakeBackend
from synaptic_groq import DecommissionedModelWarning, GroqChatModel, GroqConfig, GroqModel

KEY = "gsk_test_SECRET_0123456789"
BASE = "https://api.groq.com/openai/v1"
URL = f"{BASE}/chat/completions"


@pytest.fixture
def quiet_retired() -> Iterator[None]:
    """For tests that configure retired models on purpose (the reference's examples)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecommissionedModelWarning)
        yield


def completion(
    message: dict[str, Any], finish: str = "stop", model: str = "openai/gpt-oss-120b"
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
        "object": "chat.completion",
        "created": 1730241104,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "queue_time": 0.037,
            "prompt_tokens": 18,
            "prompt_time": 0.0007,
            "completion_tokens": 12,
            "completion_time": 0.01,
            "total_tokens": 30,
            "total_time": 0.0107,
        },
        "system_fingerprint": "fp_179b0f92c9",
        "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w"},
        "service_tier": "on_demand",
    }


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-s1",
        "object": "chat.completion.chunk",
        "created": 1730241104,
        "model": "openai/gpt-oss-120b",
        "system_fingerprint": "fp_179b0f92c9",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **top,
    }


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def model(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(GroqConfig(KEY, GroqModel.GPT_OSS_120B, environ={}), backend)


from synaptic_groq.testing import groq_emulator  # noqa: E402, F401 (the product's own pytest fixture)
