"""Batch input: Groq/OpenAI batch lines, read one at a time and checked before anything runs.

A line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``.
Files are streamed (never loaded whole), so a 50,000-line file costs the memory of one
line plus a 64-bit digest per ``custom_id`` (for duplicates and resuming). One line is
read in bounded pieces too: a line longer than ``MAX_LINE_BYTES`` (a file of a gigabyte
without a newline, say) is measured and skipped, never held, and reported as too long.
Every problem is reported with its line number, all of them (up to a limit) in one
error, so a user fixes the file once rather than once per run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from synaptic_core import ChatRequest, InputError, SynapticError
from synaptic_openai.batch._wire import BodyError, decode_json, request_from_body

CHAT_COMPLETIONS_URL = "/v1/chat/completions"
"""The only ``url`` a batch line may name (Groq's Batch API runs chat completions)."""

MAX_REPORTED = 20
"""How many problems one ``BatchInputError`` lists (the count says how many in all)."""

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest batch line read (16 MiB, newline not counted). No chat request Groq
accepts comes near it (the largest context window is 131,072 tokens, about half a
megabyte of text; base64 images are limited to a few MB a request), so a longer line is
a broken file, and holding it (twice: bytes, then text) would cost gigabytes."""

_PIECE = 1024 * 1024
"""How much of an over-long line, or of a stream being spooled, is read at a time."""

BatchSource = str | os.PathLike[str] | Iterable[str] | Iterable[bytes] | Iterable[Mapping[str, Any]]
"""What a batch job reads: a path, an open binary file (standard input), or lines (text,
bytes or already-parsed objects)."""


class BatchInputError(InputError):
    """The input cannot run as it is. ``problems`` are ``(line number, what is wrong)``,
    ``count`` how many there were in all; nothing was sent."""

    def __init__(self, source: str, problems: list[tuple[int, str]], count: int) -> None:
        shown = "\n".join(f"  line {n}: {what}" for n, what in problems)
        more = f"\n  ... and {count - len(problems)} more" if count > len(problems) else ""
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}, nothing was sent:\n{shown}{more}")
        self.problems = problems
        self.count = count


def digest(custom_id: str) -> int:
    """A 64-bit digest of a ``custom_id`` (what the job keeps per line in memory)."""
    return int.from_bytes(hashlib.blake2b(custom_id.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One input line: its 1-based ``number`` in the input, ``custom_id``, ``body``."""

    number: int
    custom_id: str
    body: dict[str, Any]

    @property
    def model(self) -> str | None:
        """The body's ``model`` (None when the job supplies the model)."""
        value = self.body.get("model")
        return value if isinstance(value, str) and value else None

    def request(self) -> ChatRequest:
        """The chat request the body describes (raises ``BodyError``)."""
        return request_from_body(self.body)


@dataclass(frozen=True, slots=True)
class OversizedLine:
    """A line longer than the reader's limit, in place of its text: ``size`` bytes
    (newline not counted), of which none is kept. ``parse_line`` reports it."""

    size: int
    limit: int


RawLine = str | bytes | Mapping[str, Any] | OversizedLine
"""One line as a ``LineReader`` yields it."""


def parse_line(number: int, raw: RawLine) -> BatchLine | None:
    """One line -> ``BatchLine`` (None for a blank line). Raises ``BodyError``."""
    if isinstance(raw, OversizedLine):
        msg = (
            f"the line is {raw.size:,} bytes, longer than the {raw.limit:,} bytes one batch "
            "line may have (no request can be that large; is a newline missing?)"
        )
        raise BodyError(msg)
    if isinstance(raw, Mapping):
        item: Any = raw
    else:
        if not raw.strip():
            return None
        try:
            item = decode_json(raw)
        except ValueError as exc:
            raise BodyError(f"not valid JSON ({exc})") from None
    if not isinstance(item, Mapping):
        raise BodyError("a batch line must be a JSON object")
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise BodyError("custom_id must be a non-empty string")
    method = item.get("method", "POST")
    if method != "POST":
        raise BodyError(f"method must be POST, got {method!r}")
    url = item.get("url", CHAT_COMPLETIONS_URL)
    if url != CHAT_COMPLETIONS_URL:
        raise BodyError(f"url must be {CHAT_COMPLETIONS_URL!r}, got {url!r}")
    body = item.get("body")
    if not isinstance(body, Mapping):
        raise BodyError("body must be a JSON object (the chat completion request)")
    unknown = sorted(set(item) - {"custom_id", "method", "url", "body"})
    if unknown:
        raise BodyError(f"unknown field(s) {', '.join(map(repr, unknown))} in the line")
    return BatchLine(number, custom_id, dict(body))


def read_lines(file: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | OversizedLine]:
    """The lines of a binary file, each at most ``limit`` bytes (newline not counted);
    a longer one is read through in pieces and yielded as an ``OversizedLine``, so
    memory stays bounded by ``limit`` whatever the file holds."""
    while True:
        raw = file.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while True:
            piece = file.readline(_PIECE)
            if not piece:
                break
            if piece.endswith(b"\n"):
                size += len(piece) - 1
                break
            size += len(piece)
        yield OversizedLine(size, limit)


class LineReader:
    """Reads a source more than once (checking, then running) without holding it:
    a path is reopened; an open file (standard input) is copied to a temporary file in
    bounded pieces on the first read; other iterables are spooled to a temporary file
    on the first read. Lines are read in bounded pieces (``max_line_bytes``, see
    ``read_lines``). ``close()`` removes the spool."""

    def __init__(self, source: BatchSource, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._path: Path | None = None
        self._stream: IO[Any] | None = None
        self._iterable: Iterable[Any] | None = None
        self._spool: IO[bytes] | None = None
        self.max_line_bytes = max_line_bytes
        if isinstance(source, str | os.PathLike):
            self._path = Path(source)
            self.name = str(source)
            if not self._path.is_file():
                what = "is a directory, not a file" if self._path.is_dir() else "no such file"
                msg = f"{self.name}: {what}"
                raise InputError(msg)
        elif callable(getattr(source, "read", None)):
            self._stream = source  # type: ignore[assignment]
            self.name = str(getattr(source, "name", "<stream>"))
        else:
            self._iterable = source
            self.name = "<lines>"

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def __iter__(self) -> Iterator[tuple[int, RawLine]]:
        if self._path is not None:
            with self._path.open("rb") as file:
                yield from enumerate(read_lines(file, self.max_line_bytes), start=1)
            return
        if self._stream is not None:
            self._spool_stream(self._stream)
        if self._spool is not None:
            self._spool.seek(0)
            yield from enumerate(read_lines(self._spool, self.max_line_bytes), start=1)
            return
        assert self._iterable is not None
        yield from self._spool_iterable(self._iterable)

    def _spool_stream(self, stream: IO[Any]) -> None:
        """Copy an open file to the spool in pieces (read once: it cannot be reopened)."""
        self._stream = None
        self._spool = spool = tempfile.TemporaryFile()  # noqa: SIM115 (kept until close())
        while piece := stream.read(_PIECE):
            spool.write(piece.encode() if isinstance(piece, str) else piece)

    def _spool_iterable(self, iterable: Iterable[Any]) -> Iterator[tuple[int, RawLine]]:
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (kept open until close())
        spool = self._spool
        for number, raw in enumerate(iterable, start=1):
            line: RawLine = raw
            if isinstance(raw, Mapping):
                data = json.dumps(raw, ensure_ascii=False).encode()
            else:
                data = raw.encode() if isinstance(raw, str) else raw
                data = data.replace(b"\n", b" ").replace(b"\r", b" ")
                if len(data.rstrip()) > self.max_line_bytes:
                    line = OversizedLine(len(data), self.max_line_bytes)
            spool.write(data + b"\n")
            yield number, line
        self._iterable = None


@dataclass
class CheckResult:
    """What checking a whole input found: ``lines`` (non-blank), ``ids`` (digests)."""

    lines: int
    ids: set[int]


def check_lines(
    reader: LineReader,
    check: Callable[[BatchLine, ChatRequest], None],
) -> CheckResult:
    """Read every line once; raise ``BatchInputError`` listing the problems (bad JSON or
    shape, duplicate ``custom_id``, a body the model would refuse) by line number.
    ``check`` raises what the model would raise before sending (a ``SynapticError``)."""
    ids: set[int] = set()
    first_seen: dict[int, int] = {}
    problems: list[tuple[int, str]] = []
    count = 0
    lines = 0

    def problem(number: int, what: str) -> None:
        nonlocal count
        count += 1
        if len(problems) < MAX_REPORTED:
            problems.append((number, what))

    for number, raw in reader:
        try:
            line = parse_line(number, raw)
            if line is None:
                continue
            lines += 1
            key = digest(line.custom_id)
            if key in ids:
                where = first_seen.get(key)
                earlier = f" (first on line {where})" if where else ""
                problem(number, f"duplicate custom_id {line.custom_id!r}{earlier}")
                continue
            ids.add(key)
            if len(first_seen) < 100_000:
                first_seen[key] = number
            check(line, line.request())
        except BodyError as exc:
            problem(number, str(exc))
        except SynapticError as exc:
            problem(number, exc.message)
        except RecursionError:  # a body nested too deeply for the checks or the encoder
            problem(number, "body nested too deeply (more levels of [ and { than can be sent)")
    if count:
        raise BatchInputError(reader.name, problems, count)
    return CheckResult(lines, ids)
