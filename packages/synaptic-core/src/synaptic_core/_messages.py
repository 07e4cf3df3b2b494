"""Chat messages: one class per role, a discriminated union on ``role``, JSON round trip.

``message.content`` is always the text, whatever the message was built from: a message
built from a list of parts (text and image URLs, for vision models) keeps the list in
``parts`` and joins the text parts into ``content``, so code that only reads text never
needs to know parts exist, and the wire format can still send the parts.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from synaptic_core._tools import InvalidToolCall, ToolCall
from synaptic_core._usage import TokenUsage


class TextPart(BaseModel):
    """A piece of text inside a multi-part message."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    type: Literal["text"] = "text"
    text: str


class ImagePart(BaseModel):
    """An image, by URL or ``data:`` URL, for vision models. ``detail``: low/high/auto."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    type: Literal["image_url"] = "image_url"
    url: str
    detail: Literal["low", "high", "auto"] | None = None


class DocumentPart(BaseModel):
    """A document for the model to read and cite, inside a user message.

    Groq sends it as ``{"type": "document", "document": {"data": {...}, "id": ...}}``;
    ``data`` is the document as a JSON object. Providers without documents refuse it
    before sending. Its text does not count toward ``message.content``.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    type: Literal["document"] = "document"
    data: dict[str, Any]
    id: str | None = None


ContentPart = Annotated[TextPart | ImagePart | DocumentPart, Field(discriminator="type")]
"""A part of a message's content: text, an image, or a document."""


@functools.cache
def _part_adapter() -> TypeAdapter[TextPart | ImagePart | DocumentPart]:
    return TypeAdapter(ContentPart)


def _join_text(parts: Sequence[TextPart | ImagePart | DocumentPart]) -> str:
    return "".join(part.text for part in parts if isinstance(part, TextPart))


class Message(BaseModel):
    """Base of every message, with the reference's constructors.

    ``Message.system("...")`` builds a ``SystemMessage``, ``Message.human`` a
    ``HumanMessage``, and so on; ``list[Message]`` is the type of a conversation.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    role: str
    content: str = ""
    parts: list[ContentPart] = Field(default_factory=list)
    name: str | None = None

    def __init__(self, content: str | Sequence[Any] = "", **data: Any) -> None:
        # Content may be positional, as in ``HumanMessage("hi")``; a list becomes ``parts``.
        # Pydantic also validates through this __init__, so every subclass forwards
        # **data (pydantic itself rejects unknown keys: extra="forbid").
        if type(self) is Message:
            msg = "Message is abstract: use Message.human(...), Message.system(...), ..."
            raise TypeError(msg)
        super().__init__(content=content, **data)

    @model_validator(mode="before")
    @classmethod
    def _split_parts(cls, data: Any) -> Any:
        if isinstance(data, dict):
            content = data.get("content")
            if content is None:
                data = {**data, "content": ""}
            elif not isinstance(content, str):
                parts = [
                    _part_adapter().validate_python(
                        {"type": "text", "text": p} if isinstance(p, str) else p
                    )
                    for p in content
                ]
                data = {**data, "content": _join_text(parts), "parts": parts}
        return data

    def pretty(self) -> str:
        """One line for logs and the terminal: ``human: hello``."""
        return f"{self.role}: {self.content}"

    @staticmethod
    def system(content: str | Sequence[Any]) -> SystemMessage:
        """A system message."""
        return SystemMessage(content)

    @staticmethod
    def human(content: str | Sequence[Any]) -> HumanMessage:
        """A user message; pass a list of parts to include images."""
        return HumanMessage(content)

    @staticmethod
    def ai(content: str = "", *, tool_calls: Sequence[ToolCall] = ()) -> AIMessage:
        """An assistant message, e.g. to replay history or a tool-call turn."""
        return AIMessage(content, tool_calls=list(tool_calls))

    @staticmethod
    def tool(content: str, tool_call_id: str) -> ToolMessage:
        """A tool result answering the call with ``tool_call_id``."""
        return ToolMessage(content, tool_call_id=tool_call_id)

    @staticmethod
    def from_json(data: str | bytes) -> AnyMessage:
        """Rebuild a message from ``message.model_dump_json()`` output."""
        return _message_adapter().validate_json(data)

    @staticmethod
    def list_from_json(data: str | bytes) -> list[AnyMessage]:
        """Rebuild a conversation from a JSON array of messages."""
        return _messages_adapter().validate_json(data)

    @staticmethod
    def list_to_json(messages: Sequence[Message]) -> str:
        """Serialise a conversation to a JSON array (the inverse of ``list_from_json``)."""
        return _messages_adapter().dump_json(list(messages)).decode()  # type: ignore[arg-type]


class SystemMessage(Message):
    """Instructions for the model."""

    role: Literal["system"] = "system"

    def __init__(
        self, content: str | Sequence[Any] = "", *, name: str | None = None, **data: Any
    ) -> None:
        super().__init__(content, name=name, **data)


class HumanMessage(Message):
    """What the user says. May carry image parts for vision models."""

    role: Literal["human"] = "human"

    def __init__(
        self, content: str | Sequence[Any] = "", *, name: str | None = None, **data: Any
    ) -> None:
        super().__init__(content, name=name, **data)


class AIMessage(Message):
    """What the model said: text, tool calls, reasoning, and the usage of producing it.

    ``invalid_tool_calls`` keeps every call whose arguments were not valid JSON, raw
    text and parse error included: a bad call is reported, never replaced by ``{}``.
    """

    role: Literal["ai"] = "ai"
    tool_calls: list[ToolCall] = Field(default_factory=list)
    invalid_tool_calls: list[InvalidToolCall] = Field(default_factory=list)
    reasoning: str | None = None
    usage: TokenUsage | None = None
    id: str | None = None

    def __init__(
        self,
        content: str | Sequence[Any] = "",
        *,
        tool_calls: Sequence[ToolCall] = (),
        invalid_tool_calls: Sequence[InvalidToolCall] = (),
        reasoning: str | None = None,
        usage: TokenUsage | None = None,
        id: str | None = None,
        name: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(
            content,
            tool_calls=list(tool_calls),
            invalid_tool_calls=list(invalid_tool_calls),
            reasoning=reasoning,
            usage=usage,
            id=id,
            name=name,
            **data,
        )


class ToolMessage(Message):
    """The result of running a tool, answering the call with ``tool_call_id``."""

    role: Literal["tool"] = "tool"
    tool_call_id: str

    def __init__(
        self,
        content: str | Sequence[Any] = "",
        tool_call_id: str = "",
        *,
        name: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(content, tool_call_id=tool_call_id, name=name, **data)

    @model_validator(mode="after")
    def _needs_call_id(self) -> ToolMessage:
        if not self.tool_call_id:
            msg = "ToolMessage needs the tool_call_id of the call it answers"
            raise ValueError(msg)
        return self


AnyMessage = SystemMessage | HumanMessage | AIMessage | ToolMessage
"""Any concrete message (a union; JSON is discriminated on ``role``)."""


# Built on first use: schema generation is the costliest part of importing pydantic models.
@functools.cache
def _message_adapter() -> TypeAdapter[AnyMessage]:
    return TypeAdapter(Annotated[AnyMessage, Field(discriminator="role")])


@functools.cache
def _messages_adapter() -> TypeAdapter[list[AnyMessage]]:
    return TypeAdapter(list[Annotated[AnyMessage, Field(discriminator="role")]])
