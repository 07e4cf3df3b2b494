"""``ChatModel``: the interface every provider implements, and that callers code against.

Public methods accept a ``ChatRequest``, a string, or a list of messages and normalise
it once; providers implement the underscored methods on a ``ChatRequest``. There are
two I/O paths, async and blocking, because the blocking one must be real blocking I/O:
running an event loop inside ``chat_sync`` would fail in Jupyter and inside any running
loop. A provider that cannot stream gets a default ``stream_chat`` that yields the whole
answer as one chunk.
"""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from types import ModuleType
from typing import Any, TypeVar

from pydantic import BaseModel
from typing_extensions import Self

from synaptic_core._request import ChatInput, ChatRequest, ResponseFormat, to_request
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core._tools import ToolCallChunk
from synaptic_core.telemetry._hooks import LISTENERS

ModelT = TypeVar("ModelT", bound=BaseModel)


def _structured(request: ChatInput, schema: type[BaseModel]) -> ChatRequest:
    built = to_request(request)
    if built.response_format is not None:
        return built
    return built.model_copy(update={"response_format": ResponseFormat.from_model(schema)})


def response_to_chunk(response: ChatResponse) -> AIMessageChunk:
    """A whole response as one chunk (``chunk.to_message()`` gives the message back)."""
    message = response.message
    calls = [
        ToolCallChunk(index=i, id=c.id, name=c.name, arguments=json.dumps(c.arguments))
        for i, c in enumerate(message.tool_calls)
    ]
    offset = len(calls)
    calls += [
        ToolCallChunk(index=offset + i, id=c.id, name=c.name, arguments=c.arguments)
        for i, c in enumerate(message.invalid_tool_calls)
    ]
    return AIMessageChunk(
        content=message.content,
        reasoning=message.reasoning,
        tool_call_chunks=calls,
        usage=response.usage,
        finish_reason=response.finish_reason,
        id=response.id,
        model=response.model,
        rate_limit=response.rate_limit,
        request_id=response.request_id,
        system_fingerprint=response.system_fingerprint,
        service_tier=response.service_tier,
        provider_metadata=dict(response.provider_metadata),
        http_status=response.http_status,
        http_headers=response.http_headers,
    )


class ChatStream(AsyncIterator[AIMessageChunk]):
    """What ``stream_chat`` returns: iterate it, or hold it in ``async with`` to close the
    connection when the block ends, even if the loop stopped early.

    ``async for`` runs the provider's generator itself (no per-chunk wrapper cost).
    """

    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterator[AIMessageChunk]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> AsyncIterator[AIMessageChunk]:
        return self._chunks

    async def __anext__(self) -> AIMessageChunk:
        return await self._chunks.__anext__()

    async def aclose(self) -> None:
        """Stop the stream and release its connection now."""
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class SyncChatStream(Iterator[AIMessageChunk]):
    """What ``stream_chat_sync`` returns: iterate it, or hold it in ``with`` to close the
    connection when the block ends, even if the loop stopped early."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: Iterator[AIMessageChunk]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[AIMessageChunk]:
        return self._chunks

    def __next__(self) -> AIMessageChunk:
        return next(self._chunks)

    def close(self) -> None:
        """Stop the stream and release its connection now."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def model_chain(model: ChatModel, *, every_fallback: bool = True) -> Iterator[ChatModel]:
    """``model``, then the models it wraps, depth first: a wrapper's ``model`` (retries,
    pacing), a fallback's ``models`` (all of them, or only the first with
    ``every_fallback=False``: the path a request takes first)."""
    yield model
    inner = getattr(model, "model", None)
    if isinstance(inner, ChatModel):
        yield from model_chain(inner, every_fallback=every_fallback)
    models = getattr(model, "models", None) or ()
    for each in models if every_fallback else models[:1]:
        if isinstance(each, ChatModel):
            yield from model_chain(each, every_fallback=every_fallback)


_OBSERVER: list[ModuleType] = []


def _observer() -> ModuleType:
    """``synaptic_core.telemetry._observe``, loaded on the first call observed and kept
    (an import statement on every observed call costs more than this lookup)."""
    if not _OBSERVER:
        from synaptic_core.telemetry import _observe  # noqa: PLC0415

        _OBSERVER.append(_observe)
    return _OBSERVER[0]


