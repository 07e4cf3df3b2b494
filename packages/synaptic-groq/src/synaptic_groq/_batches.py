"""``GroqBatchClient``: Groq's Batch API (files and batches), sync and async.

Upload a JSONL file of batch lines (``purpose=batch``), create a batch from it, poll it,
cancel it, list batches, download its output and error files (groq-api.md section 9),
and list the models the key may name (``GET /models``: checked before an upload, since
a batch for a model that does not exist fails every line a day later).
Statuses and counts come back typed (``BatchInfo``, ``FileInfo``: unknown fields kept);
failures are synaptic's typed errors (``not_available_for_plan`` is a
``PermissionDeniedError``). The transport is the same ``Backend`` as chat's, so tests
use the emulator or a ``FakeBackend``.

Output files are far larger than any chat answer (a 1,000-line batch of long answers is
80 MB; a batch holds up to 50,000 lines), so ``download_to`` streams one to disk as it
arrives (memory flat in its size), under its own cap (``max_download_bytes``, carried
on the request so the backend's 64 MiB cap still guards every other response).
"""

from __future__ import annotations

import builtins
import json
import os
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core import (
    Backend,
    ConfigError,
    HttpBackend,
    HttpRequest,
    HttpResponse,
    ParseError,
    ResponseTooLargeError,
    SynapticError,
    error_from_response,
    remember_secret,
    truncate,
)
from synaptic_groq._config import GroqConfig

BATCH_FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses that do not change any more."""

MAX_DOWNLOAD_BYTES = 4 * 1024**3
"""The largest file ``download_to`` takes (4 GiB). Groq takes input files up to 100 MB
(200 MB / 50,000 lines by another account); output lines carry whole answers and are
larger (1,000 lines of long answers: 80 MB), so 50,000 of them fit with room. Past it a
file is not a batch's output but a runaway, which must not fill the disk."""

_ERROR_BODY_BYTES = 1024 * 1024
"""How much of an error answer to a download is read (an error body, not a file)."""


class ByteSink(Protocol):
    """Where ``download_to`` writes: anything with ``write(bytes)`` (an open file)."""

    def write(self, data: bytes, /) -> Any: ...


