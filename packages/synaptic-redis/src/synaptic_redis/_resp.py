"""A small Redis client: only what the store sends, sync and asyncio, TCP, TLS or Unix.

Why not redis-py: importing any part of it runs ``redis/__init__``, which loads all of it
(the sync and asyncio clients, cluster, sentinel, every module's commands, and
OpenTelemetry's SDK when that is installed): about 20 MiB in every process that paces,
to send one command per operation (``EVALSHA``, ``EVAL`` once after a server restart,
and ``AUTH`` / ``SELECT`` when a connection starts). What the store needs is small:

- RESP2 requests and replies (``+``, ``-``, ``:``, ``$``, ``*``);
- a pool of connections per client, so threads never share one; a connection that went
  bad mid-command (timeout, cancellation, a broken pipe) is closed, never reused, and an
  idle one the server closed (restart, idle timeout) is noticed before it is used;
- asyncio without blocking the loop: plain non-blocking sockets driven by the running
  loop (``sock_connect`` / ``sock_sendall`` / ``sock_recv``; TLS through a memory BIO),
  so a connection belongs to no loop and survives the ``asyncio.run`` that opened it;
- every failure as ``StoreError`` (``ReplyError`` for an error reply such as
  ``READONLY``), which the limiter treats as an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    import ssl

Arg = str | bytes | int | float
Command = Sequence[Arg]

#: Replies the store reads are a few hundred bytes: more than this is not Redis talking.
MAX_REPLY = 1 << 20


class StoreError(Exception):
    """Talking to Redis failed (refused, reset, timed out, an error reply): an outage."""


class ReplyError(StoreError):
    """Redis answered with an error (``READONLY ...`` from a replica, ``NOSCRIPT ...``)."""

    @property
    def code(self) -> str:
        """The error's first word (``READONLY``, ``NOSCRIPT``, ``LOADING``, ``ERR``)."""
        return str(self).split(" ", 1)[0]


class TlsHandshakeError(StoreError):
    """The TCP connection opened but the TLS handshake failed or timed out: the usual
    sign of a ``rediss://`` URL pointing at a plain (non-TLS) Redis."""


class _IncompleteReplyError(Exception):
    """The buffer holds part of a reply: read more."""


_OPTIONS = {
    "db",
    "username",
    "password",
    "socket_timeout",
    "socket_connect_timeout",
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ssl_certfile",
    "ssl_keyfile",
    "ssl_check_hostname",
}


@dataclass(frozen=True)
class Endpoint:
    """Where a store URL points and how to talk to it (parsed by ``parse_url``)."""

    scheme: str
    host: str
    port: int
    path: str | None = None  # a Unix socket
    db: int = 0
    username: str | None = None
    password: str | None = None
    timeout: float = 2.0
    connect_timeout: float = 2.0
    ssl_cert_reqs: Literal["required", "optional", "none"] = "required"
    ssl_ca_certs: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_check_hostname: bool = True

    @property
    def tls(self) -> bool:
        return self.scheme == "rediss"

    @property
    def where(self) -> str:
        return self.path if self.path is not None else f"{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings of a ``rediss://`` URL (system CAs unless ``ssl_ca_certs``)."""
        import ssl  # noqa: PLC0415 (only TLS stores pay for it)

        context = ssl.create_default_context(cafile=self.ssl_ca_certs)
        if self.ssl_cert_reqs == "none":
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context.check_hostname = self.ssl_check_hostname
            if self.ssl_cert_reqs == "optional":
                context.verify_mode = ssl.CERT_OPTIONAL
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context


