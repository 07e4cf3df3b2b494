"""Response parsing: the JSON of a chat completion -> ``ChatResponse``, as pure functions.

Lenient where servers differ (``content`` null or absent, ``reasoning`` or
``reasoning_content``, arguments as a JSON string or an object), strict where it
matters: a body without a usable ``choices[0].message`` is a ``ParseError`` that keeps
the body, and every field we do not model is kept in ``provider_metadata``.

``provider_metadata`` has the same keys a stream's merged chunks have (DESIGN section
12), so a fact is found in one place whichever way the answer came: ``created``,
Groq's ``seed`` (from ``x_groq``), ``usage_breakdown`` (top level, or ``x_groq``),
``executed_tools`` and ``annotations`` (from the message); other message fields under
``message``, other ``x_groq`` fields under ``x_groq``. ``object`` (the type marker) is
dropped; the request id, ``system_fingerprint`` and ``service_tier`` are typed fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from synaptic_core import (
    AIMessage,
    ChatResponse,
    InvalidToolCall,
    ParseError,
    RateLimitInfo,
    TokenUsage,
    ToolCall,
    construct,
    parse_tool_call,
    truncate,
)

_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "reasoning", "reasoning_content"})
_MESSAGE_FACTS = ("executed_tools", "annotations")
_TOP_KEYS = frozenset(
    {"id", "model", "choices", "usage", "object", "system_fingerprint", "service_tier", "x_groq"}
)
_X_GROQ_KEYS = frozenset({"id", "seed", "usage_breakdown"})


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def parse_usage(usage: Any) -> TokenUsage | None:
    """``usage`` of a response or chunk (OpenAI fields, details, Groq timings)."""
    if not isinstance(usage, dict):
        return None
    prompt_details = usage.get("prompt_tokens_details")
    completion_details = usage.get("completion_tokens_details")
    prompt = _int(usage.get("prompt_tokens"))
    completion = _int(usage.get("completion_tokens"))
    return construct(
        TokenUsage,
        {
            "input_tokens": prompt,
            "output_tokens": completion,
            "total_tokens": _opt_int(usage.get("total_tokens")) or prompt + completion,
            "cached_tokens": (
                _opt_int(prompt_details.get("cached_tokens"))
                if isinstance(prompt_details, dict)
                else None
            ),
            "reasoning_tokens": (
                _opt_int(completion_details.get("reasoning_tokens"))
                if isinstance(completion_details, dict)
                else None
            ),
            "queue_time": _opt_float(usage.get("queue_time")),
            "prompt_time": _opt_float(usage.get("prompt_time")),
            "completion_time": _opt_float(usage.get("completion_time")),
            "total_time": _opt_float(usage.get("total_time")),
        },
    )


def parse_tool_calls(raw: Any) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """A message's ``tool_calls``: good ones parsed, bad ones kept with their raw text."""
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    if not isinstance(raw, list):
        return calls, invalid
    for item in raw:
        function = item.get("function") if isinstance(item, Mapping) else None
        if not isinstance(function, Mapping):
            invalid.append(
                InvalidToolCall(arguments=str(item), error="tool call has no 'function' object")
            )
            continue
        call_id = item.get("id") if isinstance(item.get("id"), str) else None
        name = function.get("name") if isinstance(function.get("name"), str) else None
        arguments = function.get("arguments")
        if isinstance(arguments, Mapping):  # some servers send an object, not a string
            if name and call_id:
                calls.append(ToolCall(id=call_id, name=name, arguments=dict(arguments)))
                continue
            arguments = str(arguments)
        parsed = parse_tool_call(call_id, name, arguments if isinstance(arguments, str) else None)
        if isinstance(parsed, ToolCall):
            calls.append(parsed)
        else:
            invalid.append(parsed)
    return calls, invalid


def reasoning_of(message: Mapping[str, Any]) -> str | None:
    """Reasoning text (``reasoning`` on Groq, ``reasoning_content`` on vLLM/DeepSeek)."""
    value = message.get("reasoning")
    if value is None:
        value = message.get("reasoning_content")
    return value if isinstance(value, str) else None


