"""RetryChatModel and its pure policy: attempt counts, delays, hints, deadline, streams."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from synaptic_core import (
    AIMessage,
    AIMessageChunk,
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ChatResponse,
    NetworkError,
    RateLimitError,
    RequestTimeoutError,
    RequestTooLargeError,
    RetryChatModel,
    RetryConfig,
    RetryEvent,
    ScriptedChatModel,
    ServerError,
    StreamError,
    SynapticError,
    backoff_delay,
    decide_retry,
)
from synaptic_core._scripted import Scripted

DEFAULT = RetryConfig()


@pytest.mark.parametrize(
    ("retry_number", "rand", "delay"),
    [
        (1, 0.0, 0.5),
        (2, 0.0, 1.0),
        (3, 0.0, 2.0),
        (4, 0.0, 4.0),
        (5, 0.0, 8.0),
        (6, 0.0, 8.0),  # capped
        (1, 1.0, 0.375),  # full jitter removes 25%
        (5, 0.5, 7.0),
    ],
)
def test_backoff_delay(retry_number: int, rand: float, delay: float) -> None:
    assert backoff_delay(DEFAULT, retry_number, rand) == pytest.approx(delay)


@pytest.mark.parametrize(
    ("error", "attempt", "elapsed", "config", "retry", "delay"),
    [
        (ServerError("x"), 1, 0.0, DEFAULT, True, 0.5),
        (ServerError("x"), 2, 0.0, DEFAULT, True, 1.0),
        (ServerError("x"), 3, 0.0, DEFAULT, False, 0.0),  # 3 attempts used
        (CapacityExceededError("x"), 1, 0.0, DEFAULT, True, 0.5),
        (RequestTimeoutError("x"), 1, 0.0, DEFAULT, True, 0.5),
        (NetworkError("x"), 1, 0.0, DEFAULT, True, 0.5),
        (StreamError("cut"), 1, 0.0, DEFAULT, True, 0.5),
        (RateLimitError("x"), 1, 0.0, DEFAULT, True, 0.5),
        (RateLimitError("x", retry_after=2.0), 1, 0.0, DEFAULT, True, 2.0),
        (RateLimitError("x", retry_after=0.0), 1, 0.0, DEFAULT, True, 0.0),
        (RateLimitError("x", retry_after=60.0), 1, 0.0, DEFAULT, True, 60.0),
        (RateLimitError("x", retry_after=61.0), 1, 0.0, DEFAULT, False, 61.0),
        (ServerError("x", retry_after=3.0), 1, 0.0, DEFAULT, True, 3.0),
        (BadRequestError("x"), 1, 0.0, DEFAULT, False, 0.0),
        (RequestTooLargeError("x"), 1, 0.0, DEFAULT, False, 0.0),
        (AuthenticationError("x"), 1, 0.0, DEFAULT, False, 0.0),
        (ServerError("x"), 1, 9.6, RetryConfig(deadline=10), False, 0.5),
        (ServerError("x"), 1, 9.5, RetryConfig(deadline=10), True, 0.5),
        (ServerError("x"), 1, 0.0, RetryConfig(max_attempts=1), False, 0.0),
        (ServerError("x"), 4, 0.0, RetryConfig(max_attempts=10, max_delay=1.5), True, 1.5),
    ],
)
def test_decide_retry(
    error: SynapticError,
    attempt: int,
    elapsed: float,
    config: RetryConfig,
    retry: bool,
    delay: float,
) -> None:
    decision = decide_retry(error, attempt=attempt, elapsed=elapsed, config=config, rand=0.0)
    assert decision.retry is retry
    assert decision.delay == pytest.approx(delay)


def test_decision_reasons_are_readable() -> None:
    hint = decide_retry(
        RateLimitError("x", retry_after=90), attempt=1, elapsed=0, config=DEFAULT, rand=0
    )
    assert hint.reason == "server asks to wait 90s, more than max_retry_after (60s)"
    spent = decide_retry(ServerError("x"), attempt=3, elapsed=0, config=DEFAULT, rand=0)
    assert spent.reason == "gave up after 3 attempts"
    assert decide_retry(
        BadRequestError("x"), attempt=1, elapsed=0, config=DEFAULT, rand=0
    ).reason == ("BadRequestError is not retryable")


@pytest.mark.parametrize(
    "bad", [{"max_attempts": 0}, {"jitter": 1.5}, {"backoff_factor": 0.5}, {"deadline": 0}]
)
def test_config_is_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (pydantic's ValidationError)
        RetryConfig(**bad)  # type: ignore[arg-type]


class FakeTime:
    """An injected clock whose sleeps advance it; records every wait."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep_sync(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleep_sync(seconds)


