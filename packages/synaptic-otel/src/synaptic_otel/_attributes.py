"""A ``ChatCall`` as GenAI semantic-convention attributes (and Groq's extras as ``groq.*``).

Names follow the OpenTelemetry GenAI conventions (development status, 2026):
``gen_ai.usage.cache_read.input_tokens`` and ``gen_ai.usage.reasoning.output_tokens``
for cached and reasoning tokens. Message contents are built only when capture is on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synaptic_core import ChatResponse
    from synaptic_core.telemetry import ChatCall
    from synaptic_core.telemetry._audio import AudioCall

Attributes = dict[str, Any]


def common(call: ChatCall | AudioCall) -> Attributes:
    """What spans and metrics both carry: operation, provider, model, server."""
    attributes: Attributes = {
        "gen_ai.operation.name": call.operation,
        "gen_ai.provider.name": call.provider,
    }
    if call.request_model:
        attributes["gen_ai.request.model"] = call.request_model
    if call.server_address:
        attributes["server.address"] = call.server_address
        if call.server_port:
            attributes["server.port"] = call.server_port
    return attributes


def request(call: ChatCall, base: Attributes | None = None) -> Attributes:
    """The request's options (the request's own, else the model's configured ones), over
    ``base`` (``common(call)``, which a caller may have cached)."""
    attributes = dict(common(call) if base is None else base)
    for option, name in (
        ("max_tokens", "gen_ai.request.max_tokens"),
        ("temperature", "gen_ai.request.temperature"),
        ("top_p", "gen_ai.request.top_p"),
        ("seed", "gen_ai.request.seed"),
    ):
        value = call.option(option)
        if value is not None:
            attributes[name] = value
    stop = call.option("stop")
    if stop:
        attributes["gen_ai.request.stop_sequences"] = list(stop)
    response_format = call.option("response_format")
    if response_format is not None:
        kind = getattr(response_format, "type", "text")
        attributes["gen_ai.output.type"] = "text" if kind == "text" else "json"
    if call.stream:
        attributes["synaptic.stream"] = True
    return attributes


def response(call: ChatCall) -> Attributes:
    """What came back: ids, model, finish reason, usage, and Groq's extras (one dict,
    built once per request: this runs on every request a listener sees)."""
    attributes: Attributes = {}
    if call.response_id:
        attributes["gen_ai.response.id"] = call.response_id
    if call.response_model:
        attributes["gen_ai.response.model"] = call.response_model
    if call.finish_reason:
        attributes["gen_ai.response.finish_reasons"] = (call.finish_reason,)
    usage = call.usage
    if usage is not None:
        attributes["gen_ai.usage.input_tokens"] = usage.input_tokens
        attributes["gen_ai.usage.output_tokens"] = usage.output_tokens
        if usage.cached_tokens is not None:
            attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cached_tokens
        if usage.reasoning_tokens is not None:
            attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoning_tokens
    if call.attempts > 1:
        attributes["synaptic.attempts"] = call.attempts
    if call.waited:
        attributes["synaptic.rate_limit.waited"] = round(call.waited, 6)
    if call.abandoned:
        attributes["synaptic.stream.abandoned"] = True
    if call.provider == "groq":
        _groq(call, attributes)
    return attributes


def groq(call: ChatCall) -> Attributes:
    """Groq's extras: its request id, its timings, what the rate limit has left."""
    attributes: Attributes = {}
    _groq(call, attributes)
    return attributes


def _groq(call: ChatCall, attributes: Attributes) -> None:
    if call.request_id:
        attributes["groq.request_id"] = call.request_id
    usage = call.usage
    if usage is not None:
        if usage.queue_time is not None:
            attributes["groq.usage.queue_time"] = usage.queue_time
        if usage.prompt_time is not None:
            attributes["groq.usage.prompt_time"] = usage.prompt_time
        if usage.completion_time is not None:
            attributes["groq.usage.completion_time"] = usage.completion_time
    limit = call.rate_limit
    if limit is not None:
        if limit.remaining_requests is not None:
            attributes["groq.rate_limit.remaining_requests"] = limit.remaining_requests
        if limit.remaining_tokens is not None:
            attributes["groq.rate_limit.remaining_tokens"] = limit.remaining_tokens


def error_type(error: BaseException) -> str:
    """A low-cardinality name for an error: its class (``RateLimitError``, ...)."""
    if type(error).__name__ == "CancelledError":
        return "cancelled"
    return type(error).__qualname__


# --- contents (opt-in) -------------------------------------------------------------

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
_dumps = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(..., ensure_ascii=False)`` without building an encoder on every call
(``json.dumps`` does, whenever an option is given: half the cost of a small message)."""


def _parts(message: Any) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {"type": "tool_call_response", "id": message.tool_call_id, "response": message.content}
        ]
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"type": "text", "content": message.content})
    # Read from the instance's fields: a pydantic model's missing attribute costs ~2 µs.
    for tool_call in message.__dict__.get("tool_calls") or ():
        parts.append(
            {
                "type": "tool_call",
                "id": tool_call.id,
                "name": tool_call.name,
                "arguments": tool_call.arguments,
            }
        )
    return parts


def input_messages(call: ChatCall) -> Attributes:
    """``gen_ai.system_instructions`` and ``gen_ai.input.messages``, as JSON text."""
    system = [m for m in call.request.messages if m.role == "system"]
    others = [m for m in call.request.messages if m.role != "system"]
    attributes: Attributes = {}
    if system:
        attributes["gen_ai.system_instructions"] = _dumps(
            [{"type": "text", "content": m.content} for m in system]
        )
    attributes["gen_ai.input.messages"] = _dumps(
        [{"role": _ROLES.get(m.role, m.role), "parts": _parts(m)} for m in others]
    )
    return attributes


def output_messages(answer: ChatResponse | None, finish_reason: str | None) -> Attributes:
    """``gen_ai.output.messages``: the answer, as JSON text."""
    if answer is None:
        return {}
    message: dict[str, Any] = {"role": "assistant", "parts": _parts(answer.message)}
    if finish_reason:
        message["finish_reason"] = finish_reason
    return {"gen_ai.output.messages": _dumps([message])}
