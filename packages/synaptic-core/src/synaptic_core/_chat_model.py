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
from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import Self

from synaptic_core._request import ChatInput, ChatRequest, to_request
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core._tools import ToolCallChunk


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
    )


class ChatModel(abc.ABC):
    """A chat model: ``await model.chat("hi")``, ``model.chat_sync("hi")``,
    ``async for chunk in model.stream_chat(...)``, ``for chunk in model.stream_chat_sync(...)``.
    """

    async def chat(self, request: ChatInput) -> ChatResponse:
        """Send a request and wait for the whole answer."""
        return await self._chat(to_request(request))

    def chat_sync(self, request: ChatInput) -> ChatResponse:
        """Blocking ``chat`` (real blocking I/O; safe inside a running event loop)."""
        return self._chat_sync(to_request(request))

    def stream_chat(self, request: ChatInput) -> AsyncIterator[AIMessageChunk]:
        """Stream the answer as chunks, as they arrive."""
        return self._stream_chat(to_request(request))

    def stream_chat_sync(self, request: ChatInput) -> Iterator[AIMessageChunk]:
        """Blocking ``stream_chat``."""
        return self._stream_chat_sync(to_request(request))

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
