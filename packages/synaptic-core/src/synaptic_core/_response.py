"""What comes back: a complete response, or stream chunks that add up to one.

Chunks are cheap value objects; ``a + b`` merges two, and ``AIMessageChunk.merge``
merges many in one pass (linear, for long streams). Tool-call fragments are joined by
``index`` and their argument text is parsed once, in ``to_message()``, so a bad
fragment is never half-parsed and bad arguments end up in ``invalid_tool_calls``.

A stream carries every fact a whole response carries (DESIGN section 12): typed
fields where callers need them (``id``, ``model``, ``usage``, ``finish_reason``,
``rate_limit``, ``request_id``, ``system_fingerprint``, ``service_tier``) and
``provider_metadata`` for the provider's own facts, merged across chunks by
:func:`merge_metadata`. ``AIMessageChunk.merge(chunks).to_response()`` equals what
``chat()`` returns for the same answer, fact for fact.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synaptic_core._errors import StructuredOutputError, truncate
from synaptic_core._fast import construct
from synaptic_core._messages import AIMessage
from synaptic_core._ratelimit import RateLimitInfo
from synaptic_core._tools import InvalidToolCall, ToolCall, ToolCallChunk
from synaptic_core._usage import TokenUsage

ModelT = TypeVar("ModelT", bound=BaseModel)


@functools.cache  # compiled on first use: an import does not need it
def _fence() -> re.Pattern[str]:
    return re.compile(r"^\s*```(?:json|JSON)?\s*\n(.*?)\n?```\s*$", re.DOTALL)


def parse_tool_call(
    call_id: str | None, name: str | None, arguments: str | None
) -> ToolCall | InvalidToolCall:
    """Parse one call's argument text. Invalid JSON, non-object JSON, or a missing
    id/name give an ``InvalidToolCall`` that keeps the raw text; empty text is ``{}``.
    """
    raw = arguments or ""
    if not name:
        return InvalidToolCall(id=call_id, name=name, arguments=raw, error="tool call has no name")
    try:
        parsed: Any = json.loads(raw) if raw.strip() else {}
    except RecursionError:
        return InvalidToolCall(
            id=call_id, name=name, arguments=raw, error="arguments are JSON nested too deeply"
        )
    except ValueError as exc:
        return InvalidToolCall(
            id=call_id, name=name, arguments=raw, error=f"arguments are not valid JSON: {exc}"
        )
    if not isinstance(parsed, dict):
        return InvalidToolCall(
            id=call_id,
            name=name,
            arguments=raw,
            error=f"arguments must be a JSON object, got {type(parsed).__name__}",
        )
    if not call_id:
        return InvalidToolCall(id=call_id, name=name, arguments=raw, error="tool call has no id")
    return ToolCall(id=call_id, name=name, arguments=parsed)


def merge_tool_call_chunks(chunks: Iterable[ToolCallChunk]) -> list[ToolCallChunk]:
    """Join fragments by ``index`` in order of first appearance.

    ``id`` and ``name`` keep their first non-empty value (providers send them whole);
    ``arguments`` fragments are concatenated.
    """
    merged: dict[int, list[Any]] = {}
    for chunk in chunks:
        slot = merged.get(chunk.index)
        if slot is None:
            merged[chunk.index] = [chunk.id, chunk.name, [chunk.arguments]]
        else:
            slot[0] = slot[0] or chunk.id
            slot[1] = slot[1] or chunk.name
            slot[2].append(chunk.arguments)
    return [
        construct(
            ToolCallChunk,
            {"index": index, "id": call_id, "name": name, "arguments": "".join(parts)},
        )
        for index, (call_id, name, parts) in merged.items()
    ]


def _merge_indexed(into: list[Any], items: list[Any]) -> list[Any]:
    """Lists of ``{"index": n, ...}`` items merge by index (later non-null values win)."""
    merged = [dict(item) if isinstance(item, dict) else item for item in into]
    positions = {
        item["index"]: at
        for at, item in enumerate(merged)
        if isinstance(item, dict) and isinstance(item.get("index"), int)
    }
    for item in items:
        index = item.get("index") if isinstance(item, dict) else None
        at = positions.get(index) if isinstance(index, int) else None
        if at is None:
            if isinstance(index, int):
                positions[index] = len(merged)
            merged.append(dict(item) if isinstance(item, dict) else item)
        else:
            merged[at].update({k: v for k, v in item.items() if v is not None})
    return merged


def _indexed(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and isinstance(item.get("index"), int) for item in value)
    )


def merge_metadata(into: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Merge one chunk's ``provider_metadata`` into the facts gathered so far.

    The rules make a stream's pieces add up to the whole response: lists of items with
    an ``index`` (Groq's ``executed_tools``) merge item by item like tool-call
    fragments; other lists (``annotations``) are concatenated; nested objects merge
    key by key; any other value keeps the first one reported (an id or ``created``
    repeated on every chunk stays the first).
    """
    result = dict(into)
    for key, value in update.items():
        if value is None:
            continue
        current = result.get(key)
        if current is None:
            result[key] = value
        elif isinstance(current, list) and isinstance(value, list):
            if _indexed(current) or _indexed(value):
                result[key] = _merge_indexed(current, value)
            else:
                result[key] = [*current, *value]
        elif isinstance(current, dict) and isinstance(value, dict):
            result[key] = merge_metadata(current, value)
    return result


