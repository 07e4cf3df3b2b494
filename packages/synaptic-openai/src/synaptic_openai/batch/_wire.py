"""Batch lines <-> synaptic's types: a line's ``body`` -> ``ChatRequest``, and a
``ChatResponse`` or error -> the ``response`` / ``error`` of a Groq batch output line.

Both directions are the OpenAI chat-completions format, so a line runs live (through a
``ChatModel``, paced and retried) or through a provider's Batch API with the same input
and the same output. ``request_from_body`` maps what ``build_body`` writes back to
typed fields (the request then goes out through the same builder, so what is sent is
the line's body, normalised: ``max_completion_tokens`` or ``max_tokens`` per dialect,
tool-call arguments re-encoded); every other body field passes through as ``extra``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pydantic

from synaptic_core import (
    AIMessage,
    AnyMessage,
    BuiltinTool,
    ChatRequest,
    ChatResponse,
    DocumentPart,
    HumanMessage,
    ImagePart,
    ResponseFormat,
    SynapticError,
    SystemMessage,
    TextPart,
    TokenUsage,
    ToolCall,
    ToolChoice,
    ToolDefinition,
    ToolMessage,
)

_MAPPED = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "seed",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
    }
)


class BodyError(ValueError):
    """A line's body that does not describe a chat request (the caller adds the line)."""


def decode_json(raw: str | bytes) -> Any:
    """``json.loads`` that fails only with ``ValueError``: deeply nested JSON (``[[[[...``
    100,000 levels) makes the decoder raise ``RecursionError``, which would escape every
    ``except ValueError`` as a bare traceback."""
    try:
        return json.loads(raw)
    except RecursionError:
        msg = "nested too deeply (more levels of [ and { than JSON here may have)"
        raise ValueError(msg) from None