def parse_url(url: str, *, timeout: float = 2.0) -> Endpoint:
    """``redis://[[user]:password@]host[:port][/db]``, ``rediss://...`` (TLS), or
    ``unix://[[user]:password@]/path/to/socket?db=N``; query options: ``db``,
    ``username``, ``password``, ``socket_timeout``, ``socket_connect_timeout`` (seconds,
    default ``timeout``) and, for TLS, ``ssl_cert_reqs`` (required | optional | none),
    ``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``, ``ssl_check_hostname``.

    Raises ``ValueError`` naming what is wrong."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("redis", "rediss", "unix"):
        msg = (
            f"a Redis store URL starts with redis://, rediss:// or unix://, not {public_url(url)!r}"
        )
        raise ValueError(msg)
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - _OPTIONS)
    if unknown:
        msg = (
            f"unknown option {', '.join(unknown)} in the Redis store URL; known: "
            f"{', '.join(sorted(_OPTIONS))}"
        )
        raise ValueError(msg)
    try:
        db_text = query.get("db") or (parts.path.strip("/") if scheme != "unix" else "") or "0"
        db = int(db_text)
        port = parts.port or 6379
        socket_timeout = float(query.get("socket_timeout", timeout))
        connect_timeout = float(query.get("socket_connect_timeout", socket_timeout))
    except ValueError as error:
        msg = f"bad Redis store URL {public_url(url)!r}: {error}"
        raise ValueError(msg) from None
    cert_reqs = query.get("ssl_cert_reqs", "required").lower()
    if cert_reqs not in ("required", "optional", "none"):
        msg = f"ssl_cert_reqs is required, optional or none, not {cert_reqs!r}"
        raise ValueError(msg)
    username = query.get("username") or (unquote(parts.username) if parts.username else None)
    password = query.get("password") or (unquote(parts.password) if parts.password else None)
    return Endpoint(
        scheme=scheme,
        host=parts.hostname or "127.0.0.1",
        port=port,
        path=unquote(parts.path) if scheme == "unix" else None,
        db=db,
        username=username or None,
        password=password,
        timeout=socket_timeout,
        connect_timeout=connect_timeout,
        ssl_cert_reqs=cert_reqs,  # type: ignore[arg-type]
        ssl_ca_certs=query.get("ssl_ca_certs"),
        ssl_certfile=query.get("ssl_certfile"),
        ssl_keyfile=query.get("ssl_keyfile"),
        ssl_check_hostname=query.get("ssl_check_hostname", "true").lower()
        not in ("0", "false", "no"),
    )


def public_url(url: str) -> str:
    """``url`` safe to print: no ``user:password@`` and no ``password=`` value."""
    scheme, _, rest = url.partition("://")
    rest = _PASSWORD_OPTION.sub(r"\1***", rest.rpartition("@")[2])
    return f"{scheme}://{rest}"


_PASSWORD_OPTION = re.compile(r"(?i)([?&]password=)[^&#]*")


# --- the protocol --------------------------------------------------------------------


def encode(commands: Sequence[Command]) -> bytes:
    """RESP requests for ``commands``, sent together (a pipeline: one round trip)."""
    out = bytearray()
    for command in commands:
        out += b"*%d\r\n" % len(command)
        for arg in command:
            if isinstance(arg, bytes):
                data = arg
            elif isinstance(arg, str):
                data = arg.encode()
            else:
                data = repr(arg).encode()  # int, or a float's shortest exact form
            out += b"$%d\r\n%b\r\n" % (len(data), data)
    return bytes(out)


def parse(buffer: bytes | bytearray, pos: int = 0) -> tuple[Any, int]:
    """One reply from ``buffer`` at ``pos``: ``(value, end)``. An error reply is returned
    as a ``ReplyError`` (the caller raises it); ``_IncompleteReplyError`` means more
    bytes are due."""
    end = buffer.find(b"\r\n", pos)
    if end < 0:
        raise _IncompleteReplyError
    kind, body, pos = buffer[pos : pos + 1], bytes(buffer[pos + 1 : end]), end + 2
    if kind == b"+":
        return body.decode(errors="replace"), pos
    if kind == b"-":
        return ReplyError(body.decode(errors="replace")), pos
    if kind == b":":
        return int(body), pos
    if kind == b"$":
        size = int(body)
        if size < 0:
            return None, pos
        if len(buffer) < pos + size + 2:
            raise _IncompleteReplyError
        return bytes(buffer[pos : pos + size]), pos + size + 2
    if kind == b"*":
        count = int(body)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item, pos = parse(buffer, pos)
            items.append(item)
        return items, pos
    msg = f"not a Redis reply: {bytes(buffer[pos : pos + 40])!r}"
    raise StoreError(msg)


def _replies(buffer: bytearray, count: int) -> list[Any] | None:
    """``count`` replies when the buffer holds them all, else None."""
    replies, pos = [], 0
    try:
        for _ in range(count):
            reply, pos = parse(buffer, pos)
            replies.append(reply)
    except _IncompleteReplyError:
        if len(buffer) > MAX_REPLY:
            msg = f"a reply of more than {MAX_REPLY} bytes: not the store's script talking"
            raise StoreError(msg) from None
        return None
    except ValueError:  # a length or number that is not one
        msg = f"not a Redis reply: {bytes(buffer[:40])!r}"
        raise StoreError(msg) from None
    return replies


def _handshake(endpoint: Endpoint) -> list[Command]:
    commands: list[Command] = []
    if endpoint.password is not None:
        auth: list[Arg] = ["AUTH", endpoint.password]
        if endpoint.username:
            auth.insert(1, endpoint.username)
        commands.append(auth)
    if endpoint.db:
        commands.append(["SELECT", endpoint.db])
    return commands


def _check(replies: list[Any]) -> None:
    for reply in replies:
        if isinstance(reply, ReplyError):
            raise reply


def _connect_error(endpoint: Endpoint, error: OSError) -> StoreError:
    if isinstance(error, (TimeoutError, socket.timeout)):
        return StoreError(f"Timeout connecting to {endpoint.where}.")
    if error.errno is not None and error.strerror:
        return StoreError(f"Error {error.errno} connecting to {endpoint.where}. {error.strerror}.")
    return StoreError(f"Error connecting to {endpoint.where}: {error}")


def _tls_error(endpoint: Endpoint, error: BaseException) -> TlsHandshakeError:
    what = "timed out" if isinstance(error, TimeoutError | socket.timeout) else f"failed: {error}"
    return TlsHandshakeError(f"TLS handshake with {endpoint.where} {what}")


def _io_error(endpoint: Endpoint, error: OSError) -> StoreError:
    if isinstance(error, (TimeoutError, socket.timeout)):
        return StoreError(f"Timeout reading from {endpoint.where}.")
    return StoreError(f"Error while talking to {endpoint.where}: {error}")


def _closed_by_peer(sock: socket.socket) -> bool:
    """An idle connection with something to read: the server closed it (a restart, its
    idle timeout) or sent what nobody asked for. Either way it is not reusable."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