def wrap(
    script: Sequence[Scripted], config: RetryConfig = DEFAULT
) -> tuple[RetryChatModel, ScriptedChatModel, FakeTime, list[RetryEvent]]:
    inner = ScriptedChatModel(script)
    time = FakeTime()
    events: list[RetryEvent] = []
    model = RetryChatModel(
        inner,
        config,
        sleep=time.sleep,
        sleep_sync=time.sleep_sync,
        clock=time.clock,
        random=lambda: 0.0,
        on_retry=events.append,
    )
    return model, inner, time, events


# (script, expected answer or error class, expected sleeps, expected calls)
CASES: list[tuple[list[Scripted], object, list[float], int]] = [
    (["ok"], "ok", [], 1),
    ([ServerError("a"), "ok"], "ok", [0.5], 2),
    ([ServerError("a"), NetworkError("b"), "ok"], "ok", [0.5, 1.0], 3),
    ([ServerError("a"), ServerError("b"), ServerError("c"), "never"], ServerError, [0.5, 1.0], 3),
    ([RateLimitError("a", retry_after=2.5), "ok"], "ok", [2.5], 2),
    ([RateLimitError("a", retry_after=120), "never"], RateLimitError, [], 1),
    ([BadRequestError("a"), "never"], BadRequestError, [], 1),
    ([RequestTimeoutError("a"), "ok"], "ok", [0.5], 2),
]


@pytest.mark.parametrize(("script", "outcome", "sleeps", "calls"), CASES)
async def test_chat_retries_async(
    script: list[Scripted], outcome: object, sleeps: list[float], calls: int
) -> None:
    model, inner, time, _ = wrap(script)
    if isinstance(outcome, str):
        assert (await model.chat("hi")).content == outcome
    else:
        with pytest.raises(outcome):  # type: ignore[call-overload]
            await model.chat("hi")
    assert time.sleeps == sleeps
    assert len(inner.requests) == calls


@pytest.mark.parametrize(("script", "outcome", "sleeps", "calls"), CASES)
def test_chat_retries_sync(
    script: list[Scripted], outcome: object, sleeps: list[float], calls: int
) -> None:
    model, inner, time, _ = wrap(script)
    if isinstance(outcome, str):
        assert model.chat_sync("hi").content == outcome
    else:
        with pytest.raises(outcome):  # type: ignore[call-overload]
            model.chat_sync("hi")
    assert time.sleeps == sleeps
    assert len(inner.requests) == calls


async def test_the_error_that_gives_up_is_the_last_one_with_its_hint() -> None:
    final = RateLimitError("limited", retry_after=90.0)
    model, _, _, _ = wrap([ServerError("first"), final])
    with pytest.raises(RateLimitError) as info:
        await model.chat("hi")
    assert info.value is final
    assert info.value.retry_after == 90.0


async def test_on_retry_sees_each_wait() -> None:
    first, second = ServerError("a"), RateLimitError("b", retry_after=1.25)
    model, _, _, events = wrap([first, second, "ok"])
    await model.chat("hi")
    assert events == [RetryEvent(1, 0.5, first), RetryEvent(2, 1.25, second)]


