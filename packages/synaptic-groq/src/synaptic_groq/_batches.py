"""``GroqBatchClient``: Groq's Batch API (files and batches), sync and async.

Upload a JSONL file of batch lines (``purpose=batch``), create a batch from it, poll it,
cancel it, list batches, download its output and error files (groq-api.md section 9).
Statuses and counts come back typed (``BatchInfo``, ``FileInfo``: unknown fields kept);
failures are synaptic's typed errors (``not_available_for_plan`` is a
``PermissionDeniedError``). The transport is the same ``Backend`` as chat's, so tests
use the emulator or a ``FakeBackend``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from synaptic_core import (
    Backend,
    HttpBackend,
    HttpRequest,
    HttpResponse,
    ParseError,
    error_from_response,
    truncate,
)
from synaptic_groq._config import GroqConfig

BATCH_FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})
"""Batch statuses that do not change any more."""


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
    """``GroqBatchClient(GroqConfig(...))``; ``backend`` defaults to a pooled ``HttpBackend``."""

    def __init__(self, config: GroqConfig, backend: Backend | None = None) -> None:
        self.config = config
        self._owns_backend = backend is None
        self.backend = backend or HttpBackend()
        self._base = config.base_url
        key = config.api_key.get_secret_value() if config.api_key is not None else ""
        self._secret = key or None
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
        except ValueError as exc:
            text = body.decode("utf-8", "replace")
            msg = f"groq returned a {model.__name__} that does not parse: {truncate(text, 300)}"
            raise ParseError(msg, provider="groq", status_code=response.status_code) from exc

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
        return self._json_request("GET", f"/files/{quote(file_id, safe='')}/content")

    def _batches(self, response: HttpResponse) -> list[BatchInfo]:
        data = json.loads(self._checked(response).content).get("data", [])
        return [BatchInfo.model_validate(b) for b in data]

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

    def download_sync(self, file_id: str) -> bytes:
        """A file's content (a batch's output or error lines)."""
        return self._checked(self.backend.send_sync(self._content_request(file_id))).content

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

    async def download(self, file_id: str) -> bytes:
        """Async ``download_sync``."""
        return self._checked(await self.backend.send(self._content_request(file_id))).content