def request_id_of(data: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """The ``x-request-id`` header, else Groq's ``x_groq.id``."""
    header = headers.get("x-request-id")
    if header:
        return header
    x_groq = data.get("x_groq")
    if isinstance(x_groq, Mapping) and isinstance(x_groq.get("id"), str):
        return str(x_groq["id"])
    return None


def json_problem(body: bytes) -> tuple[Any, str | None]:
    """The body parsed as JSON, or what is wrong with it ("is not JSON", nested too deep).
    Returned, not raised: the decoder's error would ride along as ``__context__`` of the
    caller's, with the whole body (an echoed key) in its ``.doc``."""
    try:
        return json.loads(body), None
    except ValueError:
        return None, "is not JSON"
    except RecursionError:
        return None, "is JSON nested too deeply to parse"


def shape_error(
    provider: str,
    status_code: int,
    headers: Mapping[str, str],
    raw: bytes | str,
    problem: str,
    *,
    data: Mapping[str, Any] | None = None,
) -> ParseError:
    """A ``ParseError`` for a body that is not what the API documents; keeps the body."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return ParseError(
        f"{provider} returned HTTP {status_code} with a body that {problem}: "
        f"{truncate(text.strip(), 300)}",
        provider=provider,
        status_code=status_code,
        request_id=request_id_of(data or {}, headers),
        body=truncate(text, 2000),
    )


def parse_chat_response(
    data: Any,
    headers: Mapping[str, str],
    *,
    provider: str,
    status_code: int = 200,
    raw: bytes | str = b"",
) -> ChatResponse:
    """A whole chat completion. ``raw`` (the body) is kept in a ``ParseError``."""
    if not isinstance(data, Mapping):
        raise shape_error(provider, status_code, headers, raw, "is not a JSON object")
    choices = data.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, Mapping) else None
    if not isinstance(first, Mapping) or not isinstance(message, Mapping):
        raise shape_error(
            provider, status_code, headers, raw, "has no choices[0].message", data=data
        )
    content = message.get("content")
    tool_calls, invalid = parse_tool_calls(message.get("tool_calls"))
    usage = parse_usage(data.get("usage"))
    metadata: dict[str, Any] = {
        k: v for k, v in data.items() if k not in _TOP_KEYS and v is not None
    }  # a null is an absent fact, as in a stream
    x_groq = data.get("x_groq")
    if isinstance(x_groq, Mapping):
        if x_groq.get("seed") is not None:
            metadata["seed"] = x_groq["seed"]
        if x_groq.get("usage_breakdown") is not None and "usage_breakdown" not in metadata:
            metadata["usage_breakdown"] = x_groq["usage_breakdown"]
        rest = {k: v for k, v in x_groq.items() if k not in _X_GROQ_KEYS}
        if rest:
            metadata["x_groq"] = rest
    for key in _MESSAGE_FACTS:
        if message.get(key):
            metadata[key] = message[key]
    extra = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS and k not in _MESSAGE_FACTS}
    if extra:
        metadata["message"] = extra
    if first.get("logprobs") is not None:
        metadata["logprobs"] = first["logprobs"]
    if isinstance(choices, list) and len(choices) > 1:
        metadata["extra_choices"] = choices[1:]
    completion_id = data.get("id")
    model = data.get("model")
    finish = first.get("finish_reason")
    completion_id = completion_id if isinstance(completion_id, str) else None
    ai_message = construct(
        AIMessage,
        {
            "role": "ai",
            "content": content if isinstance(content, str) else "",
            "parts": [],
            "name": None,
            "tool_calls": tool_calls,
            "invalid_tool_calls": invalid,
            "reasoning": reasoning_of(message),
            "usage": usage,
            "id": completion_id,
        },
    )
    return construct(
        ChatResponse,
        {
            "message": ai_message,
            "usage": usage,
            "finish_reason": finish if isinstance(finish, str) else None,
            "model": model if isinstance(model, str) else None,
            "id": completion_id,
            "rate_limit": RateLimitInfo.from_headers(headers),
            "request_id": request_id_of(data, headers),
            "system_fingerprint": _opt_str(data.get("system_fingerprint")),
            "service_tier": _opt_str(data.get("service_tier")),
            "provider_metadata": metadata,
            "http_status": status_code,
            "http_headers": dict(headers),
        },
    )
