"""FallbackChatModel: retryable errors move on at once; others are raised; streams fall
back only before their first chunk; a total failure carries every error."""

from __future__ import annotations

import pytest

from synaptic_core import (
    AIMessageChunk,
    AllModelsFailedError,
    AuthenticationError,
    FallbackChatModel,
    NetworkError,
    RateLimitError,
    RetryChatModel,
    RetryConfig,
    ScriptedChatModel,
    ServerError,
    StreamError,
)


def pair(
    primary: list[object], backup: list[object]
) -> tuple[FallbackChatModel, ScriptedChatModel, ScriptedChatModel]:
    a, b = ScriptedChatModel(primary), ScriptedChatModel(backup)  # type: ignore[arg-type]
    return FallbackChatModel([a, b], labels=["primary", "backup"]), a, b


@pytest.mark.parametrize(
    "error", [ServerError("503"), NetworkError("reset"), RateLimitError("429")]
)
async def test_retryable_failure_moves_to_the_next_model(error: Exception) -> None:
    model, a, b = pair([error], ["from backup"])
    assert (await model.chat("hi")).content == "from backup"
    assert (len(a.requests), len(b.requests)) == (1, 1)


def test_first_success_stops_the_search() -> None:
    model, _, b = pair(["from primary"], ["never"])
    assert model.chat_sync("hi").content == "from primary"
    assert b.requests == []


async def test_non_retryable_failure_is_raised_as_is() -> None:
    bad_key = AuthenticationError("invalid key", status_code=401)
    model, _, b = pair([bad_key], ["never"])
    with pytest.raises(AuthenticationError) as info:
        await model.chat("hi")
    assert info.value is bad_key
    assert b.requests == []


def test_all_failing_carries_every_error() -> None:
    first, second = ServerError("down", retry_after=3.0), RateLimitError("limited", retry_after=1.0)
    model, _, _ = pair([first], [second])
    with pytest.raises(AllModelsFailedError) as info:
        model.chat_sync("hi")
    error = info.value
    assert error.errors == [first, second]
    assert error.retryable is True
    assert error.retry_after == 1.0
    assert str(error) == (
        "all 2 models failed: primary: ServerError: down; backup: RateLimitError: limited"
    )


async def test_long_rate_limit_hint_falls_back_without_waiting() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    primary = RetryChatModel(
        ScriptedChatModel([RateLimitError("daily limit", retry_after=3600.0)]),
        RetryConfig(),
        sleep=sleep,
    )
    backup = ScriptedChatModel(["from backup"])
    model = FallbackChatModel([primary, backup])
    assert (await model.chat("hi")).content == "from backup"
    assert waits == []


async def test_stream_falls_back_before_the_first_chunk() -> None:
    model, _, _ = pair(
        [[StreamError("cut")]], [[AIMessageChunk(content="b1"), AIMessageChunk(content="b2")]]
    )
    assert [c.content async for c in model.stream_chat("hi")] == ["b1", "b2"]


def test_stream_sync_falls_back_before_the_first_chunk() -> None:
    model, _, _ = pair([[ServerError("x")]], [[AIMessageChunk(content="b")]])
    assert [c.content for c in model.stream_chat_sync("hi")] == ["b"]


async def test_stream_failure_after_first_chunk_propagates() -> None:
    cut = StreamError("cut")
    model, _, b = pair([[AIMessageChunk(content="a"), cut]], [[AIMessageChunk(content="never")]])
    seen: list[str] = []
    with pytest.raises(StreamError) as info:
        async for chunk in model.stream_chat("hi"):
            seen.append(chunk.content)
    assert info.value is cut
    assert seen == ["a"]
    assert b.requests == []


async def test_stream_all_failing() -> None:
    model, _, _ = pair([[ServerError("a")]], [[ServerError("b")]])
    with pytest.raises(AllModelsFailedError):
        async for _ in model.stream_chat("hi"):
            pass


def test_needs_models_and_matching_labels() -> None:
    with pytest.raises(ValueError, match="at least one model"):
        FallbackChatModel([])
    with pytest.raises(ValueError, match="one label per model"):
        FallbackChatModel([ScriptedChatModel()], labels=["a", "b"])
