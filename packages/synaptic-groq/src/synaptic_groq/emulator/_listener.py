"""The listening socket: its own accept loop, the connection cap, the timeout sweeper.

Why not ``asyncio.start_server``: its accept loop, when ``accept()`` fails with EMFILE
(out of file descriptors), logs a traceback through the loop's exception handler and,
on the Pythons we support, keeps retrying up to ``backlog`` times in the same tick,
scheduling a retry for each; ~1,100 idle sockets under a 1,024-descriptor limit made
the emulator write ~6 MB/s of tracebacks and stop serving. Here ``accept()`` runs in
a reader callback that:

- refuses a connection past ``max_connections`` with a 503 (Groq's error shape,
  ``retry-after: 1``) and closes it; at most 64 refusals are in flight, beyond that a
  connection is closed at once;
- backs off (0.1 s doubling to 1 s) when ``accept()`` runs out of descriptors or memory,
  and says so once a minute at most, never with a traceback loop;
- hands every other connection to ``_server.Connection``.

Timeouts cost one float per connection per phase: each ``Connection`` keeps a
``deadline`` and one sweeper task closes the connections past theirs every quarter of
the shortest timeout (so a timeout fires between 100% and 125% of itself). That keeps
the hot path free of timer objects and ``wait_for`` tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from synaptic_core import get_logger
from synaptic_groq.emulator import _wire as wire
from synaptic_groq.emulator._guards import QuietLog
from synaptic_groq.emulator._server import MAX_HEAD_BYTES, Connection

if TYPE_CHECKING:
    from synaptic_groq.emulator._emulator import GroqEmulator

logger = get_logger("emulator")

_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_MAX_REFUSING = 64
_REFUSAL_LINGER = 1.0


class Server:
    """The listening socket, its connections and its event loop."""

    def __init__(self, emulator: GroqEmulator, host: str, port: int) -> None:
        """Bind ``host:port`` (0: a free port) on a new event loop, in the calling thread,
        which then runs it (``run``): the caller's own loop, if any, is never touched."""
        self.emulator = emulator
        self.guards = emulator.guards
        self.quiet = QuietLog(logger)
        self.sock = _listen(host, port)
        self.port: int = self.sock.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.connections: set[Connection] = set()
        # Accepted sockets no transport owns yet: a task cancelled before its first step
        # never runs its cleanup, so closing these is the server's job when it stops.
        self.unowned: set[socket.socket] = set()
        self.pending_body_bytes = 0
        self.refusing = 0
        self.backoff = 0.0
        self.loop.call_soon(self._start)

    def _start(self) -> None:
        self.loop.add_reader(self.sock.fileno(), self._on_readable)
        self._spawn(self._sweep())

    # --- accepting ---------------------------------------------------------------------

    def _on_readable(self) -> None:
        """Accept what is waiting (a reader callback, not a ``sock_accept`` task: a task
        cancelled as its accept completes drops the accepted socket unclosed)."""
        for _ in range(64):  # a batch per wake-up; the loop comes back for the rest
            if self.stopping.is_set():
                return
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if self.sock.fileno() >= 0:
                    self._back_off(error)
                return
            conn.setblocking(False)
            self.backoff = 0.0
            self._admit(conn)

    def _back_off(self, error: OSError) -> None:
        """Stop accepting for a while (0.1 s doubling to 1 s) and say so once a minute."""
        self.backoff = min(1.0, max(0.1, self.backoff * 2))
        if error.errno in _OUT_OF_RESOURCES:
            self.quiet.warning(
                "accept",
                "the emulator cannot accept connections: %s; retrying with back-off "
                "(close idle connections or raise the file-descriptor limit)",
                error,
            )
        else:
            self.quiet.warning("accept-other", "accept() failed: %s", error)
        self.loop.remove_reader(self.sock.fileno())
        self.loop.call_later(self.backoff, self._resume_accepting)

    def _resume_accepting(self) -> None:
        if not self.stopping.is_set() and self.sock.fileno() >= 0:
            self.loop.add_reader(self.sock.fileno(), self._on_readable)

    def _admit(self, conn: socket.socket) -> None:
        """Serve ``conn``, or refuse it when the cap is reached."""
        self.unowned.add(conn)
        stats = self.emulator.stats
        if stats.open_connections >= self.guards.max_connections:
            stats.connections_refused += 1
            self.quiet.warning(
                "cap",
                "the emulator is at its cap of %d open connections; refusing new ones with 503",
                self.guards.max_connections,
            )
            if self.refusing >= _MAX_REFUSING:
                self.unowned.discard(conn)
                conn.close()
                return
            self._spawn(self._refuse(conn))
            return
        stats.open_connections += 1
        self._spawn(self._serve(conn))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = self.loop.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _serve(self, conn: socket.socket) -> None:
        loop = self.loop
        connection: Connection | None = None
        writer: asyncio.StreamWriter | None = None
        try:
            reader = asyncio.StreamReader(limit=MAX_HEAD_BYTES)
            protocol = asyncio.StreamReaderProtocol(reader)
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, conn)
            self.unowned.discard(conn)  # the transport closes it from now on
            writer = asyncio.StreamWriter(transport, protocol, reader, loop)
            connection = Connection(self, reader, writer)
            self.connections.add(connection)
            await connection.serve()
        except asyncio.CancelledError:
            _abort(writer, conn)  # stopping: end quietly (a cancelled task would be logged)
        except Exception as error:  # a connection must never take the server down
            _abort(writer, conn)
            self.quiet.warning(
                f"connection:{type(error).__name__}", "a connection failed: %r", error, error=error
            )
        finally:
            self.unowned.discard(conn)
            if connection is not None:
                connection.release()
                self.connections.discard(connection)
            self.emulator.stats.open_connections -= 1

    async def _refuse(self, conn: socket.socket) -> None:
        """503 and close; read what the client sent for up to a second first, so the
        close is a FIN and the client can read the 503 (a close with unread data is a
        reset, which can destroy the answer before the client reads it)."""
        loop = self.loop
        self.refusing += 1
        try:
            await loop.sock_sendall(conn, self._refusal())
            conn.shutdown(socket.SHUT_WR)
            end = loop.time() + _REFUSAL_LINGER
            while (left := end - loop.time()) > 0:
                if not await asyncio.wait_for(loop.sock_recv(conn, 65536), left):
                    break
        except (OSError, asyncio.TimeoutError, asyncio.CancelledError):  # 3.10: not TimeoutError
            pass
        finally:
            self.refusing -= 1
            self.unowned.discard(conn)
            conn.close()

    def _refusal(self) -> bytes:
        cap = self.guards.max_connections
        message = (
            f"Service Unavailable: the emulator is serving its maximum of {cap} connections; "
            "try again shortly"
        )
        body = self.emulator.dumps(wire.error_body(message, "internal_server_error"))
        head = (
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
            f"x-request-id: {self.emulator.next_request_id()}\r\nserver: groq-emulator\r\n"
            f"retry-after: 1\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        return head.encode("latin-1") + body

    # --- bodies in flight --------------------------------------------------------------

    def reserve(self, length: int) -> bool:
        """Take ``length`` bytes of the in-flight body budget; False when it would go past
        ``max_pending_body_bytes`` while another body is in flight (one body alone is
        always allowed: ``max_body_bytes`` bounds it)."""
        pending = self.pending_body_bytes
        if pending and pending + length > self.guards.max_pending_body_bytes:
            return False
        self.pending_body_bytes = pending + length
        return True

    def unreserve(self, length: int) -> None:
        self.pending_body_bytes -= length

    # --- timeouts ----------------------------------------------------------------------

    async def _sweep(self) -> None:
        interval = self.guards.sweep_interval
        loop = self.loop
        while True:
            await asyncio.sleep(interval)
            now = loop.time()
            late = [c for c in self.connections if c.deadline < now]
            for connection in late:
                connection.expire()

    # --- lifecycle ---------------------------------------------------------------------

    def run(self) -> None:
        """Serve until ``stop()`` (from another thread) or Ctrl-C (in this one)."""
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self._close()

    def stop(self) -> None:
        """Release stalls, close every connection, stop the loop (thread-safe)."""
        if self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._begin_stop)

    def _stop_accepting(self) -> None:
        if self.sock.fileno() >= 0:
            self.loop.remove_reader(self.sock.fileno())

    def _begin_stop(self) -> None:
        self.stopping.set()
        self._stop_accepting()
        for task in list(self.tasks):
            task.cancel()
        self.loop.call_later(0.05, self.loop.stop)

    def _close(self) -> None:
        self.stopping.set()
        with contextlib.suppress(RuntimeError):  # the loop may be closed already
            self._stop_accepting()
        for task in list(self.tasks):
            task.cancel()
        with contextlib.suppress(RuntimeError):
            self.loop.run_until_complete(asyncio.sleep(0))
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            if pending:
                self.loop.run_until_complete(asyncio.wait(pending, timeout=1))
        for conn in list(self.unowned):
            conn.close()
        self.unowned.clear()
        self.sock.close()
        self.loop.close()
        logger.debug("emulator stopped")


def _abort(writer: asyncio.StreamWriter | None, conn: socket.socket) -> None:
    """Drop a connection that failed or is cancelled (the transport owns the socket once
    it exists; before that, the socket is closed directly)."""
    if writer is not None:
        writer.transport.abort()
    else:
        conn.close()


def _listen(host: str, port: int) -> socket.socket:
    """A non-blocking listening socket on the first address ``host`` resolves to."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock
