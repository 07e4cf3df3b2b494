"""Budgets as they really are (issue 21, item 1 and the shared-budget warning): a 429
empties the budget until its ``retry-after``, then it refills at the configured rate;
waiters granted before the 429 queue again behind it; a 429 on a budget this process
thought had room says once that someone else spends it."""

from __future__ import annotations

import asyncio
import heapq
import warnings
from collections.abc import Coroutine
from typing import Any

import pytest

from synaptic_core import (
    AIMessage,
    ChatModel,
    ChatRequest,
    ChatResponse,
    RateLimitError,
    RetryChatModel,
    RetryConfig,
)
from synaptic_core.pacing import (
    LOCAL_BUDGET,
    Bucket,
    Limits,
    LocalRateLimiter,
    RateLimitedChatModel,
    SharedBudgetWarning,
)
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator


class Clock:
    """Virtual time shared by the emulator, the budget, retries and the callers."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


def test_a_429_empties_the_budget_until_its_retry_after_then_it_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(requests_per_minute=60, headroom=0), clock=clock)
    for _ in range(3):
        assert limiter.reserve("k", 0).wait == 0
    limiter.pause("k", 2.0)
    # At 1002.0 one request fits (what the retry-after says), then one a second: no
    # burst after the pause.
    waits = [limiter.reserve("k", 0).wait for _ in range(4)]
    assert waits == pytest.approx([2.0, 3.0, 4.0, 5.0])
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(-5.0)


def test_a_day_budget_is_emptied_only_by_a_pause_longer_than_a_minute() -> None:
    clock = Clock()
    limits = Limits(requests_per_minute=60, requests_per_day=1000, headroom=0)
    limiter = LocalRateLimiter(limits, clock=clock)
    limiter.pause("k", 2.0)
    assert limiter.snapshot("k")["requests_per_day"] == pytest.approx(1000)
    limiter.pause("k", 3600.0)
    assert limiter.snapshot("k")["requests_per_day"] == pytest.approx(1 - 3600 * 1000 / 86_400)


def test_waiters_granted_before_a_429_queue_again_behind_it() -> None:
    clock = Clock()
    limiter = LocalRateLimiter(Limits(requests_per_minute=60, headroom=0), clock=clock)
    for _ in range(60):
        limiter.reserve("k", 0)
    queued = [limiter.reserve("k", 0) for _ in range(5)]
    assert [r.wait for r in queued] == pytest.approx([1.0, 2.0, 3.0, 4.0, 5.0])
    limiter.pause("k", 10.0)  # someone else spent the budget: the server says 10 s
    clock.now += 1.0  # the first waiter wakes, as planned, at 1001
    assert limiter.recheck(queued[0]) == pytest.approx(9.0)  # 1010: when the server frees
    clock.now += 1.0
    assert limiter.recheck(queued[1]) == pytest.approx(9.0)  # 1011: then at the rate
    assert limiter.recheck(queued[0]) == 0.0  # rechecked after the reset: it may go
    # A refund of a claim granted before the reset gives nothing back.
    stale = queued[2]
    level = limiter.snapshot("k")["requests_per_minute"]
    stale.cancel()
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(level)


def test_a_recheck_past_max_wait_is_a_local_refusal() -> None:
    clock = Clock()
    limits = Limits(requests_per_minute=60, headroom=0, max_wait=30)
    limiter = LocalRateLimiter(limits, clock=clock)
    waiting = [limiter.reserve("k", 0) for _ in range(61)][-1]
    limiter.pause("k", 100.0)
    clock.now += waiting.wait
    with pytest.raises(RateLimitError) as info:
        limiter.recheck(waiting)
    assert info.value.code == LOCAL_BUDGET
    assert info.value.status_code is None
    assert not info.value.retryable
    assert waiting.done


class EventClock:
    """Discrete-event virtual time for coroutines that wait only on it: time moves to the
    earliest sleeper once every task is asleep (the fake server does no I/O)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def asleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, future))
        await future

    async def run(self, *coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._sleepers:
                target, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, target)
                future.set_result(None)
        return [t.result() for t in tasks]


