"""One wall-clock deadline for a whole HTTP exchange, enforced at every socket operation.

httpx's timeouts bound each wait for bytes, not the exchange: a server that sends its
status line one byte a second, or ``HTTP/1.1 100 Continue`` forever, satisfies every read
timeout and holds a call open without end. A check as body bytes arrive cannot help
while the headers are still dripping. So :class:`HttpBackend` wraps httpcore's network
backend: every connect, TLS handshake, write and read gets the time left before the
deadline as its timeout (the smaller of that and httpx's own), and once the deadline has
passed the next socket operation fails at once. The deadline travels in a context
variable, set by the backend around the request and around each body read, so it
follows the call into asyncio tasks and keeps interleaved streams apart.

httpcore's network backends are a public, documented extension point; attaching ours to
the pool httpx built is the one private step (``transport._pool._network_backend``),
guarded so that an httpx that changes it only loses this bound, never a request.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

    import httpcore
    import httpx

#: When the exchange running in this context must end (``time.monotonic()``), or None.
ENDS: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "synaptic_deadline", default=None
)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` shortened to the time left before the deadline (raise once it passed)."""
    ends = ENDS.get()
    if ends is None:
        return timeout
    left = ends - time.monotonic()
    if left <= 0:
        msg = "the deadline passed"
        raise error(msg)
    return left if timeout is None or timeout > left else timeout


def _network_classes() -> tuple[type[Any], type[Any]]:
    """The sync and async backend wrappers, built on first use (httpcore is lazy)."""
    import httpcore  # noqa: PLC0415 (lazy by design)

    class DeadlineStream(httpcore.NetworkStream):
        __slots__ = ("_inner",)

        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            inner = self._inner.start_tls(
                ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
            )
            return DeadlineStream(inner)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class DeadlineBackend(httpcore.NetworkBackend):
        def __init__(self, inner: httpcore.NetworkBackend) -> None:
            self._inner = inner

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            timeout = _bounded(timeout, httpcore.ConnectTimeout)
            stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
            return DeadlineStream(stream)

        def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            timeout = _bounded(timeout, httpcore.ConnectTimeout)
            return DeadlineStream(self._inner.connect_unix_socket(path, timeout, socket_options))

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
        __slots__ = ("_inner",)

        def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
            self._inner = inner

        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return await self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

        async def write(self, buffer: bytes, timeout: float | None = None) -> None:
            await self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

        async def aclose(self) -> None:
            await self._inner.aclose()

        async def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.AsyncNetworkStream:
            inner = await self._inner.start_tls(
                ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
            )
            return AsyncDeadlineStream(inner)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
        def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
            self._inner = inner

        async def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            timeout = _bounded(timeout, httpcore.ConnectTimeout)
            stream = await self._inner.connect_tcp(
                host, port, timeout, local_address, socket_options
            )
            return AsyncDeadlineStream(stream)

        async def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.AsyncNetworkStream:
            timeout = _bounded(timeout, httpcore.ConnectTimeout)
            stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
            return AsyncDeadlineStream(stream)

        async def sleep(self, seconds: float) -> None:
            await self._inner.sleep(seconds)

    return DeadlineBackend, AsyncDeadlineBackend


_CLASSES: tuple[type[Any], type[Any]] | None = None


def attach(client: httpx.Client | httpx.AsyncClient) -> bool:
    """Make every pool of ``client`` (proxies included) honour :data:`ENDS`.

    Returns False when a pool is not httpcore's (a test's ``MockTransport``, a custom
    transport): those keep their own timing, and the byte-arrival check still applies.
    """
    global _CLASSES  # noqa: PLW0603 (built once)
    if _CLASSES is None:
        _CLASSES = _network_classes()
    sync_cls, async_cls = _CLASSES
    wrapper = async_cls if _is_async(client) else sync_cls
    transports = [client._transport, *client._mounts.values()]
    attached = True
    for transport in transports:
        if transport is None:  # a mount that means "no proxy": the main transport serves it
            continue
        pool = getattr(transport, "_pool", None)
        inner = getattr(pool, "_network_backend", None)
        if inner is None:
            attached = False
            continue
        if not isinstance(inner, wrapper):
            pool._network_backend = wrapper(inner)  # type: ignore[union-attr]
    return attached


def _is_async(client: httpx.Client | httpx.AsyncClient) -> bool:
    import httpx  # noqa: PLC0415 (already loaded by the caller)

    return isinstance(client, httpx.AsyncClient)


def passed(ends: float | None) -> bool:
    """Whether the deadline ``ends`` (monotonic seconds) has passed."""
    return ends is not None and time.monotonic() >= ends
