"""The types of a chat body's fields, checked before anything reads them.

Groq validates a request's JSON against its schema and answers a 400 naming the field;
the emulator used to trust the shapes and fall over on ``"tools": 5`` or a
``tool_calls`` that was a string (an ``AttributeError`` deep in the answer, the
connection dropped with no response). ``check_shapes`` covers every field the emulator
later reads, in one pass over the top-level keys and the messages, so the rest of the
code can rely on them. Messages are walked once, as ``validate`` already did.
"""

from __future__ import annotations

import math
from typing import Any

from synaptic_groq.emulator import _wire as wire


class RequestError(Exception):
    """A request Groq would refuse: carries the status and Groq's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body


def bad(message: str, param: str | None = None) -> RequestError:
    """Groq's 400 ``invalid_request_error`` (validation errors carry ``param``, no code)."""
    extra = {} if param is None else {"param": param}
    return RequestError(400, wire.error_body(message, "invalid_request_error", **extra))


def _must(ok: bool, where: str, kind: str, param: str) -> None:
    if not ok:
        raise bad(f"'{where}' : value must be {kind}", param)


_INTEGERS = ("max_completion_tokens", "max_tokens", "seed")
_STRINGS = ("user", "reasoning_effort", "service_tier")
_RANGES = {"temperature": (0, 2), "top_p": (0, 1)}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_scalars(body: dict[str, Any]) -> None:
    """400 for a sampling or routing field of the wrong type or out of its range: a
    fixed handful of ``dict`` lookups, whatever the body holds.

    Why: ``"max_tokens": "x"``, ``true``, ``-3``, ``1e999`` (``inf`` once parsed) were
    answered 200, and ``"temperature": "x"`` was told "number must be at most 2".
    """
    for name in _INTEGERS:
        value = body.get(name)
        if value is None:
            continue
        _must(_is_int(value), name, "an integer", name)
        if name != "seed" and value < 1:
            raise bad(f"'{name}' : number must be at least 1", name)
    for name, (low, high) in _RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        number = _is_int(value) or (isinstance(value, float) and math.isfinite(value))
        _must(number, name, "a number", name)
        if value < low:
            raise bad(f"'{name}' : number must be at least {low}", name)
        if value > high:
            raise bad(f"'{name}' : number must be at most {high}", name)
    for name in _STRINGS:
        value = body.get(name)
        _must(value is None or isinstance(value, str), name, "a string", name)


def check_shapes(body: dict[str, Any]) -> None:
    """400 for any field the emulator reads whose JSON type is wrong."""
    check_scalars(body)
    if "stream" in body:
        _must(
            body["stream"] is None or isinstance(body["stream"], bool),
            "stream",
            "a boolean",
            "stream",
        )
    options = body.get("stream_options")
    _must(
        options is None or isinstance(options, dict),
        "stream_options",
        "an object",
        "stream_options",
    )
    stop = body.get("stop")
    _must(stop is None or isinstance(stop, str | list), "stop", "a string or an array", "stop")
    _check_tools(body.get("tools"))
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        function = choice.get("function")
        _must(
            isinstance(function, dict) and isinstance(function.get("name"), str),
            "tool_choice.function.name",
            "a string",
            "tool_choice",
        )
    else:
        _must(
            choice is None or isinstance(choice, str),
            "tool_choice",
            "a string or an object",
            "tool_choice",
        )
    _check_response_format(body.get("response_format"))


def _check_tools(tools: Any) -> None:
    if tools is None:
        return
    _must(isinstance(tools, list), "tools", "an array", "tools")
    for index, tool in enumerate(tools):
        where = f"tools.{index}"
        _must(isinstance(tool, dict), where, "an object", "tools")
        if tool.get("type", "function") != "function":
            continue
        function = tool.get("function", {})
        _must(isinstance(function, dict), f"{where}.function", "an object", "tools")
        name = function.get("name", "tool")
        _must(isinstance(name, str), f"{where}.function.name", "a string", "tools")
        parameters = function.get("parameters", {})
        _must(isinstance(parameters, dict), f"{where}.function.parameters", "an object", "tools")


def _check_response_format(response_format: Any) -> None:
    if response_format is None:
        return
    _must(isinstance(response_format, dict), "response_format", "an object", "response_format")
    if response_format.get("type") != "json_schema":
        return
    spec = response_format.get("json_schema")
    where = "response_format.json_schema"
    _must(spec is None or isinstance(spec, dict), where, "an object", "response_format")
    schema = (spec or {}).get("schema")
    _must(
        schema is None or isinstance(schema, dict),
        f"{where}.schema",
        "an object",
        "response_format",
    )


def check_message(index: int, message: dict[str, Any]) -> None:
    """The fields of ``messages[index]`` the emulator reads (``content``, ``tool_calls``)."""
    where = f"messages.{index}"
    content = message.get("content")
    if isinstance(content, list):
        for number, part in enumerate(content):
            _must(isinstance(part, dict), f"{where}.content.{number}", "an object", "messages")
    else:
        _must(
            content is None or isinstance(content, str),
            f"{where}.content",
            "a string or an array",
            "messages",
        )
    calls = message.get("tool_calls")
    if calls is None:
        return
    _must(isinstance(calls, list), f"{where}.tool_calls", "an array", "messages")
    for number, call in enumerate(calls):
        _must(isinstance(call, dict), f"{where}.tool_calls.{number}", "an object", "messages")
        function = call.get("function", {})
        _must(
            isinstance(function, dict),
            f"{where}.tool_calls.{number}.function",
            "an object",
            "messages",
        )
