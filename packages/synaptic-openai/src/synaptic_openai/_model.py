"""``OpenAIChatModel``: the OpenAI chat-completions format over a ``Backend``.

The request body and headers are built by pure functions, the response parsed by pure
functions; this class only moves bytes through the backend and maps statuses to
errors. Subclasses (``GroqChatModel``) change the ``dialect`` and config class, not
the flow.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from synaptic_core import (
    AIMessageChunk,
    Backend,
    ChatInput,
    ChatModel,
    ChatRequest,
    ChatResponse,
    ConfigError,
    HttpRequest,
    HttpResponse,
    InsecureTransportWarning,
    SynapticError,
    error_from_response,
    remember_secret,
    response_to_chunk,
    to_request,
    unencodable_text_error,
)
from synaptic_openai._client import BackendClient
from synaptic_openai._config import ChatConfig, check_header_value
from synaptic_openai._dialect import OPENAI, Dialect
from synaptic_openai._request import build_body
from synaptic_openai._response import json_problem, parse_chat_response, shape_error
from synaptic_openai._stream import StreamAssembler

USER_AGENT = "synaptic/0.1.0"
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "[::1]")


_RESERVED_HEADERS = frozenset({"authorization", "content-type", "content-length", "host"})


def request_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """One request's extra headers, checked: no line breaks, and none of the headers the
    client sets itself (a per-call header must not replace the API key by accident)."""
    checked: dict[str, str] = {}
    for name, value in headers.items():
        check_header_value(f"header {name!r}", value)
        check_header_value("a header name", name)
        if name.lower() in _RESERVED_HEADERS:
            msg = f"header {name!r} is set by the client; it cannot be replaced per call"
            raise ConfigError(msg)
        checked[name.lower()] = value
    return checked


def warn_if_insecure(base_url: str) -> None:
    """Warn when a key would travel unencrypted to another machine."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host not in _LOOPBACK and not host.startswith("127."):
        warnings.warn(
            f"the API key will be sent over plain HTTP to {host}; use https:// "
            "(plain http is only safe to a server on this machine)",
            InsecureTransportWarning,
            stacklevel=4,
        )


def base_headers(config: ChatConfig) -> dict[str, str]:
    """What every request of a model sends: its user agent, the config's own headers,
    and the key (remembered for scrubbing; a warning if it would cross plain HTTP)."""
    own = {name.lower(): value for name, value in config.headers.items()}
    base = {"user-agent": USER_AGENT, **own}
    if config.api_key is not None:
        warn_if_insecure(config.base_url)
        remember_secret(config.api_key.get_secret_value())
        base["authorization"] = f"Bearer {config.api_key.get_secret_value()}"
    return base


def _is_event_stream(headers: Mapping[str, str]) -> bool:
    """Whether a stream request's answer is one (no content type: assume it is)."""
    kind = headers.get("content-type")
    return kind is None or kind.lower().lstrip().startswith("text/event-stream")


