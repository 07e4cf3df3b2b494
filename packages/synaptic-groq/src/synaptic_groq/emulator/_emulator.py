"""``GroqEmulator``: an offline Groq on loopback, for demos, apps' tests and ours.

A real HTTP/1.1 server (asyncio, standard library only: see ``_server``) speaking Groq's
API as groq-api.md describes. It validates requests as strictly as Groq (unknown
properties are a 400; inputs past the context window or ``max_tokens`` past the model's
maximum are 400s with Groq's codes; a body past ``max_body_bytes`` is a 413 read no
further), checks API keys (401 ``invalid_api_key``), answers deterministically (text,
structured output valid against the request's JSON schema, forced tool calls, reasoning
as ``reasoning_format`` asks, a simulated web search for compound systems), enforces
Groq's limits per API key and model (requests and tokens, per minute and per day,
refilled continuously, with Groq's ``x-ratelimit-*`` pairing, 429s and 413s), counts
what it served (``GET /emulator/stats``), and plays scripted faults. It survives hostile
clients: bounded answers (``_schema``, ``_answers``), a bounded record of requests, a
connection cap, timeouts and every malformed body answered (``_guards``, ``_listener``,
``_server``, ``_shapes``).

Token counts are estimates: about 4 characters of message text per token plus 4 per
message, and one token per streamed piece of the answer (a word with its space). They
are deterministic, so tests can assert on them; they are not Groq's tokenizer.
"""

from __future__ import annotations

import difflib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from synaptic_core import get_logger
from synaptic_groq._catalog import CATALOG, Lifecycle
from synaptic_groq.emulator import _answers as answers
from synaptic_groq.emulator import _wire as wire
from synaptic_groq.emulator._batches import BatchStore
from synaptic_groq.emulator._faults import Fault, FaultPlan, Scenario
from synaptic_groq.emulator._guards import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_PENDING_BODY_BYTES,
    DEFAULT_MAX_RECORDED_BYTES,
    DEFAULT_MAX_RECORDED_REQUESTS,
    Guards,
    RequestLog,
    default_max_connections,
)
from synaptic_groq.emulator._limits import RateBudget, Verdict
from synaptic_groq.emulator._schema import SchemaError
from synaptic_groq.emulator._shapes import RequestError, check_message, check_shapes
from synaptic_groq.emulator._shapes import bad as _bad
from synaptic_groq.emulator._stats import Stats

if TYPE_CHECKING:
    from typing_extensions import Self

    from synaptic_groq.emulator._listener import Server
    from synaptic_groq.emulator._server import Reply

logger = get_logger("emulator")

_TOP_LEVEL = frozenset(
    {
        "model", "messages", "temperature", "top_p", "max_completion_tokens", "max_tokens",
        "stop", "seed", "n", "user", "stream", "stream_options", "tools", "tool_choice",
        "parallel_tool_calls", "response_format", "reasoning_format", "include_reasoning",
        "reasoning_effort", "service_tier", "frequency_penalty", "presence_penalty",
        "metadata", "store", "search_settings", "compound_custom", "documents",
        "citation_options", "disable_tool_validation",
        # deprecated, still accepted (Groq's OpenAPI spec, the SDK's types)
        "exclude_domains", "include_domains", "functions", "function_call",
    }
)  # fmt: skip
_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "reasoning"})
_REJECTED = frozenset({"logit_bias", "logprobs", "top_logprobs"})
_RETIRED_AS_NOT_FOUND = frozenset({"llama-3.3-70b-versatile", "llama-3.1-8b-instant"})
_UNPACED = Verdict(True, {})
_STATUS_KINDS = frozenset(
    {
        "rate_limit",
        "capacity",
        "server_error",
        "unavailable",
        "bad_gateway",
        "not_available_for_plan",
    }
)


