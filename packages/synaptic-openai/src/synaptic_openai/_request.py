"""Request building: a ``ChatRequest`` plus config defaults -> the JSON body, as pure
functions.

Only what is set is sent (Groq answers 400 to unknown or unsupported fields), the
request's own options win over the config's, and ``extra`` fields pass through last.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from synaptic_core import (
    AIMessage,
    BuiltinTool,
    DocumentPart,
    HumanMessage,
    ImagePart,
    Message,
    ResponseFormat,
    SystemMessage,
    TextPart,
    ToolChoice,
    ToolDefinition,
    ToolMessage,
)

if TYPE_CHECKING:
    from synaptic_core import ChatRequest
    from synaptic_openai._config import ChatConfig
    from synaptic_openai._dialect import Dialect


def _parts_to_wire(parts: list[TextPart | ImagePart | DocumentPart]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, TextPart):
            wire.append({"type": "text", "text": part.text})
        elif isinstance(part, DocumentPart):
            document: dict[str, Any] = {"data": part.data}
            if part.id is not None:
                document["id"] = part.id
            wire.append({"type": "document", "document": document})
        else:
            image: dict[str, Any] = {"url": part.url}
            if part.detail is not None:
                image["detail"] = part.detail
            wire.append({"type": "image_url", "image_url": image})
    return wire


def message_to_wire(message: Message) -> dict[str, Any]:
    """One message in the OpenAI format."""
    wire: dict[str, Any]
    if isinstance(message, HumanMessage):
        has_media = any(not isinstance(p, TextPart) for p in message.parts)
        content: Any = _parts_to_wire(message.parts) if has_media else message.content
        wire = {"role": "user", "content": content}
    elif isinstance(message, SystemMessage):
        wire = {"role": "system", "content": message.content}
    elif isinstance(message, AIMessage):
        calls: list[dict[str, Any]] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
        # A replayed turn keeps its invalid calls, so their tool results still match.
        calls += [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.invalid_tool_calls
        ]
        wire = {"role": "assistant", "content": message.content or (None if calls else "")}
        if calls:
            wire["tool_calls"] = calls
    elif isinstance(message, ToolMessage):
        wire = {"role": "tool", "content": message.content, "tool_call_id": message.tool_call_id}
    else:
        msg = f"cannot send a {type(message).__name__} to an OpenAI-compatible server"
        raise TypeError(msg)
    if message.name is not None:
        wire["name"] = message.name
    return wire


def tool_to_wire(tool: ToolDefinition | BuiltinTool) -> dict[str, Any]:
    """A tool definition as ``{"type": "function", "function": {...}}``; a built-in
    tool as ``{"type": ...}``."""
    if isinstance(tool, BuiltinTool):
        return tool.to_wire()
    function: dict[str, Any] = {"name": tool.name}
    if tool.description:
        function["description"] = tool.description
    function["parameters"] = tool.parameters
    if tool.strict is not None:
        function["strict"] = tool.strict
    return {"type": "function", "function": function}


def tool_choice_to_wire(choice: ToolChoice) -> Any:
    """``"auto"``, ``"none"``, ``"required"`` or ``{"type": "function", ...}``."""
    if choice.mode == "function":
        return {"type": "function", "function": {"name": choice.function_name}}
    return choice.mode


def response_format_to_wire(response_format: ResponseFormat) -> dict[str, Any]:
    """``{"type": "text" | "json_object" | "json_schema", ...}``."""
    if response_format.type != "json_schema":
        return {"type": response_format.type}
    schema: dict[str, Any] = {"name": response_format.name or "response"}
    if response_format.description:
        schema["description"] = response_format.description
    schema["schema"] = response_format.json_schema or {}
    if response_format.strict is not None:
        schema["strict"] = response_format.strict
    return {"type": "json_schema", "json_schema": schema}


def build_body(
    request: ChatRequest, config: ChatConfig, dialect: Dialect, *, stream: bool
) -> dict[str, Any]:
    """The JSON body for ``POST /chat/completions``: only fields that are set."""
    body: dict[str, Any] = {
        "model": config.model,
        "messages": [message_to_wire(m) for m in request.messages],
    }
    for option, wire_name in (
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("max_tokens", dialect.max_tokens_field),
        ("stop", "stop"),
        ("seed", "seed"),
    ):
        value = getattr(request, option)
        if value is None:
            value = getattr(config, option)
        if value is not None and value != []:
            body[wire_name] = value
    if request.tools:
        body["tools"] = [tool_to_wire(t) for t in request.tools]
    if request.tool_choice is not None:
        body["tool_choice"] = tool_choice_to_wire(request.tool_choice)
    parallel = request.parallel_tool_calls
    if parallel is None:
        parallel = config.parallel_tool_calls
    if parallel is not None:
        body["parallel_tool_calls"] = parallel
    response_format = request.response_format or config.response_format
    if response_format is not None:
        body["response_format"] = response_format_to_wire(response_format)
    body.update(config.wire_options())
    if stream:
        body["stream"] = True
        if dialect.stream_usage:
            body["stream_options"] = {"include_usage": True}
    if config.extra_body:
        body.update(_plain(config.extra_body))
    if request.extra:
        body.update(_plain(request.extra))
    return body


def to_wire_value(value: Any) -> Any:
    """A value for the JSON body: typed options (Groq's ``SearchSettings``, anything
    with a ``to_wire()``) and other pydantic models become their JSON form."""
    to_wire = getattr(value, "to_wire", None)
    if callable(to_wire):
        return to_wire()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True, by_alias=True)
    if isinstance(value, list | tuple):
        return [to_wire_value(v) for v in value]
    return value


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: to_wire_value(v) for k, v in fields.items()}
