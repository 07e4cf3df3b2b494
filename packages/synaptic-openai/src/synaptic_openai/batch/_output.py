"""Batch output: Groq's batch output lines, written one at a time and read back.

A line is ``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
"error"}``: the same in live mode and from Groq's Batch API, so one file can be
finished either way. The writer appends and flushes each line the moment its request
finishes (a crash or ``kill -9`` loses only the requests in flight); ``scan_output``
reads what an interrupted job left, cutting a torn last line so ``--resume`` redoes it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from synaptic_core import ChatResponse, InputError, SynapticError, build_error
from synaptic_openai._response import parse_chat_response
from synaptic_openai.batch._lines import digest
from synaptic_openai.batch._wire import error_body, error_code, response_to_body


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


def _line_id() -> str:
    return f"batch_req_{secrets.token_hex(12)}"


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


class OutputWriter:
    """Appends output lines, each flushed at once (one ``write`` per line, so a line is
    never interleaved). Not fsync'd per line: a killed process loses nothing written,
    a machine that loses power may lose the last lines the OS had not stored yet."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file: IO[bytes] | None = self.path.open("ab")

    def write(self, row: Mapping[str, Any]) -> None:
        if self._file is None:
            msg = "the output file is closed"
            raise RuntimeError(msg)
        data = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self._file.write(data)
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class OutputScan:
    """What an existing output holds: ``done`` (digests of finished ``custom_id``s),
    ``lines``, ``failed`` (lines with an error), ``torn`` (bytes of a torn last line
    that was cut off, 0 if none)."""

    done: set[int]
    lines: int = 0
    failed: int = 0
    torn: int = 0


def scan_output(path: str | os.PathLike[str], *, repair: bool) -> OutputScan:
    """Read an output file an earlier run left. A last line without its newline (or not
    JSON) is torn: with ``repair`` it is cut off (its request runs again). A bad line
    elsewhere is not ours to fix: ``InputError`` with its line number."""
    target = Path(path)
    scan = OutputScan(set())
    if not target.exists():
        return scan
    good_end = 0
    with target.open("rb") as file:
        for number, raw in enumerate(file, start=1):
            complete = raw.endswith(b"\n")
            try:
                row = json.loads(raw) if raw.strip() else None
            except ValueError:
                row = None
            valid = isinstance(row, dict) and isinstance(row.get("custom_id"), str)
            if not raw.strip() and complete:
                good_end += len(raw)
                continue
            if not valid or not complete:
                rest = file.read()
                if rest.strip() or (valid and complete):
                    msg = (
                        f"{target}: line {number} is not a batch output line; "
                        "fix or remove it, then resume"
                    )
                    raise InputError(msg)
                scan.torn = len(raw) + len(rest)
                break
            assert isinstance(row, dict)
            scan.done.add(digest(row["custom_id"]))
            scan.lines += 1
            if row.get("error"):
                scan.failed += 1
            good_end += len(raw)
    if scan.torn and repair:
        with target.open("r+b") as file:
            file.truncate(good_end)
    return scan


def iter_output(path: str | os.PathLike[str], *, provider: str = "groq") -> Iterator[BatchResult]:
    """Each line of an output file, read back typed (in file order)."""
    with Path(path).open("rb") as file:
        for number, raw in enumerate(file, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except ValueError:
                msg = f"{path}: line {number} is not JSON (a torn last line? run with --resume)"
                raise InputError(msg) from None
            yield result_from_row(row, provider=provider)


def read_batch_output(
    path: str | os.PathLike[str], *, provider: str = "groq"
) -> dict[str, BatchResult]:
    """An output file as ``custom_id -> BatchResult`` (``.response`` or ``.error``):
    the join Groq's unordered output needs, for live output and Batch API output alike."""
    return {result.custom_id: result for result in iter_output(path, provider=provider)}
