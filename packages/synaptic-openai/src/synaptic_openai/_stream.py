"""Stream assembly: SSE bytes -> ``AIMessageChunk``s, with the protocol's failure modes.

- tool-call deltas carry their ``index`` through, whole or in fragments;
- usage comes from ``usage``, ``x_groq.usage`` or a usage-only chunk with empty
  ``choices``, and is emitted once (a repeat of the same totals is dropped);
- an ``{"error": ...}`` frame, an ``event: error`` frame or ``x_groq.error`` ends the
  stream with the typed error its contents name (the frame's ``status_code``, ``code``,
  ``type`` and ``failed_generation`` become the error's fields);
- a stream that ends before any ``finish_reason`` and without ``[DONE]`` ends with
  ``StreamError`` (retryable: it was cut).

Nothing is lost on the way to an error (DESIGN section 12): ``feed`` never raises. It
returns every chunk decoded from the bytes it was given, the ones before an error
frame in the same network read included, and keeps the error in ``error``; the caller
yields the chunks, then calls ``raise_error()``. ``salvage(error)`` does the same for a
connection that fails mid-stream: complete events still waiting for their blank line
are delivered before the transport's error propagates. JSON nested too deeply for the
decoder (a hostile ``[[[[...`` event or error frame) is such an error too, a typed
``StreamError``, never a bare ``RecursionError`` (DESIGN section 16).

A chunk stands for something the server sent (DESIGN section 16). A stream that fails
or ends before its first event emits no chunk: the HTTP facts (status, request id, rate
limit) ride on the error instead, so ``RetryChatModel`` and ``FallbackChatModel``, which
act only before the first chunk, still retry it or move on.

Every fact of the stream reaches the caller: the request id, ``system_fingerprint``,
``service_tier``, ``created`` and Groq's ``seed`` ride on the first chunk emitted after
they are seen (as ``rate_limit`` does); ``executed_tools``, ``annotations`` and
``usage_breakdown`` ride on the chunk they came with, in ``provider_metadata``, and
merge across chunks (``AIMessageChunk.merge``) into what a whole response carries.
Compound streams change ``id`` on every chunk; the first id is kept for all of them.

The common chunk (a plain content delta) has a fast path. Within one stream, Groq and
OpenAI repeat a byte-identical prefix (id, object, created, model, fingerprint) before
``"choices"`` and an identical suffix after the content string. The first such chunk is
parsed in full and checked (no ``usage``, ``x_groq`` or ``error``; exactly one plain
delta); its prefix is remembered. A later event that is that prefix, the same
``"choices"`` opening, one JSON string (read by the C string scanner), and the same
suffix is the same JSON with another content string, so only the string is decoded.
Anything else takes the full parse: the fast path can only decline, never differ.

Chunks are built with ``model_construct``: the values come from this parser, already
typed, so per-chunk validation would only cost time.

The work is linear in the bytes, whatever the read sizes: the decoder joins a line's
pieces once, and facts gathered for the next chunk (``executed_tools``, ``annotations``
that arrive over many events without content) grow in place (``_Gathering``) instead of
being re-merged, copy by copy, on every event.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
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
    chunk_of,
    construct,
    merge_metadata,
    truncate,
)
from synaptic_openai._response import parse_usage
from synaptic_openai._sse import SSEDecoder, SSEEvent

_DECODER = json.JSONDecoder()
_decode = _DECODER.decode
_scan = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]  # typeshed: odd context type


class _Nested:
    """The type of ``NESTED``: what ``decode_object`` returns for JSON nested too deeply."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NESTED"


NESTED: Any = _Nested()


def decode_object(text: str) -> Any:
    """JSON from one event's data; None if it is not valid JSON, ``NESTED`` if it is
    nested deeper than the decoder can go.

    Tries the C scanner on the whole string first (the common, compact case), then the
    strict decoder, which also accepts surrounding whitespace. Both recurse per level of
    ``[``/``{``, so a hostile event of 100,000 brackets raises ``RecursionError``: it
    is caught here, because ``StreamAssembler.feed`` promises never to raise.
    """
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError):
        end = -1
    except RecursionError:
        return NESTED
    if end == len(text):
        return value
    try:
        return _decode(text)
    except ValueError:
        return None
    except RecursionError:
        return NESTED


