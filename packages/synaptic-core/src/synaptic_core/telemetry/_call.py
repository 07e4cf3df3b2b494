"""``ChatCall``: one observed request, from start to end, as listeners see it."""

from __future__ import annotations

import contextlib
import time
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from synaptic_core._chat_model import ChatModel
    from synaptic_core._ratelimit import RateLimitInfo
    from synaptic_core._request import ChatRequest
    from synaptic_core._response import AIMessageChunk, ChatResponse
    from synaptic_core._usage import TokenUsage


_Described = tuple[str, str | None, str | None, int | None, Any]
_DESCRIBED: dict[int, tuple[weakref.ref[Any], _Described]] = {}
"""By ``id(model)``, with a weak reference that tells a live model from a reused id;
an entry leaves when its model is collected (cheaper per call than a
``WeakKeyDictionary``, which builds a weak reference for every lookup)."""


def describe(model: ChatModel) -> _Described:
    """(provider, model id, server address, server port, config) of the model that talks
    to the provider, found under any wrappers (worked out once per model object: models
    and their configs do not change)."""
    key = id(model)
    entry = _DESCRIBED.get(key)
    if entry is not None and entry[0]() is model:
        return entry[1]
    found = _describe(model)
    with contextlib.suppress(TypeError):  # a model that cannot be weakly referenced
        _DESCRIBED[key] = (weakref.ref(model, lambda _, key=key: _DESCRIBED.pop(key, None)), found)  # type: ignore[misc]
    return found


def _describe(model: ChatModel) -> _Described:
    provider = model_id = address = None
    port = None
    found_config = None
    from synaptic_core._chat_model import model_chain  # noqa: PLC0415 (a cycle otherwise)

    for each in model_chain(model, every_fallback=False):
        dialect = getattr(each, "dialect", None)
        config = getattr(each, "config", None)
        if provider is None and dialect is not None:
            provider = getattr(dialect, "provider", None)
        if model_id is None and isinstance(getattr(config, "model", None), str):
            model_id = config.model  # type: ignore[union-attr]
            found_config = config
        base_url = getattr(config, "base_url", None)
        if address is None and isinstance(base_url, str) and base_url:
            parts = urlsplit(base_url)
            address = parts.hostname
            port = parts.port or (443 if parts.scheme == "https" else 80)
        if provider is None:
            provider = getattr(each, "provider_name", None)
    if provider is None:
        provider = "synaptic"
    return provider, model_id or None, address, port, found_config


class ChatCall:
    """One request a caller made (``operation`` ``chat``): what was asked, of whom, and
    what came back. Listeners keep their own state in ``state`` (keyed by themselves).

    ``started``, ``first_chunk_at`` and ``ended`` are ``time.perf_counter()`` values;
    ``duration`` and ``time_to_first_chunk`` are in seconds.
    """

    __slots__ = (
        "_response",
        "abandoned",
        "attempts",
        "chunks",
        "config",
        "ended",
        "error",
        "finish_reason",
        "first_chunk_at",
        "keep_chunks",
        "missing",
        "model",
        "provider",
        "rate_limit",
        "request",
        "request_id",
        "request_model",
        "response_id",
        "response_model",
        "server_address",
        "server_port",
        "started",
        "state",
        "stream",
        "usage",
        "waited",
    )

    operation = "chat"

    def __init__(self, model: ChatModel, request: ChatRequest, *, stream: bool) -> None:
        self.model = model
        self.request = request
        self.stream = stream
        (
            self.provider,
            self.request_model,
            self.server_address,
            self.server_port,
            self.config,
        ) = describe(model)
        self.started = time.perf_counter()
        self.first_chunk_at: float | None = None
        self.ended: float | None = None
        self._response: ChatResponse | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.attempts = 1
        self.waited = 0.0
        self.state: dict[Any, Any] = {}
        self.keep_chunks = False  # a listener that needs the streamed text sets it
        self.missing = stream  # a first-chunk fact still to come (all, before the first)
        self.chunks: list[AIMessageChunk] = []
        self.usage: TokenUsage | None = None
        self.finish_reason: str | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.request_id: str | None = None
        self.rate_limit: RateLimitInfo | None = None

    def __repr__(self) -> str:
        return f"ChatCall({self.provider!r}, {self.request_model!r}, stream={self.stream})"

    def option(self, name: str) -> Any:
        """A request option (``temperature``, ``max_tokens``, ...): the request's own, else
        the model's configured default."""
        value = getattr(self.request, name, None)
        if value is None or value == []:
            config = self.config
            fields = getattr(config, "__dict__", None)
            if fields is not None and name in fields:
                value = fields[name]
            elif hasattr(type(config), name):  # a property; a plain miss costs ~2 µs on pydantic
                value = getattr(config, name, None)
            else:
                value = None
        return value

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    @property
    def time_to_first_chunk(self) -> float | None:
        return None if self.first_chunk_at is None else self.first_chunk_at - self.started

    @property
    def response(self) -> ChatResponse | None:
        """The answer: the whole response, or for an ended stream what it said (built on
        first use: most listeners need only the facts above, and building it is a third
        of a stream's fixed cost to telemetry)."""
        if self._response is None and self.stream and self.ended is not None and self.error is None:
            self._response = self.stream_response()
        return self._response

    @response.setter
    def response(self, value: ChatResponse | None) -> None:
        self._response = value

    # --- what the observers record --------------------------------------------------

    def answered(self, response: ChatResponse) -> None:
        self._response = response
        self.usage = response.usage
        self.finish_reason = response.finish_reason
        self.response_id = response.id
        self.response_model = response.model
        self.request_id = response.request_id
        self.rate_limit = response.rate_limit

    def chunk(self, chunk: AIMessageChunk) -> bool:
        """Record a stream chunk's facts; True for the first chunk. A fact the first
        chunk lacks is taken from the first later chunk that has it (DESIGN 12)."""
        if self.missing:  # the first chunk, or one after a first that lacked a fact
            first = self.first_chunk_at is None
            if first:
                self.first_chunk_at = time.perf_counter()
            self._facts(chunk)
        else:
            first = False
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.finish_reason is not None:
            self.finish_reason = chunk.finish_reason
        if self.keep_chunks:
            self.chunks.append(chunk)
        return first

    def _facts(self, chunk: AIMessageChunk) -> None:
        self.response_id = self.response_id or chunk.id
        self.response_model = self.response_model or chunk.model
        self.request_id = self.request_id or chunk.request_id
        self.rate_limit = self.rate_limit or chunk.rate_limit
        self.missing = not (
            self.response_id and self.response_model and self.request_id and self.rate_limit
        )

    def stream_response(self) -> ChatResponse:
        """What the stream said, as a response (its text only when chunks were kept)."""
        from synaptic_core._messages import AIMessage  # noqa: PLC0415
        from synaptic_core._response import AIMessageChunk, ChatResponse  # noqa: PLC0415

        if self.chunks:
            return AIMessageChunk.merge(self.chunks).to_response()
        return ChatResponse(
            message=AIMessage(""),
            usage=self.usage,
            finish_reason=self.finish_reason,
            model=self.response_model,
            id=self.response_id,
            rate_limit=self.rate_limit,
            request_id=self.request_id,
        )
