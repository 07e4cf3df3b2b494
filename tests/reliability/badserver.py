"""A deliberately misbehaving HTTP server on loopback, at the socket level.

Each connection reads one request and then misbehaves as ``mode`` says. Faults that a
well-behaved HTTP library would refuse to produce (resets, garbage, trickles, lies about
lengths) need raw sockets.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

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


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            return
        body += part


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class BadServer:
    """``with BadServer("reset_mid_body") as url: ...``; ``stop`` ends trickles and stalls."""

    def __init__(
        self, mode: str, *, trickle_interval: float = 0.05, huge: int = 4 * 1024 * 1024
    ) -> None:
        self.mode = mode
        self.trickle_interval = trickle_interval
        self.huge = huge
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/openai/v1"
        self.connections = 0
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        try:
            _read_request(conn)
            getattr(self, f"_{self.mode}")(conn)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                conn.close()

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

    def __enter__(self) -> BadServer:
        self._accept.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(5)
        self.sock.close()


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