def _open_socket(endpoint: Endpoint) -> socket.socket:
    if endpoint.path is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(endpoint.connect_timeout)
            sock.connect(endpoint.path)
        except BaseException:
            sock.close()
            raise
        return sock
    sock = socket.create_connection(
        (endpoint.host, endpoint.port), timeout=endpoint.connect_timeout
    )
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


# --- sync ----------------------------------------------------------------------------


class _Socket:
    """What both connections do with their socket: close it quietly, also when dropped."""

    sock: socket.socket

    def close(self) -> None:
        sock = getattr(self, "sock", None)  # None: __init__ failed before connecting
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def __del__(self) -> None:
        # A pool dropped with its limiter closes its sockets quietly (no ResourceWarning):
        # an idle connection is a cache, not a resource the caller has to manage.
        self.close()


class _Connection(_Socket):
    """One blocking connection (with ``endpoint.timeout`` on every read and write)."""

    def __init__(self, endpoint: Endpoint, context: ssl.SSLContext | None) -> None:
        try:
            sock = _open_socket(endpoint)
        except OSError as error:
            raise _connect_error(endpoint, error) from None
        if context is not None:
            try:
                sock = context.wrap_socket(sock, server_hostname=endpoint.host)
            except OSError as error:
                sock.close()
                raise _tls_error(endpoint, error) from None
            except BaseException:
                sock.close()
                raise
        sock.settimeout(endpoint.timeout)
        self.sock = sock
        self.endpoint = endpoint
        handshake = _handshake(endpoint)
        if handshake:
            try:
                _check(self.roundtrip(handshake))
            except BaseException:
                self.close()
                raise

    def roundtrip(self, commands: Sequence[Command]) -> list[Any]:
        """Send ``commands`` together, read their replies (error replies included)."""
        buffer = bytearray()
        try:
            self.sock.sendall(encode(commands))
            while True:
                data = self.sock.recv(65536)
                if not data:
                    msg = "Connection closed by server."
                    raise StoreError(msg)
                buffer += data
                replies = _replies(buffer, len(commands))
                if replies is not None:
                    return replies
        except OSError as error:
            raise _io_error(self.endpoint, error) from None


