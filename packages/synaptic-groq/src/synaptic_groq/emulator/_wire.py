"""Groq's wire shapes, built from plain data: completions, chunks, errors, models.

Kept separate from the server so the shapes can be read (and tested) on their own.
"""

from __future__ import annotations

import json
from typing import Any

from synaptic_groq._catalog import CATALOG, Lifecycle

CREATED = 1_764_000_000  # a fixed timestamp keeps answers byte-for-byte deterministic
FINGERPRINT = "fp_emulator"
_OWNERS = {"openai": "OpenAI", "groq": "Groq", "qwen": "Alibaba Cloud", "meta-llama": "Meta"}


def error_body(message: str, type_: str, code: str | None = None, **extra: Any) -> dict[str, Any]:
    """``{"error": {...}}`` as Groq sends it."""
    error: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        error["code"] = code
    error.update(extra)
    return {"error": error}


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """Token counts with Groq's timings (deterministic, from the counts)."""
    prompt_time = round(prompt_tokens / 200_000, 6)
    completion_time = round(completion_tokens / 1_000, 6)
    return {
        "queue_time": 0.012,
        "prompt_tokens": prompt_tokens,
        "prompt_time": prompt_time,
        "completion_tokens": completion_tokens,
        "completion_time": completion_time,
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": round(prompt_time + completion_time, 6),
    }


def completion(
    *,
    completion_id: str,
    request_id: str,
    model: str,
    message: dict[str, Any],
    finish_reason: str,
    token_usage: dict[str, Any],
    seed: int | None,
) -> dict[str, Any]:
    """A non-streaming chat completion (groq-api.md section 3)."""
    x_groq: dict[str, Any] = {"id": request_id}
    if seed is not None:
        x_groq["seed"] = seed
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": token_usage,
        "usage_breakdown": None,
        "system_fingerprint": FINGERPRINT,
        "x_groq": x_groq,
        "service_tier": "on_demand",
    }


def chunk(
    completion_id: str,
    model: str,
    delta: dict[str, Any],
    finish_reason: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` (groq-api.md section 4)."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        **extra,
    }


def sse(data: dict[str, Any] | str) -> bytes:
    """One ``data:`` frame."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def model_entry(model_id: str) -> dict[str, Any]:
    """One ``GET /models`` entry."""
    info = CATALOG.get(model_id)
    prefix = model_id.split("/", 1)[0] if "/" in model_id else "meta-llama"
    return {
        "id": model_id,
        "object": "model",
        "created": CREATED,
        "owned_by": _OWNERS.get(prefix, prefix),
        "active": info is None or info.lifecycle is not Lifecycle.DECOMMISSIONED,
        "context_window": info.context_window if info and info.context_window else 131_072,
        "public_apps": None,
        "max_completion_tokens": (
            info.max_completion_tokens if info and info.max_completion_tokens else 8_192
        ),
    }
