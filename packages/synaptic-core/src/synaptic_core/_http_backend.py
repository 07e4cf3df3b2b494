"""``HttpBackend``: the default transport, on httpx, imported on first use.

httpx is imported lazily so that ``import synaptic_core`` stays cheap and a program that
only uses ``FakeBackend`` never pays for it. Transport failures are translated here, in
one place, into ``NetworkError`` / ``RequestTimeoutError``; nothing here retries.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from synaptic_core import _secrets
from synaptic_core._backend import HttpRequest, HttpResponse, StreamResponse, SyncStreamResponse
from synaptic_core._deadline import ENDS
from synaptic_core._deadline import attach as attach_deadline
from synaptic_core._deadline import passed as deadline_passed
from synaptic_core._errors import (
    ConfigError,
    NetworkError,
    RequestTimeoutError,
    ResponseTooLargeError,
    SynapticError,
)
from synaptic_core._secrets import scrub_headers

if TYPE_CHECKING:
    import asyncio

    import httpx
    from typing_extensions import Self

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0
# Bursts: Groq answers fast, so apps fire many requests at once; keep enough warm
# connections that a burst does not pay for new TLS handshakes each time.
DEFAULT_MAX_CONNECTIONS = 256
DEFAULT_MAX_KEEPALIVE = 128
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # far above any chat answer; stops runaways
_LOOPBACK = ("all://127.0.0.1", "all://localhost", "all://[::1]")


def plain_headers(headers: httpx.Headers) -> dict[str, str]:
    """Response headers as a plain dict with lowercase names: O(1) lookups.

    ``httpx.Headers.get`` scans every header; parsers read about ten of them per
    response. A repeated header keeps its last value (none we read repeats). A value that
    echoes a remembered API key (``x-request-id: gsk_...``) is scrubbed here, so no
    response, chunk or error made from these headers carries it.
    """
    plain = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers.raw}
    return scrub_headers(plain) if _secrets._SECRETS else plain


def _public_url(url: str) -> str:
    # Query strings may carry credentials (some providers take ?key=); never show them.
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def translate_transport_error(exc: Exception, request: HttpRequest) -> SynapticError:
    """The one place an httpx exception becomes a synaptic error."""
    import httpx  # noqa: PLC0415 (lazy by design)

    where = f"{request.method} {_public_url(request.url)}"
    if isinstance(exc, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connecting",
            httpx.ReadTimeout: "waiting for the server to send data",
            httpx.WriteTimeout: "sending the request",
            httpx.PoolTimeout: "waiting for a free connection in the pool",
        }.get(type(exc), "waiting")
        return RequestTimeoutError(f"timed out {kind}: {where}")
    if isinstance(exc, httpx.LocalProtocolError):
        # httpx's text may quote the offending header, which may be the API key.
        return ConfigError(
            f"the request could not be sent as built (invalid header or body): {where}"
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ConfigError(f"invalid URL for {request.method}: {_public_url(request.url)}")
    detail = str(exc) or type(exc).__name__
    return NetworkError(f"network error ({detail}): {where}")


def _cause(exc: Exception) -> Exception | None:
    """The httpx error to chain, except where its text may quote a header (the key)."""
    import httpx  # noqa: PLC0415 (cached after the first import)

    return None if isinstance(exc, httpx.LocalProtocolError) else exc


class HttpBackend:
    """Pooled HTTP over httpx, sync and async, with timeouts and no retries.

    ``timeout`` is the read timeout: the longest wait for the next bytes (so a stalled
    stream ends in ``RequestTimeoutError``); ``connect_timeout`` bounds connecting;
    ``deadline`` (optional) bounds a whole request, body or stream included, so a server
    trickling bytes cannot hold it open; ``max_response_bytes`` (64 MiB) refuses a
    runaway body with ``ResponseTooLargeError`` (a request may carry its own cap,
    ``HttpRequest.max_response_bytes``: a batch file download). TLS certificates are
    always verified; to trust a private CA, pass a transport built with your ``ssl``
    context.
    Pass ``transport`` / ``async_transport`` (e.g. ``httpx.MockTransport``) to test
    without a network. Close with ``close()`` / ``aclose()`` or use it as a context
    manager; an unclosed backend is harmless (connections go with the process).
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if timeout <= 0 or connect_timeout <= 0 or (deadline is not None and deadline <= 0):
            msg = "HttpBackend timeouts and deadline must be positive numbers of seconds"
            raise ConfigError(msg)
        if max_response_bytes < 1:
            msg = "HttpBackend max_response_bytes must be at least 1"
            raise ConfigError(msg)
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_connections = max_connections
        self.max_keepalive_connections = max_keepalive_connections
        self._transport = transport
        self._async_transport = async_transport
        self._client: httpx.Client | None = None
        # An AsyncClient's pool is bound to the loop that opened its connections, so each
        # loop gets its own client (a second asyncio.run, or loops in threads).
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx.AsyncClient
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._urls: dict[str, httpx.URL] = {}
        # Async clients whose every pool honours the deadline at each socket operation:
        # those need no ``asyncio.wait_for``, which on Python < 3.12 can swallow a cancel
        # that arrives as the request completes (a Ctrl-C that does not stop a job).
        self._bounded: weakref.WeakSet[httpx.AsyncClient] = weakref.WeakSet()

    def __repr__(self) -> str:
        return f"HttpBackend(timeout={self.timeout}, connect_timeout={self.connect_timeout})"

    def _client_options(self) -> dict[str, Any]:
        import httpx  # noqa: PLC0415 (lazy by design)

        return {
            "timeout": httpx.Timeout(self.timeout, connect=self.connect_timeout),
            "limits": httpx.Limits(
                max_connections=self.max_connections,
                max_keepalive_connections=self.max_keepalive_connections,
            ),
            "follow_redirects": False,
            "trust_env": True,
            # Proxies from the environment (HTTP_PROXY, ...) apply, except to this machine:
            # a loopback server (the embedded emulator) is never reached through a proxy,
            # and a key meant for it never goes to one.
            "mounts": dict.fromkeys(_LOOPBACK),
        }

    def _url(self, url: str) -> httpx.URL:
        """A parsed URL, cached: providers send every request to the same few URLs."""
        parsed = self._urls.get(url)
        if parsed is None:
            import httpx  # noqa: PLC0415 (cached after the first import)

            parsed = httpx.URL(url)
            if len(self._urls) < 64:
                self._urls[url] = parsed
        return parsed

    def _timeout_of(self, request: HttpRequest) -> dict[str, Any]:
        """httpx's ``timeout`` for a request with its own limit (else the client's)."""
        if request.timeout is None:
            return {}
        import httpx  # noqa: PLC0415 (cached after the first import)

        read = min(self.timeout, request.timeout)
        return {"timeout": httpx.Timeout(read, connect=min(self.connect_timeout, read))}

    def _sync_client(self) -> httpx.Client:
        client = self._client
        if client is None:
            import httpx  # noqa: PLC0415 (lazy by design)

            with self._lock:
                if self._client is None:
                    client = httpx.Client(transport=self._transport, **self._client_options())
                    attach_deadline(client)
                    self._client = client
                client = self._client
        return client

    def _aclient(self) -> httpx.AsyncClient:
        import asyncio  # noqa: PLC0415 (already loaded by whoever runs the loop)

        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            import httpx  # noqa: PLC0415 (lazy by design)

            client = httpx.AsyncClient(transport=self._async_transport, **self._client_options())
            if attach_deadline(client):
                self._bounded.add(client)
            self._async_clients[loop] = client
        return client

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and read the whole response."""
        async with self.stream(request) as response:
            return HttpResponse(response.status_code, response.headers, await response.aread())

    def send_sync(self, request: HttpRequest) -> HttpResponse:
        """Blocking ``send``."""
        with self.stream_sync(request) as response:
            return HttpResponse(response.status_code, response.headers, response.read())

    @asynccontextmanager
    async def stream(self, request: HttpRequest) -> AsyncIterator[StreamResponse]:
        """Send ``request``; the body is read as it arrives, released on exit."""
        import asyncio  # noqa: PLC0415 (already loaded by whoever runs the loop)

        import httpx  # noqa: PLC0415 (cached after the first import)

        guard = _Guard(self, request)
        client = self._aclient()
        built = client.build_request(
            request.method,
            self._url(request.url),
            headers=request.headers,
            content=request.content if request.body is None else _abody(request.body()),
            **self._timeout_of(request),
        )
        token = ENDS.set(guard.ends)
        try:
            if guard.deadline is None or client in self._bounded:
                response = await client.send(built, stream=True)
            else:  # a transport that is not httpcore's (MockTransport): bound it here
                response = await asyncio.wait_for(client.send(built, stream=True), guard.deadline)
        except asyncio.TimeoutError:
            raise guard.deadline_error() from None
        except httpx.HTTPError as exc:
            raise guard.translate(exc) from _cause(exc)
        finally:
            ENDS.reset(token)
        try:
            headers = plain_headers(response.headers)
            guard.check_length(headers)
            yield StreamResponse(response.status_code, headers, _aiter(response, guard))
        finally:
            await response.aclose()

    @contextmanager
    def stream_sync(self, request: HttpRequest) -> Iterator[SyncStreamResponse]:
        """Blocking ``stream``."""
        import httpx  # noqa: PLC0415 (cached after the first import)

        guard = _Guard(self, request)
        client = self._sync_client()
        built = client.build_request(
            request.method,
            self._url(request.url),
            headers=request.headers,
            content=request.content if request.body is None else request.body(),
            **self._timeout_of(request),
        )
        token = ENDS.set(guard.ends)
        try:
            response = client.send(built, stream=True)
        except httpx.HTTPError as exc:
            raise guard.translate(exc) from _cause(exc)
        finally:
            ENDS.reset(token)
        try:
            headers = plain_headers(response.headers)
            guard.check_length(headers)
            yield SyncStreamResponse(response.status_code, headers, _iter(response, guard))
        finally:
            response.close()

    def close(self) -> None:
        """Close the blocking client's connections."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close this event loop's async connections and the blocking client's."""
        import asyncio  # noqa: PLC0415 (already loaded by whoever runs the loop)

        client = self._async_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # A backend nobody closed (``m = load_chat_model(...); m.chat_sync(...)``) must
        # not leak its sockets (ResourceWarning, an app's ``-W error`` test run failing),
        # as the official SDK's blocking client does not either: close the blocking
        # client, and the async clients' connections while their loops still run.
        try:
            client = self.__dict__.get("_client")
            if client is not None:
                client.close()
            for loop, aclient in list(getattr(self, "_async_clients", {}).items()):
                if loop.is_closed():
                    continue
                if _running_loop() is loop:
                    _close_transports_now(aclient)  # no await possible here
                elif loop.is_running():
                    loop.call_soon_threadsafe(loop.create_task, aclient.aclose())
        except Exception:  # noqa: S110 (interpreter shutdown: nothing left to do)
            pass


