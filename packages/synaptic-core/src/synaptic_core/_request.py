"""What to send: the conversation, tools, and per-request overrides of sampling options.

Requests are immutable; each ``with_*`` builder returns a new, validated request, so a
base request can be shared and specialised safely. Only what is set is sent: every
option defaults to ``None`` ("use the model's config"), and per-request values win.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import Self

from synaptic_core._builders import SamplingBuilders
from synaptic_core._fast import construct
from synaptic_core._messages import AnyMessage, HumanMessage
from synaptic_core._tools import BuiltinTool, ToolChoice, ToolDefinition


def strict_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` that strict structured-output modes accept.

    Every object gets ``additionalProperties: false`` and lists all its properties as
    required (OpenAI-style strict mode rejects anything else); ``default: null`` is
    dropped. Optional fields stay expressible as ``anyOf [..., {"type": "null"}]``.
    """
    result = copy.deepcopy(dict(schema))
    _make_strict(result)
    return result


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            properties = node.get("properties", {})
            node["additionalProperties"] = False
            node["required"] = list(properties)
        if "default" in node and node["default"] is None:
            del node["default"]
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for item in node:
            _make_strict(item)


_ModelClass = type[BaseModel]


class ResponseFormat(BaseModel):
    """The shape of the answer: free text, any JSON object, or JSON matching a schema.

    Build with ``ResponseFormat.text()``, ``.json_object()``, ``.from_json_schema(schema)`` or
    ``.from_model(MyModel)``; ``ChatRequest.with_response_format`` also takes a pydantic
    model class directly. ``model`` remembers that class so the answer can be parsed
    back into it with ``response.parse(...)``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    type: Literal["text", "json_object", "json_schema"]
    name: str | None = None
    description: str | None = None
    json_schema: dict[str, Any] | None = None
    strict: bool | None = None
    model: _ModelClass | None = Field(default=None, exclude=True)

    @classmethod
    def text(cls) -> ResponseFormat:
        """Plain text (the default of every provider)."""
        return cls(type="text")

    @classmethod
    def json_object(cls) -> ResponseFormat:
        """Any JSON object. Most providers require the prompt to ask for JSON, too."""
        return cls(type="json_object")

    @classmethod
    def from_json_schema(
        cls,
        schema: Mapping[str, Any],
        *,
        name: str = "response",
        description: str | None = None,
        strict: bool | None = None,
    ) -> ResponseFormat:
        """JSON matching ``schema``; with ``strict=True`` the schema is made strict."""
        body = strict_json_schema(schema) if strict else dict(schema)
        return cls(
            type="json_schema", name=name, description=description, json_schema=body, strict=strict
        )

    @classmethod
    def from_model(cls, model: _ModelClass, *, strict: bool = True) -> ResponseFormat:
        """JSON matching a pydantic model's schema (strict by default)."""
        schema = model.model_json_schema()
        schema.pop("title", None)
        description = schema.pop("description", None)
        result = cls.from_json_schema(
            schema, name=model.__name__, description=description, strict=strict
        )
        return result.model_copy(update={"model": model})


def _as_response_format(value: Any) -> Any:
    if value is None or isinstance(value, ResponseFormat):
        return value
    if isinstance(value, type) and issubclass(value, BaseModel):
        return ResponseFormat.from_model(value)
    if value in ("text", "json_object"):
        return ResponseFormat(type=value)
    if isinstance(value, Mapping) and value.get("type") == "json_schema":
        inner = value.get("json_schema", {})
        return ResponseFormat(
            type="json_schema",
            name=inner.get("name"),
            description=inner.get("description"),
            json_schema=inner.get("schema"),
            strict=inner.get("strict"),
        )
    return value  # let pydantic report what is wrong with it