def _text_of(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        texts = []
        for part in content:
            if not (isinstance(part, Mapping) and part.get("type") == "text"):
                raise BodyError(f"{where}: only text parts are allowed here")
            texts.append(str(part.get("text", "")))
        return "".join(texts)
    raise BodyError(f"{where}: content must be a string or a list of parts")


def _part(part: Any, where: str) -> TextPart | ImagePart | DocumentPart:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind == "text" and isinstance(part.get("text"), str):
        return TextPart(text=part["text"])
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        if isinstance(url, str):
            detail = image.get("detail") if isinstance(image, Mapping) else None
            return ImagePart(url=url, detail=detail)
    if kind == "document":
        document = part.get("document")
        if isinstance(document, Mapping) and "data" in document:
            return DocumentPart(data=document["data"], id=document.get("id"))
    raise BodyError(f"{where}: a content part must be text, image_url or document, got {part!r}")


def _tool_call(call: Any, where: str) -> ToolCall:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise BodyError(f"{where}: a tool call needs function.name")
    arguments = function.get("arguments", "{}")
    if isinstance(arguments, str):
        try:
            arguments = decode_json(arguments) if arguments.strip() else {}
        except ValueError as exc:
            raise BodyError(f"{where}: tool call arguments are not JSON ({exc})") from None
    if not isinstance(arguments, Mapping):
        raise BodyError(f"{where}: tool call arguments must be a JSON object")
    return ToolCall(id=str(call.get("id", "")), name=function["name"], arguments=dict(arguments))


def _message(raw: Any, index: int) -> AnyMessage:
    where = f"messages[{index}]"
    if not isinstance(raw, Mapping):
        raise BodyError(f"{where} is not an object")
    role = raw.get("role")
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    content = raw.get("content")
    if role in ("system", "developer"):
        return SystemMessage(_text_of(content, where), name=name)
    if role == "user":
        if isinstance(content, list):
            return HumanMessage([_part(p, where) for p in content], name=name)
        return HumanMessage(_text_of(content, where), name=name)
    if role == "assistant":
        calls = raw.get("tool_calls") or []
        if not isinstance(calls, list):
            raise BodyError(f"{where}: tool_calls must be a list")
        return AIMessage(
            _text_of(content, where),
            tool_calls=[_tool_call(c, where) for c in calls],
            name=name,
        )
    if role == "tool":
        call_id = raw.get("tool_call_id")
        if not isinstance(call_id, str) or not call_id:
            raise BodyError(f"{where}: a tool message needs tool_call_id")
        return ToolMessage(_text_of(content, where), tool_call_id=call_id, name=name)
    raise BodyError(f"{where} has role {role!r}; expected system, user, assistant or tool")


def _tool(raw: Any, index: int) -> ToolDefinition | BuiltinTool:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise BodyError(f"tools[{index}] must be an object with a type")
    if raw["type"] != "function":
        return BuiltinTool(type=raw["type"], options={k: v for k, v in raw.items() if k != "type"})
    function = raw.get("function")
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise BodyError(f"tools[{index}] needs function.name")
    return ToolDefinition(
        name=function["name"],
        description=function.get("description") or "",
        parameters=function.get("parameters") or {"type": "object", "properties": {}},
        strict=function.get("strict"),
    )


def _tool_choice(raw: Any) -> ToolChoice:
    if raw in ("auto", "none", "required"):
        return ToolChoice(mode=raw)
    function = raw.get("function") if isinstance(raw, Mapping) else None
    if isinstance(function, Mapping) and isinstance(function.get("name"), str):
        return ToolChoice(mode="function", function_name=function["name"])
    raise BodyError(f"tool_choice must be auto, none, required or a function, got {raw!r}")


def request_from_body(body: Mapping[str, Any]) -> ChatRequest:
    """The ``ChatRequest`` a batch line's ``body`` describes (``model`` is not part of
    it: the caller picks the model). Raises ``BodyError`` saying what is wrong."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BodyError("body.messages must be a non-empty list")
    if body.get("stream"):
        raise BodyError("body.stream must not be true in a batch line")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    response_format = body.get("response_format")
    try:
        return ChatRequest(
            [_message(m, i) for i, m in enumerate(messages)],
            tools=[_tool(t, i) for i, t in enumerate(body.get("tools") or [])],
            tool_choice=None
            if body.get("tool_choice") is None
            else _tool_choice(body["tool_choice"]),
            temperature=body.get("temperature"),
            max_tokens=max_tokens,
            top_p=body.get("top_p"),
            stop=body.get("stop"),
            seed=body.get("seed"),
            response_format=(
                None if response_format is None else _response_format(response_format)
            ),
            parallel_tool_calls=body.get("parallel_tool_calls"),
            extra={k: v for k, v in body.items() if k not in _MAPPED and k != "stream"},
        )
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        raise BodyError(f"body.{where}: {problem['msg']}") from None


def _response_format(raw: Any) -> ResponseFormat:
    if not isinstance(raw, Mapping) or raw.get("type") not in (
        "text",
        "json_object",
        "json_schema",
    ):
        raise BodyError(f"response_format must be text, json_object or json_schema, got {raw!r}")
    if raw["type"] != "json_schema":
        return ResponseFormat(type=raw["type"])
    schema = raw.get("json_schema")
    if not isinstance(schema, Mapping):
        raise BodyError("response_format.json_schema must be an object")
    return ResponseFormat(
        type="json_schema",
        name=schema.get("name"),
        description=schema.get("description"),
        json_schema=schema.get("schema"),
        strict=schema.get("strict"),
    )


# --- output ---------------------------------------------------------------------------

_OWN_METADATA = frozenset(
    {
        "created",
        "seed",
        "usage_breakdown",
        "executed_tools",
        "annotations",
        "x_groq",
        "message",
        "logprobs",
        "extra_choices",
    }
)


def usage_to_wire(usage: TokenUsage) -> dict[str, Any]:
    """``TokenUsage`` as the OpenAI ``usage`` object (with Groq's timings when known)."""
    wire: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }
    if usage.cached_tokens is not None:
        wire["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    if usage.reasoning_tokens is not None:
        wire["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    for name in ("queue_time", "prompt_time", "completion_time", "total_time"):
        value = getattr(usage, name)
        if value is not None:
            wire[name] = value
    return wire


def _message_to_wire(response: ChatResponse) -> dict[str, Any]:
    metadata = response.provider_metadata
    message = response.message
    wire: dict[str, Any] = {"role": "assistant", "content": message.content}
    if message.reasoning is not None:
        wire["reasoning"] = message.reasoning
    calls = [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for call in message.tool_calls
    ] + [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }
        for call in message.invalid_tool_calls
    ]
    if calls:
        wire["tool_calls"] = calls
    for key in ("executed_tools", "annotations"):
        if key in metadata:
            wire[key] = metadata[key]
    wire.update(metadata.get("message") or {})
    return wire


def response_to_body(response: ChatResponse) -> dict[str, Any]:
    """The chat-completion JSON a ``ChatResponse`` was parsed from (``parse_chat_response``
    of it gives back an equal response: every fact is in a typed field or
    ``provider_metadata``)."""
    metadata = response.provider_metadata
    choice: dict[str, Any] = {"index": 0, "message": _message_to_wire(response)}
    if "logprobs" in metadata:
        choice["logprobs"] = metadata["logprobs"]
    choice["finish_reason"] = response.finish_reason
    body: dict[str, Any] = {"id": response.id, "object": "chat.completion"}
    if "created" in metadata:
        body["created"] = metadata["created"]
    body["model"] = response.model
    body["choices"] = [choice, *(metadata.get("extra_choices") or [])]
    if response.usage is not None:
        body["usage"] = usage_to_wire(response.usage)
    if response.system_fingerprint is not None:
        body["system_fingerprint"] = response.system_fingerprint
    if response.service_tier is not None:
        body["service_tier"] = response.service_tier
    x_groq: dict[str, Any] = {}
    if response.request_id is not None:
        x_groq["id"] = response.request_id
    for key in ("seed", "usage_breakdown"):
        if key in metadata:
            x_groq[key] = metadata[key]
    x_groq.update(metadata.get("x_groq") or {})
    if x_groq:
        body["x_groq"] = x_groq
    body.update({k: v for k, v in metadata.items() if k not in _OWN_METADATA})
    return body


def error_body(error: SynapticError) -> dict[str, Any]:
    """The provider's error JSON (``{"error": {...}}``) for an error with a status: its
    own body when that is JSON, else rebuilt from the typed fields."""
    if error.body:
        try:
            parsed = decode_json(error.body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            return parsed
    detail: dict[str, Any] = {"message": error.message}
    for wire_name, value in (
        ("type", error.error_type),
        ("code", error.code),
        ("param", error.param),
    ):
        if value is not None:
            detail[wire_name] = value
    return {"error": detail}


def error_code(error: BaseException) -> str:
    """A short code for an output line's ``error``: the provider's code, else the kind."""
    if isinstance(error, SynapticError) and error.code:
        return error.code
    if isinstance(error, SynapticError) and error.status_code is not None:
        return str(error.status_code)
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
