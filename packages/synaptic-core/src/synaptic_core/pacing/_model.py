"""``RateLimitedChatModel``: pace requests against a shared budget before they are sent.

Retrying after a 429 is the last line of defence; pacing is the first. Each request
reserves one request and its estimated tokens, waits (FIFO, bounded, cancellable) until
the budget has them, runs, and reconciles with the real usage; the response headers
correct the budget, and a 429 pauses every request on the budget until its
``retry-after``. Streams reconcile when they end, also when cut or abandoned.

Put it inside ``RetryChatModel`` (``RetryChatModel(RateLimitedChatModel(model,
limiter))``), so every attempt is paced; ``load_chat_model`` does that for a profile
with ``limits``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from synaptic_core._chat_model import ChatModel
from synaptic_core._errors import RateLimitError
from synaptic_core._install import install_hint
from synaptic_core._request import ChatInput, ChatRequest
from synaptic_core._response import AIMessageChunk, ChatResponse
from synaptic_core.pacing._estimate import TokenEstimator
from synaptic_core.pacing._limiter import RateLimiter, Reservation
from synaptic_core.telemetry._hooks import LISTENERS


def budget_key(model: ChatModel | Any, budget: str | None = None) -> str:
    """``provider:key-hash:model`` (the key itself never leaves this function), or
    ``budget`` when a profile names a shared one."""
    if budget:
        return f"budget:{budget}"
    config = getattr(model, "config", None)
    dialect = getattr(model, "dialect", None)
    provider = (  # a chat model's dialect names it; an audio model says it itself
        getattr(dialect, "provider", None) or getattr(model, "provider", None)
        or type(model).__name__
    )  # fmt: skip
    model_id = getattr(config, "model", "") or ""
    secret: Any = getattr(config, "api_key", None)
    text = str(secret.get_secret_value()) if hasattr(secret, "get_secret_value") else ""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16] if text else "nokey"
    return f"{provider}:{digest}:{model_id}"


_LIMIT_IN_MESSAGE = re.compile(
    r"on (requests|tokens) per (minute|day) \((?:RPM|TPM|RPD|TPD)\): Limit (\d+)"
)


def limit_in_message(message: str) -> tuple[str, float, int] | None:
    """``(kind, period, limit)`` from a 429's text, as Groq words it ("... on requests
    per minute (RPM): Limit 30, Used 30 ..."): the one limit its headers never carry."""
    found = _LIMIT_IN_MESSAGE.search(message)
    if found is None:
        return None
    kind, per, limit = found.groups()
    return kind, 60.0 if per == "minute" else 86_400.0, int(limit)


def _max_tokens(model: ChatModel, request: ChatRequest) -> int | None:
    if request.max_tokens is not None:
        return request.max_tokens
    value = getattr(getattr(model, "config", None), "max_tokens", None)
    return value if isinstance(value, int) else None


class SharedBudgetWarning(UserWarning):
    """A 429 came while this process's budget had room: someone else spends it too."""


_WARNED: set[str] = set()


def warn_if_shared(key: str, limiter: Any) -> None:
    """Say once per budget that another client shares it, when the budget is this
    process's own and configured (a learned one is expected to meet the server's 429s)."""
    from synaptic_core.pacing._limiter import LocalRateLimiter  # noqa: PLC0415 (cycle)

    limits = getattr(limiter, "limits", None)
    configured = limits is not None and any(
        value is not None
        for value in (
            limits.requests_per_minute,
            limits.tokens_per_minute,
            limits.requests_per_day,
            limits.tokens_per_day,
        )
    )
    if key in _WARNED or not configured or type(limiter) is not LocalRateLimiter:
        return
    _WARNED.add(key)
    warnings.warn(
        "a 429 came while this process's rate-limit budget had room: another process or "
        "tool is spending the same limits; give every client one budget with "
        f'store = "redis://HOST:6379/0" in the profile\'s limits ({install_hint("redis")})',
        SharedBudgetWarning,
        stacklevel=2,
    )