class AIMessageChunk(BaseModel):
    """A piece of a streamed answer.

    ``usage`` and ``finish_reason`` usually arrive on the last chunk. Usage is the
    provider's running total, not a delta: merging keeps the last one reported.
    ``rate_limit`` (read from the response headers), ``request_id``,
    ``system_fingerprint`` and ``service_tier`` come on the first chunk that carries
    anything; ``provider_metadata`` holds the provider's other facts (Groq's ``seed``,
    ``executed_tools``, ``usage_breakdown``) on the chunk they arrived with; the raw
    ``http_status`` and ``http_headers`` on the first chunk.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    content: str = ""
    reasoning: str | None = None
    tool_call_chunks: list[ToolCallChunk] = Field(default_factory=list)
    usage: TokenUsage | None = None
    finish_reason: str | None = None
    id: str | None = None
    model: str | None = None
    rate_limit: RateLimitInfo | None = None
    request_id: str | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    provider_metadata: dict[str, Any] = Field(default_factory=dict)
    http_status: int | None = None
    http_headers: dict[str, str] | None = None

    def __add__(self, other: AIMessageChunk) -> AIMessageChunk:
        if not isinstance(other, AIMessageChunk):
            return NotImplemented
        return AIMessageChunk.merge((self, other))

    @classmethod
    def merge(cls, chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
        """Merge many chunks in one linear pass (``sum`` of ``+`` is quadratic)."""
        content: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCallChunk] = []
        usage: TokenUsage | None = None
        finish_reason: str | None = None
        chunk_id: str | None = None
        model: str | None = None
        rate_limit: RateLimitInfo | None = None
        request_id: str | None = None
        fingerprint: str | None = None
        service_tier: str | None = None
        metadata: dict[str, Any] = {}
        http_status: int | None = None
        http_headers: dict[str, str] | None = None
        for chunk in chunks:
            content.append(chunk.content)
            if chunk.reasoning is not None:
                reasoning.append(chunk.reasoning)
            calls.extend(chunk.tool_call_chunks)
            usage = chunk.usage or usage
            finish_reason = chunk.finish_reason or finish_reason
            chunk_id = chunk_id or chunk.id
            model = model or chunk.model
            rate_limit = rate_limit or chunk.rate_limit
            request_id = request_id or chunk.request_id
            fingerprint = fingerprint or chunk.system_fingerprint
            service_tier = service_tier or chunk.service_tier
            if chunk.provider_metadata:
                metadata = merge_metadata(metadata, chunk.provider_metadata)
            if http_status is None:
                http_status, http_headers = chunk.http_status, chunk.http_headers
        merged = chunk_of(
            "".join(content),
            "".join(reasoning) if reasoning else None,
            merge_tool_call_chunks(calls) if calls else [],
            usage,
            finish_reason,
            chunk_id,
            model,
            rate_limit,
        )
        merged.__dict__.update(
            request_id=request_id,
            system_fingerprint=fingerprint,
            service_tier=service_tier,
            provider_metadata=metadata,
            http_status=http_status,
            http_headers=http_headers,
        )
        return merged

    def to_message(self) -> AIMessage:
        """The complete message: tool-call fragments joined and their arguments parsed."""
        tool_calls: list[ToolCall] = []
        invalid: list[InvalidToolCall] = []
        for call in merge_tool_call_chunks(self.tool_call_chunks):
            parsed = parse_tool_call(call.id, call.name, call.arguments)
            (tool_calls if isinstance(parsed, ToolCall) else invalid).append(parsed)  # type: ignore[arg-type]
        return AIMessage(
            self.content,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            reasoning=self.reasoning,
            usage=self.usage,
            id=self.id,
        )

    def to_response(self) -> ChatResponse:
        """The ``ChatResponse`` this (merged) chunk amounts to: ``chat()``'s facts, from a stream.

        ``AIMessageChunk.merge(chunks).to_response()`` is how a streaming caller gets
        the same object a non-streamed call returns.
        """
        return ChatResponse(
            message=self.to_message(),
            usage=self.usage,
            finish_reason=self.finish_reason,
            model=self.model,
            id=self.id,
            rate_limit=self.rate_limit,
            request_id=self.request_id,
            system_fingerprint=self.system_fingerprint,
            service_tier=self.service_tier,
            provider_metadata=dict(self.provider_metadata),
            http_status=self.http_status,
            http_headers=self.http_headers,
        )


def chunk_of(  # noqa: PLR0917 (per-token hot path: positional arguments are cheaper)
    content: str,
    reasoning: str | None,
    tool_call_chunks: list[ToolCallChunk],
    usage: TokenUsage | None,
    finish_reason: str | None,
    chunk_id: str | None,
    model: str | None,
    rate_limit: RateLimitInfo | None,
) -> AIMessageChunk:
    """An ``AIMessageChunk`` from trusted, typed values (the streaming hot path).

    ``construct`` inlined and trimmed: this runs once per streamed token. The fields
    dict is a copy of a prototype (cheaper than a 12-key literal) and pydantic's three
    slots are set through their descriptors (cheaper than ``object.__setattr__``).
    The stream's other facts (request id, metadata...) are set by the assembler on the
    few chunks that carry them.
    """
    chunk = _new(AIMessageChunk)
    fields = _PROTOTYPE.copy()
    fields["content"] = content
    fields["reasoning"] = reasoning
    fields["tool_call_chunks"] = tool_call_chunks
    fields["usage"] = usage
    fields["finish_reason"] = finish_reason
    fields["id"] = chunk_id
    fields["model"] = model
    fields["rate_limit"] = rate_limit
    fields["provider_metadata"] = {}
    _set_dict(chunk, fields)
    _set_fields_set(chunk, _CHUNK_FIELDS.copy())
    _set_extra(chunk, None)
    _set_private(chunk, None)
    return chunk


_new = object.__new__
_CHUNK_FIELDS = set(AIMessageChunk.model_fields)
_PROTOTYPE: dict[str, Any] = dict.fromkeys(AIMessageChunk.model_fields)
# pydantic's BaseModel slots, set through their descriptors.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class ChatResponse(BaseModel):
    """A complete answer, with what it cost and what the provider said about limits.

    ``id`` is the provider's completion id (``chatcmpl-...``); ``request_id`` the
    provider's request id (the ``x-request-id`` header, else Groq's ``x_groq.id``), the
    one to quote to support. ``provider_metadata`` keeps every other field of the
    provider's response, so nothing is lost (for Groq: ``created``, ``seed``,
    ``executed_tools``, ``annotations``, ``usage_breakdown``; ``synaptic_groq.GroqExtras``
    reads them typed). ``http_status`` and ``http_headers`` are the raw HTTP answer
    (None when the model does not speak HTTP), for what no typed field covers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    message: AIMessage
    usage: TokenUsage | None = None
    finish_reason: str | None = None
    model: str | None = None
    id: str | None = None
    rate_limit: RateLimitInfo | None = None
    request_id: str | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    provider_metadata: dict[str, Any] = Field(default_factory=dict)
    http_status: int | None = None
    http_headers: dict[str, str] | None = None

    @property
    def content(self) -> str:
        """Shortcut for ``response.message.content``."""
        return self.message.content

    def parse(self, model: type[ModelT]) -> ModelT:
        """Validate the answer's JSON into ``model`` (structured output).

        A single surrounding Markdown code fence is tolerated, since some models add
        one even in JSON mode. Raises ``StructuredOutputError`` (a ``ParseError``) that
        keeps the raw content and pydantic's report.
        """
        content = self.message.content
        fenced = _fence().match(content)
        text = fenced.group(1) if fenced else content
        try:
            return model.model_validate_json(text)
        except ValidationError as exc:
            error = StructuredOutputError(
                f"the answer does not match {model.__name__}: "
                f"{truncate(str(exc), 300)}; content was {truncate(content, 200)!r}",
                provider=None,
                body=truncate(content, 2000),
            )
            error.content = content
            error.validation_error = exc
            raise error from exc
