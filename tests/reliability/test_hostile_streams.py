"""Issue 20 for streams (DESIGN section 16), against hostile input and loopback servers:

- linear work: the SSE decoder and the stream assembler cost O(bytes) whatever the read
  sizes (a 16 MiB line in 512-byte reads, a long event trickled in small HTTP chunks,
  thousands of fact-only events);
- a stream cut before its first event yields no chunk (the HTTP facts ride on the error),
  so ``RetryChatModel`` retries it and ``FallbackChatModel`` moves on, sync and async;
- JSON nested too deeply (in an event, in an error frame) is a typed ``StreamError`` in
  ``assembler.error``; ``feed`` never raises ``RecursionError``;
- every split of a small stream into reads gives the same chunks and the same error.

The linear-work tests are not benchmarks: each has a CPU budget (this thread's CPU
time, so other processes on a busy machine barely matter) of ten or more times what the
linear code needs and a small fraction of what the quadratic code needed; most stop as
soon as the budget is spent, so quadratic code fails fast.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    ChatModel,
    FallbackChatModel,
    NetworkError,
    RetryChatModel,
    RetryConfig,
    RetryEvent,
    StreamError,
    SynapticError,
    merge_metadata,
)
from synaptic_core.telemetry import ChatCall, Listener, add_listener, remove_listener
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import Fault, GroqEmulator
from synaptic_openai import SSEDecoder, SSEEvent
from synaptic_openai._sse import MAX_LINE_BYTES
from synaptic_openai._stream import StreamAssembler

from .hostile import HostileServer

KEY = "gsk_hostile_streams_key"
MODEL = "openai/gpt-oss-20b"
BACKUP = "openai/gpt-oss-120b"
HEADERS = {
    "x-request-id": "req_hostile_1",
    "x-ratelimit-remaining-requests": "99",
    "content-type": "text/event-stream",
}
KNOWN: dict[str, Any] = {"http_status": 200, "http_headers": HEADERS}
# CPU seconds (this thread) for work that takes the linear code 0.01 to 0.15 s.
BUDGET = 1.5
DEPTH = 100_000


def cpu() -> float:
    return time.thread_time()


def assembler() -> StreamAssembler:
    return StreamAssembler(provider="groq", headers=HEADERS, known=KNOWN)


def groq_chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion.chunk",
        "created": 1730241104,
        "model": MODEL,
        "system_fingerprint": "fp_1",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **top,
    }


def frame(payload: Any) -> bytes:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return b"data: " + text.encode() + b"\n\n"


def nested(depth: int = DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth


# --- a small hostile loopback server ------------------------------------------------------


def sse_response(pieces: list[bytes], *, end: str = "close") -> Callable[[socket.socket], None]:
    """A 200 event stream whose body goes out as one HTTP chunk per piece (one
    ``sendall``: the client's HTTP stack still hands each chunk over as its own read).
    ``end``: ``close`` (terminating chunk) or ``reset`` (cut, no terminating chunk)."""
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"x-request-id: req_loopback_1\r\nx-ratelimit-remaining-requests: 7\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)

    def send(conn: socket.socket) -> None:
        conn.sendall(head + body + (b"0\r\n\r\n" if end == "close" else b""))
        if end == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return send


def Loopback(answer: Callable[[socket.socket], None]) -> HostileServer:  # noqa: N802 (reads as a class)
    """Answers each connection's one request with ``answer(conn)``, then closes it."""
    return HostileServer(lambda conn, request, server: answer(conn))


def model_at(url: str, model: str = MODEL) -> GroqChatModel:
    """A model that owns its backend (``close``/``aclose`` release the connections)."""
    return GroqChatModel(GroqConfig(KEY, model, base_url=url, timeout=10))


def collect_sync(model: ChatModel) -> tuple[list[AIMessageChunk], SynapticError | None]:
    chunks: list[AIMessageChunk] = []
    try:
        for chunk in model.stream_chat_sync("hi"):
            chunks.append(chunk)
    except SynapticError as error:
        return chunks, error
    finally:
        model.close()
    return chunks, None


def collect_async(model: ChatModel) -> tuple[list[AIMessageChunk], SynapticError | None]:
    async def run() -> tuple[list[AIMessageChunk], SynapticError | None]:
        chunks: list[AIMessageChunk] = []
        try:
            async for chunk in model.stream_chat("hi"):
                chunks.append(chunk)
        except SynapticError as error:
            return chunks, error
        finally:
            await model.aclose()
        return chunks, None

    return asyncio.run(run())


COLLECT = {"sync": collect_sync, "async": collect_async}


# --- 5. linear work -----------------------------------------------------------------------


def feed_within_budget(feed: Callable[[bytes], object], pieces: Iterator[bytes]) -> float:
    """Feed every piece; fail as soon as this thread has spent ``BUDGET`` CPU seconds."""
    started = cpu()
    for count, piece in enumerate(pieces):
        feed(piece)
        if count % 256 == 0 and cpu() - started > BUDGET:
            pytest.fail(f"over {BUDGET}s of CPU after {count} reads: the work is not linear")
    return cpu() - started


def feed_into(decoder: SSEDecoder, events: list[SSEEvent], piece: bytes) -> None:
    events.extend(decoder.feed(piece))


def line_pieces(line: bytes, size: int) -> Iterator[bytes]:
    for at in range(0, len(line), size):
        yield line[at : at + size]


def test_a_16_mib_line_decodes_in_linear_time_whatever_the_read_size() -> None:
    """A line of exactly ``MAX_LINE_BYTES`` (the most the decoder accepts) in 512-byte,
    4 KiB and 64 KiB reads: the same event, each well within the budget. (Joining the
    pending bytes with every read took ~90 s for the 512-byte reads.) A byte more is
    still refused."""
    line = b"data: " + b"x" * (MAX_LINE_BYTES - 6) + b"\n\n"
    for size in (512, 4096, 65536):
        decoder = SSEDecoder()
        events: list[SSEEvent] = []
        feed_within_budget(functools.partial(feed_into, decoder, events), line_pieces(line, size))
        events.extend(decoder.flush())
        assert decoder.error is None
        assert len(events) == 1
        assert len(events[0].data) == MAX_LINE_BYTES - 6
    # One byte more, in small reads, is refused as soon as the pending line passes the
    # limit (counted as the pieces arrive, without joining them).
    decoder = SSEDecoder()
    feed_within_budget(decoder.feed, line_pieces(b"x" * (MAX_LINE_BYTES + 1), 512))
    assert isinstance(decoder.error, StreamError)
    assert f"longer than {MAX_LINE_BYTES} bytes" in str(decoder.error)


def test_a_long_event_through_the_assembler_in_small_reads_is_linear() -> None:
    """A 4 MiB content delta in 512-byte reads (~5 s of CPU before the fix)."""
    content = "y" * (4 * 1024 * 1024)
    stream = frame(groq_chunk({"content": content})) + frame(groq_chunk({}, "stop"))
    stream += b"data: [DONE]\n\n"
    stream_assembler = assembler()
    chunks: list[AIMessageChunk] = []
    feed_within_budget(
        lambda piece: chunks.extend(stream_assembler.feed(piece)), line_pieces(stream, 512)
    )
    chunks.extend(stream_assembler.close())
    stream_assembler.raise_error()
    assert len(AIMessageChunk.merge(chunks).content) == len(content)


def test_facts_spread_over_many_events_are_gathered_in_linear_time() -> None:
    """10,000 events that carry only ``executed_tools`` and ``annotations`` (no content):
    their facts wait for the next chunk. Re-merging everything gathered on every event
    cost ~27 s of CPU (~170 s for 20,000); gathered in place it is linear, and the same
    facts arrive."""
    count = 10_000

    events = [
        frame(
            groq_chunk(
                {
                    "executed_tools": [{"index": index, "type": "search", "arguments": "{}"}],
                    "annotations": [{"type": "url_citation", "n": index}],
                }
            )
        )
        for index in range(count)
    ]
    events.append(frame(groq_chunk({"content": "done"}, "stop")) + b"data: [DONE]\n\n")
    stream_assembler = assembler()
    chunks: list[AIMessageChunk] = []
    feed_within_budget(lambda piece: chunks.extend(stream_assembler.feed(piece)), iter(events))
    chunks.extend(stream_assembler.close())
    assert [c.content for c in chunks] == ["done"]
    metadata = chunks[0].provider_metadata
    assert metadata["executed_tools"] == [
        {"index": i, "type": "search", "arguments": "{}"} for i in range(count)
    ]
    assert metadata["annotations"] == [{"type": "url_citation", "n": i} for i in range(count)]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.choice(["indexed", "plain", "mixed", "dict", "scalar", "none", "empty"])
    if kind == "indexed":
        return [
            {"index": rng.randrange(4), "x": rng.choice([None, rng.randrange(9)])}
            for _ in range(rng.randrange(1, 4))
        ]
    if kind == "plain":
        return [rng.randrange(9) for _ in range(rng.randrange(1, 3))]
    if kind == "mixed":
        return [{"index": rng.randrange(3)}, {"no_index": 1}, rng.randrange(9)][: rng.randrange(4)]
    if kind == "dict" and depth < 3:
        return {rng.choice("abc"): _random_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    if kind == "none":
        return None
    if kind == "empty":
        return []
    return rng.randrange(9)


def test_gathering_in_place_equals_folding_with_merge_metadata() -> None:
    """The in-place gathering is ``merge_metadata``'s rules exactly (indexed lists merge
    by index, other lists concatenate, dicts merge key by key, the first scalar stays),
    and never changes the values it was given (``known`` may be shared)."""
    from synaptic_openai._stream import _Gathering  # the helper under test

    rng = random.Random(20)
    for _ in range(3000):
        start = {rng.choice("pq"): _random_value(rng)} if rng.random() < 0.3 else None
        updates = [(rng.choice("pqr"), _random_value(rng)) for _ in range(rng.randrange(1, 7))]
        frozen = json.dumps([start, updates])
        gathering = _Gathering(start)
        for key, value in updates:
            gathering.add(key, value)
        expected = functools.reduce(
            lambda into, update: merge_metadata(into, {update[0]: update[1]}),
            updates,
            dict(start or {}),
        )
        assert gathering.facts == expected, (start, updates)
        assert json.dumps([start, updates]) == frozen  # nothing given was changed


def test_a_long_event_trickled_in_small_http_chunks_costs_linear_cpu() -> None:
    """The trickling server of the issue: one 4 MiB event sent as 256-byte HTTP chunks
    (each a read for the client). The client thread's CPU stays within the budget (the
    quadratic decoder spent ~10 s on it)."""
    content = "z" * (4 * 1024 * 1024)
    stream = frame(groq_chunk({"content": content})) + frame(groq_chunk({}, "stop"))
    with Loopback(sse_response([*line_pieces(stream, 256), b"data: [DONE]\n\n"])) as server:
        model = model_at(server.url)
        started = cpu()
        merged = AIMessageChunk.merge(list(model.stream_chat_sync("hi")))
        spent = cpu() - started
        model.close()
    assert len(merged.content) == len(content)
    assert spent < BUDGET * 2  # the HTTP parsing of 16,000 chunks included


# --- 3. a stream cut before its first event -----------------------------------------------


def test_no_chunk_stands_for_nothing() -> None:
    """The HTTP facts alone never make a chunk: not on a cut before any event (salvage),
    not at the end of a body with no event ([DONE] only, or nothing). They go on the
    error instead, where one is raised."""
    cut = assembler()
    error = NetworkError("network error (connection reset)")
    assert cut.feed(b": keep-alive\n\n") == []
    assert cut.salvage(error) == []
    assert error.request_id == "req_hostile_1"
    assert error.status_code == 200
    assert error.provider == "groq"
    assert error.rate_limit is not None
    assert error.rate_limit.remaining_requests == 99

    done_only = assembler()
    assert done_only.feed(b"data: [DONE]\n\n") == []
    assert done_only.close() == []
    assert done_only.error is None

    empty = assembler()
    assert empty.close() == []
    assert isinstance(empty.error, StreamError)
    assert empty.error.status_code == 200
    assert empty.error.request_id == "req_hostile_1"

    identity_only = assembler()  # Groq's role-only first event, then the cut
    first = frame(groq_chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_x"}))
    assert identity_only.feed(first) == []
    error = NetworkError("network error (connection reset)")
    assert identity_only.salvage(error) == []
    assert error.request_id == "req_hostile_1"  # the header's id comes first

    started = assembler()  # after a chunk, later facts still ride on a chunk
    chunks = started.feed(frame(groq_chunk({"content": "a"})))
    assert [c.request_id for c in chunks] == ["req_hostile_1"]
    assert chunks[0].http_status == 200
    tools = frame(groq_chunk({"executed_tools": [{"index": 0, "type": "search"}]}))
    assert started.feed(tools) == []
    tail = started.salvage(NetworkError("cut"))
    assert [c.provider_metadata["executed_tools"] for c in tail] == [
        [{"index": 0, "type": "search"}]
    ]


@pytest.fixture(scope="module")
def emulator() -> Iterator[GroqEmulator]:
    with GroqEmulator() as running:
        yield running


@pytest.mark.parametrize("way", ["sync", "async"])
@pytest.mark.parametrize(("kind", "cls"), [("reset", NetworkError), ("truncate", StreamError)])
def test_a_stream_cut_before_its_first_event_raises_with_the_http_facts(
    emulator: GroqEmulator, way: str, kind: str, cls: type[SynapticError]
) -> None:
    emulator.add_fault(Fault(kind, after_chunks=0))  # type: ignore[arg-type]
    chunks, error = COLLECT[way](model_at(emulator.base_url))
    assert chunks == []
    assert type(error) is cls
    assert error.retryable
    assert error.status_code == 200
    assert error.provider == "groq"
    assert error.request_id is not None
    assert error.request_id.startswith("req_emu_")
    assert error.rate_limit is not None
    assert error.rate_limit.limit_requests is not None


async def _no_wait(_: float) -> None:
    return None


@pytest.mark.parametrize("way", ["sync", "async"])
@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_retry_retries_a_stream_cut_before_its_first_event(
    emulator: GroqEmulator, way: str, kind: str
) -> None:
    emulator.add_fault(Fault(kind, after_chunks=0))  # type: ignore[arg-type]
    retries: list[RetryEvent] = []
    model = RetryChatModel(
        model_at(emulator.base_url),
        RetryConfig(max_attempts=3),
        sleep=_no_wait,
        sleep_sync=lambda _: None,
        on_retry=retries.append,
    )
    chunks, error = COLLECT[way](model)
    assert error is None
    merged = AIMessageChunk.merge(chunks)
    assert merged.content
    assert merged.finish_reason == "stop"
    assert len(retries) == 1
    cause = retries[0].error
    assert cause.status_code == 200
    assert cause.request_id is not None
    assert cause.request_id != merged.request_id  # the failed attempt's own id


class FallbackRecorder(Listener):
    """Telemetry's view of each fallback: which model failed, with what, and the next."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, BaseException, str]] = []

    def on_fallback(
        self, call: ChatCall, failed: str, error: BaseException, next_label: str
    ) -> None:
        self.seen.append((failed, error, next_label))


@pytest.mark.parametrize("way", ["sync", "async"])
@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_fallback_moves_on_from_a_stream_cut_before_its_first_event(
    emulator: GroqEmulator, way: str, kind: str
) -> None:
    emulator.add_fault(Fault(kind, after_chunks=0))  # type: ignore[arg-type]
    model = FallbackChatModel(
        [model_at(emulator.base_url), model_at(emulator.base_url, BACKUP)],
        labels=["primary", "backup"],
    )
    fallbacks = FallbackRecorder()
    add_listener(fallbacks)
    try:
        chunks, error = COLLECT[way](model)
    finally:
        remove_listener(fallbacks)
    assert error is None
    merged = AIMessageChunk.merge(chunks)
    assert merged.content
    assert merged.model == BACKUP
    assert merged.http_status == 200
    assert [(failed, after) for failed, _, after in fallbacks.seen] == [("primary", "backup")]
    cause = fallbacks.seen[0][1]
    assert isinstance(cause, SynapticError)
    assert cause.status_code == 200
    assert cause.request_id is not None
    assert cause.rate_limit is not None


# --- 4. nested JSON in a stream -----------------------------------------------------------

NESTED_EVENTS = {
    "data event": b"data: " + nested() + b"\n\n",
    "object in a data event": b'data: {"choices": [{"delta": ' + nested() + b"}]}\n\n",
    "data error frame": b'data: {"error": {"message": ' + nested() + b', "type": "x"}}\n\n',
    "named error frame": b"event: error\ndata: " + nested() + b"\n\n",
    "named error frame, object": b'event: error\ndata: {"error": ' + nested() + b"}\n\n",
}


@pytest.mark.parametrize("case", sorted(NESTED_EVENTS))
@pytest.mark.parametrize("read", [None, 4096])
def test_nested_json_in_a_stream_is_a_stream_error_and_feed_does_not_raise(
    case: str, read: int | None
) -> None:
    before = frame(groq_chunk({"content": "kept"}))
    stream = before + NESTED_EVENTS[case] + frame(groq_chunk({"content": "after"}))
    pieces = [stream] if read is None else list(line_pieces(stream, read))
    stream_assembler = assembler()
    chunks: list[AIMessageChunk] = []
    for piece in pieces:
        chunks.extend(stream_assembler.feed(piece))  # never raises
    chunks.extend(stream_assembler.close())
    assert [c.content for c in chunks] == ["kept"]  # what came before, nothing after
    error = stream_assembler.error
    assert type(error) is StreamError
    assert "nested too deeply" in str(error)
    assert error.request_id == "req_hostile_1"
    assert error.provider == "groq"
    if case.startswith("named"):  # an error frame: no HTTP status of its own
        assert error.status_code is None
    else:
        assert error.status_code == 200
    assert len(str(error)) < 1000
    with pytest.raises(StreamError):
        stream_assembler.raise_error()


@pytest.mark.parametrize("case", ["data event", "named error frame"])
def test_nested_json_at_the_end_or_before_a_cut_is_typed(case: str) -> None:
    """The last event without its blank line (``close``) and a cut after a complete
    but unterminated event (``salvage``) read the same JSON: typed there too."""
    unterminated = NESTED_EVENTS[case].rstrip(b"\n")
    at_end = assembler()
    assert at_end.feed(unterminated) == []
    assert at_end.close() == []
    assert type(at_end.error) is StreamError
    assert "nested too deeply" in str(at_end.error)

    before_cut = assembler()
    assert before_cut.feed(NESTED_EVENTS[case].rstrip(b"\n") + b"\n") == []
    error = NetworkError("network error (connection reset)")
    assert before_cut.salvage(error) == []
    assert error.request_id == "req_hostile_1"


def test_any_recursion_while_reading_an_event_is_a_stream_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """JSON the decoder could read may still be too deep for what handles it next (how
    deep depends on the Python version and the stack): ``feed`` and ``close`` catch
    ``RecursionError`` as a whole, not only in the decoder."""

    def too_deep(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(StreamAssembler, "_chunk", too_deep)
    fed = assembler()
    assert fed.feed(frame(groq_chunk({"content": "x"}))) == []
    assert type(fed.error) is StreamError
    assert "nested too deeply" in str(fed.error)
    closed = assembler()
    assert closed.feed(frame(groq_chunk({"content": "x"})).rstrip(b"\n")) == []
    assert closed.close() == []
    assert type(closed.error) is StreamError


@pytest.mark.parametrize("way", ["sync", "async"])
@pytest.mark.parametrize("case", ["data event", "data error frame", "named error frame"])
def test_a_server_sending_nested_json_gets_a_typed_error(way: str, case: str) -> None:
    pieces = [frame(groq_chunk({"content": "kept"})), NESTED_EVENTS[case], b"data: [DONE]\n\n"]
    with Loopback(sse_response(pieces)) as server:
        chunks, error = COLLECT[way](model_at(server.url))
    assert [c.content for c in chunks] == ["kept"]
    assert type(error) is StreamError
    assert "nested too deeply" in str(error)
    assert error.request_id == "req_loopback_1"
    assert error.__cause__ is None
    assert error.__context__ is None  # no RecursionError (nor the event's text) rides along


# --- every split into reads ---------------------------------------------------------------


def outcome(
    pieces: list[bytes], cut: bool = False
) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    """The chunks (as data) and the error a stream of ``pieces`` gives; ``cut``: the
    transport fails after the last piece (``salvage``) instead of ending (``close``)."""
    stream_assembler = assembler()
    chunks: list[AIMessageChunk] = []
    for piece in pieces:
        chunks.extend(stream_assembler.feed(piece))
    error: SynapticError | None
    if cut:
        error = NetworkError("cut")
        chunks.extend(stream_assembler.salvage(error))
    else:
        chunks.extend(stream_assembler.close())
        error = stream_assembler.error
    dumped = [c.model_dump() for c in chunks]
    return dumped, None if error is None else (type(error).__name__, str(error))


RICH = (
    "\ufeff: hello\r\n"
    + frame(groq_chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_r"})).decode()
    + frame(groq_chunk({"content": "東京 ☀ naïve 😀"})).decode().replace("\n", "\r\n")
    + frame(groq_chunk({"reasoning": "think"})).decode().replace("\n", "\r")
    + frame(
        groq_chunk(
            {"tool_calls": [{"index": 0, "id": "t1", "function": {"name": "f", "arguments": "{"}}]}
        )
    ).decode()
    + frame(groq_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]})).decode()
    + frame(groq_chunk({"executed_tools": [{"index": 0, "type": "search"}]})).decode()
    + frame(groq_chunk({}, "stop", usage={"prompt_tokens": 1, "completion_tokens": 2})).decode()
    + "data: [DONE]\n\n"
).encode()
SHORT = b"\xef\xbb\xbf" + frame({"id": "s", "choices": [{"delta": {"content": "\xe9"}}]})
SHORT += b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\r\n\r\n'
NESTED_TAIL = frame(groq_chunk({"content": "kept"})) + NESTED_EVENTS["data error frame"]


def splits(raw: bytes, parts: int, stride: int = 1) -> Iterator[list[bytes]]:
    cuts = range(1, len(raw), stride)
    if parts == 2:
        for at in cuts:
            yield [raw[:at], raw[at:]]
    else:
        for first in cuts:
            for second in range(first + 1, len(raw), stride):
                yield [raw[:first], raw[first:second], raw[second:]]


@pytest.mark.parametrize(
    ("name", "raw", "parts", "stride"),
    [
        ("rich, two reads", RICH, 2, 1),
        ("short, three reads", SHORT, 3, 1),
        ("nested error frame, two reads", NESTED_TAIL, 2, 97),
    ],
)
def test_every_split_into_reads_gives_the_same_chunks_and_error(
    name: str, raw: bytes, parts: int, stride: int
) -> None:
    whole = outcome([raw])
    assert whole[0]  # the stream does give chunks
    for pieces in splits(raw, parts, stride):
        assert outcome(pieces) == whole, pieces
    one_byte_reads = [raw[i : i + 1] for i in range(len(raw))]
    assert outcome(one_byte_reads) == whole
    if raw is not NESTED_TAIL:
        cut_at_end = outcome([raw], cut=True)  # cut after the body: the same chunks
        assert cut_at_end[0] == whole[0]


def test_every_split_of_a_stream_cut_before_its_first_event_gives_no_chunk() -> None:
    raw = b'\xef\xbb\xbf: keep-alive\r\n\r\n: still there\n\ndata: {"id": "x"'
    for pieces in splits(raw, 2):
        chunks, error = outcome(pieces, cut=True)
        assert chunks == []
        assert error == ("NetworkError", "cut")