def _running_loop() -> asyncio.AbstractEventLoop | None:
    import asyncio  # noqa: PLC0415 (already loaded by whoever has async clients)

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _close_transports_now(client: httpx.AsyncClient) -> None:
    """Close an async client's pooled connections without awaiting: from ``__del__`` on
    the loop's own thread, where a scheduled ``aclose()`` would be cancelled when
    ``asyncio.run`` ends. Best effort over httpcore's internals (the caller guards it):
    closing each connection's asyncio transport closes its socket."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    for connection in list(getattr(pool, "connections", ())):
        inner = getattr(connection, "_connection", None)
        network = getattr(inner, "_network_stream", None)
        network = getattr(network, "_inner", network)  # under our deadline wrapper
        stream = getattr(network, "_stream", None)
        transport = getattr(stream, "_transport", None)
        if transport is not None:
            transport.close()


async def _aiter(response: httpx.Response, guard: _Guard) -> AsyncIterator[bytes]:
    import httpx  # noqa: PLC0415 (cached after the first import)

    chunks = response.aiter_bytes()
    ends = guard.ends
    try:
        while True:
            # The deadline is set around each read, not once: the caller may interleave
            # this stream with others in the same task.
            token = ENDS.set(ends)
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            finally:
                ENDS.reset(token)
            guard.check(len(chunk))
            yield chunk
    except httpx.HTTPError as exc:
        raise guard.translate(exc) from _cause(exc)


def _iter(response: httpx.Response, guard: _Guard) -> Iterator[bytes]:
    import httpx  # noqa: PLC0415 (cached after the first import)

    chunks = response.iter_bytes()
    ends = guard.ends
    try:
        while True:
            token = ENDS.set(ends)  # around each read: streams may be interleaved
            try:
                chunk = next(chunks)
            except StopIteration:
                return
            finally:
                ENDS.reset(token)
            guard.check(len(chunk))
            yield chunk
    except httpx.HTTPError as exc:
        raise guard.translate(exc) from _cause(exc)


class _Guard:
    """Per-request limits checked as bytes arrive: total size, and the overall deadline.

    The read timeout bounds each wait for bytes; a server that trickles a byte at a time
    never trips it, so the deadline (when set) bounds the whole exchange: here as bytes
    arrive, and in the network layer (``_deadline``) at every socket operation, headers
    and ``100 Continue`` floods included.
    """

    __slots__ = ("_backend", "_request", "_size", "deadline", "ends")

    def __init__(self, backend: HttpBackend, request: HttpRequest) -> None:
        self._backend = backend
        self._request = request
        self._size = 0
        deadline = backend.deadline
        if request.timeout is not None and (deadline is None or request.timeout < deadline):
            deadline = request.timeout
        self.deadline = deadline
        self.ends = None if deadline is None else time.monotonic() + deadline

    def deadline_error(self) -> RequestTimeoutError:
        where = f"{self._request.method} {_public_url(self._request.url)}"
        own = self.deadline != self._backend.deadline
        what = "the request's timeout" if own else "the overall deadline"
        return RequestTimeoutError(f"timed out: {what} of {self.deadline:g}s passed: {where}")

    def check_length(self, headers: dict[str, str]) -> None:
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit():
            self._too_large(int(declared))

    def _too_large(self, size: int) -> None:
        own = self._request.max_response_bytes
        limit = own or self._backend.max_response_bytes
        if size > limit:
            where = f"{self._request.method} {_public_url(self._request.url)}"
            msg = f"response larger than max_response_bytes ({limit:,} bytes): {where}"
            if not own:
                msg += "; raise HttpBackend(max_response_bytes=...) if this is expected"
            raise ResponseTooLargeError(msg)

    def check(self, received: int) -> None:
        self._size += received
        self._too_large(self._size)
        if self.ends is not None and time.monotonic() > self.ends:
            raise self.deadline_error()

    def translate(self, exc: Exception) -> SynapticError:
        """The synaptic error for an httpx failure; a timeout once the deadline passed is
        the deadline's (the network layer cut the wait short to honour it)."""
        import httpx  # noqa: PLC0415 (cached after the first import)

        if isinstance(exc, httpx.TimeoutException) and deadline_passed(self.ends):
            return self.deadline_error()
        return translate_transport_error(exc, self._request)


async def _abody(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A streamed body for the async client. Each piece is a read of a local file or a
    slice of bytes held in memory: quick enough to make between two network writes."""
    for piece in pieces:
        yield piece
