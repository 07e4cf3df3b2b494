"""Batch output: Groq's batch output lines, written one at a time and read back.

A line is ``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
"error"}``: the same in live mode and from Groq's Batch API, so one file can be
finished either way. The writer appends and flushes each line the moment its request
finishes (a crash or ``kill -9`` loses only the requests in flight); ``scan_output``
reads what an interrupted job left, cutting a torn last line so ``--resume`` redoes it.
A line may appear more than once (a failed line, then its rerun appended by
``--resume``): the last one is the line's result, for the scan and the readers alike.
A full disk is the same story: the line that did not fit is cut off, the error names
the file and says that ``--resume`` goes on once there is room. Every line is scrubbed
of remembered API keys as it is written (a hostile server may echo one in an answer or
an error body, and output files are shared).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from synaptic_core import (
    ChatResponse,
    InputError,
    SynapticError,
    build_error,
    error_class_for,
    scrub_secrets,
)
from synaptic_openai._response import parse_chat_response
from synaptic_openai.batch._lines import digest, read_lines
from synaptic_openai.batch._wire import decode_json, error_body, error_code, response_to_body

MAX_OUTPUT_LINE_BYTES = 64 * 1024 * 1024
"""The longest output line read back (64 MiB, what ``HttpBackend`` allows a whole chat
answer): longer is not an answer but a broken or hostile file, and is not held."""

_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class OutputWriteError(SynapticError, OSError):
    """An output line could not be written (a full disk, a quota, an I/O error). The
    lines written before it stay valid (the one that did not fit is cut off), so the
    same command with ``--resume`` (``resume=True``) goes on from there once the cause
    is fixed. ``path`` is the file; ``errno`` the system's error number. Also raised
    when the output cannot be opened at all (``what="open"``: ``/proc/version``, a
    read-only file) or read back to resume (``what="read"``), before anything is sent."""

    def __init__(
        self,
        path: Path,
        cause: OSError,
        *,
        lines: int,
        what: str = "write to",
        stream: str | None = None,
    ) -> None:
        reason = cause.strerror or str(cause) or type(cause).__name__
        fix = "free some space" if cause.errno in _NO_ROOM else "fix that"
        if what == "open":  # nothing was written: there is nothing to resume
            message = (
                f"cannot open {path} to write the output: {reason}; {fix}, or give -o "
                "(output=) a regular file in a folder you can write to"
            )
        elif what == "read":
            message = (
                f"cannot read {path} to resume it: {reason}; fix that (its permissions, "
                "say), or give -o (output=) another file"
            )
        elif stream is not None:  # a pipe cannot be resumed: say what was lost instead
            message = (
                f"cannot write to {stream}: {reason}; {lines} line(s) were written before "
                "(write to a file to be able to resume)"
            )
        else:
            message = (
                f"cannot {what} {path}: {reason}; the lines written before stay valid "
                f"({lines} this run): {fix}, then run the same command again with --resume "
                "to continue from there"
            )
        super().__init__(message)
        self.path = path
        self.errno = cause.errno
        self.strerror = cause.strerror


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a ``Path`` if an output file can go there; else ``InputError`` saying
    what is wrong (a directory, a missing folder), before any request is paid for."""
    target = Path(path)
    if target.is_dir():
        msg = f"{target} is a directory: give the output a file name (e.g. {target / 'out.jsonl'})"
        raise InputError(msg)
    folder = target.parent
    if not folder.is_dir():
        msg = f"{target}: the folder {folder} does not exist; create it or write elsewhere"
        raise InputError(msg)
    return target


def check_not_input(source: object, output: str | os.PathLike[str]) -> None:
    """``InputError`` if ``output`` names the input file ``source`` (the same path, or
    the same file by another name: ``os.path.samefile``): appending answers to the
    input, or resuming from it, would corrupt it. Checked before anything is read."""
    if not isinstance(source, str | os.PathLike):
        return
    same = os.path.abspath(source) == os.path.abspath(output)
    if not same:
        with contextlib.suppress(OSError):  # either missing: not the same file
            same = os.path.samefile(source, output)
    if same:
        msg = (
            f"OUTPUT {output} is the input file {source}: give -o (output=) another file; "
            "nothing was read or sent"
        )
        raise InputError(msg)


