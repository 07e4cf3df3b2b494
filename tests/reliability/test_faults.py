"""Every failure mode ends in its documented typed error, within its timeout, with the
connection released (no file descriptor left open). Sync and async paths both."""

from __future__ import annotations

import socket
import time

import pytest

from synaptic_core import (
    HttpBackend,
    NetworkError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    StreamError,
    SynapticError,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqModel

from .badserver import BadServer, no_fd_leak

# mode, streaming?, error class, message start, backend options
CASES: list[tuple[str, bool, type[SynapticError], str, dict[str, float]]] = [
    ("reset_before", False, NetworkError, "network error", {}),
    ("reset_before", True, NetworkError, "network error", {}),
    ("reset_mid_body", False, NetworkError, "network error", {}),
    ("reset_mid_stream", True, NetworkError, "network error", {}),
    (
        "close_without_done",
        True,
        StreamError,
        "groq stream ended before the answer was complete",
        {},
    ),
    ("garbage", False, NetworkError, "network error", {}),
    ("garbage", True, NetworkError, "network error", {}),
    ("invalid_utf8", True, StreamError, "event stream is not valid UTF-8", {}),
    ("error_200", False, ServerError, "groq error (HTTP 200): upstream failed", {}),
    (
        "html_502",
        False,
        ServerError,
        "groq error (HTTP 502): <html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        {},
    ),
    ("html_502", True, ServerError, "groq error (HTTP 502)", {}),
    (
        "huge_declared",
        False,
        ResponseTooLargeError,
        "response larger than max_response_bytes (1,048,576 bytes)",
        {"max_response_bytes": 1024 * 1024},
    ),
    (
        "huge_chunked",
        True,
        ResponseTooLargeError,
        "response larger than max_response_bytes (1,048,576 bytes)",
        {"max_response_bytes": 1024 * 1024},
    ),
    (
        "trickle",
        True,
        RequestTimeoutError,
        "timed out: the overall deadline of 0.4s passed",
        {"deadline": 0.4, "timeout": 5},
    ),
    (
        "stall",
        True,
        RequestTimeoutError,
        "timed out waiting for the server to send data",
        {"timeout": 0.3},
    ),
]


def model_for(url: str, **options: float) -> GroqChatModel:
    backend = HttpBackend(**options)  # type: ignore[arg-type]
    return GroqChatModel(GroqConfig("gsk_fault_key", GroqModel.GPT_OSS_20B, base_url=url), backend)


@pytest.mark.parametrize(("mode", "stream", "cls", "message", "options"), CASES)
def test_sync_fault(
    mode: str, stream: bool, cls: type[SynapticError], message: str, options: dict[str, float]
) -> None:
    with no_fd_leak(), BadServer(mode) as server:
        model = model_for(server.url, **options)
        started = time.monotonic()
        with pytest.raises(cls) as info:
            if stream:
                list(model.stream_chat_sync("hi"))
            else:
                model.chat_sync("hi")
        elapsed = time.monotonic() - started
        model.backend.close()  # type: ignore[attr-defined]
    assert type(info.value) is cls
    assert str(info.value).startswith(message)
    assert "gsk_fault_key" not in str(info.value)
    assert elapsed < 5


@pytest.mark.parametrize(("mode", "stream", "cls", "message", "options"), CASES)
async def test_async_fault(
    mode: str, stream: bool, cls: type[SynapticError], message: str, options: dict[str, float]
) -> None:
    with no_fd_leak(), BadServer(mode) as server:
        model = model_for(server.url, **options)
        started = time.monotonic()
        with pytest.raises(cls) as info:
            if stream:
                async for _ in model.stream_chat("hi"):
                    pass
            else:
                await model.chat("hi")
        elapsed = time.monotonic() - started
        await model.backend.aclose()  # type: ignore[attr-defined]
    assert type(info.value) is cls
    assert str(info.value).startswith(message)
    assert elapsed < 5


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with no_fd_leak():
        model = model_for(f"http://127.0.0.1:{port}/openai/v1")
        with pytest.raises(NetworkError) as info:
            model.chat_sync("hi")
        model.backend.close()  # type: ignore[attr-defined]
    assert info.value.retryable is True


async def test_trickle_without_a_deadline_is_bounded_only_by_the_caller() -> None:
    """Without a deadline a trickle (bytes faster than the read timeout) keeps going:
    that is why the deadline exists. Here the caller bounds it and cancels cleanly."""
    import asyncio

    with no_fd_leak(), BadServer("trickle") as server:
        model = model_for(server.url, timeout=5)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(model.chat("hi"), 0.3)
        await model.backend.aclose()  # type: ignore[attr-defined]
