"""HttpBackend: against an injected mock transport, and against a real server on loopback."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from synaptic_core import (
    Backend,
    ConfigError,
    HttpBackend,
    HttpRequest,
    NetworkError,
    RequestTimeoutError,
)


def post(url: str, body: object = None) -> HttpRequest:
    return HttpRequest(
        "POST",
        url,
        {"authorization": "Bearer gsk_test_key", "content-type": "application/json"},
        None if body is None else json.dumps(body).encode(),
    )


def test_http_backend_satisfies_the_protocol() -> None:
    assert isinstance(HttpBackend(), Backend)


def test_defaults_match_the_design() -> None:
    backend = HttpBackend()
    assert (backend.timeout, backend.connect_timeout) == (60.0, 5.0)
    assert HttpBackend(timeout=12).timeout == 12
    with pytest.raises(ConfigError):
        HttpBackend(timeout=0)


# --- injected mock transport ------------------------------------------------------------


def echo_handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        headers={"X-Request-Id": "req_9", "x-ratelimit-remaining-tokens": "7"},
        json={
            "method": request.method,
            "path": request.url.path,
            "auth": request.headers["authorization"],
            "body": json.loads(request.content),
        },
    )


def test_sync_send_through_mock_transport() -> None:
    with HttpBackend(transport=httpx.MockTransport(echo_handler)) as backend:
        response = backend.send_sync(post("https://api.test/v1/chat", {"a": 1}))
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "req_9"
    assert response.headers["x-ratelimit-remaining-tokens"] == "7"  # lowercase names
    assert response.json() == {
        "method": "POST",
        "path": "/v1/chat",
        "auth": "Bearer gsk_test_key",
        "body": {"a": 1},
    }


async def test_async_send_and_stream_through_mock_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"data: 1\n\ndata: [DONE]\n\n")

    async with HttpBackend(async_transport=httpx.MockTransport(handler)) as backend:
        response = await backend.send(post("https://api.test/x", {}))
        assert response.content == b"data: 1\n\ndata: [DONE]\n\n"
        async with backend.stream(post("https://api.test/x", {})) as stream:
            assert stream.status_code == 200
            body = b"".join([c async for c in stream.aiter_bytes()])
    assert body == b"data: 1\n\ndata: [DONE]\n\n"


@pytest.mark.parametrize(
    ("exc", "cls", "message"),
    [
        (
            httpx.ConnectError("refused"),
            NetworkError,
            "network error (refused): POST https://api.test/v1",
        ),
        (httpx.ReadError("reset"), NetworkError, "network error (reset): POST https://api.test/v1"),
        (
            httpx.RemoteProtocolError("peer closed"),
            NetworkError,
            "network error (peer closed): POST https://api.test/v1",
        ),
        (
            httpx.ConnectTimeout("t"),
            RequestTimeoutError,
            "timed out connecting: POST https://api.test/v1",
        ),
        (
            httpx.ReadTimeout("t"),
            RequestTimeoutError,
            "timed out waiting for the server to send data: POST https://api.test/v1",
        ),
        (
            httpx.PoolTimeout("t"),
            RequestTimeoutError,
            "timed out waiting for a free connection in the pool: POST https://api.test/v1",
        ),
        (
            httpx.LocalProtocolError("Illegal header value b'Bearer gsk_test_key\\n'"),
            ConfigError,
            "the request could not be sent as built (invalid header or body): "
            "POST https://api.test/v1",
        ),
    ],
)
async def test_transport_errors_are_translated(
    exc: Exception, cls: type[Exception], message: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    backend = HttpBackend(
        transport=httpx.MockTransport(handler), async_transport=httpx.MockTransport(handler)
    )
    request = post("https://api.test/v1?key=secret", {})
    for call in (lambda: backend.send_sync(request),):
        with pytest.raises(cls) as info:
            call()
        assert str(info.value) == message
    with pytest.raises(cls) as info:
        await backend.send(request)
    assert str(info.value) == message
    with pytest.raises(cls):
        async with backend.stream(request):
            pass
    assert "gsk_test_key" not in str(info.value)
    if isinstance(exc, httpx.LocalProtocolError):
        assert info.value.__cause__ is None
        assert info.value.__suppress_context__ is True
    else:
        assert info.value.__cause__ is exc
    await backend.aclose()


def test_httpx_is_imported_lazily_by_the_backend_module() -> None:
    import subprocess

    code = (
        "import sys, synaptic_core; b = synaptic_core.HttpBackend(); "
        "assert 'httpx' not in sys.modules, 'httpx imported too early'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- a real server on 127.0.0.1 --------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stall = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length)
        if self.path == "/json":
            payload = json.dumps(
                {"got": json.loads(body), "auth": self.headers["authorization"]}
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("x-request-id", "req_local")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif self.path == "/sse":
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for frame in (b"data: one\n\n", b"data: two\n\n", b"data: [DONE]\n\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/stall":
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            frame = b"data: first\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
            Handler.stall.wait(5)  # never sends another byte until the test ends
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "100")
            self.end_headers()
            self.wfile.write(b'{"partial":')
            self.wfile.flush()
            self.close_connection = True


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        Handler.stall.set()
        httpd.shutdown()
        httpd.server_close()


async def test_real_server_async(server: str) -> None:
    async with HttpBackend() as backend:
        response = await backend.send(post(f"{server}/json", {"q": "hi"}))
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "req_local"
        assert response.json() == {"got": {"q": "hi"}, "auth": "Bearer gsk_test_key"}
        async with backend.stream(post(f"{server}/sse", {})) as stream:
            body = b"".join([c async for c in stream.aiter_bytes()])
        assert body == b"data: one\n\ndata: two\n\ndata: [DONE]\n\n"


def test_real_server_sync(server: str) -> None:
    with HttpBackend() as backend:
        assert backend.send_sync(post(f"{server}/json", {"n": 1})).json()["got"] == {"n": 1}
        with backend.stream_sync(post(f"{server}/sse", {})) as stream:
            assert b"".join(stream.iter_bytes()).endswith(b"data: [DONE]\n\n")


def test_connection_refused_is_a_network_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with HttpBackend() as backend, pytest.raises(NetworkError) as info:
        backend.send_sync(post(f"http://127.0.0.1:{port}/json", {}))
    assert info.value.retryable is True
    assert f"POST http://127.0.0.1:{port}/json" in str(info.value)


def test_body_cut_short_is_a_network_error(server: str) -> None:
    with HttpBackend() as backend, pytest.raises(NetworkError):
        backend.send_sync(post(f"{server}/cut", {}))


async def test_stalled_stream_times_out_instead_of_hanging(server: str) -> None:
    async with HttpBackend(timeout=0.2) as backend:
        received: list[bytes] = []
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError, match="waiting for the server to send data"):
            async with backend.stream(post(f"{server}/stall", {})) as stream:
                async for chunk in stream.aiter_bytes():
                    received.append(chunk)
        assert time.monotonic() - started < 3
        assert received == [b"data: first\n\n"]


def test_stalled_stream_times_out_sync(server: str) -> None:
    with (
        HttpBackend(timeout=0.2) as backend,
        pytest.raises(RequestTimeoutError),
        backend.stream_sync(post(f"{server}/stall", {})) as stream,
    ):
        for _ in stream.iter_bytes():
            pass


async def test_a_new_event_loop_gets_a_working_client(server: str) -> None:
    """A backend used from two asyncio.run() calls must not reuse a dead loop's pool."""
    import asyncio

    backend = HttpBackend()
    await backend.send(post(f"{server}/json", {}))

    def other_loop() -> int:
        async def go() -> int:
            response = await backend.send(post(f"{server}/json", {}))
            await backend.aclose()
            return response.status_code

        return asyncio.run(go())

    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(other_loop()))
    worker.start()
    worker.join(10)
    assert result == [200]
    assert (await backend.send(post(f"{server}/json", {}))).status_code == 200
    await backend.aclose()
