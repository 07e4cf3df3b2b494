"""``RetryChatModel``: the single retry layer. Policy is pure; the loops are thin.

The transport never retries, so retries never multiply. What is retried is decided by
``error.retryable`` (rate limits, 5xx and 498, timeouts, network failures, cut streams);
how long to wait by the server's hint when it gave one (up to ``max_retry_after``; a
longer hint is raised at once, hint attached, so a caller or a fallback can decide),
else by exponential backoff with jitter and a cap. A stream is retried only until its
first chunk has reached the caller; after that an error propagates, because replaying
would duplicate text the caller already has. Streams are never buffered.

Sleep, clock and randomness are injectable, so tests assert exact delays without
sleeping; ``decide_retry`` and ``backoff_delay`` are pure and tested from tables.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core._chat_model import ChatModel
from synaptic_core._errors import SynapticError
from synaptic_core._logging import get_logger
from synaptic_core._request import ChatInput, ChatRequest
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core.telemetry._hooks import LISTENERS

logger = get_logger("retry")


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # noqa: PLC0415 (asyncio is only needed once something is retried)

    await asyncio.sleep(seconds)


class RetryConfig(BaseModel):
    """How ``RetryChatModel`` retries. Defaults match the reference's ``RetryConfig``.

    ``max_attempts`` counts the first try. The n-th retry waits
    ``min(initial_delay * backoff_factor**(n-1), max_delay)``, reduced by up to
    ``jitter`` (a fraction) at random so that clients spread out. ``deadline`` (seconds)
    bounds all attempts and waits together: a wait that would cross it is not started.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_attempts: int = Field(default=3, ge=1)
    initial_delay: float = Field(default=0.5, ge=0)
    backoff_factor: float = Field(default=2.0, ge=1)
    max_delay: float = Field(default=8.0, ge=0)
    jitter: float = Field(default=0.25, ge=0, le=1)
    max_retry_after: float = Field(default=60.0, ge=0)
    deadline: float | None = Field(default=None, gt=0)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Whether to retry after a failure, after how long, and why (for logs)."""

    retry: bool
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """Passed to ``on_retry`` before each wait: what failed, and how long we wait."""

    attempt: int
    delay: float
    error: SynapticError


def backoff_delay(config: RetryConfig, retry_number: int, rand: float) -> float:
    """Delay before retry ``retry_number`` (1 = the first retry), ``rand`` in [0, 1)."""
    base = min(config.initial_delay * config.backoff_factor ** (retry_number - 1), config.max_delay)
    return base * (1.0 - config.jitter * rand)


def decide_retry(
    error: SynapticError, *, attempt: int, elapsed: float, config: RetryConfig, rand: float
) -> RetryDecision:
    """Decide what to do after attempt number ``attempt`` (1-based) failed with ``error``,
    ``elapsed`` seconds after the first attempt started."""
    if not error.retryable:
        return RetryDecision(False, 0.0, f"{type(error).__name__} is not retryable")
    if attempt >= config.max_attempts:
        return RetryDecision(False, 0.0, f"gave up after {attempt} attempts")
    hint = error.retry_after
    if hint is not None:
        if hint > config.max_retry_after:
            return RetryDecision(
                False,
                hint,
                f"server asks to wait {hint:g}s, more than max_retry_after "
                f"({config.max_retry_after:g}s)",
            )
        delay, source = hint, "server hint"
    else:
        delay, source = backoff_delay(config, attempt, rand), "backoff"
    if config.deadline is not None and elapsed + delay > config.deadline:
        return RetryDecision(
            False, delay, f"waiting {delay:g}s would pass the {config.deadline:g}s deadline"
        )
    return RetryDecision(True, delay, source)


T = TypeVar("T")


class _Attempts:
    """The state of one call's retries: attempt count and start time."""

    __slots__ = ("_owner", "_start", "attempt")

    def __init__(self, owner: RetryKnobs) -> None:
        self._owner = owner
        self._start = owner.clock()
        self.attempt = 0

    def delay_after(self, error: SynapticError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up (and raise)."""
        owner = self._owner
        self.attempt += 1
        decision = decide_retry(
            error,
            attempt=self.attempt,
            elapsed=owner.clock() - self._start,
            config=owner.config,
            rand=owner.random(),
        )
        if not decision.retry:
            if error.retryable:
                logger.warning("not retrying: %s (%s)", decision.reason, type(error).__name__)
            return None
        logger.info(
            "attempt %d failed (%s); retrying in %.3fs (%s)",
            self.attempt,
            type(error).__name__,
            decision.delay,
            decision.reason,
        )
        if owner.on_retry is not None:
            owner.on_retry(RetryEvent(self.attempt, decision.delay, error))
        if LISTENERS:
            from synaptic_core.telemetry._observe import retried  # noqa: PLC0415

            retried(self.attempt, decision.delay, error)
        return decision.delay


class RetryKnobs:
    """What every retrying wrapper holds (chat here, audio in ``synaptic_core.audio``):
    the wrapped model, the ``RetryConfig``, and the injectable ``sleep`` /
    ``sleep_sync`` / ``clock`` (monotonic seconds) / ``random``; ``on_retry`` is called
    before each wait (e.g. to show it to a user)."""

    def __init__(
        self,
        model: Any,
        config: RetryConfig | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = _asyncio_sleep,
        sleep_sync: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random.random,
        on_retry: Callable[[RetryEvent], None] | None = None,
    ) -> None:
        self.model = model
        self.config = config or RetryConfig()
        self.sleep = sleep
        self.sleep_sync = sleep_sync
        self.clock = clock
        self.random = random
        self.on_retry = on_retry

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model!r}, {self.config!r})"

    def _retried_sync(self, call: Callable[[], T]) -> T:
        """``call()``, again after each retryable failure, until it passes or gives up."""
        attempts = _Attempts(self)
        while True:
            try:
                return call()
            except SynapticError as error:
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
            self.sleep_sync(delay)

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        """``_retried_sync`` for async calls."""
        attempts = _Attempts(self)
        while True:
            try:
                return await call()
            except SynapticError as error:
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
            await self.sleep(delay)


class RetryChatModel(RetryKnobs, ChatModel):
    """Wraps a model and retries retryable failures: ``RetryChatModel(model, RetryConfig())``
    (the knobs: ``RetryKnobs``)."""

    model: ChatModel

    def check_request(self, request: ChatInput) -> None:
        self.model.check_request(request)

    def close(self) -> None:
        """Close the wrapped model."""
        self.model.close()

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.model.aclose()

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return await self._retried(lambda: self.model.chat(request))

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        return self._retried_sync(lambda: self.model.chat_sync(request))

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        attempts = _Attempts(self)
        while True:
            stream = self.model.stream_chat(request)
            try:
                first = await stream.__anext__()
            except StopAsyncIteration:
                return
            except SynapticError as error:
                await _aclose(stream)
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
                await self.sleep(delay)
                continue
            break
        try:
            yield first
            async for chunk in stream:
                yield chunk
        finally:
            await _aclose(stream)

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        attempts = _Attempts(self)
        while True:
            stream = self.model.stream_chat_sync(request)
            try:
                first = next(stream)
            except StopIteration:
                return
            except SynapticError as error:
                _close(stream)
                delay = attempts.delay_after(error)
                if delay is None:
                    raise
                self.sleep_sync(delay)
                continue
            break
        try:
            yield first
            yield from stream
        finally:
            _close(stream)


async def _aclose(stream: AsyncIterator[AIMessageChunk]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _close(stream: Iterator[AIMessageChunk]) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        close()