# The C JSON string scanner (typeshed does not list it).
scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]
_MARK = '"choices":[{"index":0,"delta":{"content":"'
_TAIL = '"},"logprobs":null,"finish_reason":null}]}'
_PLAIN_CHOICE = frozenset({"index", "delta", "logprobs", "finish_reason"})


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
            construct(
                ToolCallChunk,
                {
                    "index": index if isinstance(index, int) else position,
                    "id": call_id if isinstance(call_id, str) and call_id else None,
                    "name": name if isinstance(name, str) and name else None,
                    "arguments": _text(arguments),
                },
            )
        )
    return chunks


class _Listed:
    """A gathered list and what ``merge_metadata`` would recompute from it on every merge:
    whether every item is an ``{"index": n}`` object, and the position of each index."""

    __slots__ = ("all_indexed", "items", "positions")

    def __init__(self, items: list[Any]) -> None:
        self.items: list[Any] = []
        self.positions: dict[int, int] = {}
        self.all_indexed = True
        self.append_all(items)

    def append_all(self, items: list[Any]) -> None:
        """Concatenate (dict items copied: they may be updated in place later)."""
        own, positions = self.items, self.positions
        for item in items:
            if isinstance(item, dict):
                index = item.get("index")
                if isinstance(index, int):
                    positions[index] = len(own)  # the last one with an index wins
                else:
                    self.all_indexed = False
                own.append(dict(item))
            else:
                self.all_indexed = False
                own.append(item)

    def merge(self, value: list[Any]) -> None:
        """``merge_metadata`` on two lists, in place: by index if either list is indexed
        (``_merge_indexed``: later non-null values win), else concatenated."""
        indexed = bool(value) and all(
            isinstance(item, dict) and isinstance(item.get("index"), int) for item in value
        )
        if not (indexed or (self.items and self.all_indexed)):
            self.append_all(value)
            return
        own, positions = self.items, self.positions
        for item in value:
            index = item.get("index") if isinstance(item, dict) else None
            at = positions.get(index) if isinstance(index, int) else None
            if at is None:
                self.append_all([item])
            else:
                own[at].update({k: v for k, v in item.items() if v is not None})


class _Gathering:
    """Provider metadata gathered for the next chunk, merged by ``merge_metadata``'s rules
    in place: O(size of each update) instead of O(everything gathered so far).

    ``merge_metadata`` builds new dicts and lists on every call (right for adding two
    chunks), so folding many updates into the pending facts one by one was quadratic: a
    server sending 20,000 small ``executed_tools`` deltas without content cost minutes
    of CPU. Lists and dicts are copied once, when first merged into (the first value may
    be shared, e.g. from ``known``), and grow in place after that; the result equals
    folding the same updates with ``merge_metadata``.
    """

    __slots__ = ("_owned", "facts")

    def __init__(self, start: Mapping[str, Any] | None) -> None:
        self.facts: dict[str, Any] = dict(start) if start else {}
        # id -> the dict or ``_Listed`` this gathering owns (the object itself is checked
        # too: an id may be reused once its object is gone).
        self._owned: dict[int, Any] = {}

    def add(self, key: str, value: Any) -> None:
        self._merge(self.facts, key, value)

    def _merge(self, into: dict[str, Any], key: str, value: Any) -> None:
        if value is None:
            return
        current = into.get(key)
        if current is None:
            into[key] = value
        elif isinstance(current, list) and isinstance(value, list):
            listed = self._owned.get(id(current))
            if not (isinstance(listed, _Listed) and listed.items is current):
                listed = _Listed(current)
                into[key] = listed.items
                self._owned[id(listed.items)] = listed
            listed.merge(value)
        elif isinstance(current, dict) and isinstance(value, dict):
            own: dict[str, Any] = current
            if self._owned.get(id(own)) is not own:
                own = into[key] = dict(current)
                self._owned[id(own)] = own
            for name, item in value.items():
                self._merge(own, name, item)


_IDENTITY_METADATA = frozenset({"created", "seed"})


def _substantial(pending: Mapping[str, Any]) -> bool:
    """Pending facts beyond the identity of the answer (ids, fingerprint, seed)."""
    metadata = pending.get("provider_metadata") or {}
    return bool(metadata.keys() - _IDENTITY_METADATA)


