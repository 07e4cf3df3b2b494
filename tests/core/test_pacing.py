"""Pacing in one process: reservations, FIFO waits, reconciliation, header correction,
the 429 "not before", the never-fits error, max_wait, streams, and load_chat_model."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import synaptic
from synaptic_core import (
    ChatRequest,
    ConfigError,
    FakeBackend,
    Message,
    RateLimitError,
    RateLimitInfo,
    RequestTooLargeError,
    RetryChatModel,
)
from synaptic_core.pacing import (
    Bucket,
    Limits,
    LocalRateLimiter,
    RateLimitedChatModel,
    SharedBudgetWarning,
    TokenEstimator,
)
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def completion(
    prompt_tokens: int = 10, completion_tokens: int = 5, **headers: str
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "openai/gpt-oss-20b",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def groq(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(GroqConfig("gsk_pacing_key", "openai/gpt-oss-20b"), backend)


# --- the arithmetic -------------------------------------------------------------------


def test_a_bucket_goes_into_debt_and_says_how_long_to_wait() -> None:
    bucket = Bucket.full(60, 60.0, now=0.0)  # one per second
    assert bucket.take(60, 0.0) == 0.0
    assert bucket.take(1, 0.0) == 1.0
    assert bucket.take(1, 0.0) == 2.0  # FIFO: a later arrival waits longer
    bucket.give(2, 0.0)
    assert bucket.take(1, 0.5) == pytest.approx(0.5)


def test_reservations_are_first_come_first_served() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(headroom=0, requests_per_minute=2), clock=clock)
    waits = [limiter.reserve("k", 1).wait for _ in range(5)]
    assert waits == [0.0, 0.0, 30.0, 60.0, 90.0]


def test_a_request_that_can_never_fit_fails_at_once() -> None:
    limiter = LocalRateLimiter(Limits(headroom=0, tokens_per_minute=1000), clock=Clock())
    with pytest.raises(RequestTooLargeError) as info:
        limiter.reserve("k", 1500)
    assert info.value.code == "rate_limit_exceeded"
    assert "more than the limit of 1,000 tokens per minute" in str(info.value)
    assert limiter.snapshot("k") == {"tokens_per_minute": 1000.0}


def test_a_wait_past_max_wait_is_refused_and_refunded() -> None:
    limiter = LocalRateLimiter(
        Limits(headroom=0, requests_per_minute=1, max_wait=10), clock=Clock()
    )
    limiter.reserve("k", 0)
    with pytest.raises(RateLimitError) as info:
        limiter.reserve("k", 0)
    assert info.value.retry_after == 60.0
    assert info.value.retryable is False
    assert limiter.snapshot("k") == {"requests_per_minute": 0.0}


def test_settle_refunds_or_debits_the_difference() -> None:
    limiter = LocalRateLimiter(Limits(headroom=0, tokens_per_minute=1000), clock=Clock())
    limiter.reserve("k", 300).settle(100)
    assert limiter.snapshot("k") == {"tokens_per_minute": 900.0}
    limiter.reserve("k", 100).settle(400)
    assert limiter.snapshot("k") == {"tokens_per_minute": 500.0}
    limiter.reserve("k", 100).cancel()
    assert limiter.snapshot("k") == {"tokens_per_minute": 500.0}


def test_headers_correct_the_budget_and_teach_unset_limits() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(clock=clock)  # nothing configured
    info = RateLimitInfo(
        limit_requests=14_400, remaining_requests=14_000, limit_tokens=6_000, remaining_tokens=1_000
    )
    limiter.observe("k", info)
    assert limiter.snapshot("k") == {"requests_per_day": 14_000.0, "tokens_per_minute": 1_000.0}
    in_flight = limiter.reserve("k", 200)  # the server does not know it yet
    limiter.observe("k", info.model_copy(update={"remaining_tokens": 900}))
    assert limiter.snapshot("k")["tokens_per_minute"] == 700.0  # 900 - 200 in flight
    limiter.observe("k", info.model_copy(update={"remaining_tokens": 5_000}))  # higher: ours wins
    assert limiter.snapshot("k")["tokens_per_minute"] == 700.0
    in_flight.settle(200)


def test_a_429_pauses_everyone_on_the_budget() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(headroom=0, requests_per_minute=100), clock=clock)
    limiter.pause("k", 7.5)
    assert limiter.reserve("k", 0).wait == 7.5
    assert limiter.reserve("other", 0).wait == 0.0


def test_the_estimator_learns_from_usage() -> None:
    estimator = TokenEstimator()
    request = ChatRequest([Message.human("x" * 400)])
    assert estimator.input_tokens(request) == 104
    assert estimator.estimate(request) == 104 + 256
    assert estimator.estimate(request, max_tokens=10) == 114
    for _ in range(30):
        estimator.learn(request, input_tokens=204, output_tokens=40)  # 2 chars a token
    assert estimator.input_tokens(request) == pytest.approx(204, abs=3)
    assert estimator.estimate(request) == pytest.approx(204 + 40, abs=4)


# --- the model ------------------------------------------------------------------------


def test_requests_wait_for_the_budget_and_reconcile() -> None:
    clock = Clock()
    backend = FakeBackend()
    for _ in range(3):
        backend.add_response(completion(10, 5))
    limiter = LocalRateLimiter(
        Limits(headroom=0, requests_per_minute=2, tokens_per_minute=10_000), clock=clock
    )
    waits: list[float] = []
    model = RateLimitedChatModel(groq(backend), limiter, on_wait=waits.append, sleep=clock.sleep)
    for _ in range(3):
        model.chat_sync(ChatRequest([Message.human("hello")], max_tokens=50))
    assert clock.slept == [30.0]
    assert waits == [30.0]
    assert limiter.snapshot(model.key)["tokens_per_minute"] == 10_000  # refilled to the cap
    assert model.estimator.typical_output < 256  # learning from the 5-token answers


def test_a_429_empties_the_budget_and_pauses() -> None:
    """A 429 means the server's budget is spent whatever was configured (DESIGN 17): the
    budget holds one request at the retry-after, then refills at its rate."""
    clock = Clock()
    backend = FakeBackend().add_response(
        {"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}},
        status=429,
        headers={"retry-after": "4"},
    )
    backend.add_response(completion())
    limiter = LocalRateLimiter(Limits(headroom=0, requests_per_minute=120), clock=clock)
    paced = RateLimitedChatModel(groq(backend), limiter, sleep=clock.sleep)
    with pytest.raises(RateLimitError), pytest.warns(SharedBudgetWarning):
        paced.chat_sync("hi")
    assert limiter.snapshot(paced.key)["requests_per_minute"] == 1.0 - 4 * 2.0  # emptied
    assert limiter.reserve(paced.key, 0).wait == 4.0  # everyone waits out the retry-after
    assert limiter.reserve(paced.key, 0).wait == 4.5  # then the rate: no burst


def test_the_key_never_holds_the_api_key() -> None:
    model = RateLimitedChatModel(groq(FakeBackend()), LocalRateLimiter())
    assert "gsk_pacing_key" not in model.key
    assert model.key.startswith("groq:")
    assert model.key.endswith(":openai/gpt-oss-20b")
    assert "gsk_pacing_key" not in repr(model)


SSE = [
    {"id": "c", "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}]},
    {
        "id": "c",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 2, "total_tokens": 22},
    },
]


def test_streams_reconcile_when_they_end_and_when_abandoned() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(headroom=0, tokens_per_minute=10_000), clock=clock)
    model = RateLimitedChatModel(
        groq(FakeBackend().add_sse(SSE).add_sse(SSE)), limiter, sleep=clock.sleep
    )
    request = ChatRequest([Message.human("hi")], max_tokens=100)
    assert [c.content for c in model.stream_chat_sync(request)] == ["a", ""]
    assert limiter.snapshot(model.key)["tokens_per_minute"] == 10_000 - 22
    with model.stream_chat_sync(request) as stream:
        next(stream)  # abandoned after the first chunk: counted at its estimate
    estimate = model.estimator.estimate(request, 100)
    assert limiter.snapshot(model.key)["tokens_per_minute"] == pytest.approx(
        10_000 - 22 - estimate, abs=1
    )


async def test_async_waits_are_paced_and_cancellable() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(headroom=0, requests_per_minute=1), clock=clock)
    backend = FakeBackend().add_response(completion()).add_response(completion())
    model = RateLimitedChatModel(groq(backend), limiter, asleep=clock.asleep)
    await model.chat("one")
    await model.chat("two")
    assert clock.slept == [60.0]

    async def never(_: float) -> None:
        await asyncio.sleep(3600)

    blocked = RateLimitedChatModel(groq(FakeBackend()), limiter, asleep=never)
    task = asyncio.create_task(blocked.chat("three"))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert limiter.snapshot(blocked.key)["requests_per_minute"] == pytest.approx(0.0)  # refunded


def test_paced_against_the_emulator_sends_no_429() -> None:
    clock = Clock()
    with GroqEmulator(requests_per_minute=3, tokens_per_minute=100_000, clock=clock) as emulator:
        limiter = LocalRateLimiter(Limits(headroom=0, requests_per_minute=3), clock=clock)
        inner = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=emulator.base_url))
        with RateLimitedChatModel(inner, limiter, sleep=clock.sleep) as model:
            for i in range(9):
                model.chat_sync(f"question {i}")
        stats = emulator.stats.snapshot()
    assert stats["requests_by_status"] == {"200": 9}
    assert sum(clock.slept) == pytest.approx(120.0)  # 9 requests at 3 a minute: 6 waited


# --- from config ----------------------------------------------------------------------


def test_load_chat_model_with_limits_shares_one_budget() -> None:
    env = {"GROQ_API_KEY": "gsk_x"}
    first = synaptic.load_chat_model(
        "groq:openai/gpt-oss-20b", environ=env, limits={"requests_per_minute": 30}, retry={}
    )
    second = synaptic.load_chat_model(
        "groq:openai/gpt-oss-20b", environ=env, limits={"requests_per_minute": 30}
    )
    assert isinstance(first, RetryChatModel)
    paced = first.model
    assert isinstance(paced, RateLimitedChatModel)
    assert isinstance(second, RetryChatModel)  # retries by default (DESIGN 18)
    assert isinstance(second.model, RateLimitedChatModel)
    assert paced.limiter is second.model.limiter
    assert paced.key == second.model.key


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (
            {"requests_per_minut": 3},
            "invalid limits for 'groq:openai/gpt-oss-20b': unknown setting",
        ),
        ({"tokens_per_minute": 0}, "invalid limits"),
        ({"store": "nosuch://host"}, "no installed store for nosuch:// URLs"),
        ("fast", "'limits' must be a table of settings"),
    ],
)
def test_bad_limits_are_config_errors(limits: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        synaptic.load_chat_model(
            "groq:openai/gpt-oss-20b", environ={"GROQ_API_KEY": "k"}, limits=limits
        )


def test_headroom_keeps_a_share_of_each_configured_limit() -> None:
    limiter = LocalRateLimiter(Limits(requests_per_minute=600), clock=Clock())
    assert limiter.snapshot("k") == {"requests_per_minute": 594.0}  # 1% by default
    assert Limits(requests_per_minute=600, headroom=0.1).capacity(600) == 540.0
