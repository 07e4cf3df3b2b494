"""The emulator's HTTP side: a threading HTTP/1.1 server and how replies are written.

A ``Reply`` says what to send; ``_Handler.write`` sends it, playing the byte-level
faults (slow first byte, truncated or reset bodies, error frames, stalls) on the way.
"""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from synaptic_core import get_logger
from synaptic_groq.emulator import _wire as wire
from synaptic_groq.emulator._limits import go_duration, retry_after_header

if TYPE_CHECKING:
    from synaptic_groq.emulator._emulator import GroqEmulator
    from synaptic_groq.emulator._faults import Fault
    from synaptic_groq.emulator._limits import Verdict

_JSON = "application/json"
_STATUS_FAULTS = {
    "capacity": (
        498,
        "Flex tier capacity exceeded. This is a flex tier limitation; please try again later.",
        "capacity_exceeded",
    ),
    "server_error": (500, "Internal Server Error", "internal_server_error"),
    "unavailable": (503, "Service Unavailable", "internal_server_error"),
}
_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Reply:
    """What to send for one request."""

    status: int
    request_id: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    frames: list[bytes] | None = None
    fault: Fault | None = None
    content_type: str = _JSON

    @classmethod
    def json(
        cls, status: int, data: Any, request_id: str, headers: dict[str, str] | None = None
    ) -> Reply:
        """A JSON reply."""
        return cls(
            status,
            request_id,
            dict(headers or {}),
            json.dumps(data, separators=(",", ":")).encode(),
        )

    @classmethod
    def rate_limited(
        cls, emulator: GroqEmulator, verdict: Verdict, body: dict[str, Any], request_id: str
    ) -> Reply:
        """429 from the budget, worded like Groq's."""
        budget = emulator.budget
        if verdict.which == "requests":
            what, limit, used = (
                "requests per minute (RPM)",
                budget.requests_per_minute,
                budget.requests_per_minute,
            )
        else:
            what, limit, used = (
                "tokens per minute (TPM)",
                budget.tokens_per_minute,
                budget.tokens_per_minute,
            )
        message = (
            f"Rate limit reached for model `{body.get('model')}` in organization `org_emulator` "
            f"service tier `on_demand` on {what}: Limit {limit}, Used {used}, Requested 1. "
            f"Please try again in {go_duration(verdict.retry_after)}. "
            "Visit https://console.groq.com/docs/rate-limits for more information."
        )
        data = wire.error_body(message, verdict.which, "rate_limit_exceeded")
        headers = {**verdict.headers, "retry-after": retry_after_header(verdict.retry_after)}
        return cls.json(429, data, request_id, headers)

    @classmethod
    def for_fault(
        cls, fault: Fault, headers: dict[str, str], request_id: str, body: dict[str, Any]
    ) -> Reply:
        """A scripted error status."""
        if fault.kind == "rate_limit":
            wait = f"{fault.retry_after:g}"
            message = fault.message or (
                f"Rate limit reached for model `{body.get('model')}` in organization "
                f"`org_emulator` service tier `on_demand` on requests per minute (RPM): "
                f"Please try again in {wait}s."
            )
            data = wire.error_body(message, "requests", "rate_limit_exceeded")
            return cls.json(429, data, request_id, {**headers, "retry-after": wait})
        if fault.kind == "bad_gateway":
            return cls(502, request_id, {}, _BAD_GATEWAY, content_type="text/html")
        status, message, type_ = _STATUS_FAULTS[fault.kind]
        data = wire.error_body(fault.message or message, type_)
        return cls.json(fault.status or status, data, request_id, headers)

    @classmethod
    def completion(
        cls, data: dict[str, Any], headers: dict[str, str], request_id: str, fault: Fault | None
    ) -> Reply:
        """200 with a whole completion (byte-level faults still apply)."""
        reply = cls.json(200, data, request_id, headers)
        reply.fault = fault
        return reply

    @classmethod
    def stream(
        cls, frames: list[bytes], headers: dict[str, str], request_id: str, fault: Fault | None
    ) -> Reply:
        """200 with server-sent events."""
        return cls(
            200, request_id, headers, frames=frames, fault=fault, content_type="text/event-stream"
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # 256+ clients may connect at the same instant
    allow_reuse_address = True
    block_on_close = False
    emulator: GroqEmulator
    connections: set[socket.socket]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or drops its connection is normal, not a server error."""
        import sys  # noqa: PLC0415 (only on errors)

        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut every open connection (idle keep-alive ones included) at stop."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def make_server(emulator: GroqEmulator, host: str, port: int) -> _Server:
    """A listening server bound to ``host:port`` (0: a free port)."""
    server = _Server((host, port), _Handler)
    server.emulator = emulator
    server.connections = set()
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "groq-emulator"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without this, Nagle's algorithm and
        # the client's delayed ACK hold every response back for ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:

        get_logger("emulator").debug(format, *args)

    # --- routing -----------------------------------------------------------------------

    def _authorised(self, request_id: str) -> bool:
        scheme, _, key = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and key.strip():
            return True
        data = wire.error_body("Invalid API Key", "invalid_request_error", "invalid_api_key")
        self.write(Reply.json(401, data, request_id))
        return False

    def _unknown(self, request_id: str) -> None:
        message = (
            f"Unknown request URL: {self.command} {urlsplit(self.path).path}. Please check the "
            "URL for typos, or see the docs at https://console.groq.com/docs/"
        )
        self.write(
            Reply.json(
                404, wire.error_body(message, "invalid_request_error", "unknown_url"), request_id
            )
        )

    def do_GET(self) -> None:
        emulator = self.server.emulator
        request_id = emulator.next_request_id()
        path = urlsplit(self.path).path.rstrip("/")
        if not path.startswith("/openai/v1/models"):
            self._unknown(request_id)
            return
        if not self._authorised(request_id):
            return
        if path == "/openai/v1/models":
            self.write(Reply.json(200, emulator.models(), request_id))
            return
        model_id = unquote(path.removeprefix("/openai/v1/models/"))
        if model_id in emulator.known_models():
            self.write(Reply.json(200, wire.model_entry(model_id), request_id))
        else:
            message = f"The model `{model_id}` does not exist or you do not have access to it."
            self.write(
                Reply.json(
                    404,
                    wire.error_body(message, "invalid_request_error", "model_not_found"),
                    request_id,
                )
            )

    def do_POST(self) -> None:
        emulator = self.server.emulator
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path.rstrip("/") != "/openai/v1/chat/completions":
            self._unknown(emulator.next_request_id())
            return
        if not self._authorised(emulator.next_request_id()):
            return
        try:
            body = json.loads(raw)
        except ValueError:
            data = wire.error_body(
                "We could not parse the JSON body of your request.", "invalid_request_error"
            )
            self.write(Reply.json(400, data, emulator.next_request_id()))
            return
        self.write(emulator.chat(body, self.headers.get("x-emulator-fault")))

    # --- writing -----------------------------------------------------------------------

    def write(self, reply: Reply) -> None:
        """Send ``reply``, playing its byte-level fault; a client that went away is fine."""
        try:
            self._write(reply)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _headers(self, reply: Reply, extra: dict[str, str]) -> None:
        self.send_response(reply.status)
        self.send_header("content-type", reply.content_type)
        self.send_header("x-request-id", reply.request_id)
        for name, value in {**reply.headers, **extra}.items():
            self.send_header(name, value)
        self.end_headers()

    def _wait(self, seconds: float) -> bool:
        """Wait, unless the emulator stops first (then drop the connection: True)."""
        if self.server.emulator.stopping.wait(seconds):
            self._drop()
            return True
        return False

    def _write(self, reply: Reply) -> None:
        fault = reply.fault
        kind = fault.kind if fault is not None else None
        if fault is not None and kind == "slow_first_byte" and self._wait(fault.delay):
            return
        if reply.frames is None:
            body = reply.body
            if kind == "error_frame":
                body = json.dumps(
                    wire.error_body("Internal Server Error", "internal_server_error")
                ).encode()
            self._headers(reply, {"content-length": str(len(body))})
            if fault is not None and kind in ("truncate", "reset", "stall"):
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if kind != "stall":
                    self._drop()
                    return
                if self._wait(fault.delay):
                    return
                body = body[len(body) // 2 :]
            self.wfile.write(body)
            return
        self._headers(reply, {"transfer-encoding": "chunked", "cache-control": "no-cache"})
        for index, frame in enumerate(reply.frames):
            if fault is not None and index == fault.after_chunks:
                if kind == "error_frame":
                    message = fault.message or "Service Unavailable"
                    self._chunk(wire.sse(wire.error_body(message, "internal_server_error")))
                    self._chunk(b"")
                    return
                if kind == "truncate":
                    self._chunk(b"")
                    return
                if kind == "reset":
                    self._drop()
                    return
                if kind == "stall" and self._wait(fault.delay):
                    return
            self._chunk(frame)
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _drop(self) -> None:
        """Cut the connection mid-body (no terminating chunk, no complete body)."""
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
