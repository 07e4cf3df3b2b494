"""The budgets a live job is paced by: making a model ready for bulk work (paced and
retried), what the job reads from its budgets, and the one thing it adds.

It reads how long a budget lets a request wait (``max_wait``: a 429 asking for longer
stops the job instead of writing lines as failed) and its rates and levels (for the
time left). It adds a watch below each paced model while the job runs (``SentWatch``):
an error that comes out of the model the budget sends through was the request's own
(sent and answered, or lost in transit); one raised above it refused the request
before it left (the budget, its store). A store's ``NetworkError`` looks exactly like
the network's, so the difference is marked where it can be seen. The budget itself is
left as it is: its store protocol is its own business.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Literal

from synaptic_core import (
    AIMessageChunk,
    ChatModel,
    ChatRequest,
    ChatResponse,
    RetryChatModel,
    model_chain,
)
from synaptic_core.pacing import Limits, RateLimitedChatModel, pace
from synaptic_openai.batch._progress import BudgetRate
from synaptic_openai.batch._stops import mark_sent


def ready_for_bulk(model: ChatModel) -> ChatModel:
    """``model`` paced and retried: as it is when it already is; otherwise paced from
    the provider's headers (one budget per process) and/or retried with the defaults.
    The caller's model objects are not changed (a retry wrapper is copied)."""
    chain = list(model_chain(model))
    if not any(isinstance(m, RateLimitedChatModel) for m in chain):
        if isinstance(model, RetryChatModel):
            retried = copy.copy(model)
            retried.model = pace(model.model)
            return retried
        model = pace(model)
    if not any(isinstance(m, RetryChatModel) for m in chain):
        model = RetryChatModel(model)
    return model


class SentWatch(ChatModel):
    """What a paced model sends through, watched: every error out of it is marked as
    the request's own (``mark_sent``). Anything else is read from the model it wraps."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model

    def __repr__(self) -> str:
        return f"SentWatch({self.model!r})"

    def __getattr__(self, name: str) -> Any:  # config, dialect, ...: the model's
        if name in ("model", "models"):  # not a fallback's models twice in model_chain
            raise AttributeError(name)
        return getattr(self.model, name)

    def check_request(self, request: Any) -> None:
        self.model.check_request(request)

    def close(self) -> None:
        self.model.close()

    async def aclose(self) -> None:
        await self.model.aclose()

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        try:
            return await self.model._chat(request)
        except BaseException as exc:
            mark_sent(exc)
            raise

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        try:
            return self.model._chat_sync(request)
        except BaseException as exc:
            mark_sent(exc)
            raise

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        try:
            async for chunk in self.model._stream_chat(request):
                yield chunk
        except BaseException as exc:
            mark_sent(exc)
            raise

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        try:
            yield from self.model._stream_chat_sync(request)
        except BaseException as exc:
            mark_sent(exc)
            raise


def watch(paced: RateLimitedChatModel) -> None:
    """Put a ``SentWatch`` below ``paced`` (once)."""
    if not isinstance(paced.model, SentWatch):
        paced.model = SentWatch(paced.model)


def unwatch(paced: RateLimitedChatModel) -> None:
    """Take the ``SentWatch`` away again: the model is as the caller gave it."""
    if isinstance(paced.model, SentWatch):
        paced.model = paced.model.model


def allowed_wait(paced: Iterable[RateLimitedChatModel]) -> float | None:
    """The longest every budget of the job lets a request wait (None: one has no bound,
    or there is no budget: then a long 429 hint is waited out)."""
    limits: list[Limits] = [model.limiter.limits for model in paced]
    waits = [each.max_wait for each in limits]
    if not waits or any(wait is None for wait in waits):
        return None
    return min(wait for wait in waits if wait is not None)


def budget_rates(paced: Iterable[RateLimitedChatModel]) -> tuple[list[BudgetRate], float]:
    """The limits the job is paced by (configured, or learned from the headers and 429s:
    the in-process budget's buckets) as rates, and seconds until a 429's pause ends."""
    rates: list[BudgetRate] = []
    not_before = 0.0
    for model in paced:
        limiter: Any = model.limiter
        learned = _buckets(limiter, model.key)
        if learned is not None:
            found, pause = learned
            rates += found
            not_before = max(not_before, pause)
            continue
        limits = limiter.limits  # another store: what is configured
        if limits.requests_per_minute:
            rates.append(BudgetRate("requests", limits.requests_per_minute / 60.0))
        if limits.tokens_per_minute:
            rates.append(BudgetRate("tokens", limits.tokens_per_minute / 60.0))
    return rates, not_before


def _buckets(limiter: Any, key: str) -> tuple[list[BudgetRate], float] | None:
    """The in-process budget's limits for ``key`` as rates, with what each holds now,
    and the seconds left of a 429's pause; None for a store that does not keep them
    here. Read only (the estimate must not move the budget), and defensively: a budget
    of another shape falls back to its configured limits."""
    states = getattr(limiter, "_states", None)
    clock = getattr(limiter, "_clock", None)
    if not isinstance(states, dict) or not callable(clock):
        return None
    state = states.get(key)
    if state is None:
        return [], 0.0
    try:
        now = float(clock())
        rates = []
        kinds: tuple[tuple[Literal["requests", "tokens"], Any], ...] = (
            ("requests", state.requests),
            ("tokens", state.tokens),
        )
        for kind, buckets in kinds:
            for bucket in list(buckets.values()):
                rate = float(bucket.rate)
                level = min(bucket.capacity, bucket.level + max(0.0, now - bucket.stamp) * rate)
                rates.append(BudgetRate(kind, rate, level))
        return rates, max(0.0, float(state.not_before) - now)
    except (AttributeError, TypeError, ValueError):
        return None
