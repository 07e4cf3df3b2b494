"""The emulator's HTTP side: an asyncio HTTP/1.1 server and how replies are written.

Why asyncio (stdlib) rather than a thread per connection: the emulator is the server
the bulk-job and rate-limit benchmarks measure clients against, so it must hold 1,000
open connections and 100 concurrent streams with flat memory, and serve hundreds of
keep-alive connections without becoming the bottleneck. One event loop in one
background thread does that with no dependency; a thread per connection (the first
design) topped out near 200 requests/s at 256 connections. A server library (uvicorn,
aiohttp) would add an install for every app that tests against the emulator.

A ``Reply`` says what to send; ``Connection.write`` sends it, playing the byte-level
faults (slow first byte, truncated or reset bodies, error frames, stalls) on the way.
A request body is never read past ``max_body_bytes``: a larger ``content-length`` is
answered 413 at once and the connection closed, so a 100 MB upload costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from synaptic_core import get_logger
from synaptic_groq.emulator import _wire as wire
from synaptic_groq.emulator._limits import go_duration, retry_after_header

if TYPE_CHECKING:
    from synaptic_groq.emulator._emulator import GroqEmulator
    from synaptic_groq.emulator._faults import Fault
    from synaptic_groq.emulator._limits import Verdict

logger = get_logger("emulator")

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
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    411: "Length Required",
    413: "Payload Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    498: "Flex Tier Capacity Exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
MAX_HEAD_BYTES = 64 * 1024


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
    close: bool = False

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
    def error(  # noqa: PLR0917 (Groq's error fields, in their order)
        cls,
        status: int,
        message: str,
        request_id: str,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Groq's error body with ``status``."""
        extra = {} if code is None else {"code": code}
        return cls.json(status, wire.error_body(message, error_type, **extra), request_id, headers)

    @classmethod
    def rate_limited(cls, verdict: Verdict, body: dict[str, Any], request_id: str) -> Reply:
        """429 from the budget, worded like Groq's ("Please try again in 4.77s")."""
        message = (
            f"Rate limit reached for model `{body.get('model')}` in organization `org_emulator` "
            f"service tier `on_demand` on {verdict.what}: Limit {verdict.limit}, Used "
            f"{verdict.used}, Requested {verdict.requested}. "
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
        if fault.kind == "not_available_for_plan":
            message = fault.message or "This feature is not available for your plan."
            return cls.error(403, message, request_id, "permission_error", "not_available_for_plan")
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


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Connection:
    """One client connection: read requests (keep-alive), route, write replies."""

    def __init__(
        self,
        emulator: GroqEmulator,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stopping: asyncio.Event,
    ) -> None:
        self.emulator = emulator
        self.reader = reader
        self.writer = writer
        self.stopping = stopping
        self.open = True

    async def serve(self) -> None:
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while self.open:
                request = await self._read()
                if request is None:
                    break
                await self.write(self.route(request))
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self.writer.close()

    async def _read(self) -> Request | None:
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            await self.write(
                Reply.error(431, "request headers too large", self.emulator.next_request_id())
            )
            self.open = False
            return None
        lines = head[:-4].decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self.open = False
            return None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if version == "HTTP/1.0" or headers.get("connection", "").lower() == "close":
            self.open = False
        body = await self._body(headers)
        return None if body is None else Request(method, target, headers, body)

    async def _body(self, headers: dict[str, str]) -> bytes | None:
        """The body, never read past the cap (a larger one is refused unread)."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await self.write(
                Reply.error(411, "send the body with a content-length", "req_emu_length")
            )
            self.open = False
            return None
        raw = headers.get("content-length", "0") or "0"
        length = int(raw) if raw.isdigit() else -1
        limit = self.emulator.max_body_bytes
        if length < 0 or length > limit:
            self.emulator.stats.count(413)
            message = (
                f"Request Entity Too Large: the body is {raw} bytes; the most a request may "
                f"carry is {limit} bytes"
            )
            reply = Reply.error(
                413, message, self.emulator.next_request_id(), code="request_too_large"
            )
            reply.close = True
            await self.write(reply)
            self.open = False
            return None
        return await self.reader.readexactly(length) if length else b""

    # --- routing -----------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        emulator = self.emulator
        path = urlsplit(request.path).path.rstrip("/")
        if path.startswith("/emulator/"):
            return emulator.admin(request.method, path)
        request_id = emulator.next_request_id()
        if not path.startswith("/openai/v1/"):
            return self._unknown(request, request_id)
        denied = emulator.check_key(request.headers.get("authorization", ""), request_id)
        if denied is not None:
            return denied
        if request.method == "GET" and path.startswith("/openai/v1/models"):
            return self._models(path, request_id)
        if path.startswith(("/openai/v1/files", "/openai/v1/batches")):
            return emulator.counted(self._batch_api(request, path, request_id))
        if request.method == "POST" and path == "/openai/v1/chat/completions":
            try:
                body = json.loads(request.body)
            except ValueError:
                message = "We could not parse the JSON body of your request."
                return emulator.counted(Reply.error(400, message, request_id))
            return emulator.chat(
                body,
                request.headers.get("x-emulator-fault"),
                key=request.headers.get("authorization", ""),
            )
        return self._unknown(request, request_id)

    def _batch_api(self, request: Request, path: str, request_id: str) -> Reply:
        """Groq's files and batches endpoints (``_batches``)."""
        from synaptic_groq.emulator._batches import BatchError  # noqa: PLC0415

        store = self.emulator.batches
        parts = path.removeprefix("/openai/v1/").split("/")
        method = request.method
        try:
            if parts == ["files"] and method == "POST":
                info = store.upload(request.headers.get("content-type", ""), request.body)
                return Reply.json(200, info, request_id)
            if parts == ["files"] and method == "GET":
                data = [f.info() for f in store.files.values()]
                return Reply.json(200, {"object": "list", "data": data}, request_id)
            if len(parts) == 2 and parts[0] == "files" and method == "GET":
                return Reply.json(200, store.file(parts[1]).info(), request_id)
            if len(parts) == 2 and parts[0] == "files" and method == "DELETE":
                return Reply.json(200, store.delete_file(parts[1]), request_id)
            if len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
                content = store.file(parts[1]).content
                return Reply(200, request_id, {}, content, content_type="application/octet-stream")
            if parts == ["batches"] and method == "POST":
                fault = self.emulator.faults.take("not_available_for_plan")
                if fault is not None:
                    return Reply.for_fault(fault, {}, request_id, {})
                try:
                    body = json.loads(request.body)
                except ValueError:
                    body = None
                return Reply.json(200, store.create(body), request_id)
            if parts == ["batches"] and method == "GET":
                data = [store.get(b).info() for b in list(store.batches)]
                return Reply.json(200, {"object": "list", "data": data}, request_id)
            if len(parts) == 2 and parts[0] == "batches" and method == "GET":
                return Reply.json(200, store.get(parts[1]).info(), request_id)
            if len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
                return Reply.json(200, store.cancel(parts[1]), request_id)
        except BatchError as error:
            return Reply.error(error.status, str(error), request_id, code=error.code)
        return self._unknown(request, request_id)

    def _unknown(self, request: Request, request_id: str) -> Reply:
        message = (
            f"Unknown request URL: {request.method} {urlsplit(request.path).path}. Please check "
            "the URL for typos, or see the docs at https://console.groq.com/docs/"
        )
        return self.emulator.counted(Reply.error(404, message, request_id, code="unknown_url"))

    def _models(self, path: str, request_id: str) -> Reply:
        emulator = self.emulator
        if path == "/openai/v1/models":
            return emulator.counted(Reply.json(200, emulator.models(), request_id))
        model_id = unquote(path.removeprefix("/openai/v1/models/"))
        if model_id in emulator.known_models():
            return emulator.counted(Reply.json(200, wire.model_entry(model_id), request_id))
        message = f"The model `{model_id}` does not exist or you do not have access to it."
        return emulator.counted(Reply.error(404, message, request_id, code="model_not_found"))

    # --- writing -----------------------------------------------------------------------

    def _head(self, reply: Reply, extra: dict[str, str]) -> bytes:
        lines = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}",
            f"content-type: {reply.content_type}",
            f"x-request-id: {reply.request_id}",
            "server: groq-emulator",
        ]
        lines += [f"{name}: {value}" for name, value in {**reply.headers, **extra}.items()]
        if reply.close or not self.open:
            lines.append("connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def write(self, reply: Reply) -> None:
        """Send ``reply``, playing its byte-level fault; a client that went away is fine."""
        try:
            await self._write(reply)
        except (ConnectionError, RuntimeError):
            self.open = False
        if reply.close:
            self.open = False

    async def _wait(self, seconds: float) -> bool:
        """Wait, unless the emulator stops first (then drop the connection: True)."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return False
        self._drop()
        return True

    async def _write(self, reply: Reply) -> None:  # noqa: PLR0912 (one branch per fault)
        fault = reply.fault
        kind = fault.kind if fault is not None else None
        writer = self.writer
        if fault is not None and kind == "slow_first_byte" and await self._wait(fault.delay):
            return
        if reply.frames is None:
            body = reply.body
            if kind == "error_frame":
                body = json.dumps(
                    wire.error_body("Internal Server Error", "internal_server_error")
                ).encode()
            writer.write(self._head(reply, {"content-length": str(len(body))}))
            if fault is not None and kind in ("truncate", "reset", "stall"):
                writer.write(body[: len(body) // 2])
                await writer.drain()
                if kind != "stall":
                    self._drop()
                    return
                if await self._wait(fault.delay):
                    return
                body = body[len(body) // 2 :]
            writer.write(body)
            await writer.drain()
            return
        writer.write(
            self._head(reply, {"transfer-encoding": "chunked", "cache-control": "no-cache"})
        )
        for index, frame in enumerate(reply.frames):
            if fault is not None and index == fault.after_chunks:
                if kind == "error_frame":
                    writer.write(_chunk(wire.error_frame(fault.message)) + _chunk(b""))
                    await writer.drain()
                    return
                if kind == "truncate":
                    writer.write(_chunk(b""))
                    await writer.drain()
                    return
                if kind == "reset":
                    await writer.drain()
                    self._drop()
                    return
                if kind == "stall":
                    await writer.drain()
                    if await self._wait(fault.delay):
                        return
            writer.write(_chunk(frame))
            if index % 16 == 15:
                await writer.drain()
        writer.write(_chunk(b""))
        await writer.drain()

    def _drop(self) -> None:
        """Cut the connection mid-body (no terminating chunk, no complete body)."""
        self.open = False
        transport = self.writer.transport
        with contextlib.suppress(OSError, RuntimeError):
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        transport.abort()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Server:
    """The listening socket, its connections and its event loop."""

    def __init__(self, emulator: GroqEmulator, host: str, port: int) -> None:
        """Bind ``host:port`` (0: a free port) on a new event loop, in the calling thread,
        which then runs it (``run``): the caller's own loop, if any, is never touched."""
        self.emulator = emulator
        self.loop = asyncio.new_event_loop()
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        try:
            self.server = self.loop.run_until_complete(
                asyncio.start_server(
                    self._accept,
                    host,
                    port,
                    backlog=2048,
                    limit=MAX_HEAD_BYTES,
                    reuse_address=True,
                )
            )
        except BaseException:
            self.loop.close()
            raise
        self.port: int = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        stats = self.emulator.stats
        stats.open_connections += 1
        try:
            await Connection(self.emulator, reader, writer, self.stopping).serve()
        except asyncio.CancelledError:
            writer.transport.abort()  # stopping: end quietly (a cancelled task would be logged)
        finally:
            stats.open_connections -= 1
            if task is not None:
                self.tasks.discard(task)

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

    def _begin_stop(self) -> None:
        self.stopping.set()
        self.server.close()
        for task in list(self.tasks):
            task.cancel()
        self.loop.call_later(0.05, self.loop.stop)

    def _close(self) -> None:
        self.stopping.set()
        self.server.close()
        for task in list(self.tasks):
            task.cancel()
        with contextlib.suppress(RuntimeError):
            self.loop.run_until_complete(asyncio.sleep(0))
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            if pending:
                self.loop.run_until_complete(asyncio.wait(pending, timeout=1))
            self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()
        logger.debug("emulator stopped")
