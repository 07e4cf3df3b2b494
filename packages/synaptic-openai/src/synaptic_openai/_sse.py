"""A server-sent-events decoder that works on bytes and does no I/O.

It is the hot path of streaming, so it splits lines at the byte level (a multi-byte
UTF-8 character can never contain a CR or LF byte, so lines split between network
reads are joined before decoding and characters are never cut), takes the common
``data: ...`` line first, and allocates one small object per event.

Follows the WHATWG event-stream rules: CR, LF and CRLF line ends (a CRLF may be split
across two reads), ``:`` comments, multi-line ``data``, named events, ``id`` and
``retry``, a leading byte-order mark. At the end of input, a last line without its
line end still counts (servers that omit the final blank line still get their event).

Malformed input (bytes that are not UTF-8, a line past ``max_line_bytes``) never costs
the events before it: ``feed`` returns every event completed before the fault and
keeps the ``StreamError`` in ``error``; the next ``feed`` or ``flush`` raises it.

The work is linear in the bytes, whatever the read sizes (DESIGN section 16): the
unfinished line is kept as a list of the reads' pieces, joined once when its line end
arrives, and each read is scanned once for line ends. (Concatenating the pending bytes
with every read copied and rescanned the whole line each time: a 16 MiB line in
512-byte reads cost minutes of CPU, and a trickling server could make the client burn
CPU for every byte it sent.) A stream whose events each fit in one read never has a
pending piece, so it takes the same path as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

from synaptic_core import StreamError

_BOM = b"\xef\xbb\xbf"
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class SSEEvent:
    """One event: its ``data`` (lines joined by ``\\n``), ``event`` name, ``id``, ``retry``."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed bytes as they arrive; get complete events back. Call ``flush()`` at the end."""

    __slots__ = (
        "_data",
        "_event",
        "_id",
        "_max_line",
        "_parts",
        "_retry",
        "_size",
        "_skip_lf",
        "_started",
        "error",
    )

    def __init__(self, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        # The unfinished last line, as the pieces it arrived in (joined once, at its line
        # end) and their total size (checked against ``max_line_bytes`` without a join).
        self._parts: list[bytes] = []
        self._size = 0
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._skip_lf = False
        self._started = False
        self._max_line = max_line_bytes
        self.error: StreamError | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode ``chunk``; return the events it completed (often none or one).

        If the input turns out malformed, the events completed before the fault are
        returned and ``error`` is set; feeding again raises it.
        """
        if self.error is not None:
            raise self.error
        if self._skip_lf and chunk:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._skip_lf = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not self._started:
            chunk = self._start(chunk)
            if not self._started:
                return []
        parts = self._parts
        lines = chunk.split(b"\n")  # scans this read only, never the pending line
        if len(lines) == 1:  # no line end: the pending line grows by one piece
            if chunk:  # (lines[0] is chunk itself for bytes, a copy for a bytearray)
                self._size = self._size + len(chunk) if parts else len(chunk)
                parts.append(lines[0])
                if self._size > self._max_line:
                    self._too_long()
            return []
        if parts:  # the pending line ends in this read: join its pieces, once
            parts.append(lines[0])
            lines[0] = b"".join(parts)
            parts.clear()
        last = lines.pop()
        events = self._lines(lines)
        if last:  # (``_size`` counts only while there are parts)
            parts.append(last)
            self._size = len(last)
            if self._size > self._max_line and self.error is None:
                self._too_long()
        return events

    def _start(self, chunk: bytes) -> bytes:
        """The stream's first bytes: drop a byte-order mark, or keep the first bytes of
        what may be one (two at most) until the next read tells."""
        parts = self._parts
        if parts:
            chunk = parts.pop() + chunk
            self._size = 0
        if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
            if chunk:
                parts.append(bytes(chunk))  # (a caller may reuse a bytearray)
                self._size = len(chunk)
            return b""
        self._started = True
        return chunk[len(_BOM) :] if chunk.startswith(_BOM) else chunk

    def _too_long(self) -> None:
        self._parts.clear()
        self._size = 0
        self.error = StreamError(f"event stream line longer than {self._max_line} bytes")

    def flush(self) -> list[SSEEvent]:
        """End of input: the last line counts even without its line end."""
        if self.error is not None:
            raise self.error
        self._skip_lf = False
        pending = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        lines = [pending, b""] if pending else [b""]
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        data = self._data
        try:
            for line in lines:
                if not line:
                    if data:
                        events.append(
                            SSEEvent(
                                "\n".join(data), self._event or "message", self._id, self._retry
                            )
                        )
                        data.clear()
                    self._event = None
                    self._retry = None
                elif line.startswith(b"data:"):
                    value = line[6:] if line[5:6] == b" " else line[5:]
                    data.append(value.decode())
                elif line[:1] != b":":
                    self._field(line)
        except UnicodeDecodeError as exc:
            msg = f"event stream is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            self.error = StreamError(msg)
        return events

    def _field(self, line: bytes) -> None:
        name, colon, raw = line.partition(b":")
        value = (raw[1:] if raw[:1] == b" " else raw).decode() if colon else ""
        if name == b"event":
            self._event = value
        elif name == b"data":  # "data" with no colon: an empty data line
            self._data.append(value)
        elif name == b"id":
            if "\x00" not in value:
                self._id = value
        elif name == b"retry" and value.isdigit():
            self._retry = int(value)


def iter_events(chunks: Iterable[bytes]) -> Iterator[SSEEvent]:
    """Events from a blocking byte iterator."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
        if decoder.error is not None:
            raise decoder.error
    yield from decoder.flush()


async def aiter_events(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    """Events from an async byte iterator."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
        if decoder.error is not None:
            raise decoder.error
    for event in decoder.flush():
        yield event
