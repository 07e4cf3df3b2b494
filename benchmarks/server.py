"""A fast benchmark server on loopback: precomputed Groq-shaped bytes, HTTP/1.1 keep-alive.

It parses only what it must (the request line, ``content-length``, whether the body asks
for a stream, and ``x-bench-chunks`` for the stream length) and writes bytes prepared at
start-up, so its cost per request is a small constant: ``ceiling.py`` measures it.

Run: ``python -m benchmarks.server PORT`` (prints ``ready`` when listening).
"""

from __future__ import annotations

import asyncio
import json
import sys

MODEL = "openai/gpt-oss-20b"
RATE_HEADERS = (
    b"x-ratelimit-limit-requests: 14400\r\n"
    b"x-ratelimit-limit-tokens: 18000\r\n"
    b"x-ratelimit-remaining-requests: 14370\r\n"
    b"x-ratelimit-remaining-tokens: 17997\r\n"
    b"x-ratelimit-reset-requests: 2m59.56s\r\n"
    b"x-ratelimit-reset-tokens: 7.66s\r\n"
    b"x-request-id: req_01jbd6g2qdfw2adyrt2az8hz4w\r\n"
)
USAGE = {
    "queue_time": 0.037,
    "prompt_tokens": 18,
    "prompt_time": 0.0007,
    "completion_tokens": 12,
    "completion_time": 0.01,
    "total_tokens": 30,
    "total_time": 0.0107,
}


def completion_body() -> bytes:
    """A non-streaming answer, as Groq sends it."""
    data = {
        "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
        "object": "chat.completion",
        "created": 1730241104,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Rust is famous for memory safety."},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
        "system_fingerprint": "fp_179b0f92c9",
        "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w"},
    }
    return json.dumps(data).encode()


def _chunk(delta: dict[str, object], finish: str | None = None, **extra: object) -> bytes:
    data = {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1730241104,
        "model": MODEL,
        "system_fingerprint": "fp_179b0f92c9",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def stream_body(chunks: int) -> bytes:
    """``chunks`` content chunks framed as Groq does, in HTTP chunks of 32 events."""
    events = [_chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_bench"})]
    events += [_chunk({"content": f"tok{i} "}) for i in range(chunks)]
    events.append(_chunk({}, "stop", x_groq={"id": "req_bench", "usage": USAGE}, usage=USAGE))
    events.append(b"data: [DONE]\n\n")
    out = bytearray()
    for start in range(0, len(events), 32):
        piece = b"".join(events[start : start + 32])
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    out += b"0\r\n\r\n"
    return bytes(out)


JSON_RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    + RATE_HEADERS
    + b"content-length: %d\r\n\r\n" % len(completion_body())
    + completion_body()
)
_STREAMS: dict[int, bytes] = {}


def stream_response(chunks: int) -> bytes:
    """The whole HTTP response for a stream of ``chunks`` chunks (cached)."""
    if chunks not in _STREAMS:
        _STREAMS[chunks] = (
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            + RATE_HEADERS
            + b"transfer-encoding: chunked\r\n\r\n"
            + stream_body(chunks)
        )
    return _STREAMS[chunks]


def header_int(head: bytes, name: bytes, default: int) -> int:
    """An integer header from the lower-cased head (the last header has no CRLF after it)."""
    marker = head.find(name)
    if marker < 0:
        return default
    start = marker + len(name)
    stop = head.find(b"\r\n", start)
    return int(head[start : stop if stop >= 0 else len(head)])


class BenchProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, pipelining-safe, precomputed answers."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            length = header_int(head, b"content-length:", 0)
            total = end + 4 + length
            if len(buffer) < total:
                break
            body = buffer[end + 4 : total]
            buffer = buffer[total:]
            if b'"stream":true' in body or b'"stream": true' in body:
                response = stream_response(header_int(head, b"x-bench-chunks:", 5000))
            else:
                response = JSON_RESPONSE
            assert self.transport is not None
            self.transport.write(response)
        self.buffer = buffer


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(BenchProtocol, "127.0.0.1", port, backlog=2048)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