def _check_modes(body: dict[str, Any]) -> None:
    """Section 2's rules for reasoning and JSON mode."""
    if body.get("reasoning_format") is not None and body.get("include_reasoning") is not None:
        raise _bad("reasoning_format and include_reasoning cannot both be set", "reasoning_format")
    response_format = body.get("response_format")
    json_mode = isinstance(response_format, dict) and response_format.get("type") in (
        "json_object",
        "json_schema",
    )
    tools = bool(body.get("tools"))
    if body.get("reasoning_format") == "raw" and (json_mode or tools):
        raise _bad(
            "reasoning_format 'raw' is not supported with JSON mode or tool calling; use "
            "'parsed' or 'hidden'",
            "reasoning_format",
        )
    if json_mode and tools and not str(body.get("model", "")).startswith("openai/gpt-oss"):
        raise _bad("json mode cannot be combined with tool/function calling", "response_format")
    effort = body.get("reasoning_effort")
    model = str(body.get("model", ""))
    if effort is not None and model.startswith("openai/gpt-oss") and effort not in _GPT_EFFORT:
        # groq-api.md section 9: "none" is a 400 on gpt-oss (the exact words are ours).
        raise _bad(
            f"reasoning_effort '{effort}' is not supported by model {model}; supported "
            "values are low, medium and high",
            "reasoning_effort",
        )


_GPT_EFFORT = ("low", "medium", "high")


def _unsupported(key: str, known: frozenset[str]) -> str:
    """Groq's unknown-property message, with its ", did you mean 'X'?" when a known
    name is close (the way Groq words it; the closeness rule is difflib's)."""
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    return f"property '{key}' is unsupported" + (f", did you mean '{close[0]}'?" if close else "")


def _generation_failed(fault: Fault, request_id: str, body: dict[str, Any]) -> Reply:
    """Groq's 400 when the model's output failed JSON or tool-call validation; the
    output is kept in ``failed_generation``."""
    from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

    if fault.kind == "json_validate_failed":
        message = fault.message or (
            "Failed to generate JSON. Please adjust your prompt. See 'failed_generation' for "
            "more details."
        )
        generation = '{"answer": "unfinished'
    else:
        message = fault.message or "Tool choice is required, but model did not call a tool"
        generation = ""
    error = wire.error_body(
        message, "invalid_request_error", fault.kind, failed_generation=generation
    )
    return Reply.json(400, error, request_id)


