"""The server's own ceiling: the cheapest possible client (a raw keep-alive socket) timing
sequential requests and a whole stream, so the server is known not to be the bottleneck."""

from __future__ import annotations

import json
import socket
import sys
import time

from benchmarks.server import header_int

REQUEST = (
    b"POST /openai/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
    b"content-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s"
)


def _request(body: bytes, extra: bytes = b"") -> bytes:
    return REQUEST % (len(body), extra, body)


def _read_json_response(sock: socket.socket, buffer: bytearray) -> None:
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            length = header_int(bytes(buffer[:end]).lower(), b"content-length:", 0)
            total = end + 4 + length
            if len(buffer) >= total:
                del buffer[:total]
                return
        buffer += sock.recv(65536)


def measure(port: int, requests: int = 2000, chunks: int = 5000) -> dict[str, float]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = bytearray()
        plain = _request(
            json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
        )
        for _ in range(200):
            sock.sendall(plain)
            _read_json_response(sock, buffer)
        started = time.perf_counter()
        for _ in range(requests):
            sock.sendall(plain)
            _read_json_response(sock, buffer)
        per_request = (time.perf_counter() - started) / requests * 1e6
        stream = _request(
            b'{"model":"m","stream":true,"messages":[]}', b"x-bench-chunks: %d\r\n" % chunks
        )
        started = time.perf_counter()
        sock.sendall(stream)
        while not buffer.endswith(b"0\r\n\r\n"):
            buffer += sock.recv(1 << 20)
        stream_seconds = time.perf_counter() - started
    return {"us_per_request": per_request, "chunks_per_second": chunks / stream_seconds}


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]))))
