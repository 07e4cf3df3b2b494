"""Instrumentation points: one ChatCall per caller's request, the events in order, and
nothing at all when nobody listens."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    ChatRequest,
    FakeBackend,
    FallbackChatModel,
    HumanMessage,
    RateLimitError,
    RetryChatModel,
    RetryConfig,
    ScriptedChatModel,
    ServerError,
)
from synaptic_core.pacing import Limits, LocalRateLimiter, RateLimitedChatModel, SharedBudgetWarning
from synaptic_core.telemetry import ChatCall, Listener, add_listener, listening, remove_listener
from synaptic_groq import GroqChatModel, GroqConfig

KEY = "gsk_telemetry_SECRET_42"


def completion(content: str = "ok", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "openai/gpt-oss-20b",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
        "x_groq": {"id": "req_1"},
        **extra,
    }


class Recorder(Listener):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.calls: list[ChatCall] = []

    def on_start(self, call: ChatCall) -> None:
        self.calls.append(call)
        self.events.append(("start", call.provider, call.request_model, call.stream))

    def on_retry(self, call: ChatCall, attempt: int, delay: float, error: BaseException) -> None:
        self.events.append(("retry", attempt, delay, type(error).__name__))

    def on_wait(self, call: ChatCall, seconds: float) -> None:
        self.events.append(("wait", seconds))

    def on_fallback(
        self, call: ChatCall, failed: str, error: BaseException, next_label: str
    ) -> None:
        self.events.append(("fallback", failed, type(error).__name__, next_label))

    def on_first_chunk(self, call: ChatCall) -> None:
        self.events.append(("first_chunk",))

    def on_end(self, call: ChatCall) -> None:
        self.events.append(("end", call.finish_reason, call.abandoned))

    def on_error(self, call: ChatCall, error: BaseException) -> None:
        self.events.append(("error", type(error).__name__))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    listener = Recorder()
    add_listener(listener)
    try:
        yield listener
    finally:
        remove_listener(listener)
    assert not listening()


def groq(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(
        GroqConfig(KEY, "openai/gpt-oss-20b", base_url="https://api.groq.com/openai/v1"),
        backend=backend,
    )


def test_nothing_is_loaded_or_called_when_nobody_listens() -> None:
    code = (
        "import sys\n"
        "from synaptic_core import ScriptedChatModel\n"
        "ScriptedChatModel(['hi']).chat_sync('x')\n"
        "print('synaptic_core.telemetry._observe' in sys.modules,"
        " 'synaptic_core.telemetry._call' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_a_chat_is_one_call_with_what_came_back(recorder: Recorder) -> None:
    backend = FakeBackend().add_response(
        completion(), headers={"x-ratelimit-remaining-requests": "9"}
    )
    response = groq(backend).chat_sync("hello", timeout=5)
    assert recorder.events == [
        ("start", "groq", "openai/gpt-oss-20b", False),
        ("end", "stop", False),
    ]
    [call] = recorder.calls
    assert call.request.messages[0].content == "hello"
    assert call.request.timeout == 5
    assert call.response is response
    assert (call.response_id, call.response_model, call.request_id) == (
        "chatcmpl-1",
        "openai/gpt-oss-20b",
        "req_1",
    )
    assert call.usage is not None
    assert (call.usage.input_tokens, call.usage.output_tokens) == (7, 2)
    assert call.rate_limit is not None
    assert call.rate_limit.remaining_requests == 9
    assert (call.server_address, call.server_port) == ("api.groq.com", 443)
    assert call.duration is not None
    assert call.duration >= 0


def test_retries_and_waits_happen_inside_one_call(recorder: Recorder) -> None:
    backend = (
        FakeBackend()
        .add_response({"error": {"message": "slow down"}}, status=429, headers={"retry-after": "0"})
        .add_response(completion())
    )
    limiter = LocalRateLimiter(Limits(requests_per_minute=1, headroom=0))
    slept: list[float] = []
    paced = RateLimitedChatModel(groq(backend), limiter, sleep=slept.append)
    model = RetryChatModel(paced, RetryConfig(initial_delay=0), sleep_sync=slept.append)
    with pytest.warns(SharedBudgetWarning):  # a 429 although the budget had room
        model.chat_sync("hi")
    assert recorder.events[0] == ("start", "groq", "openai/gpt-oss-20b", False)
    assert recorder.events[1] == ("retry", 1, 0.0, "RateLimitError")
    assert recorder.events[2][0] == "wait"  # the retry waits for the paused budget
    assert recorder.events[-1] == ("end", "stop", False)
    assert len(recorder.calls) == 1
    assert recorder.calls[0].attempts == 2
    assert recorder.calls[0].waited == pytest.approx(recorder.events[2][1])


def test_an_error_ends_the_call(recorder: Recorder) -> None:
    backend = FakeBackend().add_response({"error": {"message": "nope"}}, status=500)
    with pytest.raises(ServerError):
        RetryChatModel(groq(backend), RetryConfig(max_attempts=1)).chat_sync("hi")
    assert recorder.events == [
        ("start", "groq", "openai/gpt-oss-20b", False),
        ("error", "ServerError"),
    ]
    assert isinstance(recorder.calls[0].error, ServerError)


def test_a_fallback_is_an_event_of_the_same_call(recorder: Recorder) -> None:
    failing = FakeBackend().add_response({"error": {"message": "down"}}, status=503)
    working = FakeBackend().add_response(completion("from backup"))
    model = FallbackChatModel([groq(failing), groq(working)], labels=["main", "backup"])
    assert model.chat_sync("hi").content == "from backup"
    assert recorder.events == [
        ("start", "groq", "openai/gpt-oss-20b", False),
        ("fallback", "main", "ServerError", "backup"),
        ("end", "stop", False),
    ]


def chunks(*parts: str) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = [
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": part}}]}
        for part in parts
    ]
    frames.append(
        {
            "id": "c1",
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "x_groq": {"usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}},
        }
    )
    return frames


def test_a_stream_ends_its_call_at_its_end(recorder: Recorder) -> None:
    backend = FakeBackend().add_sse(chunks("Hel", "lo"))
    text = "".join(c.content for c in groq(backend).stream_chat_sync("hi"))
    assert text == "Hello"
    assert recorder.events == [
        ("start", "groq", "openai/gpt-oss-20b", True),
        ("first_chunk",),
        ("end", "stop", False),
    ]
    [call] = recorder.calls
    assert call.time_to_first_chunk is not None
    assert call.usage is not None
    assert call.usage.output_tokens == 2


def test_a_stream_closed_early_is_abandoned_and_a_cut_one_fails(recorder: Recorder) -> None:
    backend = FakeBackend().add_sse(chunks("a", "b", "c"))
    with groq(backend).stream_chat_sync("hi") as stream:
        next(stream)
    assert recorder.events[-1] == ("end", None, True)
    backend = FakeBackend().add_sse(chunks("a")[:1], done=False)  # cut: no finish, no [DONE]
    with pytest.raises(Exception) as caught:  # noqa: PT011 (the class is asserted below)
        list(groq(backend).stream_chat_sync("hi"))
    assert recorder.events[-1] == ("error", type(caught.value).__name__)


def test_async_calls_and_streams(recorder: Recorder) -> None:
    async def main() -> None:
        model = groq(FakeBackend().add_response(completion()).add_sse(chunks("x")))
        await model.chat("one")
        async for _ in model.stream_chat("two"):
            pass

    asyncio.run(main())
    assert [e[0] for e in recorder.events] == ["start", "end", "start", "first_chunk", "end"]


def test_a_call_made_while_holding_a_chunk_is_its_own(recorder: Recorder) -> None:
    """The stream is the active call only while it makes a chunk: a call in the loop body
    (e.g. a tool answered on the fly) gets its own ChatCall."""
    outer = groq(FakeBackend().add_sse(chunks("a", "b")))
    inner = ScriptedChatModel(echo=True)
    for _ in outer.stream_chat_sync("hi"):  # three chunks: a, b, the finish
        inner.chat_sync("inside the loop")
    assert [c.stream for c in recorder.calls] == [True, False, False, False]
    assert [e[0] for e in recorder.events].count("end") == 4


def test_a_listener_that_raises_never_breaks_a_request(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(Listener):
        def on_start(self, call: ChatCall) -> None:
            raise RuntimeError("boom")

    broken = Broken()
    add_listener(broken)
    try:
        assert ScriptedChatModel(["fine"]).chat_sync("hi").content == "fine"
    finally:
        remove_listener(broken)
    assert "Broken.on_start raised; ignored" in caplog.text
    assert recorder.events[-1] == ("end", "stop", False)


def test_the_call_never_holds_the_key_in_its_repr(recorder: Recorder) -> None:
    groq(FakeBackend().add_response(completion())).chat_sync("hi")
    assert KEY not in repr(recorder.calls[0])
    _ = (AIMessageChunk, RateLimitError)


def test_a_fact_missing_on_the_first_chunk_is_taken_from_a_later_one(recorder: Recorder) -> None:
    """Groq's 2024-era streams: the first chunk lacks what later chunks carry (DESIGN 12:
    the first non-null value wins, for the call as for the chunks)."""
    frames = chunks("Hel", "lo")
    del frames[0]["id"], frames[0]["model"]
    frames[1]["x_groq"] = {"id": "req_late"}
    backend = FakeBackend().add_sse(frames)
    assert "".join(c.content for c in groq(backend).stream_chat_sync("hi")) == "Hello"
    [call] = recorder.calls
    assert (call.response_id, call.response_model, call.request_id) == ("c1", "m", "req_late")
    assert call.response is not None
    assert (call.response.id, call.response.model) == ("c1", "m")


def test_a_streams_response_is_built_only_when_asked_and_never_for_a_failed_one(
    recorder: Recorder,
) -> None:
    backend = FakeBackend().add_sse(chunks("a", "b"))
    list(groq(backend).stream_chat_sync("hi"))
    [call] = recorder.calls
    assert call._response is None
    response = call.response
    assert response is not None
    assert (response.finish_reason, response.usage) == ("stop", call.usage)
    assert call.response is response  # built once
    backend = FakeBackend().add_sse(chunks("a")[:1], done=False)
    with pytest.raises(Exception):  # noqa: PT011,B017 (the cut stream's own error)
        list(groq(backend).stream_chat_sync("hi"))
    assert recorder.calls[-1].response is None


def test_the_stream_is_the_active_call_until_its_first_chunk_only(recorder: Recorder) -> None:
    """What reports into a call (retries, waits, fallbacks) happens before the first
    chunk; after it, the stream no longer sets the active call for each chunk."""
    from synaptic_core.telemetry._observe import ACTIVE

    seen: list[bool] = []

    def tracked() -> Iterator[AIMessageChunk]:
        for part in ("a", "b", "c"):
            seen.append(ACTIVE.get() is not None)
            yield AIMessageChunk(content=part)

    model = ScriptedChatModel(["unused"])
    model._stream_chat_sync = lambda request: tracked()  # type: ignore[method-assign]
    assert "".join(c.content for c in model.stream_chat_sync("hi")) == "abc"
    assert seen == [True, False, False]


def test_a_model_description_leaves_the_cache_with_its_model(recorder: Recorder) -> None:
    import gc

    from synaptic_core.telemetry import _call

    model = groq(FakeBackend().add_response(completion()))
    model.chat_sync("hi")
    key = id(model)
    assert _call._DESCRIBED[key][1][:2] == ("groq", "openai/gpt-oss-20b")
    del model
    recorder.calls.clear()  # the calls held the model
    gc.collect()
    assert key not in _call._DESCRIBED


def test_an_option_the_config_lacks_is_none_and_the_config_default_is_used() -> None:
    class Config:
        temperature = 0.3  # a class attribute, as a property or a default would be

        def __init__(self) -> None:
            self.max_tokens = 55

    call = ChatCall.__new__(ChatCall)
    call.request = ChatRequest(messages=[HumanMessage("hi")], seed=9)
    call.config = Config()
    assert (call.option("max_tokens"), call.option("temperature")) == (55, 0.3)
    assert (call.option("seed"), call.option("top_p")) == (9, None)
