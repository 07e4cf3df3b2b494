"""A deliberately misbehaving HTTP server on loopback, at the socket level.

Each connection reads one request and then misbehaves as ``mode`` says. Faults that a
well-behaved HTTP library would refuse to produce (resets, garbage, trickles, lies about
lengths) need raw sockets.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager

from .hostile import HostileServer

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
)
CHUNK = {
    "id": "c1",
    "object": "chat.completion.chunk",
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "hi "}, "finish_reason": None}],
}


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _frame(payload: object) -> bytes:
    return _chunked(b"data: " + json.dumps(payload).encode() + b"\n\n")


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class BadServer(HostileServer):
    """``with BadServer("reset_mid_body") as server: server.url``; ``stop`` ends trickles
    and stalls."""

    def __init__(
        self, mode: str, *, trickle_interval: float = 0.05, huge: int = 4 * 1024 * 1024
    ) -> None:
        self.mode = mode
        self.trickle_interval = trickle_interval
        self.huge = huge
        super().__init__(self._misbehave)

    def _misbehave(self, conn: socket.socket, request: bytes, server: HostileServer) -> None:
        getattr(self, f"_{self.mode}")(conn)

    # --- modes -------------------------------------------------------------------------

    def _reset_before(self, conn: socket.socket) -> None:
        _reset(conn)

    def _reset_mid_body(self, conn: socket.socket) -> None:
        conn.sendall(
            b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"id": "x", '
        )
        _reset(conn)

    def _reset_mid_stream(self, conn: socket.socket) -> None:
        conn.sendall(SSE_HEAD + _frame(CHUNK) + _frame(CHUNK))
        _reset(conn)

    def _close_without_done(self, conn: socket.socket) -> None:
        conn.sendall(SSE_HEAD + _frame(CHUNK) + _frame(CHUNK) + b"0\r\n\r\n")

    def _garbage(self, conn: socket.socket) -> None:
        conn.sendall(b"\x00\xff\x13 this is not HTTP at all \xfe\xfe\r\n\r\n")

    def _invalid_utf8(self, conn: socket.socket) -> None:
        conn.sendall(
            SSE_HEAD + _frame(CHUNK) + _chunked(b'data: {"x": "\xff\xfe"}\n\n') + b"0\r\n\r\n"
        )

    def _error_200(self, conn: socket.socket) -> None:
        body = json.dumps(
            {"error": {"message": "upstream failed", "type": "internal_server_error"}}
        ).encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
            % (len(body), body)
        )

    def _html_502(self, conn: socket.socket) -> None:
        body = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        conn.sendall(
            b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: %d\r\n\r\n%s"
            % (len(body), body)
        )

    def _huge_declared(self, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n{"
            % self.huge
        )
        self.stop.wait(5)

    def _huge_chunked(self, conn: socket.socket) -> None:
        conn.sendall(SSE_HEAD)
        block = _frame(CHUNK) * 200
        sent = 0
        while sent < self.huge and not self.stop.is_set():
            conn.sendall(block)
            sent += len(block)

    def _trickle(self, conn: socket.socket) -> None:
        conn.sendall(SSE_HEAD)
        for byte in _frame(CHUNK) * 1000:
            if self.stop.wait(self.trickle_interval):
                return
            conn.sendall(_chunked(bytes([byte])))

    def _stall(self, conn: socket.socket) -> None:
        conn.sendall(SSE_HEAD + _frame(CHUNK))
        self.stop.wait(30)


def open_fds() -> int:
    """File descriptors this process has open (sockets included)."""
    import os

    return len(os.listdir("/proc/self/fd"))


@contextmanager
def no_fd_leak() -> Iterator[None]:
    before = open_fds()
    yield
    import gc
    import time

    deadline = time.monotonic() + 5
    while open_fds() > before and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert open_fds() <= before, f"file descriptors leaked: {before} -> {open_fds()}"
