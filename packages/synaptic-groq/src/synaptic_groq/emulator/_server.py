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
The listening side (accept loop, connection cap, timeout sweeper) is ``_listener``.

What a hostile client gets, instead of a dropped connection or unbounded memory:

- a body past ``max_body_bytes`` (26 MiB): 413 ``request_too_large`` at once, unread
  (Groq documents no limit for chat bodies; its file uploads take up to 100 MB and its
  audio 25 MB); a ``content-length`` that is not a number: 400; chunked bodies: 411;
- a body when ``max_pending_body_bytes`` (128 MiB) of other bodies are being read:
  503 with ``retry-after: 1`` (so 40 connections each holding 20 MiB cannot take
  800 MB), the connection closed;
- headers over 64 KiB: 431; a malformed request line: 400;
- headers dripping past ``header_timeout``, a body stalled past ``body_timeout``, no
  request for ``idle_timeout`` or a reply not read for as long: the connection is
  closed (see ``Connection``);
- a body that is not JSON, not UTF-8, or nested past the recursion limit: 400; a field
  of the wrong type: 400 naming it (``_shapes``); a failure of the emulator itself: 500
  ``internal_server_error``, logged once a minute at most. Error bodies are Groq's
  ``{"error": {"message", "type"[, "code"][, "param"]}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from synaptic_core import get_logger
from synaptic_groq.emulator import _wire as wire
from synaptic_groq.emulator._limits import go_duration, retry_after_header

if TYPE_CHECKING:
    from synaptic_groq.emulator._faults import Fault
    from synaptic_groq.emulator._limits import Verdict
    from synaptic_groq.emulator._listener import Server

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
    fetched: Any = None  # an audio request's ``url``, fetched (bytes or the error)


class Connection:
    """One client connection: read requests (keep-alive), route, write replies.

    ``deadline`` (loop time) is when the listener's sweeper closes the connection: the
    idle timeout while waiting for a request's first byte, the header timeout until its
    head is complete, the body timeout while its body is read, the idle timeout again
    while a reply waits for the client to read it, none otherwise (the emulator's own
    stalls and slow first bytes are faults it plays, not the client's doing).
    """

    def __init__(
        self, server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.emulator = server.emulator
        self.guards = server.guards
        self.reader = reader
        self.writer = writer
        self.stopping = server.stopping
        self.open = True
        self.deadline = math.inf
        self.phase = "idle"
        self.reserved = 0

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
                self.deadline = math.inf
                await self._fetch_audio_url(request)
                await self.write(self.answer(request))
                self.release()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self.deadline = math.inf
            self.release()
            self.writer.close()

    async def _fetch_audio_url(self, request: Request) -> None:
        """A transcription naming ``url``: fetch it first, without blocking the loop
        (for an accepted key only: a stranger cannot make the emulator fetch)."""
        if request.method != "POST" or "/openai/v1/audio/trans" not in request.path:
            return
        if not self.emulator.key_accepted(request.headers.get("authorization", "")):
            return
        content_type = request.headers.get("content-type", "")
        from synaptic_groq.emulator import _audio  # noqa: PLC0415

        if _audio.asks_for_url(content_type, request.body):
            request.fetched = await _audio.fetch(content_type, request.body)

    def release(self) -> None:
        """Give back this request's share of the in-flight body budget."""
        if self.reserved:
            self.server.unreserve(self.reserved)
            self.reserved = 0

    def expire(self) -> None:
        """Past the deadline (the sweeper calls this): an idle keep-alive connection is
        closed cleanly, one stuck in a request's head or body is dropped."""
        self.deadline = math.inf
        self.emulator.stats.connections_timed_out += 1
        logger.debug("closing a connection: %s timeout", self.phase)
        if self.phase == "idle":
            self.open = False
            self.writer.close()
        else:
            self._drop()

    async def _read(self) -> Request | None:
        loop_time = self.server.loop.time
        self.phase = "idle"
        self.deadline = loop_time() + self.guards.idle_timeout
        try:
            first = await self.reader.readexactly(1)
            self.phase = "header"
            self.deadline = loop_time() + self.guards.header_timeout
            head = first + await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            self.deadline = math.inf
            reply = Reply.error(431, "request headers too large", self.emulator.next_request_id())
            reply.close = True
            await self.write(reply)
            return None
        lines = head[:-4].decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self.deadline = math.inf
            message = "We could not parse the request line of your request."
            reply = Reply.error(400, message, self.emulator.next_request_id())
            reply.close = True
            await self.write(reply)
            return None
        headers: dict[str, str] = {}
        repeated = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            repeated = repeated or (name == "content-length" and name in headers)
            headers[name] = value.strip()
        if repeated:  # RFC 9112 6.3: which body length is meant cannot be told; refuse
            await self._refuse(400, "the request carries more than one content-length header")
            return None
        if version == "HTTP/1.0" or headers.get("connection", "").lower() == "close":
            self.open = False
        body = await self._body(headers, audio="/audio/" in target)
        return None if body is None else Request(method, target, headers, body)

    async def _refuse(
        self,
        status: int,
        message: str,
        code: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        """Answer ``status`` without reading the body, and close."""
        self.deadline = math.inf
        self.emulator.stats.count(status)
        headers = {"retry-after": "1"} if status == 503 else None
        reply = Reply.error(
            status, message, self.emulator.next_request_id(), error_type, code, headers
        )
        reply.close = True
        await self.write(reply)
        self.open = False

    async def _body(self, headers: dict[str, str], *, audio: bool = False) -> bytes | None:
        """The body, never read past the cap (a larger one is refused unread)."""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await self._refuse(411, "send the body with a content-length")
            return None
        raw = headers.get("content-length", "0") or "0"
        if not (raw.isascii() and raw.isdigit()):
            await self._refuse(400, f"the content-length header is not a number: {raw[:32]!r}")
            return None
        limit = self.emulator.max_body_bytes
        length = int(raw) if len(raw) <= 18 else limit + 1
        if length > limit:
            message = (
                f"Request Entity Too Large: the body is {raw[:32]} bytes; the most a request "
                f"may carry is {limit} bytes"
            )
            if audio:
                message += "; audio attachments may be at most 25 MB: use `url`"
            await self._refuse(413, message, "request_too_large")
            return None
        if not length:
            return b""
        if not self.server.reserve(length):
            budget = self.guards.max_pending_body_bytes
            message = (
                "Service Unavailable: the emulator is already reading as many request bodies "
                f"as it holds at once ({budget} bytes); try again shortly"
            )
            await self._refuse(503, message, error_type="internal_server_error")
            return None
        self.reserved = length
        self.phase = "body"
        self.deadline = self.server.loop.time() + self.guards.body_timeout
        return await self.reader.readexactly(length)

    def answer(self, request: Request) -> Reply:
        """``route``, with every failure answered: JSON nested past the interpreter's
        recursion limit is a 400, anything else a 500 (logged once a minute at most),
        never a dropped connection."""
        try:
            return self.route(request)
        except RecursionError:
            message = "We could not parse the JSON body of your request: it nests too deeply."
            return self.emulator.counted(Reply.error(400, message, self.emulator.next_request_id()))
        except Exception as error:  # the client gets a 500, the log one line
            self.server.quiet.warning(
                f"internal:{type(error).__name__}",
                "the emulator failed answering %s %s: %r",
                request.method,
                request.path[:200],
                error,
                error=error,
            )
            reply = Reply.error(
                500,
                "Internal Server Error",
                self.emulator.next_request_id(),
                "internal_server_error",
            )
            return self.emulator.counted(reply)

    # --- routing -----------------------------------------------------------------------

    def route(self, request: Request) -> Reply:
        emulator = self.emulator
        try:
            path = urlsplit(request.path).path.rstrip("/")
        except ValueError:
            message = "We could not parse the URL of your request."
            return emulator.counted(Reply.error(400, message, emulator.next_request_id()))
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
        if request.method == "POST" and path.startswith("/openai/v1/audio/"):
            return emulator.counted(self._audio(request, path, request_id))
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
                size=len(request.body),
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

    def _audio(self, request: Request, path: str, request_id: str) -> Reply:
        """Groq's audio endpoints (``_audio``, loaded on first use): transcriptions,
        translations, speech; scripted faults meet them as they meet chat."""
        kind = path.removeprefix("/openai/v1/audio/")
        known = set(self.emulator.known_models())
        fault, played = self.emulator.audio_fault(request.headers.get("x-emulator-fault"))
        if fault is not None:  # a scripted 429, 5xx or 498: audio meets them too
            return Reply.for_fault(fault, {}, request_id, {"model": _audio_model(request)})
        reply = self._audio_answer(request, kind, known, request_id)
        reply.fault = played if reply.status == 200 else None  # bytes cut, stalled, slow
        return reply

    def _audio_answer(self, request: Request, kind: str, known: set[str], request_id: str) -> Reply:
        from synaptic_groq.emulator import _audio  # noqa: PLC0415

        try:
            if kind in ("transcriptions", "translations"):
                task = "transcribe" if kind == "transcriptions" else "translate"
                parts = _audio.parse_parts(request.headers.get("content-type", ""), request.body)
                answer, form, seconds = _audio.transcription(task, parts, known, request.fetched)
                model = next((p.data.decode() for p in parts if p.name == "model"), "")
                key = request.headers.get("authorization", "")
                limits = self.emulator.audio_limits
                refused = limits.admit(key, model, seconds)
                headers = limits.headers(key, model)
                if refused is not None:
                    return _audio_rate_limited(model, refused, request_id, headers)
                self.emulator.stats.count_audio(seconds)
                if form == "text":
                    text = answer["text"].encode()
                    return Reply(
                        200, request_id, headers, text, content_type="text/plain; charset=UTF-8"
                    )
                answer = {**answer, "x_groq": {"id": request_id}}
                return Reply.json(200, answer, request_id, headers)
            if kind == "speech":
                try:
                    body = json.loads(request.body)
                except ValueError:
                    body = None
                audio, seconds = _audio.speech(body, known)
                self.emulator.stats.count_audio(seconds)
                return Reply(200, request_id, {}, audio, content_type="audio/wav")
        except _audio.AudioError as error:
            return Reply.error(error.status, str(error), request_id, code=error.code)
        return self._unknown(request, request_id)

    def _unknown(self, request: Request, request_id: str) -> Reply:
        message = (
            f"Unknown request URL: {request.method} {urlsplit(request.path).path[:200]}. Please "
            "check the URL for typos, or see the docs at https://console.groq.com/docs/"
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
        except (TimeoutError, asyncio.TimeoutError):  # distinct classes on Python 3.10
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
                await self._drain()
                if kind != "stall":
                    self._drop()
                    return
                if await self._wait(fault.delay):
                    return
                body = body[len(body) // 2 :]
            writer.write(body)
            await self._drain()
            return
        writer.write(
            self._head(reply, {"transfer-encoding": "chunked", "cache-control": "no-cache"})
        )
        for index, frame in enumerate(reply.frames):
            if fault is not None and index == fault.after_chunks:
                if kind == "error_frame":
                    writer.write(_chunk(wire.error_frame(fault.message)) + _chunk(b""))
                    await self._drain()
                    return
                if kind == "truncate":
                    writer.write(_chunk(b""))
                    await self._drain()
                    return
                if kind == "reset":
                    await self._drain()
                    self._drop()
                    return
                if kind == "stall":
                    await self._drain()
                    if await self._wait(fault.delay):
                        return
            if index % 16 == 15:
                if writer.transport.is_closing():
                    return  # the client went away: stop writing to a dead socket
                await self._drain()
            writer.write(_chunk(frame))
        writer.write(_chunk(b""))
        await self._drain()

    async def _drain(self) -> None:
        """Wait until the client has taken what was written. One that reads nothing for
        the idle timeout is dropped: a reply it never reads (a 20 MiB file, a stream)
        would otherwise sit in memory for as long as it holds the connection."""
        self.phase = "write"
        self.deadline = self.server.loop.time() + self.guards.idle_timeout
        try:
            await self.writer.drain()
        finally:
            self.deadline = math.inf

    def _drop(self) -> None:
        """Cut the connection mid-body (no terminating chunk, no complete body)."""
        self.open = False
        transport = self.writer.transport
        with contextlib.suppress(OSError, RuntimeError):
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        transport.abort()


def _audio_model(request: Request) -> str:
    """The model an audio request names (for a fault's wording), read cheaply."""
    import re  # noqa: PLC0415

    found = re.search(rb'name="model"\r\n\r\n([^\r\n]{1,200})', request.body[:4096]) or \
        re.search(rb'"model"\s*:\s*"([^"]{1,200})"', request.body[:4096])  # fmt: skip
    return found.group(1).decode("utf-8", "replace") if found else "whisper-large-v3"


def _audio_rate_limited(
    model: str, refused: tuple[str, float], request_id: str, headers: dict[str, str]
) -> Reply:
    """429 from the audio limits, worded like Groq's other rate-limit answers."""
    limit, wait = refused
    seconds = f"{max(wait, 0.001):.3g}"
    message = (
        f"Rate limit reached for model `{model}` in organization `org_emulator` service tier "
        f"`on_demand` on {limit}: Please try again in {seconds}s."
    )
    data = wire.error_body(message, "requests", "rate_limit_exceeded")
    return Reply.json(429, data, request_id, {**headers, "retry-after": seconds})


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)
