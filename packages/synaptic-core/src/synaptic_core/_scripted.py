"""``ScriptedChatModel``: a ChatModel that answers from a script, for tests and demos.

Where ``FakeBackend`` fakes the network under a real provider, this fakes the whole
model, so code that only depends on ``ChatModel`` can be tested without any wire format.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import TypeAlias

from synaptic_core._chat_model import ChatModel, response_to_chunk
from synaptic_core._messages import AIMessage, HumanMessage
from synaptic_core._request import ChatRequest
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core._usage import TokenUsage

Scripted: TypeAlias = (
    "ChatResponse | AIMessage | str | BaseException | Sequence[AIMessageChunk | BaseException]"
)
"""One scripted answer: a response, a message, text, an error to raise, or (for streams)
a list of chunks in which an exception is raised at its position."""


class ScriptedModelExhaustedError(AssertionError):
    """The model was called more times than it had answers scripted."""


def _echo(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if isinstance(message, HumanMessage):
            return message.content
    return ""


class ScriptedChatModel(ChatModel):
    """Answers each call with the next scripted entry and records every request.

    With ``echo=True`` a call with nothing left in the script answers with the last
    human message's text instead of failing, which makes a deterministic, offline
    stand-in for a real model.
    """

    def __init__(
        self, script: Iterable[Scripted] = (), *, echo: bool = False, model: str = "scripted"
    ) -> None:
        self._script: deque[Scripted] = deque(script)
        self.echo = echo
        self.model = model
        self.requests: list[ChatRequest] = []

    def __repr__(self) -> str:
        return f"ScriptedChatModel(model={self.model!r}, {len(self._script)} scripted)"

    @property
    def remaining(self) -> int:
        """Scripted answers not consumed yet."""
        return len(self._script)

    def _next(self, request: ChatRequest) -> Scripted:
        self.requests.append(request)
        if self._script:
            return self._script.popleft()
        if self.echo:
            return _echo(request)
        msg = (
            f"ScriptedChatModel has no answer left for call #{len(self.requests)}; "
            "script more answers or pass echo=True"
        )
        raise ScriptedModelExhaustedError(msg)

    def _respond(self, entry: Scripted) -> ChatResponse:
        if isinstance(entry, BaseException):
            raise entry
        if isinstance(entry, ChatResponse):
            return entry
        if isinstance(entry, str):
            entry = AIMessage(entry)
        if isinstance(entry, AIMessage):
            usage = entry.usage or TokenUsage()
            return ChatResponse(message=entry, usage=usage, finish_reason="stop", model=self.model)
        merged = AIMessageChunk.merge(_raise_errors(entry))
        return ChatResponse(
            message=merged.to_message(),
            usage=merged.usage,
            finish_reason=merged.finish_reason,
            model=self.model,
        )

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return self._respond(self._next(request))

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        return self._respond(self._next(request))

    def _chunks(self, entry: Scripted) -> Iterator[AIMessageChunk]:
        if isinstance(entry, ChatResponse | AIMessage | str | BaseException):
            yield response_to_chunk(self._respond(entry))
        else:
            yield from _raise_errors(entry)

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        for chunk in self._chunks(self._next(request)):
            yield chunk

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        yield from self._chunks(self._next(request))


def _raise_errors(items: Sequence[AIMessageChunk | BaseException]) -> Iterator[AIMessageChunk]:
    for item in items:
        if isinstance(item, BaseException):
            raise item
        yield item
