"""OpenAIChatModel + the real HttpBackend against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    ChatRequest,
    HttpBackend,
    Message,
    RateLimitError,
    ToolCall,
    ToolChoice,
    ToolDefinition,
)
from synaptic_openai import OpenAIChatModel, OpenAIConfig

from .conftest import KEY, USAGE, chunk, completion

SEEN: list[dict[str, Any]] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", "req_local")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        SEEN.append({"path": self.path, "auth": self.headers["authorization"], "body": body})
        question = body["messages"][-1]["content"]
        if question == "limit":
            error = {
                "error": {
                    "message": "Rate limit reached",
                    "type": "tokens",
                    "code": "rate_limit_exceeded",
                }
            }
            self._send(429, json.dumps(error).encode(), "application/json", {"retry-after": "7"})
            return
        if not body.get("stream"):
            answer = completion({"role": "assistant", "content": f"echo: {question}"})
            self._send(
                200,
                json.dumps(answer).encode(),
                "application/json",
                {"x-ratelimit-remaining-requests": "41"},
            )
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = [chunk({"role": "assistant", "content": ""})]
        if body.get("tools"):
            args = json.dumps({"city": question})
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": ""},
                            }
                        ]
                    }
                )
            )
            events += [
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[i : i + 3]}}]})
                for i in range(0, len(args), 3)
            ]
            events.append(chunk({}, "tool_calls", usage=USAGE))
        else:
            events += [chunk({"content": word + " "}) for word in question.split()]
            events.append(chunk({}, "stop", usage=USAGE))
        frames = [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]
        for frame in frames:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/openai/v1"
    finally:
        server.shutdown()
        server.server_close()


async def test_non_streamed_and_streamed_chat_over_loopback(base_url: str) -> None:
    config = OpenAIConfig(KEY, "openai/gpt-oss-20b", base_url=base_url, temperature=0.5)
    async with HttpBackend(timeout=5) as backend:
        model = OpenAIChatModel(config, backend)
        response = await model.chat("hello over loopback")
        chunks = [c async for c in model.stream_chat("tell me three words")]
    assert response.message.content == "echo: hello over loopback"
    assert response.rate_limit is not None
    assert response.rate_limit.remaining_requests == 41
    assert response.request_id == "req_local"
    assert "".join(c.content for c in chunks) == "tell me three words "
    assert AIMessageChunk.merge(chunks).usage is not None
    assert SEEN[-2]["path"] == "/openai/v1/chat/completions"
    assert SEEN[-2]["auth"] == f"Bearer {KEY}"
    assert SEEN[-2]["body"] == {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "hello over loopback"}],
        "temperature": 0.5,
    }
    assert SEEN[-1]["body"]["stream"] is True


def test_sync_streamed_tool_call_and_error_over_loopback(base_url: str) -> None:
    tool = ToolDefinition(
        name="get_weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    request = (
        ChatRequest([Message.human("Tokyo")])
        .with_tools([tool])
        .with_tool_choice(ToolChoice.REQUIRED)
    )
    with HttpBackend(timeout=5) as backend:
        model = OpenAIChatModel(OpenAIConfig(KEY, "m", base_url=base_url), backend)
        message = AIMessageChunk.merge(model.stream_chat_sync(request)).to_message()
        with pytest.raises(RateLimitError) as info:
            model.chat_sync("limit")
    assert message.tool_calls == [
        ToolCall(id="c1", name="get_weather", arguments={"city": "Tokyo"})
    ]
    assert info.value.retry_after == 7.0
    assert info.value.request_id == "req_local"
