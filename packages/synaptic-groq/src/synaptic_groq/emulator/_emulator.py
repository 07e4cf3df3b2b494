"""``GroqEmulator``: an offline Groq on loopback, for demos, apps' tests and ours.

A real HTTP/1.1 server (the standard library's threading server: no dependency, one
thread per connection, a deep accept backlog so 256 concurrent clients connect at once)
speaking Groq's API as groq-api.md describes. It validates requests as strictly as Groq
(unknown properties are a 400), answers deterministically, enforces a per-minute budget
with ``x-ratelimit-*`` headers and 429s, and plays scripted faults.
"""

from __future__ import annotations

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
from synaptic_groq.emulator._faults import Fault, FaultPlan, Scenario
from synaptic_groq.emulator._limits import RateBudget

if TYPE_CHECKING:
    from typing_extensions import Self

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
    }
)  # fmt: skip
_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "reasoning"})
_REJECTED = frozenset({"logit_bias", "logprobs", "top_logprobs"})
_RETIRED_AS_NOT_FOUND = frozenset({"llama-3.3-70b-versatile", "llama-3.1-8b-instant"})


class RequestError(Exception):
    """A request Groq would refuse: carries the status and Groq's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.status = status
        self.body = body


def _bad(message: str, param: str | None = None) -> RequestError:
    extra = {} if param is None else {"param": param}
    return RequestError(400, wire.error_body(message, "invalid_request_error", **extra))


class GroqEmulator:
    """``with GroqEmulator() as groq: GroqConfig("any-key", model, base_url=groq.base_url)``.

    ``requests_per_minute`` / ``tokens_per_minute`` set the budget behind the
    ``x-ratelimit-*`` headers; ``scenario`` (a ``Scenario`` or a path) scripts faults;
    ``add_fault`` scripts more at run time. ``requests`` records every body received.
    ``clock`` (monotonic seconds) is injectable so tests can move time.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        requests_per_minute: int = 1000,
        tokens_per_minute: int = 1_000_000,
        scenario: Scenario | str | None = None,
        extra_models: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(scenario, str):
            scenario = Scenario.load(scenario)
        scenario = scenario or Scenario()
        self.host = host
        self.port = port
        self.budget = RateBudget(
            scenario.requests_per_minute or requests_per_minute,
            scenario.tokens_per_minute or tokens_per_minute,
            clock=clock,
        )
        self.faults = FaultPlan(scenario.faults)
        self.extra_models = set(extra_models)
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: Any = None
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

    def start(self) -> Self:
        """Listen (on a free port when ``port=0``) and serve in a background thread."""
        from synaptic_groq.emulator._server import make_server  # noqa: PLC0415 (cycle)

        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        logger.info("Groq emulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; stalled responses are released at once."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def serve_forever(self, ready: Callable[[GroqEmulator], None] | None = None) -> None:
        """Serve in the calling thread until interrupted (the CLI's ``emulator``);
        ``ready`` is called once the port is bound."""
        from synaptic_groq.emulator._server import make_server  # noqa: PLC0415 (cycle)

        self._server = make_server(self, self.host, self.port)
        self.port = self._server.server_address[1]
        if ready is not None:
            ready(self)
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self.stopping.set()
            self._server.server_close()

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
        if not isinstance(model, str) or not model:
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
                raise _bad(f"property '{key}' is unsupported", key)
        self.check_model(body.get("model"))
        self._validate_messages(body.get("messages"))
        if body.get("n", 1) != 1:
            raise _bad("'n' : number must be at most 1", "n")
        stop = body.get("stop")
        if isinstance(stop, list) and len(stop) > 4:
            raise _bad("'stop' : maximum number of items is 4", "stop")
        temperature = body.get("temperature", 1)
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
            raise _bad("'temperature' : number must be at most 2", "temperature")
        return body

    @staticmethod
    def _validate_messages(messages: Any) -> None:
        if not isinstance(messages, list) or not messages:
            raise _bad("'messages' : minimum number of items is 1", "messages")
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                raise _bad(f"'messages.{index}' : value must be an object", "messages")
            for key in message:
                if key not in _MESSAGE_KEYS:
                    raise _bad(f"'messages.{index}' : property '{key}' is unsupported", "messages")
            role = message.get("role")
            if role not in ("system", "developer", "user", "assistant", "tool"):
                where = f"'messages.{index}.role'"
                raise _bad(f"{where} : value is not one of the allowed values", "messages")
            if role == "tool" and not message.get("tool_call_id"):
                raise _bad(f"'messages.{index}.tool_call_id' : property is missing", "messages")

    def chat(self, body: Any, fault_header: str | None) -> Reply:
        """Everything about one chat request except writing bytes (see ``_server``)."""
        from synaptic_groq.emulator._server import Reply  # noqa: PLC0415 (cycle)

        request_id = self.next_request_id()
        try:
            body = self.validate(body)
        except RequestError as error:
            return Reply.json(error.status, error.body, request_id)
        with self._lock:
            self.requests.append(body)
        fault = self.faults.next(fault_header)
        verdict = self.budget.admit()
        if not verdict.allowed:
            return Reply.rate_limited(self, verdict, body, request_id)
        headers = verdict.headers
        if fault is not None and fault.kind in (
            "rate_limit",
            "capacity",
            "server_error",
            "unavailable",
            "bad_gateway",
        ):
            return Reply.for_fault(fault, headers, request_id, body)
        tool = answers.choose_tool(body)
        prompt_tokens = answers.estimate_tokens(body)
        if tool is not None:
            call = answers.tool_call(body, tool)
            message: dict[str, Any] = {"role": "assistant", "tool_calls": [call]}
            parts = [call["function"]["arguments"]]
            finish = "tool_calls"
        else:
            text = answers.text_answer(body)
            message = {"role": "assistant", "content": text}
            parts = answers.pieces(text)
            finish = "stop"
        token_usage = wire.usage(prompt_tokens, len(parts))
        headers = self.budget.spend_tokens(token_usage["total_tokens"])
        completion_id = f"chatcmpl-emu-{request_id[8:]}"
        model = str(body["model"])
        seed = body.get("seed") if isinstance(body.get("seed"), int) else None
        if not body.get("stream"):
            data = wire.completion(
                completion_id=completion_id,
                request_id=request_id,
                model=model,
                message=message,
                finish_reason=finish,
                token_usage=token_usage,
                seed=seed,
            )
            return Reply.completion(data, headers, request_id, fault)
        x_groq: dict[str, Any] = {"id": request_id}
        if seed is not None:
            x_groq["seed"] = seed
        frames = [
            wire.sse(
                wire.chunk(
                    completion_id,
                    model,
                    {"role": "assistant", "content": "" if tool is None else None},
                    x_groq=x_groq,
                )
            )
        ]
        if tool is not None:
            call = message["tool_calls"][0]
            frames.append(
                wire.sse(wire.chunk(completion_id, model, {"tool_calls": [{"index": 0, **call}]}))
            )
        else:
            frames += [
                wire.sse(wire.chunk(completion_id, model, {"content": piece})) for piece in parts
            ]
        final_groq = {"id": request_id, "usage": token_usage}
        frames.append(
            wire.sse(
                wire.chunk(completion_id, model, {}, finish, x_groq=final_groq, usage=token_usage)
            )
        )
        options = body.get("stream_options")
        if isinstance(options, dict) and options.get("include_usage"):
            frames.append(
                wire.sse(
                    {
                        "id": completion_id,
                        "object": "chat.completion.chunk",
                        "created": wire.CREATED,
                        "model": model,
                        "system_fingerprint": wire.FINGERPRINT,
                        "choices": [],
                        "usage": token_usage,
                        "x_groq": {"id": request_id},
                    }
                )
            )
        frames.append(wire.sse("[DONE]"))
        return Reply.stream(frames, headers, request_id, fault)

    def models(self) -> dict[str, Any]:
        """``GET /models``."""
        return {"object": "list", "data": [wire.model_entry(m) for m in self.known_models()]}

    @staticmethod
    def dumps(data: Any) -> bytes:
        """Compact JSON bytes."""
        return json.dumps(data, separators=(",", ":")).encode()
