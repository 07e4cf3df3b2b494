"""Groq's Batch API, emulated (groq-api.md section 9): files and batches.

``POST /files`` (multipart, ``purpose=batch``), ``GET /files``, ``GET /files/{id}``,
``GET /files/{id}/content``, ``DELETE /files/{id}``; ``POST /batches``, ``GET /batches``,
``GET /batches/{id}``, ``POST /batches/{id}/cancel``. A batch is processed in the
background on the emulator's event loop, through the same chat logic as live requests
(but outside the rate limits, as Groq's batches are): ``validating``, ``in_progress``,
``finalizing``, then ``completed`` (or ``cancelling``/``cancelled``, ``expired`` when
the completion window passes first on the emulator's clock, ``failed`` when the input
file is not a batch file). Output lines come **unordered** (as Groq's do: join by
``custom_id``); lines that failed go to the error file. ``hold_batches=True`` keeps
batches in ``validating`` until ``release_batches()``, so tests can watch every status.

Hostile input is answered, never a dropped connection or a stuck batch: a ``purpose``
that is not UTF-8 or a body that is not a JSON object is a 400; a line that is not JSON
(or nests past the recursion limit) or that the emulator fails on becomes an error line
(500 for the latter, logged once a minute at most); an input file deleted before its
batch starts fails the batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synaptic_core import get_logger
from synaptic_groq.emulator._guards import QuietLog
from synaptic_groq.emulator._server import Reply

if TYPE_CHECKING:
    from synaptic_groq.emulator._emulator import GroqEmulator

_quiet = QuietLog(get_logger("emulator"))
_WINDOW = re.compile(r"^(\d+)([hd])$")
_DONE = frozenset({"completed", "failed", "expired", "cancelled"})


class BatchError(Exception):
    """A request the Batch API refuses: status, Groq's error body."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
        }


@dataclass
class Batch:
    id: str
    input_file_id: str
    completion_window: str
    created_at: int
    expires_at: float
    metadata: dict[str, Any] | None
    status: str = "validating"
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    times: dict[str, int] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": self.times.get("in_progress"),
            "expires_at": int(self.expires_at),
            "finalizing_at": self.times.get("finalizing"),
            "completed_at": self.times.get("completed"),
            "failed_at": self.times.get("failed"),
            "expired_at": self.times.get("expired"),
            "cancelling_at": self.times.get("cancelling"),
            "cancelled_at": self.times.get("cancelled"),
            "request_counts": {
                "total": self.total,
                "completed": self.completed,
                "failed": self.failed,
            },
            "metadata": self.metadata,
        }


def window_seconds(window: Any) -> float:
    """``"24h"``..``"7d"`` in seconds (Groq's accepted range), else ``BatchError``."""
    match = _WINDOW.match(window) if isinstance(window, str) else None
    seconds = 0.0
    if match:
        seconds = int(match.group(1)) * (3600 if match.group(2) == "h" else 86_400)
    if not 86_400 <= seconds <= 7 * 86_400:
        msg = "completion_window must be between 24h and 7d (e.g. '24h', '7d')"
        raise BatchError(400, msg)
    return seconds


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``multipart/form-data`` fields: name -> (filename, bytes)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if "multipart/form-data" not in content_type or match is None:
        raise BatchError(400, "upload the file as multipart/form-data")
    boundary = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        disposition = head.decode("latin-1")
        name = re.search(r'name="([^"]*)"', disposition)
        filename = re.search(r'filename="([^"]*)"', disposition)
        if name:
            fields[name.group(1)] = (
                filename.group(1) if filename else None,
                data.removesuffix(b"\r\n"),
            )
    return fields


def _scrambled(row: dict[str, Any]) -> str:
    return hashlib.sha256(str(row.get("custom_id")).encode()).hexdigest()