class RateLimitedChatModel(ChatModel):
    """``RateLimitedChatModel(model, LocalRateLimiter(Limits(tokens_per_minute=6000)))``.

    ``on_wait(seconds)`` is called before each wait (the CLI says so on stderr);
    ``sleep`` / ``asleep`` are injectable for tests.
    """

    def __init__(
        self,
        model: ChatModel,
        limiter: RateLimiter,
        *,
        budget: str | None = None,
        estimator: TokenEstimator | None = None,
        on_wait: Callable[[float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.model = model
        self.limiter = limiter
        self.key = budget_key(model, budget or limiter.limits.budget)
        self.estimator = estimator or TokenEstimator()
        self.on_wait = on_wait
        self._sleep = sleep
        self._asleep = asleep

    def __repr__(self) -> str:
        return f"RateLimitedChatModel({self.model!r}, key={self.key.split(':')[0]!r})"

    def check_request(self, request: ChatInput) -> None:
        self.model.check_request(request)

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()

    # --- reservation ----------------------------------------------------------------

    def _reserve(self, request: ChatRequest) -> Reservation:
        tokens = self.estimator.estimate(request, _max_tokens(self.model, request))
        reservation = self.limiter.reserve(self.key, tokens)
        if reservation.wait > 0:
            self._announce(reservation.wait)
        return reservation

    def _announce(self, wait: float) -> None:
        """A reservation must wait: tell ``on_wait`` (the CLI) and telemetry."""
        if self.on_wait is not None:
            self.on_wait(wait)
        if LISTENERS:
            from synaptic_core.telemetry._observe import waited  # noqa: PLC0415

            waited(wait)

    def _done(self, request: ChatRequest, reservation: Reservation, answer: Any) -> None:
        usage = getattr(answer, "usage", None)
        if usage is not None:
            reservation.settle(usage.input_tokens + usage.output_tokens)
            self.estimator.learn(request, usage.input_tokens, usage.output_tokens)
        else:
            reservation.settle(None)
        self.limiter.observe(self.key, getattr(answer, "rate_limit", None))

    def _wait_sync(self, reservation: Reservation) -> None:
        """Wait the reservation's turn, and again after each wait while a 429 reset the
        budget meanwhile (``recheck``: queued again behind the pause)."""
        wait = reservation.wait
        while wait > 0:
            self._sleep(wait)
            wait = reservation.recheck()
            if wait > 0 and self.on_wait is not None:
                self.on_wait(wait)

    async def _wait(self, reservation: Reservation) -> None:
        """``_turn`` for async code: a store's ``arecheck`` never blocks the loop."""
        wait = reservation.wait
        while wait > 0:
            await self._asleep(wait)
            wait = await reservation.arecheck()
            if wait > 0 and self.on_wait is not None:
                self.on_wait(wait)

    def _refused(self, reservation: Reservation, error: RateLimitError) -> None:
        if reservation.wait == 0 and error.status_code == 429:
            warn_if_shared(self.key, reservation.limiter)
        reservation.cancel()  # a 429 is not charged
        self.limiter.pause(self.key, error.retry_after if error.retry_after else 1.0)
        self.limiter.observe(self.key, error.rate_limit)
        named = limit_in_message(error.message)
        learn = getattr(self.limiter, "learn", None)  # optional for third-party stores
        if named is not None and learn is not None:
            learn(self.key, *named)

    # --- the async twins: a store with async methods (Redis) never blocks the loop ----
    # A store without them (in-process: no I/O) goes through the sync helpers above.

    async def _areserve(self, request: ChatRequest) -> Reservation:
        areserve = getattr(self.limiter, "areserve", None)
        if areserve is None:
            return self._reserve(request)
        tokens = self.estimator.estimate(request, _max_tokens(self.model, request))
        reservation: Reservation = await areserve(self.key, tokens)
        if reservation.wait > 0:
            self._announce(reservation.wait)
        return reservation

    async def _aobserve(self, info: Any) -> None:
        aobserve = getattr(self.limiter, "aobserve", None)
        if aobserve is None:
            self.limiter.observe(self.key, info)
        else:
            await aobserve(self.key, info)

    async def _adone(self, request: ChatRequest, reservation: Reservation, answer: Any) -> None:
        if getattr(self.limiter, "aobserve", None) is None:
            self._done(request, reservation, answer)
            return
        usage = getattr(answer, "usage", None)
        info = getattr(answer, "rate_limit", None)
        used = None if usage is None else usage.input_tokens + usage.output_tokens
        # Settle and read the headers in one round trip when this model's store granted
        # the reservation (not a Redis outage's local fallback: the headers go to Redis).
        observed = await reservation.asettle(
            used, info if reservation.limiter is self.limiter else None
        )
        if usage is not None:
            self.estimator.learn(request, usage.input_tokens, usage.output_tokens)
        if not observed:
            await self._aobserve(info)

    async def _arefused(self, reservation: Reservation, error: RateLimitError) -> None:
        apause = getattr(self.limiter, "apause", None)
        if apause is None:
            self._refused(reservation, error)
            return
        if reservation.wait == 0 and error.status_code == 429:
            warn_if_shared(self.key, reservation.limiter)
        await reservation.acancel()  # a 429 is not charged
        await apause(self.key, error.retry_after if error.retry_after else 1.0)
        await self._aobserve(error.rate_limit)
        named = limit_in_message(error.message)
        alearn = getattr(self.limiter, "alearn", None)
        learn = getattr(self.limiter, "learn", None)
        if named is not None and alearn is not None:
            await alearn(self.key, *named)
        elif named is not None and learn is not None:
            learn(self.key, *named)

    async def _astream_failed(
        self,
        request: ChatRequest,
        reservation: Reservation,
        chunks: list[AIMessageChunk],
        error: BaseException,
    ) -> None:
        """``_stream_failed`` and ``_finish_cut`` for async code."""
        if isinstance(error, RateLimitError) and not chunks:
            await self._arefused(reservation, error)
        elif not chunks:
            await reservation.acancel()
        else:
            await self._adone(request, reservation, AIMessageChunk.merge(chunks))

    # --- calls ----------------------------------------------------------------------

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        reservation = await self._areserve(request)
        try:
            await self._wait(reservation)
            response = await self.model._chat(request)
        except RateLimitError as error:
            await self._arefused(reservation, error)
            raise
        except BaseException:
            await reservation.acancel()
            raise
        await self._adone(request, reservation, response)
        return response

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        reservation = self._reserve(request)
        try:
            self._wait_sync(reservation)
            response = self.model._chat_sync(request)
        except RateLimitError as error:
            self._refused(reservation, error)
            raise
        except BaseException:
            reservation.cancel()
            raise
        self._done(request, reservation, response)
        return response

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        reservation = await self._areserve(request)
        chunks: list[AIMessageChunk] = []
        try:
            await self._wait(reservation)
            async for chunk in self.model._stream_chat(request):
                if chunk.usage is not None or chunk.rate_limit is not None or not chunks:
                    chunks.append(chunk)
                yield chunk
        except BaseException as error:
            await self._astream_failed(request, reservation, chunks, error)
            raise
        await self._adone(request, reservation, AIMessageChunk.merge(chunks))

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        reservation = self._reserve(request)
        chunks: list[AIMessageChunk] = []
        try:
            self._wait_sync(reservation)
            for chunk in self.model._stream_chat_sync(request):
                if chunk.usage is not None or chunk.rate_limit is not None or not chunks:
                    chunks.append(chunk)
                yield chunk
        except BaseException as error:
            self._stream_failed(request, reservation, chunks, error)
            raise
        self._done(request, reservation, AIMessageChunk.merge(chunks))

    def _stream_failed(
        self,
        request: ChatRequest,
        reservation: Reservation,
        chunks: list[AIMessageChunk],
        error: BaseException,
    ) -> None:
        """A 429 before the first chunk is refused (refunded, pause); anything else ran."""
        if isinstance(error, RateLimitError) and not chunks:
            self._refused(reservation, error)
        else:
            self._finish_cut(request, reservation, chunks)

    def _finish_cut(
        self, request: ChatRequest, reservation: Reservation, chunks: list[AIMessageChunk]
    ) -> None:
        """A stream cut or abandoned: it ran, so it counts (its usage if it came, else
        the estimate); one that never started is refunded."""
        if not chunks:
            reservation.cancel()
        else:
            self._done(request, reservation, AIMessageChunk.merge(chunks))
