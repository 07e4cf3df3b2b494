"""``GroqBatchJob``: a batch input run through Groq's Batch API, from upload to output.

The same input and output lines as a live job (``synaptic_openai.batch``): every line
is checked first (line numbers, duplicates, fields Groq refuses), lines an existing
output already has are left out (so a job can move between modes), the file is
uploaded and a batch created; its id is saved next to the output (``OUTPUT.batch.json``)
at once, so ``resume=True`` polls that batch instead of creating a second one. When
the batch ends, its output and error files (unordered, as Groq's) are joined by
``custom_id`` and appended to the output in input order. A batch that failed, expired or
was cancelled is a typed error, after every line that did come back is written.

A model given for every line (``model=``, ``-m``) is checked against ``GET /models``
before anything is uploaded: a batch for a model that does not exist fails every line,
hours later. Resuming submits the lines the output lacks and those whose output line
failed in a retryable way (every failed line with ``retry_failed``); the new lines are
appended and, read back, win over the failed ones.

Output files can be far larger than memory should hold (80 MB for 1,000 long answers),
so they are streamed to temporary files next to the output, indexed by ``custom_id``
(an offset per submitted line), and copied over one line at a time. A line of Groq's
files that cannot be read (not JSON, nested too deeply, absurdly long) is left out and
named in the error, its request counted as not run (``--resume`` live finishes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from synaptic_core import (
    ChatRequest,
    InputError,
    ModelNotFoundError,
    NotFoundError,
    PermissionDeniedError,
    SynapticError,
    suggest,
)
from synaptic_groq._batches import BatchInfo, GroqBatchClient
from synaptic_groq._config import GroqConfig
from synaptic_groq._model import GroqChatModel
from synaptic_openai.batch import (
    BatchLine,
    BatchSource,
    LineReader,
    OutputWriteError,
    OutputWriter,
    check_lines,
    check_output_path,
    outcome_of,
    parse_line,
    scan_output,
)
from synaptic_openai.batch._lines import MAX_LINE_BYTES, digest, read_lines
from synaptic_openai.batch._output import MAX_OUTPUT_LINE_BYTES
from synaptic_openai.batch._wire import decode_json

MAX_SHOWN = 5
"""How many unreadable lines of Groq's files an error names (the count says the rest)."""


class BatchError(SynapticError):
    """A Groq batch that did not complete. ``batch`` is its last ``BatchInfo``;
    ``missing`` how many submitted lines have no output line."""

    def __init__(self, message: str, *, batch: BatchInfo, missing: int = 0) -> None:
        super().__init__(message, provider="groq")
        self.batch = batch
        self.missing = missing


class BatchFailedError(BatchError):
    """The batch failed (Groq's validation refused the file: ``batch.errors``)."""


class BatchExpiredError(BatchError):
    """The batch expired before every line ran (what ran is written)."""


class BatchCancelledError(BatchError):
    """The batch was cancelled (what ran is written)."""


class BatchNotAvailableError(PermissionDeniedError):
    """Groq's Batch API is not on this organisation's plan (403 not_available_for_plan)."""


def state_path(output: str | os.PathLike[str]) -> Path:
    """Where the batch id of a job writing ``output`` is kept (``OUTPUT.batch.json``)."""
    return Path(f"{os.fspath(output)}.batch.json")


class _SpoolSink:
    """Where a download goes: a temporary file next to the output. A failed write
    (a full disk) becomes ``OutputWriteError`` saying to free space and resume, not a
    bare ``OSError`` that could be mistaken for the network's."""

    def __init__(self, file: IO[bytes], output: Path, label: str) -> None:
        self.file = file
        self.output = output
        self.label = label

    def write(self, data: bytes, /) -> None:
        try:
            self.file.write(data)
        except OSError as exc:
            raise self._error(exc) from None

    def finish(self) -> None:
        """Flush what the file still buffers (a full disk may only show here), and go
        back to its start for reading."""
        try:
            self.file.flush()
        except OSError as exc:
            raise self._error(exc) from None
        self.file.seek(0)

    def _error(self, cause: OSError) -> OutputWriteError:
        what = f"download Groq's {self.label} file next to"
        return OutputWriteError(self.output, cause, lines=0, what=what)