def _prepare(
    request: ChatInput,
    extra_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, Any] | None,
    timeout: float | None,
) -> ChatRequest:
    built = to_request(request)
    if extra_headers or extra_body or timeout is not None:
        return built.with_options(
            extra_headers=extra_headers, extra_body=extra_body, timeout=timeout
        )
    return built


class ChatModel(abc.ABC):
    """A chat model: ``await model.chat("hi")``, ``model.chat_sync("hi")``,
    ``async for chunk in model.stream_chat(...)``, ``for chunk in model.stream_chat_sync(...)``.

    Every call also takes the per-call options users of the official SDKs expect:
    ``extra_headers`` (a mapping), ``extra_body`` (fields added to the JSON body) and
    ``timeout`` (seconds, for this call whole); they are the same as building the
    request with ``ChatRequest.with_options(...)``.
    """

    async def chat(
        self,
        request: ChatInput,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatResponse:
        """Send a request and wait for the whole answer."""
        prepared = _prepare(request, extra_headers, extra_body, timeout)
        if LISTENERS:
            observed: ChatResponse = await _observer().observe_chat(self, prepared, self._chat)
            return observed
        return await self._chat(prepared)

    def chat_sync(
        self,
        request: ChatInput,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatResponse:
        """Blocking ``chat`` (real blocking I/O; safe inside a running event loop)."""
        prepared = _prepare(request, extra_headers, extra_body, timeout)
        if LISTENERS:
            answered: ChatResponse = _observer().observe_chat_sync(self, prepared, self._chat_sync)
            return answered
        return self._chat_sync(prepared)

    def stream_chat(
        self,
        request: ChatInput,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> ChatStream:
        """Stream the answer as chunks, as they arrive (``async for``, or ``async with``
        to release the connection deterministically)."""
        prepared = _prepare(request, extra_headers, extra_body, timeout)
        if LISTENERS:
            return ChatStream(
                _observer().observe_stream(self, prepared, self._stream_chat(prepared))
            )
        return ChatStream(self._stream_chat(prepared))

    def stream_chat_sync(
        self,
        request: ChatInput,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> SyncChatStream:
        """Blocking ``stream_chat`` (``for``, or ``with`` to release the connection)."""
        prepared = _prepare(request, extra_headers, extra_body, timeout)
        if LISTENERS:
            chunks = _observer().observe_stream_sync(
                self, prepared, self._stream_chat_sync(prepared)
            )
            return SyncChatStream(chunks)
        return SyncChatStream(self._stream_chat_sync(prepared))

    async def chat_parsed(self, request: ChatInput, schema: type[ModelT], **options: Any) -> ModelT:
        """Structured output in one call: ask for JSON matching ``schema`` (a pydantic
        model class) and return the validated object. A request that already sets a
        ``response_format`` keeps it. Raises ``StructuredOutputError`` on a mismatch."""
        response = await self.chat(_structured(request, schema), **options)
        return response.parse(schema)

    def chat_parsed_sync(self, request: ChatInput, schema: type[ModelT], **options: Any) -> ModelT:
        """Blocking ``chat_parsed``."""
        return self.chat_sync(_structured(request, schema), **options).parse(schema)

    def check_request(self, request: ChatInput) -> None:  # noqa: B027 (a no-op default)
        """Raise what ``request`` would raise before anything is sent (a field the
        provider refuses, text that is not Unicode), sending nothing. Bulk jobs check
        every line this way before the first request; models that check nothing
        accept everything."""

    def close(self) -> None:  # noqa: B027 (a deliberate no-op default)
        """Release connections this model opened (a no-op for models without any).

        A model closes only what it created: a backend passed in stays the caller's.
        ``with model: ...`` closes on exit; ``async with`` uses ``aclose``.
        """

    async def aclose(self) -> None:
        """Async ``close`` (also closes async connections opened in this event loop)."""
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    @abc.abstractmethod
    async def _chat(self, request: ChatRequest) -> ChatResponse:
        """Provider implementation of ``chat``."""

    @abc.abstractmethod
    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        """Provider implementation of ``chat_sync``."""

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        """Default: the whole answer as one chunk. Streaming providers override this."""
        yield response_to_chunk(await self._chat(request))

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        """Default: the whole answer as one chunk. Streaming providers override this."""
        yield response_to_chunk(self._chat_sync(request))
