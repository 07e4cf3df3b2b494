"""Streams lose nothing (DESIGN section 12) on the frames real Groq traffic showed.

Every chunk decoded before an in-stream error or a cut reaches the caller, then the
typed error, at every split of the bytes into reads, sync and async; a streamed answer
carries the same facts as the non-streamed one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synaptic_core import (
    AIMessageChunk,
    BadRequestError,
    ChatRequest,
    ChatResponse,
    FakeBackend,
    Message,
    NetworkError,
    RateLimitError,
    ServerError,
    StreamError,
    SynapticError,
    ToolCall,
    ToolUseFailedError,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqExtras
from synaptic_openai import StreamAssembler

from .stream_fixtures import (
    _THOUGHT,
    CREATED,
    ERROR_FRAME,
    EXECUTED_TOOL,
    FINGERPRINT,
    REASONING_DELTAS,
    REQUEST_ID,
    SEARCH_ARGS,
    SEED,
    USAGE_BREAKDOWN,
    Answer,
    compound_answer,
    dumps,
    fragments,
    frame,
    groq_chunk,
    reasoning_answer,
    splits,
    tool_call_answer,
    tool_use_failed_stream,
)

STREAM = tool_use_failed_stream().stream


def groq_model(backend: FakeBackend, model: str = "openai/gpt-oss-120b") -> GroqChatModel:
    return GroqChatModel(GroqConfig("gsk_test_key", model), backend)


def assemble(reads: list[bytes], *, fast_path: bool = True) -> tuple[list[AIMessageChunk], Any]:
    """What a caller receives: the chunks, then the error (None if the stream ended well)."""
    assembler = StreamAssembler(provider="groq", headers={}, fast_path=fast_path)
    chunks: list[AIMessageChunk] = []
    for data in reads:
        chunks += assembler.feed(data)
        if assembler.done:
            break
    chunks += assembler.close()
    return chunks, assembler.error


def check_tool_use_failed(chunks: list[AIMessageChunk], error: Any) -> None:
    merged = AIMessageChunk.merge(chunks)
    assert merged.reasoning == _THOUGHT  # all 93 deltas, all 412 characters
    assert merged.content == "maybe"
    assert merged.request_id == REQUEST_ID
    assert merged.provider_metadata == {"created": CREATED, "seed": SEED}
    assert isinstance(error, ToolUseFailedError)
    assert error.status_code == 400
    assert error.code == "tool_use_failed"
    assert error.error_type == "invalid_request_error"
    assert error.failed_generation == ""
    assert error.request_id == REQUEST_ID
    assert error.provider == "groq"
    assert error.retryable is False
    assert str(error) == (
        "groq error (HTTP 400 in stream, tool_use_failed): "
        "Tool choice is required, but model did not call a tool"
    )


# --- the recorded failure: the last deltas and the error frame in one read -------------


def test_the_reported_read_pattern_loses_nothing() -> None:
    """Real traffic: small reads, then the last deltas and the error frame in one read."""
    tail = STREAM.index(
        frame(groq_chunk({"reasoning": REASONING_DELTAS[84], "channel": "analysis"}))
    )
    reads = [*fragments(STREAM[:tail], 300), STREAM[tail:]]
    check_tool_use_failed(*assemble(reads))


@pytest.mark.parametrize("fast_path", [True, False])
def test_one_read(fast_path: bool) -> None:
    check_tool_use_failed(*assemble([STREAM], fast_path=fast_path))


@pytest.mark.parametrize("size", [*range(1, 65), 100, 257, 1000, 4096])
def test_every_fragment_size(size: int) -> None:
    check_tool_use_failed(*assemble(fragments(STREAM, size)))


def test_every_split_into_two_reads() -> None:
    """Each byte position as the one boundary between two reads: exhaustively on a short
    stream of the same shape, and over the last 3,000 bytes of the recorded one."""
    short = b"".join([*tool_use_failed_stream().frames[:9], *tool_use_failed_stream().frames[-2:]])
    for point in range(len(short) + 1):
        chunks, error = assemble([short[:point], short[point:]])
        merged = AIMessageChunk.merge(chunks)
        assert merged.reasoning == "".join(REASONING_DELTAS[:8])
        assert merged.content == "maybe"
        assert isinstance(error, ToolUseFailedError)
        assert error.status_code == 400
    for point in range(len(STREAM) - 3000, len(STREAM) + 1):
        check_tool_use_failed(*assemble([STREAM[:point], STREAM[point:]]))


def test_every_split_around_the_error_frame_into_three_reads() -> None:
    start = len(STREAM) - len(ERROR_FRAME) - 400
    for first in range(start, len(STREAM), 7):
        for second in range(first, len(STREAM) + 1, 11):
            check_tool_use_failed(*assemble(splits(STREAM, [first, second])))


READS: dict[str, Callable[[bytes], list[bytes]]] = {
    "one read": lambda data: [data],
    "bytes": lambda data: fragments(data, 1),
    "7 bytes": lambda data: fragments(data, 7),
    "frames": lambda data: tool_use_failed_stream().frames,
    "last frames with the error": lambda data: [
        data[: len(data) - 900],
        data[len(data) - 900 :],
    ],
}


@pytest.mark.parametrize("reads", READS.values(), ids=READS.keys())
def test_model_stream_sync(reads: Callable[[bytes], list[bytes]]) -> None:
    backend = FakeBackend().add_stream(reads(STREAM))
    chunks: list[AIMessageChunk] = []
    with pytest.raises(ToolUseFailedError) as info:
        for chunk in groq_model(backend).stream_chat_sync("Will it rain?"):
            chunks.append(chunk)
    check_tool_use_failed(chunks, info.value)


@pytest.mark.parametrize("reads", READS.values(), ids=READS.keys())
async def test_model_stream_async(reads: Callable[[bytes], list[bytes]]) -> None:
    backend = FakeBackend().add_stream(reads(STREAM))
    chunks: list[AIMessageChunk] = []
    with pytest.raises(ToolUseFailedError) as info:
        async for chunk in groq_model(backend).stream_chat("Will it rain?"):
            chunks.append(chunk)
    check_tool_use_failed(chunks, info.value)


def test_frame_status_matches_the_same_error_sent_as_http() -> None:
    body = json.loads(ERROR_FRAME.split(b"data: ", 1)[1])
    backend = FakeBackend().add_response(body, status=400)
    with pytest.raises(ToolUseFailedError) as http:
        groq_model(backend).chat_sync("q")
    _, streamed = assemble([STREAM])
    fields = ("status_code", "code", "error_type", "failed_generation", "retryable", "provider")
    assert [getattr(streamed, f) for f in fields] == [getattr(http.value, f) for f in fields]
    assert type(streamed) is type(http.value)


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        (
            {"message": "over", "type": "tokens", "code": "rate_limit_exceeded"},
            RateLimitError,
            None,
        ),
        (
            {"message": "boom", "type": "internal_server_error", "status_code": 500},
            ServerError,
            500,
        ),
        (
            {"message": "bad", "type": "invalid_request_error", "status_code": 400},
            BadRequestError,
            400,
        ),
        ("a bare string", StreamError, None),
    ],
)
def test_data_error_frames_after_content(
    error: Any, cls: type[SynapticError], status: int | None
) -> None:
    reads = [
        frame(groq_chunk({"role": "assistant", "content": ""}, x_groq={"id": REQUEST_ID}))
        + frame(groq_chunk({"content": "partial "}))
        + frame(groq_chunk({"content": "answer"}))
        + f"data: {dumps({'error': error})}\n\n".encode()
    ]
    chunks, raised = assemble(reads)
    assert AIMessageChunk.merge(chunks).content == "partial answer"
    assert type(raised) is cls
    assert raised.status_code == status
    assert raised.request_id == REQUEST_ID


def test_x_groq_error_after_content_keeps_the_content() -> None:
    data = frame(groq_chunk({"content": "half"})) + frame(
        groq_chunk({}, x_groq={"id": REQUEST_ID, "error": "stream stopped: capacity"})
    )
    chunks, error = assemble([data])
    merged = AIMessageChunk.merge(chunks)
    assert merged.content == "half"
    assert merged.request_id == REQUEST_ID  # learnt from the last frame, still delivered
    assert isinstance(error, StreamError)
    assert error.request_id == REQUEST_ID
    assert "capacity" in str(error)


def test_invalid_utf8_after_content_in_the_same_read_keeps_the_content() -> None:
    data = frame(groq_chunk({"content": "kept"})) + b"data: \xff\xfe\n\n"
    chunks, error = assemble([data])
    assert [c.content for c in chunks] == ["kept"]
    assert isinstance(error, StreamError)
    assert "UTF-8" in str(error)


def test_tool_work_before_an_error_is_delivered() -> None:
    data = (
        frame(groq_chunk({"role": "assistant", "content": ""}, x_groq={"id": REQUEST_ID}))
        + frame(groq_chunk({"executed_tools": [EXECUTED_TOOL]}))
        + ERROR_FRAME
    )
    chunks, error = assemble([data])
    assert isinstance(error, ToolUseFailedError)
    assert AIMessageChunk.merge(chunks).provider_metadata["executed_tools"] == [EXECUTED_TOOL]


def test_no_chunk_before_an_early_error_so_a_retry_is_still_possible() -> None:
    data = frame(groq_chunk({"role": "assistant", "content": ""}, x_groq={"id": REQUEST_ID}))
    data += (
        b'data: {"error":{"message":"busy","type":"internal_server_error","status_code":503}}\n\n'
    )
    chunks, error = assemble([data])
    assert chunks == []
    assert isinstance(error, ServerError)
    assert error.retryable is True
    assert error.request_id == REQUEST_ID


# --- cuts: the connection fails mid-stream ---------------------------------------------


@pytest.mark.parametrize("cut_in_blank_line", [True, False])
def test_a_cut_connection_delivers_complete_events_first_sync(cut_in_blank_line: bool) -> None:
    frames = reasoning_answer().frames[:6]  # first chunk, 3 reasoning, 2 content
    body = b"".join(frames)
    body = body[:-1] if cut_in_blank_line else body + b'data: {"id":"chatcmpl-7c1e5d0a'
    backend = FakeBackend().add_stream([body], error=NetworkError("connection reset"))
    chunks: list[AIMessageChunk] = []
    with pytest.raises(NetworkError):
        for chunk in groq_model(backend).stream_chat_sync("hi"):
            chunks.append(chunk)
    merged = AIMessageChunk.merge(chunks)
    assert merged.reasoning == "The user greets me. Reply briefly."
    assert merged.content == "Hello! How can "
    assert merged.request_id == REQUEST_ID


async def test_a_cut_connection_delivers_complete_events_first_async() -> None:
    body = b"".join(reasoning_answer().frames[:6])[:-1]
    backend = FakeBackend().add_stream([body], error=NetworkError("connection reset"))
    chunks: list[AIMessageChunk] = []
    with pytest.raises(NetworkError):
        async for chunk in groq_model(backend).stream_chat("hi"):
            chunks.append(chunk)
    assert AIMessageChunk.merge(chunks).content == "Hello! How can "


def test_a_stream_closed_without_finish_keeps_its_chunks() -> None:
    body = b"".join(reasoning_answer().frames[:6])
    chunks, error = assemble(fragments(body, 5))
    assert AIMessageChunk.merge(chunks).content == "Hello! How can "
    assert isinstance(error, StreamError)
    assert error.retryable is True


# --- property: any stream ending in an error frame, any split --------------------------

_delta = st.one_of(
    st.builds(lambda t: {"content": t}, st.text(min_size=1, max_size=12)),
    st.builds(lambda t: {"reasoning": t, "channel": "analysis"}, st.text(min_size=1, max_size=12)),
    st.builds(
        lambda i, a: {"tool_calls": [{"index": i, "function": {"arguments": a}}]},
        st.integers(0, 2),
        st.text(min_size=1, max_size=8),
    ),
)
_error_frame = st.sampled_from(
    [
        ERROR_FRAME,
        b'data: {"error":{"message":"over","type":"tokens","code":"rate_limit_exceeded"}}\n\n',
        b'event: error\ndata: {"error":{"message":"x","type":"server_error","status_code":502}}\n\n',
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    deltas=st.lists(_delta, max_size=30),
    error_frame=_error_frame,
    cuts=st.lists(st.floats(0, 1), max_size=8),
    fast_path=st.booleans(),
)
def test_chunks_before_an_error_merge_to_exactly_what_was_sent(
    deltas: list[dict[str, Any]], error_frame: bytes, cuts: list[float], fast_path: bool
) -> None:
    data = b"".join(frame(groq_chunk(d)) for d in deltas) + error_frame
    reads = splits(data, [int(c * len(data)) for c in cuts])
    chunks, error = assemble(reads, fast_path=fast_path)
    merged = AIMessageChunk.merge(chunks)
    assert merged.content == "".join(d.get("content", "") for d in deltas)
    reasoning = "".join(d.get("reasoning", "") for d in deltas)
    assert merged.reasoning == (reasoning or None)
    sent_args: dict[int, str] = {}
    for d in deltas:
        for call in d.get("tool_calls", []):
            sent_args[call["index"]] = (
                sent_args.get(call["index"], "") + call["function"]["arguments"]
            )
    assert {c.index: c.arguments for c in merged.tool_call_chunks} == sent_args
    assert isinstance(error, SynapticError)
    assert not isinstance(error, StreamError) or error_frame is not ERROR_FRAME


# --- a streamed answer carries what the whole one does ---------------------------------

ANSWERS = [reasoning_answer(), tool_call_answer(), compound_answer()]


def both(answer: Answer, model: str) -> tuple[ChatResponse, AIMessageChunk]:
    assert answer.body is not None
    backend = FakeBackend()
    backend.add_response(answer.body, headers=answer.headers)
    backend.add_stream(fragments(answer.stream, 13), headers=answer.headers)
    groq = groq_model(backend, model)
    whole = groq.chat_sync("q")
    streamed = AIMessageChunk.merge(groq.stream_chat_sync("q"))
    return whole, streamed


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.name for a in ANSWERS])
def test_streamed_and_whole_answers_are_equal(answer: Answer) -> None:
    whole, streamed = both(answer, str(answer.body and answer.body["model"]))
    raw = {"http_headers"}  # the raw HTTP headers differ: content-type
    assert streamed.to_response().model_dump(exclude=raw) == whole.model_dump(exclude=raw)
    assert streamed.http_status == whole.http_status == 200


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.name for a in ANSWERS])
async def test_streamed_and_whole_answers_are_equal_async(answer: Answer) -> None:
    assert answer.body is not None
    backend = FakeBackend()
    backend.add_response(answer.body, headers=answer.headers)
    backend.add_stream(fragments(answer.stream, 29), headers=answer.headers)
    groq = groq_model(backend, answer.body["model"])
    whole = await groq.chat("q")
    streamed = AIMessageChunk.merge([c async for c in groq.stream_chat("q")])
    raw = {"http_headers"}
    assert streamed.to_response().model_dump(exclude=raw) == whole.model_dump(exclude=raw)


FACTS: list[tuple[str, Callable[[Any], Any]]] = [
    ("id", lambda r: r.id),
    ("model", lambda r: r.model),
    ("usage", lambda r: r.usage),
    ("reasoning", lambda r: r.reasoning if isinstance(r, AIMessageChunk) else r.message.reasoning),
    ("content", lambda r: r.content),
    ("request id", lambda r: r.request_id),
    ("seed", lambda r: GroqExtras.of(r).seed),
    ("system fingerprint", lambda r: r.system_fingerprint),
    ("service tier", lambda r: r.service_tier),
    ("finish reason", lambda r: r.finish_reason),
    ("executed tools", lambda r: GroqExtras.of(r).executed_tools),
    ("usage breakdown", lambda r: GroqExtras.of(r).usage_breakdown),
    ("rate limit", lambda r: r.rate_limit),
    ("created", lambda r: r.provider_metadata.get("created")),
]


@pytest.mark.parametrize("answer", ANSWERS, ids=[a.name for a in ANSWERS])
@pytest.mark.parametrize(("fact", "read"), FACTS, ids=[f for f, _ in FACTS])
def test_each_fact_is_the_same_streamed_or_not(
    answer: Answer, fact: str, read: Callable[[Any], Any]
) -> None:
    whole, streamed = both(answer, str(answer.body and answer.body["model"]))
    assert read(streamed) == read(whole), fact


def test_the_facts_have_the_values_groq_sent() -> None:
    whole, streamed = both(reasoning_answer(), "openai/gpt-oss-120b")
    for answer in (whole, streamed):
        assert answer.request_id == REQUEST_ID
        assert answer.system_fingerprint == FINGERPRINT
        assert answer.service_tier == "on_demand"
        assert GroqExtras.of(answer).seed == SEED
        assert answer.usage is not None
        assert answer.usage.reasoning_tokens == 41
        assert answer.rate_limit is not None
        assert answer.rate_limit.remaining_tokens == 7900


def test_tool_call_streamed_equals_whole() -> None:
    whole, streamed = both(tool_call_answer(), "openai/gpt-oss-120b")
    expected = [
        ToolCall(
            id="fc_3a1d9k2m7",
            name="get_weather",
            arguments={"city": "Lisbon", "date": "2026-12-02"},
        )
    ]
    assert streamed.to_message().tool_calls == expected == whole.message.tool_calls


def test_compound_stream_keeps_one_id_and_its_tool_work() -> None:
    answer = compound_answer()
    backend = FakeBackend().add_stream(fragments(answer.stream, 17))
    chunks = list(groq_model(backend, "groq/compound").stream_chat_sync("q"))
    assert {c.id for c in chunks} == {"stub-00"}  # Groq changes it on every chunk
    merged = AIMessageChunk.merge(chunks)
    extras = GroqExtras.of(merged)
    assert [t.to_wire() for t in extras.executed_tools] == [EXECUTED_TOOL]
    tool = extras.executed_tools[0]
    assert tool.type == "search"
    assert tool.parsed_arguments == json.loads(SEARCH_ARGS)
    assert [r.title for r in extras.search_results] == [
        "Groq LPU benchmarks",
        "Inference hardware compared",
    ]
    assert extras.search_results[0].score == 0.91
    assert extras.usage_breakdown is not None
    assert extras.usage_breakdown.to_wire() == USAGE_BREAKDOWN
    assert [m.tokens.input_tokens for m in extras.usage_breakdown.models] == [900, 300]


def test_the_first_chunk_with_content_carries_the_first_facts() -> None:
    answer = reasoning_answer()
    backend = FakeBackend().add_stream([answer.stream], headers=answer.headers)
    chunks = list(groq_model(backend).stream_chat_sync("q"))
    first = chunks[0]
    assert first.reasoning == "The user "
    assert first.request_id == REQUEST_ID
    assert first.system_fingerprint == FINGERPRINT
    assert first.service_tier == "on_demand"
    assert first.provider_metadata == {"created": CREATED, "seed": SEED}
    assert all(c.request_id is None and c.provider_metadata == {} for c in chunks[1:-1])
    assert chunks[-1].usage is not None


def test_against_the_emulator_streamed_and_whole_carry_the_same_facts() -> None:
    from synaptic_groq.emulator import GroqEmulator

    with GroqEmulator() as emulator:
        config = GroqConfig("k", "openai/gpt-oss-120b", base_url=emulator.base_url)
        with GroqChatModel(config) as groq:
            whole = groq.chat_sync("hello")
            streamed = AIMessageChunk.merge(groq.stream_chat_sync("hello")).to_response()
    assert whole.request_id is not None
    assert streamed.request_id is not None
    assert whole.request_id != streamed.request_id  # two requests
    fields = ("model", "usage", "finish_reason", "system_fingerprint", "service_tier")
    assert [getattr(streamed, f) for f in fields] == [getattr(whole, f) for f in fields]
    assert streamed.content == whole.content
    assert streamed.provider_metadata == whole.provider_metadata


@pytest.mark.parametrize(
    ("config_tier", "request_tier", "expected"),
    [
        (None, None, "on_demand"),
        ("flex", None, "flex"),
        (None, "flex", "flex"),
        ("auto", None, None),
    ],
)
def test_the_service_tier_a_stream_does_not_repeat(
    config_tier: str | None, request_tier: str | None, expected: str | None
) -> None:
    """Groq's chunks carry no service_tier; the tier asked for is the one that served."""
    backend = FakeBackend().add_stream([reasoning_answer().stream])
    config = GroqConfig("k", "openai/gpt-oss-120b", service_tier=config_tier)
    request = ChatRequest([Message.human("q")])
    if request_tier:
        request = request.with_extra(service_tier=request_tier)
    merged = AIMessageChunk.merge(GroqChatModel(config, backend).stream_chat_sync(request))
    assert merged.service_tier == expected
