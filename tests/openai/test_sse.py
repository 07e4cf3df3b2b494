"""The SSE decoder: any valid event stream, cut at any fragment size, decodes to the same
events in sync and async; plus the edge cases by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synaptic_core import StreamError
from synaptic_openai import SSEDecoder, SSEEvent, aiter_events, iter_events

LINE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=20,
)
EVENT = st.tuples(
    st.one_of(st.none(), LINE_TEXT.filter(lambda s: s != "" and not s.startswith(" "))),
    st.lists(LINE_TEXT, min_size=1, max_size=4),
    st.one_of(st.none(), LINE_TEXT),
    st.booleans(),
)


def encode(
    events: list[tuple[str | None, list[str], str | None, bool]], newline: str
) -> tuple[bytes, list[SSEEvent]]:
    """An event stream and the events it must decode to."""
    lines: list[str] = []
    expected: list[SSEEvent] = []
    last_id: str | None = None
    for name, data, event_id, comment in events:
        if comment:
            lines.append(": keep-alive")
        if name is not None:
            lines.append(f"event: {name}")
        lines.extend(f"data: {line}" for line in data)
        if event_id is not None:
            lines.append(f"id: {event_id}")
            last_id = event_id
        lines.append("")
        expected.append(SSEEvent("\n".join(data), name or "message", last_id))
    return "".join(line + newline for line in lines).encode(), expected


def fragments(raw: bytes, size: int) -> list[bytes]:
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def decode_async(pieces: list[bytes]) -> list[SSEEvent]:
    async def source() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def collect() -> list[SSEEvent]:
        return [event async for event in aiter_events(source())]

    return asyncio.run(collect())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(EVENT, min_size=1, max_size=6),
    st.sampled_from(["\n", "\r", "\r\n"]),
    st.integers(min_value=1, max_value=64),
)
def test_any_stream_at_any_fragment_size(
    events: list[tuple[str | None, list[str], str | None, bool]], newline: str, size: int
) -> None:
    raw, expected = encode(events, newline)
    pieces = fragments(raw, size)
    assert list(iter_events(pieces)) == expected
    assert decode_async(pieces) == expected


RICH = (
    "\ufeff: comment first\r\n"
    'data: {"a": "東京 ☀ naïve 😀"}\r\n\r\n'
    "event: error\rdata: line one\rdata: line two\r\r"
    "id: 7\nretry: 1500\ndata\n\n"
    "data:no-space\n\n"
    "ignored-field: x\ndata: [DONE]\n\n"
).encode()
RICH_EVENTS = [
    SSEEvent('{"a": "東京 ☀ naïve 😀"}'),
    SSEEvent("line one\nline two", "error"),
    SSEEvent("", "message", "7", 1500),
    SSEEvent("no-space", "message", "7"),
    SSEEvent("[DONE]", "message", "7"),
]


@pytest.mark.parametrize("size", range(1, len(RICH) + 1))
def test_rich_stream_at_every_fragment_size(size: int) -> None:
    pieces = fragments(RICH, size)
    assert list(iter_events(pieces)) == RICH_EVENTS
    assert decode_async(pieces) == RICH_EVENTS


def test_crlf_split_across_reads_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == [SSEEvent("a")]
    assert decoder.feed(b"\ndata: b\r\n\r\n") == [SSEEvent("b")]


def test_multibyte_character_split_between_reads() -> None:
    raw = "data: 😀\n\n".encode()
    decoder = SSEDecoder()
    assert decoder.feed(raw[:7]) == []  # half of the emoji
    assert decoder.feed(raw[7:]) == [SSEEvent("😀")]


def test_last_event_without_blank_line_is_flushed() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]") == []
    assert decoder.flush() == [SSEEvent("[DONE]")]
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\n") == []
    assert decoder.flush() == [SSEEvent("x")]


def test_event_without_data_is_not_dispatched() -> None:
    assert list(iter_events([b"event: ping\n\n: only a comment\n\n"])) == []


def test_invalid_utf8_is_a_stream_error_after_the_events_before_it() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: one\n\ndata: two\n\ndata: \xff\xfe\n\n")
    assert [e.data for e in events] == ["one", "two"]
    assert isinstance(decoder.error, StreamError)
    assert "not valid UTF-8" in str(decoder.error)
    with pytest.raises(StreamError, match="not valid UTF-8"):
        decoder.feed(b"data: three\n\n")
    with pytest.raises(StreamError, match="not valid UTF-8"):
        list(iter_events([b"data: one\n\ndata: \xff\n\n"]))


def test_endless_line_is_bounded() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    assert [e.data for e in decoder.feed(b"data: before\n\n")] == ["before"]
    with pytest.raises(StreamError, match="longer than 1000 bytes"):
        for _ in range(20):
            decoder.feed(b"x" * 100)