class GroqEmulator:
    """``with GroqEmulator() as groq: GroqConfig("any-key", model, base_url=groq.base_url)``.

    Limits (Groq's, per API key and model): ``requests_per_minute``,
    ``tokens_per_minute``, ``requests_per_day`` (14,400 by default, as Groq's free tier),
    ``tokens_per_day``; ``cached_tokens`` prompt tokens of every request are reported as
    cached and not counted. ``api_keys``: the keys accepted (default: any non-blank key).
    ``audio_requests_per_minute`` / ``audio_seconds_per_hour``: Groq's audio limits
    (None: unlimited; the free plan has 20 and 7,200). ``max_body_bytes``: the largest
    request body read. ``scenario`` (a ``Scenario`` or a
    path) sets any of these and scripts faults; ``add_fault`` scripts more at run time.
    ``requests`` records the chat bodies received (a ring: the last
    ``max_recorded_requests``, 1,000, and at most ``max_recorded_bytes`` of JSON, 64 MiB;
    ``record_requests=False`` keeps none); ``stats()`` counts what was served.
    ``clock`` (monotonic seconds) is injectable so tests can move time.

    Against hostile clients (``_guards``, ``_listener``, ``_server``): at most
    ``max_connections`` open at once (default: half the file-descriptor limit, at most
    2,048; beyond it a new connection gets a 503 and is closed), at most
    ``max_pending_body_bytes`` (128 MiB) of request bodies being read at once (beyond it
    a 503; one body alone always passes, ``max_body_bytes`` bounds it), and timeouts that
    close a connection: ``header_timeout`` (10 s from a request's first byte to the end
    of its headers), ``body_timeout`` (30 s for the whole body) and ``idle_timeout``
    (60 s waiting for a request's first byte, the keep-alive gap, or for the client to
    read a reply). Answers are generated within bounds (``_schema``): a schema whose
    smallest instance is too large is a 400.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        requests_per_minute: int | None = 1000,
        tokens_per_minute: int | None = 1_000_000,
        requests_per_day: int | None = 14_400,
        tokens_per_day: int | None = None,
        cached_tokens: int = 0,
        api_keys: Iterable[str] | None = None,
        max_body_bytes: int = 26 * 1024 * 1024,  # a 25 MB audio attachment and its form
        max_connections: int | None = None,
        max_pending_body_bytes: int = DEFAULT_MAX_PENDING_BODY_BYTES,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        record_requests: bool = True,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
        max_recorded_bytes: int = DEFAULT_MAX_RECORDED_BYTES,
        hold_batches: bool = False,
        scenario: Scenario | str | None = None,
        extra_models: Iterable[str] = (),
        audio_requests_per_minute: int | None = None,
        audio_seconds_per_hour: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(scenario, str):
            scenario = Scenario.load(scenario)
        scenario = scenario or Scenario()
        self.host = host
        self.port = port

        def pick(name: str, given: Any) -> Any:
            value = getattr(scenario, name, None)
            return given if value is None else value

        self.budget = RateBudget(
            pick("requests_per_minute", requests_per_minute),
            pick("tokens_per_minute", tokens_per_minute),
            requests_per_day=pick("requests_per_day", requests_per_day),
            tokens_per_day=pick("tokens_per_day", tokens_per_day),
            clock=clock,
        )
        self.cached_tokens = int(pick("cached_tokens", cached_tokens))
        from synaptic_groq.emulator._audio import AudioLimits  # noqa: PLC0415

        self.audio_limits = AudioLimits(audio_requests_per_minute, audio_seconds_per_hour, clock)
        keys = pick("api_keys", api_keys)
        self.api_keys: frozenset[str] | None = None if keys is None else frozenset(keys)
        self.max_body_bytes = int(pick("max_body_bytes", max_body_bytes))
        self.faults = FaultPlan(scenario.faults)
        self.extra_models = set(extra_models)
        self.guards = Guards(
            max_connections if max_connections is not None else default_max_connections(),
            max_pending_body_bytes,
            header_timeout,
            body_timeout,
            idle_timeout,
        )
        self.requests = RequestLog(
            max_recorded_requests, max_recorded_bytes, enabled=record_requests
        )
        self.stats = Stats()
        self.batches = BatchStore(self, clock)
        self.batches.hold = hold_batches
        self.stopping = threading.Event()
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def host_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the official SDK's form of a base URL)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/openai/v1``: pass it as ``GroqConfig(base_url=...)``."""
        return f"{self.host_url}/openai/v1"

    def _bind(self) -> Server:
        """Bind in the calling thread, which then serves (never an already running loop)."""
        from synaptic_groq.emulator._listener import Server  # noqa: PLC0415 (cycle)

        self.stopping.clear()
        server = Server(self, self.host, self.port)
        self.port = server.port
        self._server = server
        return server

    def start(self) -> Self:
        """Listen (on a free port when ``port=0``) and serve in a background thread;
        a port already in use raises here, in the caller's thread."""
        bound = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                server = self._bind()
            except BaseException as error:
                failure.append(error)
                bound.set()
                return
            bound.set()
            server.run()

        self._thread = threading.Thread(target=serve, name="groq-emulator", daemon=True)
        self._thread.start()
        bound.wait(30)
        if failure:
            self._thread.join(5)
            self._thread = None
            raise failure[0]
        logger.info("Groq emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; stalled responses are released and connections closed at once."""
        self.stopping.set()
        if self._server is not None:
            self._server.stop()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._server = None

    def serve_forever(self, ready: Callable[[GroqEmulator], None] | None = None) -> None:
        """Serve in the calling thread until interrupted (the CLI's ``emulator``);
        ``ready`` is called once the port is bound."""
        server = self._bind()
        if ready is not None:
            ready(self)
        try:
            server.run()
        finally:
            self.stopping.set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add_fault(self, fault: Fault | str, **options: Any) -> None:
        """Script a fault for coming requests: ``add_fault("rate_limit", retry_after=2)``."""
        self.faults.add(fault if isinstance(fault, Fault) else Fault(fault, **options))  # type: ignore[arg-type]

    def next_request_id(self) -> str:
        """``req_emu_000001``-style ids, unique per emulator."""
        return f"req_emu_{next(self._ids):06d}"

    # --- requests ----------------------------------------------------------------------

    def known_models(self) -> list[str]:
        """Model ids this emulator serves: the catalog's live ones and ``extra_models``."""
        live = [m for m, i in CATALOG.items() if i.lifecycle is not Lifecycle.DECOMMISSIONED]
        return sorted({*live, *self.extra_models})

    def check_model(self, model: Any) -> None:
        """404 for unknown ids, 400 ``model_decommissioned`` for retired ones, and 404
        ``model_not_found`` for the ids retired from free tiers on 2026-08-16 (Groq's
        answer for those, groq-api.md section 9)."""
        if model is not None and not isinstance(model, str):
            raise _bad("'model' : value must be a string", "model")
        if not model:
            raise _bad("'model' : property 'model' is missing", "model")
        info = CATALOG.get(model)
        retired = (
            info is not None
            and info.lifecycle is Lifecycle.DECOMMISSIONED
            and model not in self.extra_models
        )
        if retired and model in _RETIRED_AS_NOT_FOUND:
            message = f"The model `{model}` does not exist or you do not have access to it."
            raise RequestError(
                404, wire.error_body(message, "invalid_request_error", "model_not_found")
            )
        if retired:
            message = (
                f"The model `{model}` has been decommissioned and is no longer supported. Please "
                "refer to https://console.groq.com/docs/deprecations for a recommendation on "
                "which model to use instead."
            )
            raise RequestError(
                400, wire.error_body(message, "invalid_request_error", "model_decommissioned")
            )
        if model not in self.known_models():
            message = f"The model `{model}` does not exist or you do not have access to it."
            raise RequestError(
                404, wire.error_body(message, "invalid_request_error", "model_not_found")
            )

    def validate(self, body: Any) -> dict[str, Any]:
        """Refuse what Groq refuses (400/404), with Groq's messages."""
        if not isinstance(body, dict):
            raise _bad("request body must be a JSON object")
        for key in body:
            if key not in _TOP_LEVEL or key in _REJECTED:
                raise _bad(_unsupported(key, _TOP_LEVEL - _REJECTED), key)
        self.check_model(body.get("model"))
        info = CATALOG.get(str(body["model"]))
        if info is not None and info.kind != "chat":
            # Groq's words for this are not on record (groq-api.md); the status and type
            # are those of its other model errors.
            what = "speech to text" if info.kind == "transcription" else "text to speech"
            raise _bad(
                f"The model `{info.id}` does not support chat completions ({what}: use "
                f"{'/audio/transcriptions' if info.kind == 'transcription' else '/audio/speech'})",
                "model",
            )
        self._validate_messages(body.get("messages"))
        check_shapes(body)
        if body.get("n", 1) != 1:
            raise _bad("'n' : number must be at most 1", "n")
        stop = body.get("stop")
        if isinstance(stop, list) and len(stop) > 4:
            raise _bad("'stop' : maximum number of items is 4", "stop")
        _check_modes(body)
        return body

    @staticmethod
    def _validate_messages(messages: Any) -> None:
        if not isinstance(messages, list):
            raise _bad("'messages' : value must be an array", "messages")
        if not messages:
            raise _bad("'messages' : minimum number of items is 1", "messages")
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                raise _bad(f"'messages.{index}' : value must be an object", "messages")
            for key in message:
                if key not in _MESSAGE_KEYS:
                    where = f"'messages.{index}' : "
                    raise _bad(where + _unsupported(key, _MESSAGE_KEYS), "messages")
            role = message.get("role")
            if role not in ("system", "developer", "user", "assistant", "tool"):
                where = f"'messages.{index}.role'"
                raise _bad(f"{where} : value is not one of the allowed values", "messages")
            if role == "tool" and not message.get("tool_call_id"):
                raise _bad(f"'messages.{index}.tool_call_id' : property is missing", "messages")
            check_message(index, message)

    # --- keys, stats, admin --------------------------------------------------------

    def key_accepted(self, authorization: str) -> bool:
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        return (
            scheme.lower() == "bearer"
            and bool(key)
            and (self.api_keys is None or key in self.api_keys)
        )

    def check_key(self, authorization: str, request_id: str) -> Reply | None:
        """None if the bearer key is accepted, else Groq's 401 ``invalid_api_key``."""
        from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

        if self.key_accepted(authorization):
            return None
        return self.counted(Reply.error(401, "Invalid API Key", request_id, code="invalid_api_key"))

    def audio_fault(self, requested: str | None = None) -> tuple[Fault | None, Fault | None]:
        """The scripted fault for an audio request, as chat's are taken (the header's
        kind, the head of the queue, or a periodic one: audio requests count toward
        ``every``): ``(status, bytes)``, a 429/5xx/498 to answer instead, or a fault
        played on the answer's bytes (``slow_first_byte``, ``truncate``, ``reset``,
        ``stall``). A stream's kinds (an error frame, a failed generation) pass audio by."""
        fault = self.faults.next(requested)
        if fault is None:
            return None, None
        if fault.kind in _STATUS_KINDS:
            return fault, None
        if fault.kind in ("slow_first_byte", "truncate", "reset", "stall"):
            return None, fault
        return None, None

    def counted(self, reply: Reply) -> Reply:
        """Count ``reply`` in the stats and return it."""
        self.stats.count(reply.status)
        return reply

    def admin(self, method: str, path: str) -> Reply:
        """``GET /emulator/stats``, ``POST /emulator/reset`` and ``POST
        /emulator/release-batches`` (lets held batches run; no key needed)."""
        from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

        if method == "GET" and path == "/emulator/stats":
            return Reply.json(200, self.stats.snapshot(), "req_emu_admin")
        if method == "POST" and path == "/emulator/release-batches":
            self.release_batches()
            return Reply.json(200, {"released": True}, "req_emu_admin")
        if method == "POST" and path == "/emulator/reset":
            self.reset()
            return Reply.json(200, {"reset": True}, "req_emu_admin")
        return Reply.error(404, f"unknown emulator endpoint {method} {path}", "req_emu_admin")

    def reset(self) -> None:
        """Clear the stats, the recorded requests and the limits' usage."""
        self.stats.reset()
        self.budget.reset()
        self.requests.clear()

    # --- chat ----------------------------------------------------------------------

    def _sizes(self, body: dict[str, Any], prompt_tokens: int) -> None:
        """Groq's 400s for ``max_tokens`` past the model's maximum and for a prompt (plus
        the completion asked for) past its context window."""
        info = CATALOG.get(str(body["model"]))
        requested = body.get("max_completion_tokens", body.get("max_tokens"))
        requested = requested if isinstance(requested, int) else 0
        field = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        limit = info.max_completion_tokens if info is not None else None
        if limit and requested > limit:
            message = (
                f"`{field}` must be less than or equal to `{limit}`, the maximum value for "
                f"`{field}` is less than the `context_window` for this model"
            )
            raise _bad(message, field)
        window = info.context_window if info is not None else None
        if window and prompt_tokens + requested > window:
            message = (
                f"Please reduce the length of the messages or completion. This model's "
                f"maximum context length is {window} tokens; the request has "
                f"{prompt_tokens} in the messages and {requested} for the completion."
            )
            error = wire.error_body(
                message, "invalid_request_error", "context_length_exceeded", param="messages"
            )
            raise RequestError(400, error)

    def _too_large(self, model: str, tokens: int, limit: int, request_id: str) -> Reply:
        from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

        message = (
            f"Request too large for model `{model}` in organization `org_emulator` service "
            f"tier `on_demand` on tokens per minute (TPM): Limit {limit}, Requested {tokens}, "
            "please reduce your message size and try again. Visit "
            "https://console.groq.com/docs/rate-limits for more information."
        )
        return self.counted(Reply.error(413, message, request_id, "tokens", "rate_limit_exceeded"))

    def release_batches(self) -> None:
        """Let batches created with ``hold_batches=True`` run."""
        self.batches.release()

    def chat(
        self,
        body: Any,
        fault_header: str | None,
        *,
        key: str = "",
        paced: bool = True,
        size: int | None = None,
    ) -> Reply:
        """Everything about one chat request except writing bytes (see ``_server``).
        ``paced=False``: a batch line, outside the rate limits (as Groq's batches are).
        ``size``: the body's length on the wire, for the recorded requests' byte bound
        (measured here when not given)."""
        from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

        request_id = self.next_request_id()
        try:
            body = self.validate(body)
            prompt_tokens = answers.estimate_tokens(body)
            self._sizes(body, prompt_tokens)
        except RequestError as error:
            return self.counted(Reply.json(error.status, error.body, request_id))
        self.requests.record(body, size if size is not None else len(self.dumps(body)))
        model = str(body["model"])
        requested = body.get("max_completion_tokens", body.get("max_tokens"))
        cached = min(self.cached_tokens, prompt_tokens)
        counted = prompt_tokens - cached
        limit = self.budget.never_fits(counted + (requested if isinstance(requested, int) else 0))
        if limit is not None and paced:
            return self._too_large(model, counted, limit, request_id)
        fault = self.faults.next(fault_header) if paced else None
        verdict = self.budget.admit(key, model, counted) if paced else _UNPACED
        if not verdict.allowed:
            return self.counted(Reply.rate_limited(verdict, body, request_id))
        if fault is not None and fault.kind in _STATUS_KINDS:
            return self.counted(Reply.for_fault(fault, verdict.headers, request_id, body))
        failed = fault is not None and fault.kind in ("json_validate_failed", "tool_use_failed")
        if failed and not (fault.kind == "tool_use_failed" and body.get("stream")):  # type: ignore[union-attr]
            return self.counted(_generation_failed(fault, request_id, body))  # type: ignore[arg-type]
        try:
            answer = answers.answer(body, model)
        except SchemaError as error:
            param = "tools" if answers.choose_tool(body) is not None else "response_format"
            return self.counted(Reply.json(400, _bad(str(error), param).body, request_id))
        completion_tokens = answer.completion_tokens
        token_usage = wire.usage(prompt_tokens, completion_tokens)
        if cached:
            token_usage["prompt_tokens_details"] = {"cached_tokens": cached}
        if answer.reasoning_tokens:
            token_usage["completion_tokens_details"] = {"reasoning_tokens": answer.reasoning_tokens}
        headers = (
            self.budget.settle(key, model, counted, counted + completion_tokens) if paced else {}
        )
        self.stats.count(200, prompt_tokens, completion_tokens)
        completion_id = f"chatcmpl-emu-{request_id[8:]}"
        seed = body.get("seed") if isinstance(body.get("seed"), int) else None
        breakdown = answers.usage_breakdown(model, token_usage) if answer.executed_tools else None
        if not body.get("stream"):
            data = wire.completion(
                completion_id=completion_id,
                request_id=request_id,
                model=model,
                message=answer.message(),
                finish_reason=answer.finish_reason,
                token_usage=token_usage,
                seed=seed,
            )
            data["usage_breakdown"] = breakdown
            return Reply.completion(data, headers, request_id, fault)
        frames = wire.stream_frames(
            answer,
            completion_id=completion_id,
            request_id=request_id,
            model=model,
            token_usage=token_usage,
            seed=seed,
            breakdown=breakdown,
            include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
        )
        if fault is not None and fault.kind == "tool_use_failed":
            # Section 9's stream: the reasoning, then the error frame (no [DONE]).
            keep = 1 + len(answer.reasoning_pieces)
            return Reply.stream(
                [*frames[:keep], wire.tool_use_failed_frame()], headers, request_id, None
            )
        return Reply.stream(frames, headers, request_id, fault)

    def models(self) -> dict[str, Any]:
        """``GET /models``."""
        return {"object": "list", "data": [wire.model_entry(m) for m in self.known_models()]}

    @staticmethod
    def dumps(data: Any) -> bytes:
        """Compact JSON bytes."""
        return json.dumps(data, separators=(",", ":")).encode()