class GroqBatchJob:
    """``GroqBatchJob(client, "in.jsonl", "out.jsonl").run_sync()``.

    ``model`` overrides or supplies every body's ``model``; ``window`` is the completion
    window (``24h`` to ``7d``); ``poll_interval`` seconds between status checks
    (``on_progress(info)`` after each); ``resume`` continues the batch this output's
    state file names, or submits only the lines the output lacks (and those whose line
    failed in a retryable way; every failed line with ``retry_failed``, which implies
    ``resume``); ``max_line_bytes`` is the longest input line (longer is reported,
    never read whole). ``written`` and ``failed`` count the lines appended, and those
    of them that failed.
    """

    def __init__(
        self,
        client: GroqBatchClient,
        source: BatchSource,
        output: str | os.PathLike[str],
        *,
        model: str | None = None,
        window: str = "24h",
        resume: bool = False,
        retry_failed: bool = False,
        poll_interval: float = 10.0,
        on_progress: Callable[[BatchInfo], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.client = client
        self._reader = LineReader(source, max_line_bytes=max_line_bytes)
        self.output = Path(output)
        self.state = state_path(output)
        self.model = model
        self.window = window
        self.resume = resume or retry_failed
        self.retry_failed = retry_failed
        self.poll_interval = poll_interval
        self.on_progress = on_progress
        self._sleep = sleep
        self._checkers: dict[str, GroqChatModel] = {}
        self.info: BatchInfo | None = None
        self.written = 0
        self.failed = 0
        # Lines of Groq's output and error files that could not be read: the first
        # MAX_SHOWN described, and how many in all.
        self.unreadable: list[str] = []
        self.unreadable_count = 0

    def __repr__(self) -> str:
        return f"GroqBatchJob({self._reader.name!r}, output={str(self.output)!r})"

    # --- checking and submitting ----------------------------------------------------

    def _check(self, line: BatchLine, request: ChatRequest) -> None:
        name = self.model or line.model
        if name is None:
            msg = "body.model is missing: name the model in the line, or give the job one (-m)"
            raise InputError(msg)
        checker = self._checkers.get(name)
        if checker is None:
            config = self.client.config
            checker = self._checkers[name] = GroqChatModel(
                GroqConfig(config.api_key, name, base_url=config.base_url)
            )
        checker.check_request(request)

    def _done(self) -> set[int]:
        check_output_path(self.output)  # a directory is not "an output with results"
        if not self.output.exists() or self.output.stat().st_size == 0:
            return set()
        if not self.resume:
            msg = (
                f"{self.output} already has results; resume it (--resume / resume=True) "
                "or write to another file"
            )
            raise InputError(msg)
        return scan_output(self.output, repair=True, retry_failed=self.retry_failed).done

    async def check_model(self) -> None:
        """Refuse a ``model`` the key cannot use (``GET /models``), naming close ones,
        before anything is uploaded. A server without the list cannot refuse it."""
        if not self.model:
            return
        try:
            known = await self.client.models()
        except NotFoundError:  # no GET /models here (a proxy): Groq's batch will say
            return
        if self.model in known:
            return
        msg = (
            f"model {self.model!r} is not one this key can use on Groq{suggest(self.model, known)}"
            f"; nothing was uploaded (`synaptic models --live` lists them)"
        )
        raise ModelNotFoundError(msg, provider="groq", status_code=404, code="model_not_found")

    def _payload(self, done: set[int]) -> tuple[bytes, int]:
        parts: list[bytes] = []
        count = 0
        for number, raw in self._reader:
            line = parse_line(number, raw)
            if line is None or digest(line.custom_id) in done:
                continue
            body = dict(line.body)
            if self.model:
                body["model"] = self.model
            item = {
                "custom_id": line.custom_id,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": body,
            }
            parts.append(
                json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            )
            count += 1
        return b"".join(parts), count

    async def submit(self) -> BatchInfo | None:
        """Check, upload and create the batch (None: the output already has every line)."""
        check_output_path(self.output)
        try:
            check_lines(self._reader, self._check)
        finally:
            for checker in self._checkers.values():
                checker.close()
        payload, count = self._payload(self._done())
        if count == 0:
            return None
        await self.check_model()
        try:
            uploaded = await self.client.upload(payload, filename=f"{self.output.stem}.input.jsonl")
            info = await self.client.create(uploaded.id, completion_window=self.window)
        except PermissionDeniedError as exc:
            if exc.code == "not_available_for_plan":
                msg = (
                    "Groq's Batch API is not available on this plan (HTTP 403 "
                    "not_available_for_plan): run the job live instead (without --api)"
                )
                raise BatchNotAvailableError(
                    msg, provider="groq", status_code=403, code=exc.code, request_id=exc.request_id
                ) from None
            raise
        saved = {"batch_id": info.id, "input_file_id": uploaded.id, "lines": count}
        if self.retry_failed:  # collecting must want the failed lines' new answers too
            saved["retry_failed"] = True
        self.state.write_text(json.dumps(saved) + "\n")
        return info

    # --- waiting and collecting -----------------------------------------------------

    async def wait(self, batch_id: str) -> BatchInfo:
        """Poll until the batch's status is final."""
        while True:
            info = await self.client.get(batch_id)
            self.info = info
            if self.on_progress is not None:
                self.on_progress(info)
            if info.finished:
                return info
            await self._sleep(self.poll_interval)

    async def collect(self, info: BatchInfo) -> int:
        """Join the output and error files by ``custom_id`` and append them to the output
        in input order; returns how many submitted lines have no result.

        Each file is streamed to a temporary file next to the output and indexed (an
        offset per line this job waits for), so memory does not grow with its size."""
        check_output_path(self.output)
        self.unreadable, self.unreadable_count = [], 0
        done = (
            scan_output(self.output, repair=True, retry_failed=self.retry_failed).done
            if self.output.exists()
            else set()
        )
        wanted = self._wanted(done)
        index: dict[int, tuple[IO[bytes], int]] = {}
        with contextlib.ExitStack() as stack:
            for label, file_id in (("output", info.output_file_id), ("error", info.error_file_id)):
                if not file_id:
                    continue
                spool = stack.enter_context(
                    tempfile.TemporaryFile(dir=self.output.parent, prefix=".synaptic-batch-")
                )
                sink = _SpoolSink(spool, self.output, label)
                await self.client.download_to(file_id, sink)
                sink.finish()
                self._index(spool, f"{label} file {file_id}", wanted, index)
            return self._append(done, index)

    def _wanted(self, done: set[int]) -> set[int]:
        """Digests of the ``custom_id``s this job waits for (what the index keeps)."""
        wanted: set[int] = set()
        for number, raw in self._reader:
            line = parse_line(number, raw)
            if line is not None and digest(line.custom_id) not in done:
                wanted.add(digest(line.custom_id))
        return wanted

    def _index(
        self,
        spool: IO[bytes],
        label: str,
        wanted: set[int],
        index: dict[int, tuple[IO[bytes], int]],
    ) -> None:
        """Record where each wanted ``custom_id``'s line starts (a later file wins: a
        line in the error file replaces one in the output file)."""
        lines = read_lines(spool, MAX_OUTPUT_LINE_BYTES)
        number = 0
        while True:
            start = spool.tell()
            raw = next(lines, None)
            if raw is None:
                return
            number += 1
            if not isinstance(raw, bytes):
                self._unreadable(label, number, f"{raw.size:,} bytes, longer than any answer")
                continue
            if not raw.strip():
                continue
            try:
                row = decode_json(raw)
            except ValueError as exc:
                self._unreadable(label, number, f"not JSON ({exc})")
                continue
            custom_id = row.get("custom_id") if isinstance(row, dict) else None
            if isinstance(custom_id, str) and digest(custom_id) in wanted:
                index[digest(custom_id)] = (spool, start)

    def _unreadable(self, label: str, number: int, why: str) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < MAX_SHOWN:
            self.unreadable.append(f"line {number} of Groq's {label}: {why}")

    def _append(self, done: set[int], index: dict[int, tuple[IO[bytes], int]]) -> int:
        """Copy the indexed lines to the output in input order, one line in memory."""
        writer = OutputWriter(self.output)
        missing = 0
        try:
            for number, raw in self._reader:
                line = parse_line(number, raw)
                if line is None or digest(line.custom_id) in done:
                    continue
                row = self._row(index.pop(digest(line.custom_id), None), line.custom_id)
                if row is None:
                    missing += 1
                    continue
                writer.write(row)
                self.written += 1
                if outcome_of(row) != "ok":
                    self.failed += 1
        finally:
            writer.close()
        return missing

    @staticmethod
    def _row(where: tuple[IO[bytes], int] | None, custom_id: str) -> dict[str, Any] | None:
        if where is None:
            return None
        spool, start = where
        spool.seek(start)
        row = decode_json(spool.readline(MAX_OUTPUT_LINE_BYTES + 1))  # read well before
        return row if isinstance(row, dict) and row.get("custom_id") == custom_id else None

    async def run(self, batch_id: str | None = None) -> BatchInfo | None:
        """Submit (or continue ``batch_id``, or, resuming, the batch the state file
        names), wait, collect; raise ``BatchFailedError`` / ``BatchExpiredError`` /
        ``BatchCancelledError`` after writing what came back. None: nothing was left
        to run. The input's spool (if any) is dropped at the end."""
        try:
            check_output_path(self.output)  # before polling or paying for anything
            if batch_id is None and self.resume and self.state.exists():
                batch_id = self._saved_batch_id()
                self.retry_failed = self.retry_failed or self._saved_flag("retry_failed")
            if batch_id is None:
                submitted = await self.submit()
                if submitted is None:
                    return None
                batch_id = submitted.id
            info = await self.wait(batch_id)
            missing = await self.collect(info)
            self.state.unlink(missing_ok=True)
        finally:
            self.close()
        self._raise_for(info, missing)
        return info

    def _saved_batch_id(self) -> str:
        try:
            saved = decode_json(self.state.read_text())["batch_id"]
        except (ValueError, KeyError, TypeError):
            saved = None
        if not isinstance(saved, str):
            msg = f"{self.state} does not name a batch; remove it to submit again"
            raise InputError(msg)
        return saved

    def _saved_flag(self, name: str) -> bool:
        try:
            saved = decode_json(self.state.read_text())
        except ValueError:
            return False
        return isinstance(saved, dict) and saved.get(name) is True

    def _raise_for(self, info: BatchInfo, missing: int) -> None:
        if info.status == "completed" and not missing:
            return
        rerun = f"; {missing} line(s) did not run: finish them live with --resume (without --api)"
        if self.unreadable:
            more = self.unreadable_count - len(self.unreadable)
            rerun += (
                f" ({self.unreadable_count} line(s) of Groq's files could not be read: "
                + "; ".join(self.unreadable)
                + (f"; and {more} more" if more > 0 else "")
                + ")"
            )
        if info.status == "failed":
            errors = info.errors.get("data", []) if isinstance(info.errors, dict) else []
            said = "; ".join(
                f"line {e.get('line')}: {e.get('message')}"
                if e.get("line")
                else str(e.get("message"))
                for e in errors[:5]
                if isinstance(e, dict)
            )
            msg = f"batch {info.id} failed" + (f": {said}" if said else "")
            raise BatchFailedError(msg, batch=info, missing=missing)
        if info.status == "expired":
            raise BatchExpiredError(f"batch {info.id} expired{rerun}", batch=info, missing=missing)
        if info.status == "cancelled":
            raise BatchCancelledError(
                f"batch {info.id} was cancelled{rerun}", batch=info, missing=missing
            )
        raise BatchError(f"batch {info.id} ended {info.status}{rerun}", batch=info, missing=missing)

    def run_sync(self) -> BatchInfo | None:
        """``run()`` for code without an event loop (the client's connections of the
        loop it runs in are closed at the end; the client stays usable)."""
        return asyncio.run(self._run_and_close())

    async def _run_and_close(self) -> BatchInfo | None:
        try:
            return await self.run()
        finally:
            await self.client.aclose()

    def close(self) -> None:
        """Drop the input's spool (an iterable source is spooled to a temporary file)."""
        self._reader.close()

    def __enter__(self) -> GroqBatchJob:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