@dataclass(frozen=True)
class BatchResult:
    """One finished line: ``response`` (a ``ChatResponse``) or ``error`` (the typed
    ``SynapticError``, or the exception that ended it); ``row`` is the output line."""

    custom_id: str
    response: ChatResponse | None
    error: BaseException | None
    row: dict[str, Any] = field(repr=False)
    line: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the request was answered (status 200, no error)."""
        return self.error is None and self.response is not None

    @property
    def content(self) -> str | None:
        """The answer's text (None when the line failed)."""
        return None if self.response is None else self.response.content

    @property
    def retryable(self) -> bool:
        """Whether the line failed in a way that may pass another time (a 429 or 5xx
        after its retries, a timeout): ``--resume`` runs such a line again."""
        return outcome_of(self.row) == "retryable"


def _line_id() -> str:
    return f"batch_req_{secrets.token_hex(12)}"


Outcome = Literal["ok", "retryable", "failed"]
"""What an output line says of its request: answered; failed in a way that may pass
another time (``--resume`` runs it again); failed for good (``--retry-failed`` only)."""

_RETRYABLE_CODES = frozenset(
    {
        # written for errors without an HTTP status (``error_code``: the class's name)
        "request_timeout_error",
        "network_error",
        "stream_error",
        "server_error",
        "capacity_exceeded",
        "rate_limit_exceeded",
        "service_unavailable",
        # Groq's error file for lines a batch did not get to
        "batch_expired",
        "batch_cancelled",
        # refused by the budget before being sent (earlier versions wrote such lines)
        "local_budget",
    }
)


def outcome_of(row: Mapping[str, Any]) -> Outcome:
    """Classify an output line (live or Batch API): a status of 200 without an error is
    ``ok``; a status the retry layer retries (408, 429, 498, 5xx) or a failure without
    one that is transient (a timeout, a dropped connection, a cut stream, a line Groq's
    batch did not get to) is ``retryable``; anything else ``failed``."""
    response = row.get("response")
    status = response.get("status_code") if isinstance(response, Mapping) else None
    error = row.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    code = code if isinstance(code, str) else None
    if status == 200 and not error:
        return "ok"
    if isinstance(status, int) and status != 200:
        return "retryable" if error_class_for(status, code).default_retryable else "failed"
    return "retryable" if code in _RETRYABLE_CODES else "failed"


def result_from_response(custom_id: str, response: ChatResponse, line: int | None) -> BatchResult:
    row = {
        "id": _line_id(),
        "custom_id": custom_id,
        "response": {
            "status_code": response.http_status or 200,
            "request_id": response.request_id,
            "body": response_to_body(response),
        },
        "error": None,
    }
    return BatchResult(custom_id, response, None, row, line)


def result_from_error(custom_id: str, error: BaseException, line: int | None) -> BatchResult:
    """An output line for a request that failed for good. An error with an HTTP status
    keeps it and the provider's error body in ``response`` (as Groq's error file does);
    one without (a timeout, a dropped connection) has ``response: null``."""
    status = error.status_code if isinstance(error, SynapticError) else None
    response = None
    if status is not None and isinstance(error, SynapticError):
        response = {
            "status_code": status,
            "request_id": error.request_id,
            "body": error_body(error),
        }
    message = error.message if isinstance(error, SynapticError) else str(error) or repr(error)
    row = {
        "id": _line_id(),
        "custom_id": custom_id,
        "response": response,
        "error": {"code": error_code(error), "message": message},
    }
    return BatchResult(custom_id, None, error, row, line)


def result_from_row(row: Mapping[str, Any], *, provider: str = "groq") -> BatchResult:
    """Read one output line back: the typed response, or the typed error."""
    custom_id = str(row.get("custom_id"))
    response = row.get("response")
    status = response.get("status_code") if isinstance(response, Mapping) else None
    body = response.get("body") if isinstance(response, Mapping) else None
    request_id = response.get("request_id") if isinstance(response, Mapping) else None
    error = row.get("error")
    if status == 200 and not error and isinstance(body, Mapping):
        headers = {"x-request-id": request_id} if isinstance(request_id, str) else {}
        parsed = parse_chat_response(body, headers, provider=provider)
        return BatchResult(custom_id, parsed, None, dict(row))
    detail: dict[str, Any] = {}
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        detail = dict(body["error"])
    elif isinstance(error, Mapping):
        detail = {"message": error.get("message"), "code": error.get("code")}
    typed = build_error(
        detail or {"message": "the line has neither a response nor an error"},
        status_code=status if isinstance(status, int) else None,
        provider=provider,
        request_id=request_id if isinstance(request_id, str) else None,
        raw_body=json.dumps(body) if body is not None else None,
    )
    return BatchResult(custom_id, None, typed, dict(row))


