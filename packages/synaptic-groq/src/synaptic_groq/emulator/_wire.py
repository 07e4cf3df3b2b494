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


# Audio models as Groq's /models lists them: Whisper is OpenAI's with a 448-token window
# (recorded 2024 listings); Orpheus is Canopy Labs', and its window is not on record.
_AUDIO_ENTRIES: dict[str, tuple[str, int | None]] = {
    "whisper": ("OpenAI", 448),
    "canopylabs": ("Canopy Labs", None),
}


def model_entry(model_id: str) -> dict[str, Any]:
    """One ``GET /models`` entry."""
    info = CATALOG.get(model_id)
    prefix = model_id.split("/", 1)[0] if "/" in model_id else "meta-llama"
    if info is not None and info.kind != "chat":
        owner, window = _AUDIO_ENTRIES.get(
            "whisper" if model_id.startswith("whisper") else prefix, (prefix, None)
        )
        return {
            "id": model_id,
            "object": "model",
            "created": CREATED,
            "owned_by": owner,
            "active": info.lifecycle is not Lifecycle.DECOMMISSIONED,
            "context_window": window,
            "public_apps": None,
            "max_completion_tokens": window,
        }
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


def error_frame(message: str | None = None) -> bytes:
    """The in-stream error frame real Groq traffic shows (groq-api.md section 9):
    ``event: error`` with the error object and its ``status_code``."""
    body = error_body(message or "Service Unavailable", "internal_server_error", status_code=503)
    return b"event: error\n" + sse(body)


def tool_use_failed_frame() -> bytes:
    """Section 9's frame byte for byte: a required tool call the model did not make."""
    body = error_body(
        "Tool choice is required, but model did not call a tool",
        "invalid_request_error",
        "tool_use_failed",
        failed_generation="",
        status_code=400,
    )
    return b"event: error\n" + sse(body)


def stream_frames(
    answer: Any,
    *,
    completion_id: str,
    request_id: str,
    model: str,
    token_usage: dict[str, Any],
    seed: int | None,
    breakdown: dict[str, Any] | None,
    include_usage: bool,
) -> list[bytes]:
    """The SSE frames of an answer, as Groq streams them (sections 4 and 9): the first
    chunk with ``x_groq.id`` and ``seed``, reasoning deltas, executed tools (arguments,
    then results), content or the tool call, the last chunk with usage (and the usage
    breakdown), a usage-only chunk when asked, ``[DONE]``."""
    x_groq: dict[str, Any] = {"id": request_id}
    if seed is not None:
        x_groq["seed"] = seed
    first_delta = {"role": "assistant", "content": None if answer.tool_calls else ""}
    frames = [sse(chunk(completion_id, model, first_delta, x_groq=x_groq))]
    frames += [
        sse(chunk(completion_id, model, {"reasoning": piece, "channel": "analysis"}))
        for piece in answer.reasoning_pieces
    ]
    for tool in answer.executed_tools:
        started = {k: tool[k] for k in ("index", "type", "arguments")}
        frames.append(sse(chunk(completion_id, model, {"executed_tools": [started]})))
        frames.append(sse(chunk(completion_id, model, {"executed_tools": [tool]})))
    if answer.tool_calls:
        calls = [{"index": i, **call} for i, call in enumerate(answer.tool_calls)]
        frames.append(sse(chunk(completion_id, model, {"tool_calls": calls})))
    else:
        frames += [
            sse(chunk(completion_id, model, {"content": piece})) for piece in answer.content_pieces
        ]
    final_groq: dict[str, Any] = {"id": request_id, "usage": token_usage}
    if breakdown is not None:
        final_groq["usage_breakdown"] = breakdown
    frames.append(
        sse(
            chunk(
                completion_id, model, {}, answer.finish_reason, x_groq=final_groq, usage=token_usage
            )
        )
    )
    if include_usage:
        frames.append(
            sse(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": CREATED,
                    "model": model,
                    "system_fingerprint": FINGERPRINT,
                    "choices": [],
                    "usage": token_usage,
                    "x_groq": {"id": request_id},
                }
            )
        )
    frames.append(sse("[DONE]"))
    return frames