class OpenAIChatModel(BackendClient, ChatModel):
    """A chat model served over the OpenAI-compatible API.

    ``OpenAIChatModel(config)`` uses a pooled ``HttpBackend`` with ``config.timeout``;
    pass ``backend=`` to share one, or a ``FakeBackend`` in tests.
    """

    default_dialect: ClassVar[Dialect] = OPENAI

    def __init__(
        self,
        config: ChatConfig,
        backend: Backend | None = None,
        *,
        dialect: Dialect | None = None,
    ) -> None:
        BackendClient.__init__(self, config, backend)
        self.dialect = dialect or self.default_dialect
        self._url = f"{config.base_url}/chat/completions"
        base = {"content-type": "application/json", **base_headers(config)}
        self._headers = {**base, "accept": "application/json"}
        self._stream_headers = {**base, "accept": "text/event-stream"}

    def check_request(self, request: ChatInput) -> None:
        """Builds the HTTP request (every check the provider's rules need) and drops it."""
        self._http_request(to_request(request), stream=False)

    def _http_request(self, request: ChatRequest, *, stream: bool) -> HttpRequest:
        body = build_body(request, self.config, self.dialect, stream=stream)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        try:
            content = text.encode()
        except UnicodeEncodeError as exc:
            raise unencodable_text_error([m.content for m in request.messages], exc) from None
        headers = self._stream_headers if stream else self._headers
        if request.headers:
            headers = {**headers, **request_headers(request.headers)}
        return HttpRequest("POST", self._url, headers, content, request.timeout)

    def _error(self, status: int, headers: Mapping[str, str], body: bytes) -> SynapticError:
        return error_from_response(
            status, headers, body, provider=self.dialect.provider, secret=self._secret
        )

    def _response(self, response: HttpResponse) -> ChatResponse:
        status, headers, body = response.status_code, response.headers, response.content
        if not 200 <= status < 300:
            raise self._error(status, headers, body)
        provider = self.dialect.provider
        data, problem = json_problem(body)
        if problem is not None:
            raise shape_error(provider, status, headers, body, problem)
        if isinstance(data, dict) and "error" in data and "choices" not in data:
            raise self._error(status, headers, body)  # an error sent with a 2xx status
        try:
            return parse_chat_response(
                data, headers, provider=provider, status_code=status, raw=body
            )
        except RecursionError:  # a value nested just under the decoder's limit
            problem = "is JSON nested too deeply to read"
        raise shape_error(provider, status, headers, body, problem)

    def _whole(self, status: int, headers: Mapping[str, str], body: bytes) -> AIMessageChunk:
        """A 2xx answer to a stream request that is not a stream (a server that ignores
        ``stream``, an error sent with a 200, a gateway's HTML page): read as ``chat()``
        reads an answer, so its error is the typed one with the server's words, and a
        whole completion is one chunk."""
        return response_to_chunk(self._response(HttpResponse(status, headers, body)))

    def _assembler(
        self, request: ChatRequest, status: int, headers: Mapping[str, str]
    ) -> StreamAssembler:
        known = {
            **(self._stream_facts(request) or {}),
            "http_status": status,
            "http_headers": dict(headers),
        }
        return StreamAssembler(provider=self.dialect.provider, headers=headers, known=known)

    def _stream_facts(self, request: ChatRequest) -> dict[str, Any] | None:
        """Facts of the answer the request settles and the stream does not say (none here)."""
        return None

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return self._response(await self.backend.send(self._http_request(request, stream=False)))

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        return self._response(self.backend.send_sync(self._http_request(request, stream=False)))

    async def _stream_chat(self, request: ChatRequest) -> AsyncIterator[AIMessageChunk]:
        async with self.backend.stream(self._http_request(request, stream=True)) as response:
            if not 200 <= response.status_code < 300:
                body = await response.aread()
                raise self._error(response.status_code, response.headers, body)
            if not _is_event_stream(response.headers):
                body = await response.aread()
                yield self._whole(response.status_code, response.headers, body)
                return
            assembler = self._assembler(request, response.status_code, response.headers)
            try:
                async for data in response.aiter_bytes():
                    for chunk in assembler.feed(data):
                        yield chunk
                    if assembler.done:
                        break
            except SynapticError as error:
                # What arrived before the cut, first; the HTTP facts go on the error.
                for chunk in assembler.salvage(error):
                    yield chunk
                raise
            for chunk in assembler.close():
                yield chunk
            assembler.raise_error()  # after every chunk decoded before it

    def _stream_chat_sync(self, request: ChatRequest) -> Iterator[AIMessageChunk]:
        with self.backend.stream_sync(self._http_request(request, stream=True)) as response:
            if not 200 <= response.status_code < 300:
                raise self._error(response.status_code, response.headers, response.read())
            if not _is_event_stream(response.headers):
                yield self._whole(response.status_code, response.headers, response.read())
                return
            assembler = self._assembler(request, response.status_code, response.headers)
            try:
                for data in response.iter_bytes():
                    yield from assembler.feed(data)
                    if assembler.done:
                        break
            except SynapticError as error:
                # What arrived before the cut, first; the HTTP facts go on the error.
                yield from assembler.salvage(error)
                raise
            yield from assembler.close()
            assembler.raise_error()  # after every chunk decoded before it