class _Chunks:
    """A sink that keeps the chunks (``download``: the file in memory)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes, /) -> None:
        self.parts.append(data)


@contextmanager
def _opened(destination: str | os.PathLike[str] | ByteSink) -> Iterator[ByteSink]:
    """A path is opened (and removed again if the download fails); a sink is used as is."""
    if not isinstance(destination, str | os.PathLike):
        yield destination
        return
    path = Path(destination)
    try:
        with path.open("wb") as file:
            yield file
    except BaseException:
        path.unlink(missing_ok=True)
        raise


class _Info(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class FileInfo(_Info):
    """An uploaded file: ``id`` (``file_...``), ``bytes``, ``filename``, ``purpose``."""

    id: str
    bytes: int | None = None
    filename: str | None = None
    purpose: str | None = None
    created_at: int | None = None


class RequestCounts(_Info):
    """How many lines a batch has, and how many finished well or failed."""

    total: int = 0
    completed: int = 0
    failed: int = 0


class BatchInfo(_Info):
    """A batch: ``status`` (validating, in_progress, finalizing, completed, failed,
    expired, cancelling, cancelled), ``request_counts``, the output and error files."""

    id: str
    status: str
    input_file_id: str | None = None
    completion_window: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int | None = None
    expires_at: int | None = None
    request_counts: RequestCounts = Field(default_factory=RequestCounts)
    metadata: dict[str, Any] | None = None
    errors: Any = None

    @property
    def finished(self) -> bool:
        """Whether the status is final (completed, failed, expired, cancelled)."""
        return self.status in BATCH_FINISHED


class GroqBatchClient:
    """``GroqBatchClient(GroqConfig(...))``; ``backend`` defaults to a pooled ``HttpBackend``.

    ``max_download_bytes`` caps a downloaded file (``MAX_DOWNLOAD_BYTES``, 4 GiB).
    """

    def __init__(
        self,
        config: GroqConfig,
        backend: Backend | None = None,
        *,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
    ) -> None:
        if max_download_bytes < 1:
            msg = "GroqBatchClient max_download_bytes must be at least 1"
            raise ConfigError(msg)
        self.config = config
        self.max_download_bytes = max_download_bytes
        self._owns_backend = backend is None
        self.backend = backend or HttpBackend()
        self._base = config.base_url
        key = config.api_key.get_secret_value() if config.api_key is not None else ""
        self._secret = key or None
        remember_secret(self._secret)
        self._auth = {"authorization": f"Bearer {key}"} if key else {}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GroqBatchClient:
        """A client on ``$GROQ_API_KEY`` and ``$GROQ_BASE_URL`` (batches name their
        models line by line, so the config's model is a placeholder)."""
        return cls(GroqConfig(model="(batch)", environ=environ))

    def __repr__(self) -> str:
        return f"GroqBatchClient(base_url={self._base!r})"

    def close(self) -> None:
        """Close the backend if this client created it."""
        close = getattr(self.backend, "close", None)
        if self._owns_backend and close is not None:
            close()

    async def aclose(self) -> None:
        """Close the backend (this loop's async connections too) if this client created it."""
        aclose = getattr(self.backend, "aclose", None)
        if self._owns_backend and aclose is not None:
            await aclose()

    async def __aenter__(self) -> GroqBatchClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __enter__(self) -> GroqBatchClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- requests -------------------------------------------------------------------

    def _json_request(self, method: str, path: str, body: Any = None) -> HttpRequest:
        headers = {**self._auth, "accept": "application/json"}
        content = None
        if body is not None:
            headers["content-type"] = "application/json"
            content = json.dumps(body).encode()
        return HttpRequest(method, f"{self._base}{path}", headers, content)

    def _upload_request(self, content: bytes, filename: str) -> HttpRequest:
        boundary = f"synaptic{secrets.token_hex(12)}"
        safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="file"; filename="{safe}"\r\n'
                "Content-Type: application/jsonl\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            **self._auth,
            "accept": "application/json",
            "content-type": f"multipart/form-data; boundary={boundary}",
        }
        return HttpRequest("POST", f"{self._base}/files", headers, body)

    def _checked(self, response: HttpResponse) -> HttpResponse:
        if not 200 <= response.status_code < 300:
            raise error_from_response(
                response.status_code,
                response.headers,
                response.content,
                provider="groq",
                secret=self._secret,
            )
        return response

    def _parsed(self, response: HttpResponse, model: type[_Info]) -> Any:
        body = self._checked(response).content
        try:
            return model.model_validate_json(body)
        except (ValueError, RecursionError):  # not JSON, or nested past any parser
            text = body.decode("utf-8", "replace")
            msg = f"groq returned a {model.__name__} that does not parse: {truncate(text, 300)}"
            raise ParseError(msg, provider="groq", status_code=response.status_code) from None

    @staticmethod
    def _content(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
        if isinstance(source, bytes):
            return source, filename or "batch.jsonl"
        path = Path(source)
        return path.read_bytes(), filename or path.name

    def _create_request(
        self, input_file_id: str, completion_window: str, metadata: dict[str, str] | None
    ) -> HttpRequest:
        body: dict[str, Any] = {
            "input_file_id": input_file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": completion_window,
        }
        if metadata is not None:
            body["metadata"] = metadata
        return self._json_request("POST", "/batches", body)

    def _batch_request(self, method: str, batch_id: str, action: str = "") -> HttpRequest:
        return self._json_request(method, f"/batches/{quote(batch_id, safe='')}{action}")

    def _content_request(self, file_id: str) -> HttpRequest:
        request = self._json_request("GET", f"/files/{quote(file_id, safe='')}/content")
        return HttpRequest(
            request.method,
            request.url,
            request.headers,
            max_response_bytes=self.max_download_bytes,
        )

    def _model_ids(self, response: HttpResponse) -> list[str]:
        body = self._checked(response).content
        try:
            data: Any = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested past any parser
            data = None
        entries = data.get("data") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            text = body.decode("utf-8", "replace")
            msg = f"groq returned a model list that is not {{'data': [...]}}: {truncate(text, 300)}"
            raise ParseError(msg, provider="groq", status_code=response.status_code)
        return [e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]

    def _batches(self, response: HttpResponse) -> list[BatchInfo]:
        body = self._checked(response).content
        try:
            data = json.loads(body).get("data", [])
            return [BatchInfo.model_validate(b) for b in data]
        except (ValueError, AttributeError, TypeError, RecursionError):
            text = body.decode("utf-8", "replace")
            msg = f"groq returned a batch list that does not parse: {truncate(text, 300)}"
            raise ParseError(msg, provider="groq", status_code=response.status_code) from None

    def _too_large(self, file_id: str) -> ResponseTooLargeError:
        msg = (
            f"groq's file {file_id} is larger than max_download_bytes "
            f"({self.max_download_bytes:,} bytes); if it is expected, raise "
            "GroqBatchClient(max_download_bytes=...)"
        )
        return ResponseTooLargeError(msg, provider="groq")

    def _declared(self, file_id: str, headers: Mapping[str, str]) -> None:
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_download_bytes:
            raise self._too_large(file_id)

    def _download_error(
        self, status: int, headers: Mapping[str, str], head: bytes
    ) -> SynapticError:
        return error_from_response(status, headers, head, provider="groq", secret=self._secret)

    # --- blocking -------------------------------------------------------------------

    def upload_sync(self, source: str | Path | bytes, *, filename: str | None = None) -> FileInfo:
        """Upload a batch input file (a path, or the JSONL bytes)."""
        request = self._upload_request(*self._content(source, filename))
        result: FileInfo = self._parsed(self.backend.send_sync(request), FileInfo)
        return result

    def create_sync(
        self,
        input_file_id: str,
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
    ) -> BatchInfo:
        """Start a batch over an uploaded file."""
        request = self._create_request(input_file_id, completion_window, metadata)
        result: BatchInfo = self._parsed(self.backend.send_sync(request), BatchInfo)
        return result

    def get_sync(self, batch_id: str) -> BatchInfo:
        """A batch's status and counts now."""
        request = self._batch_request("GET", batch_id)
        result: BatchInfo = self._parsed(self.backend.send_sync(request), BatchInfo)
        return result

    def cancel_sync(self, batch_id: str) -> BatchInfo:
        """Ask Groq to stop a batch (it goes ``cancelling``, then ``cancelled``)."""
        request = self._batch_request("POST", batch_id, "/cancel")
        result: BatchInfo = self._parsed(self.backend.send_sync(request), BatchInfo)
        return result

    def list_sync(self) -> list[BatchInfo]:
        """Every batch of this key."""
        return self._batches(self.backend.send_sync(self._json_request("GET", "/batches")))

    def models_sync(self) -> list[str]:
        """The ids of the models this key may use (``GET /models``)."""
        return self._model_ids(self.backend.send_sync(self._json_request("GET", "/models")))

    def download_sync(self, file_id: str) -> bytes:
        """A file's content in memory (a batch's output or error lines); a big output
        file is better streamed to disk with ``download_to_sync``."""
        sink = _Chunks()
        self.download_to_sync(file_id, sink)
        return b"".join(sink.parts)

    def download_to_sync(self, file_id: str, destination: str | os.PathLike[str] | ByteSink) -> int:
        """Stream a file to ``destination`` (a path, or an open binary file) as it
        arrives, memory flat in its size; returns its size in bytes. Larger than
        ``max_download_bytes``: ``ResponseTooLargeError`` (a path is then removed)."""
        request = self._content_request(file_id)
        with _opened(destination) as sink, self.backend.stream_sync(request) as response:
            if not 200 <= response.status_code < 300:
                head = _head_sync(response.iter_bytes())
                raise self._download_error(response.status_code, response.headers, head)
            self._declared(file_id, response.headers)
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_download_bytes:
                    raise self._too_large(file_id)
                sink.write(chunk)
            return size

    # --- async ----------------------------------------------------------------------

    async def upload(self, source: str | Path | bytes, *, filename: str | None = None) -> FileInfo:
        """Async ``upload_sync``."""
        request = self._upload_request(*self._content(source, filename))
        result: FileInfo = self._parsed(await self.backend.send(request), FileInfo)
        return result

    async def create(
        self,
        input_file_id: str,
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
    ) -> BatchInfo:
        """Async ``create_sync``."""
        request = self._create_request(input_file_id, completion_window, metadata)
        result: BatchInfo = self._parsed(await self.backend.send(request), BatchInfo)
        return result

    async def get(self, batch_id: str) -> BatchInfo:
        """Async ``get_sync``."""
        request = self._batch_request("GET", batch_id)
        result: BatchInfo = self._parsed(await self.backend.send(request), BatchInfo)
        return result

    async def cancel(self, batch_id: str) -> BatchInfo:
        """Async ``cancel_sync``."""
        request = self._batch_request("POST", batch_id, "/cancel")
        result: BatchInfo = self._parsed(await self.backend.send(request), BatchInfo)
        return result

    async def list(self) -> list[BatchInfo]:
        """Async ``list_sync``."""
        return self._batches(await self.backend.send(self._json_request("GET", "/batches")))

    async def models(self) -> builtins.list[str]:  # ``list`` is a method here
        """Async ``models_sync``."""
        return self._model_ids(await self.backend.send(self._json_request("GET", "/models")))

    async def download(self, file_id: str) -> bytes:
        """Async ``download_sync`` (the file in memory; see ``download_to``)."""
        sink = _Chunks()
        await self.download_to(file_id, sink)
        return b"".join(sink.parts)

    async def download_to(
        self, file_id: str, destination: str | os.PathLike[str] | ByteSink
    ) -> int:
        """Async ``download_to_sync``: stream a file to disk, memory flat in its size."""
        request = self._content_request(file_id)
        with _opened(destination) as sink:
            async with self.backend.stream(request) as response:
                if not 200 <= response.status_code < 300:
                    head = await _head(response.aiter_bytes())
                    raise self._download_error(response.status_code, response.headers, head)
                self._declared(file_id, response.headers)
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_download_bytes:
                        raise self._too_large(file_id)
                    sink.write(chunk)
                return size


def _head_sync(chunks: Iterator[bytes]) -> bytes:
    """The start of an error answer (at most ``_ERROR_BODY_BYTES``: a body, not a file)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= _ERROR_BODY_BYTES:
            break
    return b"".join(parts)[:_ERROR_BODY_BYTES]


async def _head(chunks: AsyncIterator[bytes]) -> bytes:
    """Async ``_head_sync``."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= _ERROR_BODY_BYTES:
            break
    return b"".join(parts)[:_ERROR_BODY_BYTES]
