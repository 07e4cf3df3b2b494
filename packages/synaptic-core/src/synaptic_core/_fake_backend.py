"""``FakeBackend``: a scripted transport that records every request, for offline tests.

Script responses, byte streams and errors in the order calls will consume them; then
assert on ``backend.requests[i].json()``, the exact JSON a provider sent. A call with
nothing left in the script fails loudly with ``FakeBackendExhaustedError`` (an
``AssertionError``, so retry and fallback layers never swallow it).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from typing_extensions import Self

from synaptic_core._backend import HttpRequest, HttpResponse, StreamResponse, SyncStreamResponse


class FakeBackendExhaustedError(AssertionError):
    """A request arrived but the script had nothing left for it."""


@dataclass(frozen=True, slots=True)
class _Scripted:
    status_code: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    chunks: tuple[bytes, ...] = ()
    error: BaseException | None = None
    error_after_chunks: BaseException | None = None


def _lower(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


class FakeBackend:
    """Answers from a queue of scripted entries and records every request.

    Each builder returns the backend, so scripts chain:
    ``FakeBackend().add_response({...}).add_sse([...])``. Whole responses may be
    consumed by streaming calls (their body arrives as one chunk) and streams by
    ``send`` (their chunks are joined). ``open_streams`` counts streams not yet
    released, so a test can prove a connection was given back.
    """

    def __init__(self) -> None:
        self._script: deque[_Scripted] = deque()
        self.requests: list[HttpRequest] = []
        self.open_streams = 0

    def __repr__(self) -> str:
        return f"FakeBackend({len(self._script)} scripted, {len(self.requests)} requests)"

    @property
    def remaining(self) -> int:
        """Scripted entries not consumed yet."""
        return len(self._script)

    @property
    def last_request(self) -> HttpRequest:
        """The most recent request (an ``AssertionError`` if none was made)."""
        if not self.requests:
            msg = "FakeBackend has received no request yet"
            raise AssertionError(msg)
        return self.requests[-1]

    def add_response(
        self,
        json_body: Any = None,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Self:
        """A whole response: ``json_body`` serialised, or raw ``content``."""
        if content is None:
            content = b"" if json_body is None else json.dumps(json_body).encode()
        elif isinstance(content, str):
            content = content.encode()
        merged = {"content-type": "application/json", **_lower(headers)}
        self._script.append(_Scripted(status, merged, (content,)))
        return self

    def add_stream(
        self,
        chunks: Iterable[bytes | str],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        error: BaseException | None = None,
    ) -> Self:
        """A body delivered in these pieces; ``error`` is raised after the last piece
        (a connection cut mid-body)."""
        body = tuple(c.encode() if isinstance(c, str) else c for c in chunks)
        merged = {"content-type": "text/event-stream", **_lower(headers)}
        self._script.append(_Scripted(status, merged, body, error_after_chunks=error))
        return self

    def add_sse(
        self,
        events: Iterable[Any],
        *,
        done: bool = True,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        error: BaseException | None = None,
    ) -> Self:
        """Server-sent events: each item becomes ``data: <json>`` (strings are sent as
        they are), then ``data: [DONE]`` unless ``done=False``."""
        frames = [
            f"data: {event if isinstance(event, str) else json.dumps(event)}\n\n"
            for event in events
        ]
        if done:
            frames.append("data: [DONE]\n\n")
        return self.add_stream(frames, status=status, headers=headers, error=error)

    def add_error(self, error: BaseException) -> Self:
        """Raise ``error`` instead of answering (e.g. ``NetworkError(...)``)."""
        self._script.append(_Scripted(error=error))
        return self

    def _next(self, request: HttpRequest) -> _Scripted:
        self.requests.append(request)
        if not self._script:
            msg = (
                f"FakeBackend has no scripted answer left for request #{len(self.requests)} "
                f"({request.method} {request.url}); script one with add_response(), "
                "add_stream(), add_sse() or add_error()"
            )
            raise FakeBackendExhaustedError(msg)
        entry = self._script.popleft()
        if entry.error is not None:
            raise entry.error
        return entry

    def _whole(self, request: HttpRequest) -> HttpResponse:
        entry = self._next(request)
        if entry.error_after_chunks is not None:
            raise entry.error_after_chunks
        return HttpResponse(entry.status_code, entry.headers, b"".join(entry.chunks))

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Answer from the script."""
        return self._whole(request)

    def send_sync(self, request: HttpRequest) -> HttpResponse:
        """Answer from the script."""
        return self._whole(request)

    @asynccontextmanager
    async def stream(self, request: HttpRequest) -> AsyncIterator[StreamResponse]:
        """Stream from the script."""
        entry = self._next(request)

        async def chunks() -> AsyncIterator[bytes]:
            for chunk in entry.chunks:
                yield chunk
            if entry.error_after_chunks is not None:
                raise entry.error_after_chunks

        self.open_streams += 1
        try:
            yield StreamResponse(entry.status_code, entry.headers, chunks())
        finally:
            self.open_streams -= 1

    @contextmanager
    def stream_sync(self, request: HttpRequest) -> Iterator[SyncStreamResponse]:
        """Stream from the script."""
        entry = self._next(request)

        def chunks() -> Iterator[bytes]:
            yield from entry.chunks
            if entry.error_after_chunks is not None:
                raise entry.error_after_chunks

        self.open_streams += 1
        try:
            yield SyncStreamResponse(entry.status_code, entry.headers, chunks())
        finally:
            self.open_streams -= 1
