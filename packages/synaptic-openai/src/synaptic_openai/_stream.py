"""Stream assembly: SSE bytes -> ``AIMessageChunk``s, with the protocol's failure modes.

- tool-call deltas carry their ``index`` through, whole or in fragments;
- usage comes from ``usage``, ``x_groq.usage`` or a usage-only chunk with empty
  ``choices``, and is emitted once (a repeat of the same totals is dropped);
- an ``{"error": ...}`` frame, an ``event: error`` frame or ``x_groq.error`` raises the
  typed error its contents name;
- a stream that ends before any ``finish_reason`` and without ``[DONE]`` raises
  ``StreamError`` (retryable: it was cut).

Chunks are built with ``model_construct``: the values come from this parser, already
typed, so per-chunk validation would only cost time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from synaptic_core import (
    AIMessageChunk,
    RateLimitInfo,
    StreamError,
    SynapticError,
    TokenUsage,
    ToolCallChunk,
    build_error,
    truncate,
)
from synaptic_openai._response import parse_usage
from synaptic_openai._sse import SSEDecoder, SSEEvent


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _tool_call_chunks(raw: Any) -> list[ToolCallChunk]:
    chunks: list[ToolCallChunk] = []
    if not isinstance(raw, list):
        return chunks
    for position, item in enumerate(raw):
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        if not isinstance(function, Mapping):
            function = {}
        index = item.get("index")
        arguments = function.get("arguments")
        if isinstance(arguments, Mapping):  # an object instead of JSON text
            arguments = json.dumps(arguments)
        call_id = item.get("id")
        name = function.get("name")
        chunks.append(
            ToolCallChunk.model_construct(
                index=index if isinstance(index, int) else position,
                id=call_id if isinstance(call_id, str) and call_id else None,
                name=name if isinstance(name, str) and name else None,
                arguments=_text(arguments),
            )
        )
    return chunks


def _delta(delta: Any) -> tuple[str, str | None, list[ToolCallChunk]]:
    """(content, reasoning, tool-call fragments) of one choice's delta."""
    if not isinstance(delta, Mapping):
        return "", None, []
    reasoning = delta.get("reasoning") or delta.get("reasoning_content") or None
    calls = _tool_call_chunks(delta["tool_calls"]) if "tool_calls" in delta else []
    return _text(delta.get("content")), reasoning if isinstance(reasoning, str) else None, calls


class StreamAssembler:
    """Turns the bytes of one streamed response into chunks. Feed bytes, then ``close()``."""

    __slots__ = (
        "_decoder",
        "_finished",
        "_id",
        "_model",
        "_provider",
        "_rate_limit",
        "_request_id",
        "_usage",
        "done",
    )

    def __init__(self, *, provider: str, headers: Mapping[str, str]) -> None:
        self._provider = provider
        self._decoder = SSEDecoder()
        self._rate_limit: RateLimitInfo | None = RateLimitInfo.from_headers(headers)
        self._request_id = headers.get("x-request-id")
        self._usage: TokenUsage | None = None
        self._id: str | None = None
        self._model: str | None = None
        self._finished = False
        self.done = False

    def feed(self, data: bytes) -> list[AIMessageChunk]:
        """Chunks completed by ``data`` (stops at ``[DONE]``; ``done`` tells)."""
        if self.done:
            return []
        chunks: list[AIMessageChunk] = []
        for event in self._decoder.feed(data):
            if event.data == "[DONE]":
                self.done = True
                break
            chunk = self._on_event(event)
            if chunk is not None:
                chunks.append(chunk)
        return chunks

    def close(self) -> list[AIMessageChunk]:
        """End of the body: the last chunks, or ``StreamError`` if the stream was cut."""
        chunks: list[AIMessageChunk] = []
        if not self.done:
            for event in self._decoder.flush():
                if event.data == "[DONE]":
                    self.done = True
                    break
                chunk = self._on_event(event, at_end=True)
                if chunk is not None:
                    chunks.append(chunk)
        if not self.done and not self._finished:
            msg = (
                f"{self._provider} stream ended before the answer was complete "
                "(no finish_reason and no [DONE]): the connection was closed or cut"
            )
            raise StreamError(msg, provider=self._provider, request_id=self._request_id)
        return chunks

    def _error(self, detail: Any, raw: str) -> SynapticError:
        if isinstance(detail, str):
            detail = {"message": detail}
        elif not isinstance(detail, Mapping):
            detail = {"message": raw}
        code = detail.get("code")
        status = code if isinstance(code, int) and 400 <= code <= 599 else None
        return build_error(
            detail,
            status_code=status,
            provider=self._provider,
            request_id=self._request_id,
            raw_body=raw,
        )

    def _on_event(self, event: SSEEvent, *, at_end: bool = False) -> AIMessageChunk | None:
        data = event.data
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        if event.event == "error":
            inner = payload.get("error", payload) if isinstance(payload, Mapping) else None
            raise self._error(inner if inner is not None else data, data)
        if not isinstance(payload, Mapping):
            what = "was cut mid-event" if at_end else "sent an event that is not a JSON object"
            msg = f"{self._provider} stream {what}: {truncate(data, 200)!r}"
            raise StreamError(msg, provider=self._provider, request_id=self._request_id)
        if "error" in payload:
            raise self._error(payload["error"], data)
        return self._chunk(payload)

    def _new_usage(self, payload: Mapping[str, Any]) -> TokenUsage | None:
        """Usage from ``usage`` or ``x_groq.usage``, unless it repeats what was emitted."""
        usage_raw = payload.get("usage")
        x_groq = payload.get("x_groq")
        if isinstance(x_groq, Mapping):
            if self._request_id is None and isinstance(x_groq.get("id"), str):
                self._request_id = x_groq["id"]
            if x_groq.get("error"):
                msg = f"{self._provider} stopped the stream early: {x_groq['error']}"
                raise StreamError(msg, provider=self._provider, request_id=self._request_id)
            if usage_raw is None:
                usage_raw = x_groq.get("usage")
        usage = parse_usage(usage_raw) if usage_raw else None
        if usage is None or usage == self._usage:
            return None  # absent, or the same totals again (final chunk, then usage chunk)
        self._usage = usage
        return usage

    def _chunk(self, payload: Mapping[str, Any]) -> AIMessageChunk | None:
        usage = self._new_usage(payload)
        if self._id is None and isinstance(payload.get("id"), str):
            self._id = payload["id"]
        if self._model is None and isinstance(payload.get("model"), str):
            self._model = payload["model"]
        content: str = ""
        reasoning: str | None = None
        calls: list[ToolCallChunk] = []
        finish: Any = None
        choices = payload.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
            choice = choices[0]
            content, reasoning, calls = _delta(choice.get("delta"))
            finish = choice.get("finish_reason")
            if isinstance(finish, str) and finish:
                self._finished = True
            else:
                finish = None
        if not (content or reasoning or calls or finish or usage):
            return None
        rate_limit, self._rate_limit = self._rate_limit, None
        return AIMessageChunk.model_construct(
            content=content,
            reasoning=reasoning,
            tool_call_chunks=calls,
            usage=usage,
            finish_reason=finish,
            id=self._id,
            model=self._model,
            rate_limit=rate_limit,
        )
