"""``FallbackChatModel``: try models in order until one answers.

It moves on at once (no waiting: waiting is ``RetryChatModel``'s job) when a model fails
with a retryable error, which includes a ``RateLimitError`` whose hint was longer than
the retry layer would wait. Non-retryable errors (a bad request, a bad key) are raised
as they are: another model would most likely fail the same way, and hiding the cause
would make it harder to fix. A stream falls back only before its first chunk reached
the caller. When every model fails, ``AllModelsFailedError`` carries each error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

from synaptic_core._chat_model import ChatModel
from synaptic_core._errors import SynapticError, truncate
from synaptic_core._logging import get_logger
from synaptic_core._request import ChatInput, ChatRequest
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core._retry import _aclose, _close
from synaptic_core.telemetry._hooks import LISTENERS

logger = get_logger("fallback")


class AllModelsFailedError(SynapticError):
    """Every model of a ``FallbackChatModel`` failed; ``errors`` holds each one, in order."""

    errors: list[SynapticError]

    @classmethod
    def from_errors(
        cls, labels: Sequence[str], errors: Sequence[SynapticError]
    ) -> AllModelsFailedError:
        """Summarise the attempts; the result is retryable only if every cause was."""
        parts = "; ".join(
            f"{label}: {type(e).__name__}: {truncate(str(e), 200)}"
            for label, e in zip(labels, errors, strict=True)
        )
        hints = [e.retry_after for e in errors if e.retry_after is not None]
        last = errors[-1]
        error = cls(
            f"all {len(errors)} models failed: {parts}",
            provider=last.provider,
            status_code=last.status_code,
            request_id=last.request_id,
            retryable=all(e.retryable for e in errors),
            retry_after=min(hints) if hints else None,
        )
        error.errors = list(errors)
        return error


class FallbackChatModel(ChatModel):
    """``FallbackChatModel([primary, backup, ...])``; ``labels`` name them in errors."""

    def __init__(self, models: Sequence[ChatModel], *, labels: Sequence[str] | None = None) -> None:
        if not models:
            msg = "FallbackChatModel needs at least one model"
            raise ValueError(msg)
        if labels is not None and len(labels) != len(models):
            msg = "FallbackChatModel: give one label per model"
            raise ValueError(msg)
        self.models = list(models)
        self.labels = list(labels) if labels is not None else [repr(m) for m in models]

    def __repr__(self) -> str:
        return f"FallbackChatModel({self.labels!r})"

    def check_request(self, request: ChatInput) -> None:
        """Checked against the first model (the one every request tries first)."""
        self.models[0].check_request(request)

    def close(self) -> None:
        """Close every model."""
        for model in self.models:
            model.close()

    async def aclose(self) -> None:
        """Close every model."""
        for model in self.models:
            await model.aclose()

    def _failed(self, index: int, error: SynapticError, errors: list[SynapticError]) -> None:
        """Record a failure; re-raise unless we may fall back (the caller raises)."""
        errors.append(error)
        if not error.retryable:
            raise error
        if index + 1 < len(self.models):
            logger.warning(
                "%s failed (%s); falling back to %s",
                self.labels[index],
                type(error).__name__,
                self.labels[index + 1],
            )
            if LISTENERS:
                from synaptic_core.telemetry._observe import fell_back  # noqa: PLC0415

                fell_back(self.labels[index], error, self.labels[index + 1])

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        errors: list[SynapticError] = []
        for index, model in enumerate(self.models):
            try:
                return await model.chat(request)
            except SynapticError as error:
                self._failed(index, error, errors)
        raise AllModelsFailedError.from_errors(self.labels, errors)

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        errors: list[SynapticError] = []
        for index, model in enumerate(self.models):
            try:
                return model.chat_sync(request)
            except SynapticError as error:
                self._failed(index, error, errors)
        raise AllModelsFailedError.from_errors(self.labels, errors)

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        errors: list[SynapticError] = []
        for index, model in enumerate(self.models):
            stream = model.stream_chat(request)
            try:
                first = await stream.__anext__()
            except StopAsyncIteration:
                return
            except SynapticError as error:
                await _aclose(stream)
                self._failed(index, error, errors)
                continue
            try:
                yield first
                async for chunk in stream:
                    yield chunk
            finally:
                await _aclose(stream)
            return
        raise AllModelsFailedError.from_errors(self.labels, errors)

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        errors: list[SynapticError] = []
        for index, model in enumerate(self.models):
            stream = model.stream_chat_sync(request)
            try:
                first = next(stream)
            except StopIteration:
                return
            except SynapticError as error:
                _close(stream)
                self._failed(index, error, errors)
                continue
            try:
                yield first
                yield from stream
            finally:
                _close(stream)
            return
        raise AllModelsFailedError.from_errors(self.labels, errors)