async def test_deadline_stops_waits_that_would_cross_it() -> None:
    config = RetryConfig(max_attempts=10, deadline=2.0, jitter=0)
    model, inner, time, _ = wrap([ServerError(str(i)) for i in range(10)], config)
    with pytest.raises(ServerError, match=r"^2$"):
        await model.chat("hi")
    assert time.sleeps == [0.5, 1.0]  # the next wait (2.0) would end at 3.5 > 2.0
    assert len(inner.requests) == 3


async def test_same_request_is_sent_on_every_attempt() -> None:
    model, inner, _, _ = wrap([ServerError("a"), "ok"])
    await model.chat("hello")
    assert inner.requests[0] == inner.requests[1]
    assert inner.requests[0].messages[0].content == "hello"


def chunks(*texts: str) -> list[AIMessageChunk | BaseException]:
    return [AIMessageChunk(content=t) for t in texts]


async def test_stream_retried_before_its_first_chunk() -> None:
    model, inner, time, _ = wrap([[StreamError("cut")], chunks("a", "b")])
    received = [c.content async for c in model.stream_chat("hi")]
    assert received == ["a", "b"]
    assert time.sleeps == [0.5]
    assert len(inner.requests) == 2


def test_stream_sync_retried_before_its_first_chunk() -> None:
    model, inner, time, _ = wrap([[ServerError("503")], chunks("a", "b")])
    assert [c.content for c in model.stream_chat_sync("hi")] == ["a", "b"]
    assert time.sleeps == [0.5]
    assert len(inner.requests) == 2


async def test_stream_error_after_first_chunk_propagates_without_replay() -> None:
    cut = StreamError("cut mid-stream")
    model, inner, time, _ = wrap([[*chunks("a", "b"), cut], chunks("never")])
    received: list[str] = []
    with pytest.raises(StreamError) as info:
        async for chunk in model.stream_chat("hi"):
            received.append(chunk.content)
    assert info.value is cut
    assert received == ["a", "b"]
    assert time.sleeps == []
    assert len(inner.requests) == 1


def test_stream_sync_error_after_first_chunk_propagates() -> None:
    model, inner, _, _ = wrap([[*chunks("a"), ServerError("x")], chunks("never")])
    stream = model.stream_chat_sync("hi")
    assert next(stream).content == "a"
    with pytest.raises(ServerError):
        next(stream)
    assert len(inner.requests) == 1


async def test_stream_is_not_buffered() -> None:
    """Each chunk reaches the caller before the inner stream produces the next one."""
    produced: list[str] = []

    class Inner(ScriptedChatModel):
        async def _stream_chat(self, request):  # type: ignore[no-untyped-def]
            for text in ("a", "b", "c"):
                produced.append(text)
                yield AIMessageChunk(content=text)

    model = RetryChatModel(Inner())
    seen: list[tuple[str, int]] = []
    async for chunk in model.stream_chat("hi"):
        seen.append((chunk.content, len(produced)))
    assert seen == [("a", 1), ("b", 2), ("c", 3)]


async def test_stream_gives_up_after_max_attempts() -> None:
    model, inner, time, _ = wrap([[ServerError("1")], [ServerError("2")], [ServerError("3")]])
    with pytest.raises(ServerError, match=r"^3$"):
        async for _ in model.stream_chat("hi"):
            pass
    assert time.sleeps == [0.5, 1.0]
    assert len(inner.requests) == 3


async def test_empty_stream_ends_cleanly() -> None:
    model, _, _, _ = wrap([[]])
    assert [c async for c in model.stream_chat("hi")] == []


def test_retry_layers_wrap_any_chat_model() -> None:
    response = ChatResponse(message=AIMessage("done"))
    model, _, _, _ = wrap([NetworkError("x"), response])
    assert model.chat_sync("hi") is response