class SyncClient:
    """Blocking calls from any thread: each takes an idle connection (or opens one)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._context: ssl.SSLContext | None = None

    def _take(self) -> _Connection:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's sockets are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                connection = self._idle.pop()
                if not _closed_by_peer(connection.sock):
                    return connection
                connection.close()
            if self.endpoint.tls and self._context is None:
                self._context = self.endpoint.ssl_context()
            context = self._context
        return _Connection(self.endpoint, context)

    def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """One round trip; error replies come back as ``ReplyError`` values."""
        connection = self._take()
        try:
            replies = connection.roundtrip(commands)
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._idle.append(connection)
        return replies

    def call(self, *command: Arg) -> Any:
        """One command, one round trip; an error reply is raised."""
        (reply,) = self.pipeline([command])
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


# --- asyncio -------------------------------------------------------------------------


class _AsyncConnection(_Socket):
    """A non-blocking socket driven by whichever loop is running (none owns it)."""

    def __init__(self, endpoint: Endpoint, sock: socket.socket) -> None:
        self.endpoint = endpoint
        self.sock = sock
        self._tls: ssl.SSLObject | None = None
        self._incoming: ssl.MemoryBIO | None = None
        self._outgoing: ssl.MemoryBIO | None = None

    @classmethod
    async def open(cls, endpoint: Endpoint, context: ssl.SSLContext | None) -> _AsyncConnection:
        """Connect (and TLS, AUTH, SELECT), each step within ``connect_timeout``."""
        loop = asyncio.get_running_loop()
        connection: _AsyncConnection | None = None
        try:
            address: Any
            if endpoint.path is not None:
                family, kind, proto, address = socket.AF_UNIX, socket.SOCK_STREAM, 0, endpoint.path
            else:
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM),
                    endpoint.connect_timeout,
                )
                family, kind, proto, _, address = infos[0]
            connection = cls(endpoint, socket.socket(family, kind, proto))
            connection.sock.setblocking(False)
            await asyncio.wait_for(
                loop.sock_connect(connection.sock, address), endpoint.connect_timeout
            )
            if endpoint.path is None:
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                try:
                    await asyncio.wait_for(connection._start_tls(context), endpoint.connect_timeout)
                except (OSError, asyncio.TimeoutError, StoreError) as error:
                    raise _tls_error(endpoint, error) from None
        except (OSError, asyncio.TimeoutError) as error:
            if connection is not None:
                connection.close()
            raise _connect_error(endpoint, _as_oserror(error)) from None
        except BaseException:
            if connection is not None:
                connection.close()
            raise
        handshake = _handshake(endpoint)
        if handshake:
            try:
                _check(await connection.roundtrip(handshake))
            except BaseException:
                connection.close()
                raise
        return connection

    async def _start_tls(self, context: ssl.SSLContext) -> None:
        import ssl  # noqa: PLC0415

        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = context.wrap_bio(
            self._incoming, self._outgoing, server_hostname=self.endpoint.host
        )
        while True:
            try:
                self._tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush()
                await self._fill()
        await self._flush()

    async def _flush(self) -> None:
        assert self._outgoing is not None
        data = self._outgoing.read()
        if data:
            await asyncio.get_running_loop().sock_sendall(self.sock, data)

    async def _fill(self) -> None:
        assert self._incoming is not None
        data = await asyncio.get_running_loop().sock_recv(self.sock, 65536)
        if not data:
            msg = "Connection closed by server."
            raise StoreError(msg)
        self._incoming.write(data)

    async def _send(self, data: bytes) -> None:
        if self._tls is None:
            await asyncio.get_running_loop().sock_sendall(self.sock, data)
            return
        self._tls.write(data)
        await self._flush()

    async def _recv(self) -> bytes:
        if self._tls is None:
            data = await asyncio.get_running_loop().sock_recv(self.sock, 65536)
        else:
            import ssl  # noqa: PLC0415

            while True:
                try:
                    data = self._tls.read(65536)
                    break
                except ssl.SSLWantReadError:
                    await self._flush()
                    await self._fill()
        if not data:
            msg = "Connection closed by server."
            raise StoreError(msg)
        return data

    async def _exchange(self, commands: Sequence[Command]) -> list[Any]:
        await self._send(encode(commands))
        buffer = bytearray()
        while True:
            buffer += await self._recv()
            replies = _replies(buffer, len(commands))
            if replies is not None:
                return replies

    async def roundtrip(self, commands: Sequence[Command]) -> list[Any]:
        """Send ``commands`` together, read their replies, within ``endpoint.timeout``."""
        try:
            return await asyncio.wait_for(self._exchange(commands), self.endpoint.timeout)
        except (OSError, asyncio.TimeoutError) as error:
            raise _io_error(self.endpoint, _as_oserror(error)) from None


def _as_oserror(error: BaseException) -> OSError:
    if isinstance(error, OSError):
        return error
    return TimeoutError(str(error))  # asyncio.TimeoutError, before 3.11 not an OSError


class AsyncClient:
    """Awaitable calls that never block the event loop; usable from any loop or thread
    (a connection is only tied to a loop while a call on it is under way)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._idle: list[_AsyncConnection] = []
        self._lock = threading.Lock()  # held for a list operation, never across an await
        self._pid = os.getpid()
        self._context: ssl.SSLContext | None = None

    async def _take(self) -> _AsyncConnection:
        with self._lock:
            if self._pid != os.getpid():
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                connection = self._idle.pop()
                if not _closed_by_peer(connection.sock):
                    return connection
                connection.close()
            if self.endpoint.tls and self._context is None:
                self._context = self.endpoint.ssl_context()
            context = self._context
        return await _AsyncConnection.open(self.endpoint, context)

    async def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """One round trip; error replies come back as ``ReplyError`` values."""
        connection = await self._take()
        try:
            replies = await connection.roundtrip(commands)
        except BaseException:  # cancelled or failed mid-command: its state is unknown
            connection.close()
            raise
        with self._lock:
            self._idle.append(connection)
        return replies

    async def call(self, *command: Arg) -> Any:
        """One command, one round trip; an error reply is raised."""
        (reply,) = await self.pipeline([command])
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def close(self) -> None:
        """Close the idle connections (sockets close without a loop)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