class ChatRequest(SamplingBuilders):
    """One call to a chat model: ``ChatRequest([Message.human("hi")])``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    messages: list[AnyMessage]
    tools: list[ToolDefinition | BuiltinTool] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    stop: list[str] | None = Field(default=None, max_length=4)
    seed: int | None = None
    response_format: ResponseFormat | None = None
    parallel_tool_calls: bool | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float | None = Field(default=None, gt=0)

    def __init__(
        self,
        messages: Sequence[AnyMessage] = (),
        *,
        tools: Sequence[ToolDefinition | BuiltinTool] = (),
        tool_choice: ToolChoice | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        response_format: ResponseFormat | _ModelClass | Mapping[str, Any] | str | None = None,
        parallel_tool_calls: bool | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **unknown: Any,
    ) -> None:
        # Pydantic validates through this __init__ too; it rejects ``unknown`` keys.
        super().__init__(
            messages=list(messages),
            tools=list(tools),
            tool_choice=tool_choice,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            stop=stop,
            seed=seed,
            response_format=response_format,
            parallel_tool_calls=parallel_tool_calls,
            extra=dict(extra or {}),
            headers=dict(headers or {}),
            timeout=timeout,
            **unknown,
        )

    @classmethod
    def new(cls, messages: Sequence[AnyMessage]) -> ChatRequest:
        """The reference's ``ChatRequest::new(messages)``."""
        return cls(messages)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("response_format", mode="before")
    @classmethod
    def _coerce_response_format(cls, value: Any) -> Any:
        return _as_response_format(value)

    def with_messages(self, messages: Sequence[AnyMessage]) -> Self:
        """The same request with another conversation."""
        return self._with(messages=list(messages))

    def append(self, *messages: AnyMessage) -> Self:
        """The same request with ``messages`` added at the end (e.g. a tool round trip)."""
        return self._with(messages=[*self.messages, *messages])

    def with_tools(self, tools: Sequence[ToolDefinition | BuiltinTool]) -> Self:
        """Offer these tools to the model (functions, and the provider's built-in tools)."""
        return self._with(tools=list(tools))

    def with_tool_choice(self, tool_choice: ToolChoice) -> Self:
        """Say whether and which tool the model must call."""
        return self._with(tool_choice=tool_choice)

    def with_extra(self, fields: Mapping[str, Any] | None = None, /, **more: Any) -> Self:
        """Provider-specific body fields, passed through as they are (a mapping, keywords
        or both)."""
        return self._with(extra={**self.extra, **(fields or {}), **more})

    def with_headers(self, headers: Mapping[str, str] | None = None, /, **more: str) -> Self:
        """Extra HTTP headers for this request only (a mapping takes names like
        ``X-Request-Source``; keywords are for names that are identifiers)."""
        return self._with(headers={**self.headers, **(headers or {}), **more})

    def with_timeout(self, timeout: float) -> Self:
        """A time limit in seconds for this request, whole (stream included)."""
        return self._with(timeout=timeout)

    def with_options(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Self:
        """The per-call options of ``chat(..., extra_headers=, extra_body=, timeout=)``."""
        changes: dict[str, Any] = {}
        if extra_headers:
            changes["headers"] = {**self.headers, **extra_headers}
        if extra_body:
            changes["extra"] = {**self.extra, **extra_body}
        if timeout is not None:
            changes["timeout"] = timeout
        return self._with(**changes) if changes else self


_EMPTY_REQUEST: dict[str, Any] = {
    "tool_choice": None,
    "temperature": None,
    "max_tokens": None,
    "top_p": None,
    "stop": None,
    "seed": None,
    "response_format": None,
    "parallel_tool_calls": None,
    "timeout": None,
}

ChatInput = ChatRequest | str | Sequence[AnyMessage]
"""What ``ChatModel.chat`` accepts: a request, a prompt, or a list of messages."""


def to_request(value: ChatInput) -> ChatRequest:
    """Normalise what a caller passed to ``chat`` into a ``ChatRequest``."""
    if isinstance(value, ChatRequest):
        return value
    if isinstance(value, str):  # the common case, built without re-validating
        message = construct(
            HumanMessage, {"role": "human", "content": value, "parts": [], "name": None}
        )
        return construct(
            ChatRequest,
            {**_EMPTY_REQUEST, "messages": [message], "tools": [], "extra": {}, "headers": {}},
        )
    try:
        messages = list(value)
    except TypeError:
        msg = (
            "chat() takes a ChatRequest, a string, or a list of messages, "
            f"not {type(value).__name__}"
        )
        raise TypeError(msg) from None
    return ChatRequest(messages)