_DELTA_KNOWN = frozenset({"content", "reasoning", "reasoning_content", "role", "tool_calls"})
_DELTA_FACTS = ("executed_tools", "annotations")


class StreamAssembler:
    """Turns the bytes of one streamed response into chunks.

    Feed bytes (yield what comes back), check ``raise_error()``, then ``close()`` at the
    end of the body; on a transport failure, yield ``salvage()`` before re-raising.
    """

    __slots__ = (
        "_decoder",
        "_emitted",
        "_evented",
        "_fast",
        "_finished",
        "_gathering",
        "_head",
        "_id",
        "_model",
        "_pending",
        "_provider",
        "_rate_limit",
        "_request_id",
        "_seen",
        "_status",
        "_usage",
        "done",
        "error",
    )

    def __init__(
        self,
        *,
        provider: str,
        headers: Mapping[str, str],
        fast_path: bool = True,
        known: Mapping[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        """``known``: typed facts the request already settles (Groq's service tier, which
        its streams do not repeat); a value the stream itself sends wins.

        ``status_code``: the response's HTTP status (default: ``known["http_status"]``),
        set on the errors of a cut or malformed stream, which carry the HTTP facts when
        no chunk could."""
        self._provider = provider
        if status_code is None and known is not None:
            status = known.get("http_status")
            status_code = status if isinstance(status, int) else None
        self._status = status_code
        self._fast = fast_path  # False: always parse in full (tests compare the two)
        self._head: str | None = None
        self._decoder = SSEDecoder()
        self._request_id = headers.get("x-request-id")
        self._rate_limit = RateLimitInfo.from_headers(headers)
        # Facts not yet delivered: they ride on the next chunk emitted.
        self._pending: dict[str, Any] | None = {
            **(known or {}),
            "rate_limit": self._rate_limit,
            "request_id": self._request_id,
        }
        self._emitted = False  # has any chunk been emitted (and taken the first facts)?
        self._evented = False  # has any event's JSON been read (see _flush_pending)?
        self._gathering: _Gathering | None = None  # pending provider_metadata, growing
        self._seen: set[str] = set()  # one-time facts already taken (fingerprint, seed...)
        self._usage: TokenUsage | None = None
        self._id: str | None = None
        self._model: str | None = None
        self._finished = False
        self.done = False
        self.error: SynapticError | None = None

    def feed(self, data: bytes) -> list[AIMessageChunk]:
        """Chunks completed by ``data``. Never raises: an error stops the stream
        (``done``) and waits in ``error``, after the chunks decoded before it."""
        if self.done:
            return []
        chunks: list[AIMessageChunk] = []
        head = self._head
        try:
            for event in self._decoder.feed(data):
                text = event.data
                if text == "[DONE]":
                    self.done = True
                    break
                if head is not None and text.startswith(head) and event.event == "message":
                    content = self._fast_content(text, len(head))
                    if content is not None:
                        if content:
                            chunk = chunk_of(
                                content, None, [], None, None, self._id, self._model, None
                            )
                            if self._pending is not None:
                                self._deliver(chunk)
                            chunks.append(chunk)
                        continue
                parsed = self._on_event(event)
                if parsed is not None:
                    chunks.append(parsed)
                head = self._head
            if self._decoder.error is not None:
                self._fail(self._decoder.error, transport=True)
        except SynapticError as error:
            self._fail(error)
        except RecursionError:  # deep JSON past decode_object (merging its facts, say)
            self._fail(self._nested())
        if self.error is not None and self._pending:
            chunks.extend(self._flush_pending(failed=True))
        return chunks

    def raise_error(self) -> None:
        """Raise the error that ended the stream, if any (after its chunks were yielded)."""
        if self.error is not None:
            raise self.error

    def _fail(self, error: SynapticError, *, transport: bool = False) -> None:
        """End the stream with ``error``. ``transport``: the error is about the bytes (a
        cut, bad UTF-8, a line too long), not something the server said in a frame, so
        the HTTP status goes on it too (an error frame keeps the status it names)."""
        self._attach(error, status=transport)
        self.error = error
        self.done = True

    def _attach(self, error: SynapticError, *, status: bool) -> None:
        """The response's HTTP facts onto ``error``, where a field is still unset: they
        ride on the error, never alone on a chunk (DESIGN section 16)."""
        if error.provider is None:
            error.provider = self._provider
        if error.request_id is None:
            error.request_id = self._request_id
        if error.rate_limit is None:
            error.rate_limit = self._rate_limit
        if status and error.status_code is None:
            error.status_code = self._status

    def _nested(self) -> StreamError:
        msg = (
            f"{self._provider} stream sent an event nested too deeply to read "
            "(more levels of [ and { than JSON here may have)"
        )
        return StreamError(
            msg, provider=self._provider, request_id=self._request_id, status_code=self._status
        )

    def _flush_pending(self, *, failed: bool) -> list[AIMessageChunk]:
        """A chunk carrying only the facts no chunk has delivered yet (end or error).

        No chunk stands for nothing: before any event was read, the pending facts are
        only the HTTP ones (status, headers, request id, rate limit), and a chunk of them
        would tell ``RetryChatModel`` and ``FallbackChatModel`` that the stream had
        started, so a stream cut before its first event would be neither retried nor
        sent to a fallback; the error carries those facts instead (``_attach``). Likewise
        a ``failed`` stream that emitted no chunk stays chunk-free when all it had were
        identity facts (ids, fingerprint, seed); tool work or usage is always delivered.
        """
        pending = self._pending
        if (
            not pending
            or not any(pending.values())
            or not self._evented
            or (failed and not self._emitted and not _substantial(pending))
        ):
            self._pending = None
            self._gathering = None
            return []
        chunk = chunk_of("", None, [], None, None, self._id, self._model, None)
        self._deliver(chunk)
        return [chunk]

    def _deliver(self, chunk: AIMessageChunk) -> None:
        """Put the pending facts on ``chunk`` (a fresh chunk from ``chunk_of``)."""
        pending, self._pending = self._pending, None
        self._gathering = None
        self._emitted = True
        if pending:
            fields = chunk.__dict__
            for name, value in pending.items():
                if name == "provider_metadata":
                    fields[name] = merge_metadata(value, fields[name])
                elif value is not None:
                    fields[name] = value

    def _defer(self, name: str, value: Any) -> None:
        pending = self._pending
        if pending is None:
            self._pending = pending = {}
        pending[name] = value

    def _defer_metadata(self, key: str, value: Any) -> None:
        """Gather ``{key: value}`` into the pending ``provider_metadata``, in place."""
        pending = self._pending
        if pending is None:
            self._pending = pending = {}
        gathering = self._gathering
        facts = pending.get("provider_metadata")
        if gathering is None or facts is not gathering.facts:
            gathering = self._gathering = _Gathering(facts)
            pending["provider_metadata"] = gathering.facts
        gathering.add(key, value)

    @staticmethod
    def _fast_content(text: str, start: int) -> str | None:
        """The content string if ``text`` is (known prefix) + mark + string + tail, else None."""
        if not text.startswith(_MARK, start) or not text.endswith(_TAIL):
            return None
        try:
            content, end = scanstring(text, start + len(_MARK), True)
        except ValueError:
            return None
        return content if end == len(text) - len(_TAIL) + 1 else None

    def _learn_head(self, text: str, payload: dict[str, Any], choice: dict[str, Any]) -> None:
        """Remember the prefix of a fully parsed, plain content chunk (see the module doc)."""
        delta = choice.get("delta")
        if (
            self._fast
            and "usage" not in payload
            and "x_groq" not in payload
            and choice.keys() == _PLAIN_CHOICE
            and choice["index"] == 0
            and choice["logprobs"] is None
            and choice["finish_reason"] is None
            and type(delta) is dict
            and delta.keys() == {"content"}
            and text.endswith(_TAIL)
        ):
            at = text.find(_MARK)
            if at > 0 and '"choices"' not in text[:at]:
                self._head = text[:at]

    def close(self) -> list[AIMessageChunk]:
        """End of the body: the last chunks. A cut stream (no finish reason, no
        ``[DONE]``) or a last error frame sets ``error``; ``raise_error()`` raises it."""
        chunks: list[AIMessageChunk] = []
        if not self.done:
            try:
                for event in self._decoder.flush():
                    if event.data == "[DONE]":
                        self.done = True
                        break
                    chunk = self._on_event(event, at_end=True)
                    if chunk is not None:
                        chunks.append(chunk)
                if self._decoder.error is not None:  # the last line was not UTF-8
                    self._fail(self._decoder.error, transport=True)
            except SynapticError as error:
                self._fail(error)
            except RecursionError:
                self._fail(self._nested())
        if self.error is None and not self.done and not self._finished:
            msg = (
                f"{self._provider} stream ended before the answer was complete "
                "(no finish_reason and no [DONE]): the connection was closed or cut"
            )
            self._fail(StreamError(msg, provider=self._provider), transport=True)
        self.done = True
        chunks.extend(self._flush_pending(failed=self.error is not None))
        return chunks

    def salvage(self, error: SynapticError | None = None) -> list[AIMessageChunk]:
        """The transport failed mid-stream with ``error``: the chunks of events already
        complete but for their closing blank line, and any facts not yet delivered that
        an event brought. The HTTP facts go on ``error`` (where unset), not on a chunk of
        their own: a stream cut before its first event yields nothing, so it is retried
        or falls back like any failed request. Never raises."""
        chunks: list[AIMessageChunk] = []
        if not self.done:
            self.done = True
            try:
                for event in self._decoder.flush():
                    if event.data == "[DONE]" or event.event != "message":
                        break
                    payload = decode_object(event.data)
                    if type(payload) is not dict or "error" in payload:
                        break
                    salvaged = self._chunk(payload)
                    if salvaged is not None:
                        chunks.append(salvaged)
            except (SynapticError, RecursionError):
                pass  # the transport's error is the one the caller gets
        if error is not None:
            self._attach(error, status=True)
        chunks.extend(self._flush_pending(failed=True))
        return chunks

    def _error(self, detail: Any, raw: str) -> SynapticError:
        if isinstance(detail, str):
            detail = {"message": detail}
        elif not isinstance(detail, Mapping):
            detail = {"message": raw}
        status: Any = detail.get("status_code")
        if not (isinstance(status, int) and 400 <= status <= 599):
            code = detail.get("code")
            status = code if isinstance(code, int) and 400 <= code <= 599 else None
        request_id = self._request_id
        if request_id is None and isinstance(detail.get("request_id"), str):
            request_id = detail["request_id"]
        return build_error(
            detail,
            status_code=status,
            provider=self._provider,
            request_id=request_id,
            raw_body=raw,
            in_stream=True,
        )

    def _on_event(self, event: SSEEvent, *, at_end: bool = False) -> AIMessageChunk | None:
        data = event.data
        payload = decode_object(data)
        if event.event == "error":
            if payload is NESTED:  # an error frame all the same: its text is unreadable
                raise self._error("an error event nested too deeply to read", data)
            inner = payload.get("error", payload) if isinstance(payload, Mapping) else None
            raise self._error(inner if inner is not None else data, data)
        if payload is NESTED:
            raise self._nested()
        if type(payload) is not dict:
            what = "was cut mid-event" if at_end else "sent an event that is not a JSON object"
            msg = f"{self._provider} stream {what}: {truncate(data, 200)!r}"
            raise StreamError(
                msg,
                provider=self._provider,
                request_id=self._request_id,
                status_code=self._status,
            )
        if "error" in payload:
            raise self._error(payload["error"], data)
        return self._chunk(payload, data)

    def _x_groq(self, x_groq: dict[str, Any]) -> Any:
        """Groq's ``x_groq``: request id, seed, usage breakdown, an early stop; its usage."""
        request_id = x_groq.get("id")
        if self._request_id is None and isinstance(request_id, str):
            self._request_id = request_id
            self._defer("request_id", request_id)
        if "seed" in x_groq and "seed" not in self._seen:
            self._seen.add("seed")
            self._defer_metadata("seed", x_groq["seed"])
        breakdown = x_groq.get("usage_breakdown")
        if breakdown is not None and "usage_breakdown" not in self._seen:
            self._seen.add("usage_breakdown")  # sent with the totals, once
            self._defer_metadata("usage_breakdown", breakdown)
        if x_groq.get("error"):
            msg = f"{self._provider} stopped the stream early: {x_groq['error']}"
            raise StreamError(msg, provider=self._provider, request_id=self._request_id)
        return x_groq.get("usage")

    def _new_usage(self, payload: Mapping[str, Any]) -> TokenUsage | None:
        """Usage from ``usage`` or ``x_groq.usage``, unless it repeats what was emitted."""
        usage_raw = payload.get("usage")
        x_groq = payload.get("x_groq")
        if x_groq is not None and type(x_groq) is dict:
            groq_usage = self._x_groq(x_groq)
            if usage_raw is None:
                usage_raw = groq_usage
        usage = parse_usage(usage_raw) if usage_raw else None
        if usage is None or usage == self._usage:
            return None  # absent, or the same totals again (final chunk, then usage chunk)
        self._usage = usage
        return usage

    def _first_facts(self, payload: dict[str, Any]) -> None:
        """Facts every chunk repeats: the first non-null value of each counts. Groq's
        2024-era streams sent ``"system_fingerprint": null`` on the first chunk and the
        real value on every later one, so a fact missing so far is read from a later
        chunk too (``_late_fact``).

        Runs for the first event's JSON (``_id`` is still unset), so it also marks that
        an event was read, off the per-token path."""
        self._evented = True
        self._head = None  # a fast-path prefix learned before holds the old value (null)
        chunk_id, model = payload.get("id"), payload.get("model")
        if self._id is None and isinstance(chunk_id, str):
            self._id = chunk_id
        if self._model is None and isinstance(model, str):
            self._model = model
        for name in ("system_fingerprint", "service_tier"):
            value = payload.get(name)
            if isinstance(value, str) and name not in self._seen:
                self._seen.add(name)
                self._defer(name, value)
        created = payload.get("created")
        if created is not None and "created" not in self._seen:
            self._seen.add("created")
            self._defer_metadata("created", created)

    def _late_fact(self, payload: dict[str, Any]) -> bool:
        """Whether ``payload`` carries a first-chunk fact not seen yet (a later chunk's
        ``system_fingerprint`` after a null, a ``service_tier`` first sent late)."""
        seen = self._seen
        return (
            "system_fingerprint" not in seen and payload.get("system_fingerprint") is not None
        ) or ("service_tier" not in seen and payload.get("service_tier") is not None)

    def _delta_facts(self, delta: dict[str, Any]) -> None:
        for key in _DELTA_FACTS:
            value = delta.get(key)
            if value:
                self._defer_metadata(key, value)

    def _chunk(self, payload: dict[str, Any], text: str = "") -> AIMessageChunk | None:  # noqa: PLR0912 (flat on purpose)
        """One chunk from one event's JSON. Runs per streamed token, so it is written flat."""
        usage = self._new_usage(payload) if "usage" in payload or "x_groq" in payload else None
        if self._id is None or self._late_fact(payload):
            self._first_facts(payload)
        content: Any = ""
        reasoning: Any = None
        calls: list[ToolCallChunk] = []
        finish: Any = None
        choices = payload.get("choices")
        if choices and type(choices) is list:
            choice = choices[0]
            if type(choice) is dict:
                if self._head is None and len(choices) == 1:
                    self._learn_head(text, payload, choice)
                delta = choice.get("delta")
                if type(delta) is dict:
                    content = delta.get("content") or ""
                    if type(content) is not str:
                        content = ""
                    if "reasoning" in delta or "reasoning_content" in delta:
                        reasoning = delta.get("reasoning") or delta.get("reasoning_content")
                        if type(reasoning) is not str or not reasoning:
                            reasoning = None
                    if "tool_calls" in delta:
                        calls = _tool_call_chunks(delta["tool_calls"])
                    if delta.keys() - _DELTA_KNOWN:
                        self._delta_facts(delta)
                finish = choice.get("finish_reason")
                if finish and type(finish) is str:
                    self._finished = True
                else:
                    finish = None
        if not (content or reasoning or calls or finish or usage):
            return None
        chunk = chunk_of(content, reasoning, calls, usage, finish, self._id, self._model, None)
        if self._pending is not None:
            self._deliver(chunk)
        return chunk
