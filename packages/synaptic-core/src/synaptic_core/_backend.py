"""The transport contract between a provider's wire format and the network.

A provider builds an ``HttpRequest`` (method, URL, headers, JSON bytes) and hands it to
a ``Backend``: ``send`` for a whole response, ``stream`` for a body read as it arrives.
Both have blocking twins, because the sync API runs real blocking I/O rather than an
event loop. Backends never retry and never interpret statuses: that is the provider's
job (errors) and ``RetryChatModel``'s (retries), so each concern lives in one place.

Response headers are any mapping that answers lowercase names; ``HttpBackend`` hands over
a plain dict with lowercase keys (one copy per response, then O(1) lookups).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization"})


def _safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("[REDACTED]" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request. ``repr`` hides credentials, so it is safe to log."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    timeout: float | None = None
    """This request's own time limit in seconds (None: the backend's); see HttpBackend."""
    max_response_bytes: int | None = None
    """This request's own cap on the response body (None: the backend's). A download of
    a batch output file is expected to be far larger than any chat answer, and only it
    should be let through (streamed to disk), not every response of the backend."""
    body: Callable[[], Iterator[bytes]] | None = None
    """A body too large to hold (an audio upload): a function that starts reading it
    from its beginning, piece by piece, each time it is called (a retry sends it again).
    Set ``content-length`` in ``headers`` with it; ``content`` stays None."""
    body_size: int = 0
    """How many bytes ``body`` yields (for ``repr`` and checks)."""

    def json(self) -> Any:
        """The body parsed as JSON (None without a body): what tests assert on."""
        return None if self.content is None else json.loads(self.content)

    def read_body(self) -> bytes:
        """The whole body, streamed or not (tests; never on the upload path)."""
        if self.body is not None:
            return b"".join(self.body())
        return self.content or b""

    def __repr__(self) -> str:
        size = self.body_size if self.body is not None else len(self.content or b"")
        return (
            f"HttpRequest({self.method} {self.url}, headers={_safe_headers(self.headers)!r}, "
            f"{size} bytes)"
        )


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A whole response: status, headers (lowercase lookups), body bytes."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` when it is not)."""
        return json.loads(self.content)


class StreamResponse:
    """A response whose body is read incrementally (async). Iterate ``aiter_bytes()``
    once; ``aread()`` reads whatever is left (e.g. an error body)."""

    __slots__ = ("_chunks", "headers", "status_code")

    def __init__(
        self, status_code: int, headers: Mapping[str, str], chunks: AsyncIterator[bytes]
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self._chunks = chunks

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives, in network-sized pieces."""
        return self._chunks

    async def aread(self) -> bytes:
        """The rest of the body, whole."""
        return b"".join([chunk async for chunk in self._chunks])


class SyncStreamResponse:
    """A response whose body is read incrementally (blocking)."""

    __slots__ = ("_chunks", "headers", "status_code")

    def __init__(
        self, status_code: int, headers: Mapping[str, str], chunks: Iterator[bytes]
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self._chunks = chunks

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives, in network-sized pieces."""
        return self._chunks

    def read(self) -> bytes:
        """The rest of the body, whole."""
        return b"".join(self._chunks)


@runtime_checkable
class Backend(Protocol):
    """What a provider needs from a transport. Implementations must not retry.

    ``stream`` / ``stream_sync`` return context managers: leaving the block releases
    the connection, whether the body was read to the end or not.
    """

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send and read the whole response."""
        ...

    def send_sync(self, request: HttpRequest) -> HttpResponse:
        """Blocking ``send``."""
        ...

    def stream(self, request: HttpRequest) -> AbstractAsyncContextManager[StreamResponse]:
        """Send and read the body incrementally."""
        ...

    def stream_sync(self, request: HttpRequest) -> AbstractContextManager[SyncStreamResponse]:
        """Blocking ``stream``."""
        ...