def encode_row(row: Mapping[str, Any]) -> bytes:
    """One output line's bytes, newline included, with every remembered API key taken
    out (the last scrub before text leaves the library). Raises ``ValueError`` for a row
    that cannot be JSON (nested too deeply for the encoder, say)."""
    try:
        text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:
        msg = "the line is nested too deeply to be written as JSON"
        raise ValueError(msg) from None
    return scrub_secrets(text).encode() + b"\n"


class OutputWriter:
    """Appends output lines, each written at once with no buffer of its own (one
    ``write`` per line, so a line is never interleaved and nothing waits in memory).
    Not fsync'd per line: a killed process loses nothing written, a machine that loses
    power may lose the last lines the OS had not stored yet.

    A write that fails (``ENOSPC``: the disk is full) raises ``OutputWriteError`` naming
    the file and ``--resume``; what of the line got out is cut off first, so the file
    holds whole lines only, and later writes refuse (the job stops).

    ``OutputWriter.to_stream(sys.stdout.buffer)`` writes to an open binary stream instead
    (``-o -``), flushing after each line; it is neither truncated nor closed here."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._file: IO[bytes] | None = self.path.open("ab", buffering=0)
        except OSError as exc:  # a file that cannot take appends (/proc/version), a lock
            raise OutputWriteError(self.path, exc, lines=0, what="open") from None
        try:
            self._end = os.fstat(self._file.fileno()).st_size
        except OSError as exc:
            self._file.close()
            raise OutputWriteError(self.path, exc, lines=0, what="open") from None
        self.lines = 0
        self._failed: OutputWriteError | None = None
        self._stream: str | None = None

    @classmethod
    def to_stream(cls, stream: IO[bytes], name: str = "standard output") -> OutputWriter:
        """A writer appending to ``stream`` (named ``name`` in errors)."""
        writer = cls.__new__(cls)
        writer.path = Path("-")
        writer._file = stream
        writer._end = 0
        writer.lines = 0
        writer._failed = None
        writer._stream = name
        return writer

    def write(self, row: Mapping[str, Any]) -> None:
        """Append one line (``ValueError`` if it cannot be JSON: nothing is written)."""
        if self._failed is not None:
            raise self._failed
        if self._file is None:
            msg = "the output file is closed"
            raise RuntimeError(msg)
        data = encode_row(row)
        try:
            if self._stream is not None:
                self._file.write(data)
                self._file.flush()  # a reader down the pipe sees each line as it finishes
            else:
                written = 0
                while written < len(data):  # a raw write may take part (the disk filling up)
                    written += self._file.write(data[written:]) or 0
        except OSError as exc:
            self._fail(exc)
        self._end += len(data)
        self.lines += 1

    def _fail(self, cause: OSError) -> None:
        """Cut off the part of the line that got out, then raise (and keep raising)."""
        assert self._file is not None
        if self._stream is None:
            with contextlib.suppress(OSError):  # else the torn line stays: resume cuts it
                os.ftruncate(self._file.fileno(), self._end)
        self._failed = OutputWriteError(self.path, cause, lines=self.lines, stream=self._stream)
        raise self._failed from None

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            if self._stream is None:  # a stream is the caller's to close
                file.close()


@dataclass
class OutputScan:
    """What an existing output holds, one entry per ``custom_id`` (its last line wins):
    ``done`` (digests of the ``custom_id``s not to run again: answered, or failed for
    good unless ``retry_failed``), ``seen`` (digests of every ``custom_id`` in the file),
    ``lines`` (distinct ``custom_id``s), ``failed`` (those whose last line failed),
    ``rerun`` (those that failed and run again), ``torn`` (bytes of a torn last line
    that was cut off, 0 if none)."""

    done: set[int]
    lines: int = 0
    failed: int = 0
    torn: int = 0
    seen: set[int] = field(default_factory=set)
    rerun: int = 0


def scan_output(
    path: str | os.PathLike[str], *, repair: bool, retry_failed: bool = False
) -> OutputScan:
    """Read an output file an earlier run left. A last line without its newline (or not
    JSON) is torn: with ``repair`` it is cut off (its request runs again). A bad line
    elsewhere is not ours to fix: ``InputError`` with its line number.

    A line that failed in a retryable way (a 429 or 5xx after its retries, a timeout)
    is not done: resuming runs it again and appends the new line, which then wins. With
    ``retry_failed`` every failed line runs again.

    Every line must be an output line (it has ``response`` or ``error``, as Groq's
    output lines do): a batch input line (``custom_id`` and ``body``) is refused with its
    line number rather than counted as done, so an OUTPUT that is a copy of the input
    runs nothing by mistake."""
    target = Path(path)
    scan = OutputScan(set())
    if not target.exists():
        return scan
    outcomes: dict[int, Outcome] = {}
    if target.is_dir():
        msg = f"{target} is a directory: give the output a file name"
        raise InputError(msg)
    good_end = 0
    with target.open("rb") as file:
        for number, raw in enumerate(read_lines(file, MAX_OUTPUT_LINE_BYTES), start=1):
            if not isinstance(raw, bytes):  # longer than any answer: not ours
                msg = (
                    f"{target}: line {number} is {raw.size:,} bytes, not a batch output "
                    "line; fix or remove it, then resume"
                )
                raise InputError(msg)
            complete = raw.endswith(b"\n")
            try:
                row = decode_json(raw) if raw.strip() else None
            except ValueError:
                row = None
            valid = isinstance(row, dict) and isinstance(row.get("custom_id"), str)
            _not_input(row, number, target)
            if not raw.strip() and complete:
                good_end += len(raw)
                continue
            if not valid or not complete:
                rest, blank = _rest_of(file)
                if not blank or (valid and complete):
                    msg = (
                        f"{target}: line {number} is not a batch output line; "
                        "fix or remove it, then resume"
                    )
                    raise InputError(msg)
                scan.torn = len(raw) + rest
                break
            assert isinstance(row, dict)
            outcomes[digest(row["custom_id"])] = outcome_of(row)  # a later line wins
            good_end += len(raw)
    for key, outcome in outcomes.items():
        scan.seen.add(key)
        if outcome == "ok" or (outcome == "failed" and not retry_failed):
            scan.done.add(key)
        if outcome != "ok":
            scan.failed += 1
    scan.lines = len(outcomes)
    scan.rerun = len(outcomes) - len(scan.done)
    if scan.torn and repair:
        with target.open("r+b") as file:
            file.truncate(good_end)
    return scan


def _not_input(row: object, number: int, target: Path) -> None:
    """Refuse a line with a ``custom_id`` that is not an output line (a batch input
    line, say): it has neither ``response`` nor ``error``, so it must not count as done."""
    if not isinstance(row, dict) or not isinstance(row.get("custom_id"), str):
        return  # not JSON, or no custom_id: torn, or refused as before
    if "response" not in row and "error" not in row:
        msg = (
            f"OUTPUT line {number} is not a batch output line (no response or error): "
            f"is OUTPUT ({target}) the input file? Write the output to another file"
        )
        raise InputError(msg)


def _rest_of(file: IO[bytes]) -> tuple[int, bool]:
    """How many bytes are left in ``file``, and whether they are all blank (read in
    pieces: what follows a bad line may be the whole rest of a big file)."""
    size, blank = 0, True
    while piece := file.read(1024 * 1024):
        size += len(piece)
        blank = blank and not piece.strip()
    return size, blank


def iter_output(path: str | os.PathLike[str], *, provider: str = "groq") -> Iterator[BatchResult]:
    """Each line of an output file, read back typed (in file order; a ``custom_id``
    that ran again appears once per run: ``read_batch_output`` keeps the last)."""
    with Path(path).open("rb") as file:
        for number, raw in enumerate(read_lines(file, MAX_OUTPUT_LINE_BYTES), start=1):
            if not isinstance(raw, bytes):
                msg = f"{path}: line {number} is {raw.size:,} bytes, not a batch output line"
                raise InputError(msg)
            if not raw.strip():
                continue
            try:
                row = decode_json(raw)
            except ValueError as exc:
                msg = (
                    f"{path}: line {number} is not JSON ({exc}; a torn last line? "
                    "run with --resume)"
                )
                raise InputError(msg) from None
            if not isinstance(row, Mapping):
                msg = f"{path}: line {number} is not a batch output line (not a JSON object)"
                raise InputError(msg)
            try:
                result = result_from_row(row, provider=provider)
            except RecursionError:
                msg = f"{path}: line {number} is nested too deeply to read back"
                raise InputError(msg) from None
            yield result


def read_batch_output(
    path: str | os.PathLike[str], *, provider: str = "groq"
) -> dict[str, BatchResult]:
    """An output file as ``custom_id -> BatchResult`` (``.response`` or ``.error``):
    the join Groq's unordered output needs, for live output and Batch API output alike.
    A ``custom_id`` written more than once (a failed line, then its rerun) maps to its
    last line."""
    return {result.custom_id: result for result in iter_output(path, provider=provider)}
