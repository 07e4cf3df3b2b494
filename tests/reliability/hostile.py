"""Hostile loopback servers as small reusable fixtures: one handler per misbehaviour.

``with HostileServer(handler) as server:`` accepts connections on 127.0.0.1, reads one
request per connection (kept in ``server.requests``; ``parse_request`` splits one),
then calls ``handler(conn, request, server)`` which writes whatever raw bytes it likes.
``server.stop`` is set on exit, so a handler that drips or floods ends with the test;
connections still open then are closed. ``badserver.BadServer`` and the streams' and
bulk jobs' hostile servers are built on it. The handlers below are the
outside check's cases (issue 20): headers one byte at a time, endless ``100 Continue``,
bodies and headers that echo the API key, redirects, deeply nested JSON.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

Handler = Callable[[socket.socket, bytes, "HostileServer"], None]


@dataclass
class HostileServer:
    handler: Handler
    stop: threading.Event = field(default_factory=threading.Event)
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.base_url = self.url = f"http://127.0.0.1:{self.port}/openai/v1"
        self.connections = 0
        self._open: list[socket.socket] = []
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
            self._open.append(conn)
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            self.handler(conn, request, self)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                conn.close()

    def __enter__(self) -> HostileServer:
        self._accept.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._accept.join(5)
        for conn in self._open:  # a handler still reading: no socket left to the GC
            with suppress(OSError):
                conn.close()
        for thread in self._threads:
            thread.join(10)
        self.sock.close()


@dataclass
class Request:
    """A request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def parse_request(raw: bytes) -> Request:
    head, _, body = raw.partition(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers, body)


def read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return None
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            return None
        body += part
    return head + b"\r\n\r\n" + body


def response(
    status: str, body: bytes, *, content_type: str = "application/json", headers: str = ""
) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        f"{headers}connection: close\r\n\r\n"
    ).encode() + body


def sse(*events: bytes, headers: str = "") -> bytes:
    """A whole SSE response (read until close) with these raw event payloads."""
    body = b"".join(b"data: " + event + b"\n\n" for event in events)
    return (
        f"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n{headers}connection: close\r\n\r\n"
    ).encode() + body


def reply(data: bytes) -> Handler:
    """A handler that sends ``data`` and closes."""

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        conn.sendall(data)

    return handle


def drip_headers(interval: float = 0.2) -> Handler:
    """The status line and headers one byte at a time, never finishing."""

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        head = b"HTTP/1.1 200 OK\r\n" + b"x-padding: aaaaaaaaaaaaaaaa\r\n" * 10_000
        for byte in head:
            if server.stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return handle


def endless_continue(interval: float = 0.02) -> Handler:
    """``HTTP/1.1 100 Continue`` responses forever (each one a complete, valid message)."""

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        while not server.stop.wait(interval):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    return handle


def drip_body(interval: float = 0.2) -> Handler:
    """A 200 SSE head at once, then an event one byte at a time, never finishing."""

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
        event = b'data: {"id": "c", "choices": [{"index": 0, "delta": {"content": "x"}}]}\n\n'
        for byte in event * 10_000:
            if server.stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return handle


def nested(depth: int = 100_000) -> bytes:
    """JSON nested ``depth`` levels deep (valid JSON; a recursive parser's limit)."""
    return b"[" * depth + b"]" * depth


def nested_error(depth: int = 100_000) -> bytes:
    """An error body whose message is nested ``depth`` levels deep."""
    return b'{"error": {"message": ' + nested(depth) + b', "type": "server_error"}}'


def json_escaped(text: str) -> str:
    """``text`` with every character as a JSON ``\\uXXXX`` escape (still the same string)."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def chat_body(content: str = "ok") -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()