class BatchStore:
    """Files and batches of one emulator (thread-safe; processing on its loop)."""

    def __init__(self, emulator: GroqEmulator, clock: Callable[[], float]) -> None:
        self.emulator = emulator
        self.clock = clock
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, Batch] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.hold = False
        self._release: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_emu{next(self._ids):06d}"

    def _now(self) -> int:
        return int(self.clock())

    # --- files ----------------------------------------------------------------------

    def upload(self, content_type: str, body: bytes) -> dict[str, Any]:
        fields = parse_multipart(content_type, body)
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace")
        if purpose != "batch":
            raise BatchError(400, "purpose must be 'batch'")
        if "file" not in fields:
            raise BatchError(400, "the multipart body has no 'file' field")
        filename, content = fields["file"]
        return self.add_file(filename or "batch.jsonl", content, "batch").info()

    def add_file(self, filename: str, content: bytes, purpose: str) -> StoredFile:
        stored = StoredFile(self._id("file"), filename, purpose, content, self._now())
        with self._lock:
            self.files[stored.id] = stored
        return stored

    def file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise BatchError(404, f"file {file_id!r} not found", "file_not_found")
        return stored

    def delete_file(self, file_id: str) -> dict[str, Any]:
        self.file(file_id)
        with self._lock:
            del self.files[file_id]
        return {"id": file_id, "object": "file", "deleted": True}

    # --- batches --------------------------------------------------------------------

    def create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BatchError(400, "request body must be a JSON object")
        if body.get("endpoint") != "/v1/chat/completions":
            raise BatchError(400, "endpoint must be '/v1/chat/completions'")
        seconds = window_seconds(body.get("completion_window"))
        self.file(str(body.get("input_file_id")))
        metadata = body.get("metadata")
        batch = Batch(
            self._id("batch"),
            str(body["input_file_id"]),
            str(body["completion_window"]),
            self._now(),
            self.clock() + seconds,
            metadata if isinstance(metadata, dict) else None,
        )
        with self._lock:
            self.batches[batch.id] = batch
        loop = asyncio.get_running_loop()
        self._loop = loop
        task = loop.create_task(self._process(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return batch.info()

    def get(self, batch_id: str) -> Batch:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise BatchError(404, f"batch {batch_id!r} not found", "batch_not_found")
        self._expire(batch)
        return batch

    def cancel(self, batch_id: str) -> dict[str, Any]:
        batch = self.get(batch_id)
        if batch.status in _DONE:
            raise BatchError(400, f"batch {batch_id!r} is {batch.status}; it cannot be cancelled")
        self._set(batch, "cancelling")
        return batch.info()

    def release(self) -> None:
        """Let held batches run (thread-safe)."""
        self.hold = False
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def _set(self, batch: Batch, status: str) -> None:
        batch.status = status
        batch.times[status] = self._now()

    def _expire(self, batch: Batch) -> bool:
        if (
            batch.status not in _DONE
            and batch.status != "cancelling"
            and self.clock() > batch.expires_at
        ):
            self._set(batch, "expired")
            return True
        return batch.status == "expired"

    def _requests(self, batch: Batch) -> list[tuple[int, str]] | None:
        """The input file's non-blank lines, numbered; None (the batch failed) when the
        file was deleted before the batch started or has no lines."""
        stored = self.files.get(batch.input_file_id)
        if stored is None:
            message = f"the input file {batch.input_file_id!r} was deleted"
            self._fail(batch, "file_not_found", message, "input_file_id")
            return None
        lines = stored.content.decode("utf-8", "replace").splitlines()
        requests = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
        batch.total = len(requests)
        if not requests:
            self._fail(batch, "empty_file", "the input file has no lines", None)
            return None
        return requests

    def _fail(self, batch: Batch, code: str, message: str, param: str | None) -> None:
        batch.errors.append({"code": code, "message": message, "line": None, "param": param})
        self._set(batch, "failed")

    async def _process(self, batch: Batch) -> None:
        if self.hold:
            self._release = self._release or asyncio.Event()
            await self._release.wait()
        if batch.status == "cancelling":  # cancelled before it started
            self._set(batch, "cancelled")
            return
        requests = self._requests(batch)
        if requests is None:
            return
        self._set(batch, "in_progress")
        output: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, line in requests:
            await asyncio.sleep(0)
            if batch.status == "cancelling" or self._expire(batch):
                break
            result, failed = self._run_line(number, line)
            (errors if failed else output).append(result)
            if failed:
                batch.failed += 1
            else:
                batch.completed += 1
        if batch.status == "in_progress":
            self._set(batch, "finalizing")
        output.sort(key=_scrambled)  # unordered, as Groq's: join by custom_id
        if output:
            batch.output_file_id = self._write(output, batch, "output").id
        if errors:
            batch.error_file_id = self._write(errors, batch, "errors").id
        if batch.status == "cancelling":
            self._set(batch, "cancelled")
        elif batch.status == "finalizing":
            self._set(batch, "completed")

    def _write(self, rows: list[dict[str, Any]], batch: Batch, kind: str) -> StoredFile:
        content = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode()
        return self.add_file(f"batch_{batch.id}_{kind}.jsonl", content, "batch_output")

    def _run_line(self, number: int, line: str) -> tuple[dict[str, Any], bool]:
        request_id = f"batch_req_{next(self._ids):06d}"
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
            item = None
        if not isinstance(item, dict) or not isinstance(item.get("body"), dict):
            error = {
                "code": "invalid_request",
                "message": f"line {number} is not a batch request line",
            }
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            return {
                "id": request_id,
                "custom_id": custom_id,
                "response": None,
                "error": error,
            }, True
        try:
            reply = self.emulator.chat(item["body"], None, paced=False, size=len(line.encode()))
        except RecursionError:
            reply = Reply.error(400, "the line's body nests too deeply", request_id)
        except Exception as error:  # one line fails, never the whole batch
            _quiet.warning(
                f"batch:{type(error).__name__}", "a batch line failed: %r", error, error=error
            )
            reply = Reply.error(500, "Internal Server Error", request_id, "internal_server_error")
        body: Any = json.loads(reply.body) if reply.body else None
        row = {
            "id": request_id,
            "custom_id": item.get("custom_id"),
            "response": {"status_code": reply.status, "request_id": reply.request_id, "body": body},
            "error": None,
        }
        if reply.status != 200:
            detail = body.get("error", {}) if isinstance(body, dict) else {}
            row["error"] = {
                "code": detail.get("code") or str(reply.status),
                "message": detail.get("message", ""),
            }
            return row, True
        return row, False