class SpentServer(ChatModel):
    """A provider whose requests-per-minute budget (Groq's continuous refill) another
    job already spent: a 429 with the exact retry-after when it has no room."""

    def __init__(self, clock: EventClock, per_minute: int) -> None:
        self.clock = clock
        self.bucket = Bucket(per_minute, 60.0, 0.0, clock())  # spent: empty now
        self.answered: list[float] = []
        self.refused = 0

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        await self.clock.asleep(0.1)  # the network: requests let go together are in flight
        now = self.clock()
        self.bucket.refill(now)
        if self.bucket.level < 1:
            self.refused += 1
            wait = (1 - self.bucket.level) / self.bucket.rate
            raise RateLimitError("429", status_code=429, retry_after=wait)
        self.bucket.level -= 1
        self.answered.append(now)
        return ChatResponse(message=AIMessage("ok"))

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        raise NotImplementedError


@pytest.mark.parametrize("count", [20, 60])
async def test_a_second_job_on_a_spent_budget_meets_no_429_storm(count: int) -> None:
    """The outside check's case: the server's 6 requests per minute already spent by an
    earlier job; a new process with the same configured limits and COUNT requests at
    once meets the spent server with the burst its fresh budget allows (6), once, then
    is paced at the rate, at the ideal pace: one request when the server frees one
    (10 s), then one every 10 s. Before, every 429 only refunded and the queue burst
    again after each retry-after."""
    clock = EventClock()
    server = SpentServer(clock, per_minute=6)
    limits = Limits(requests_per_minute=6, headroom=0, max_wait=None)
    limiter = LocalRateLimiter(limits, clock=clock)
    paced = RateLimitedChatModel(server, limiter, asleep=clock.asleep)
    model = RetryChatModel(
        paced, RetryConfig(max_attempts=50, jitter=0), sleep=clock.asleep, clock=clock
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SharedBudgetWarning)
        answers = await clock.run(*(model.chat(f"q{i}") for i in range(count)))
    assert [a.content for a in answers] == ["ok"] * count
    assert server.refused == 6
    assert server.answered[0] == pytest.approx(1010.1, abs=0.2)
    assert server.answered[-1] == pytest.approx(1000.0 + 10.0 * count, abs=1.0)


def test_a_429_on_a_budget_with_room_says_once_that_someone_else_spends_it() -> None:
    clock = Clock()
    with GroqEmulator(requests_per_minute=2, clock=clock) as emulator:
        config = GroqConfig(
            "gsk_shared_budget_key", "openai/gpt-oss-20b", base_url=emulator.base_url
        )
        other = GroqChatModel(config)
        limiter = LocalRateLimiter(Limits(requests_per_minute=10), clock=clock)
        paced = RateLimitedChatModel(GroqChatModel(config), limiter, sleep=clock.sleep)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):  # twice: another client spends the budget under our feet
                other.chat_sync("a")
                other.chat_sync("b")
                with pytest.raises(RateLimitError):
                    paced.chat_sync("mine")
                clock.now += 60.0
        assert [w.category for w in caught] == [SharedBudgetWarning]
        assert 'store = "redis://' in str(caught[0].message)
        other.close()
        paced.close()


def test_no_warning_for_a_learned_budget_or_a_shared_store() -> None:
    clock = Clock()
    with GroqEmulator(requests_per_minute=1, clock=clock) as emulator:
        config = GroqConfig(
            "gsk_learned_budget_key", "openai/gpt-oss-20b", base_url=emulator.base_url
        )
        paced = RateLimitedChatModel(
            GroqChatModel(config), LocalRateLimiter(Limits(), clock=clock), sleep=clock.sleep
        )
        paced.chat_sync("one")
        with warnings.catch_warnings():
            warnings.simplefilter("error", SharedBudgetWarning)
            with pytest.raises(RateLimitError):
                paced.chat_sync("two")
        paced.close()
