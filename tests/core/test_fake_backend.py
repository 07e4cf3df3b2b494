"""FakeBackend: scripted answers in order, every request recorded, loud when exhausted."""

from __future__ import annotations

import pytest

from synaptic_core import (
    Backend,
    FakeBackend,
    FakeBackendExhaustedError,
    HttpRequest,
    NetworkError,
    RequestTimeoutError,
)

REQUEST = HttpRequest(
    "POST",
    "https://api.example.com/v1/chat/completions",
    {"authorization": "Bearer sk-secret", "content-type": "application/json"},
    b'{"model": "m", "messages": []}',
)


def test_fake_backend_satisfies_the_protocol() -> None:
    assert isinstance(FakeBackend(), Backend)


async def test_responses_in_order_and_requests_recorded() -> None:
    backend = (
        FakeBackend()
        .add_response({"ok": 1}, headers={"X-Request-Id": "r1"})
        .add_response(status=502, content="<html>bad gateway</html>")
    )
    first = await backend.send(REQUEST)
    assert (first.status_code, first.json(), first.headers["x-request-id"]) == (
        200,
        {"ok": 1},
        "r1",
    )
    second = backend.send_sync(REQUEST)
    assert (second.status_code, second.content) == (502, b"<html>bad gateway</html>")
    assert backend.requests == [REQUEST, REQUEST]
    assert backend.last_request.json() == {"model": "m", "messages": []}
    assert backend.remaining == 0


async def test_exhausted_script_fails_loudly() -> None:
    backend = FakeBackend()
    with pytest.raises(FakeBackendExhaustedError, match=r"request #1 \(POST https://api"):
        await backend.send(REQUEST)
    assert isinstance(FakeBackendExhaustedError("x"), AssertionError)


async def test_scripted_errors_are_raised() -> None:
    backend = FakeBackend().add_error(NetworkError("refused")).add_error(RequestTimeoutError("t"))
    with pytest.raises(NetworkError):
        await backend.send(REQUEST)
    with pytest.raises(RequestTimeoutError), backend.stream_sync(REQUEST):
        pass


async def test_sse_stream_and_release() -> None:
    backend = FakeBackend().add_sse([{"a": 1}, "raw text"], headers={"x-request-id": "r2"})
    async with backend.stream(REQUEST) as response:
        assert backend.open_streams == 1
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        body = b"".join([c async for c in response.aiter_bytes()])
    assert backend.open_streams == 0
    assert body == b'data: {"a": 1}\n\ndata: raw text\n\ndata: [DONE]\n\n'


def test_stream_cut_after_chunks() -> None:
    backend = FakeBackend().add_stream([b"data: 1\n\n"], error=NetworkError("reset"))
    received: list[bytes] = []
    with pytest.raises(NetworkError), backend.stream_sync(REQUEST) as response:
        received.extend(response.iter_bytes())
    assert received == [b"data: 1\n\n"]
    assert backend.open_streams == 0


async def test_whole_response_can_be_streamed_and_stream_read_whole() -> None:
    backend = FakeBackend().add_response({"x": 1}).add_sse([{"y": 2}], done=False)
    async with backend.stream(REQUEST) as response:
        assert await response.aread() == b'{"x": 1}'
    assert (await backend.send(REQUEST)).content == b'data: {"y": 2}\n\n'


def test_request_repr_hides_the_key() -> None:
    text = repr(REQUEST)
    assert "sk-secret" not in text
    assert "[REDACTED]" in text
    assert "30 bytes" in text
