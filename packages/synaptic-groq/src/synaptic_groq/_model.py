"""``GroqChatModel``: the Groq dialect of the OpenAI-compatible wire format.

Everything OpenAI-shaped comes from ``synaptic_openai``; this adds what is Groq's:
``max_completion_tokens``, usage in streams, Groq's own options, a fail-fast check for
fields Groq rejects, replacements named in model errors, and ``list_models``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from synaptic_core import (
    Backend,
    ChatRequest,
    ConfigError,
    HttpRequest,
    HttpResponse,
    ModelDecommissionedError,
    ModelNotFoundError,
    ModelRetiredError,
    ParseError,
    SynapticError,
    retype_error,
    suggest,
    truncate,
)
from synaptic_groq._catalog import (
    CATALOG,
    CATALOG_DATE,
    Lifecycle,
    ModelInfo,
    live_replacement,
    model_info,
)
from synaptic_groq._config import GroqConfig
from synaptic_openai import Dialect, OpenAIChatModel

GROQ = Dialect(provider="groq", max_tokens_field="max_completion_tokens", stream_usage=True)


def _check(model: str, request: ChatRequest, fields: Mapping[str, Any]) -> None:
    """Refuse what Groq would refuse (``_accepted``, loaded on the first request that
    carries extra fields, tools or Groq options)."""
    from synaptic_groq._accepted import check_request  # noqa: PLC0415

    check_request(model, request, fields)


def _refuse_audio(model: str) -> None:
    """An audio model is not a chat model: say so before any request (Groq would answer
    400), with a chat model to use instead."""
    info = model_info(model)
    if info is None or info.kind == "chat":
        return
    what = {"transcription": "speech-to-text (Whisper)", "speech": "text-to-speech (Orpheus)"}
    msg = (
        f"{model!r} is a {what.get(info.kind, info.kind)} model, not a chat model: Groq "
        "answers 400 to a chat request to it; for chat use 'openai/gpt-oss-20b' or "
        "'openai/gpt-oss-120b' (`synaptic models` lists each model's kind)"
    )
    raise ConfigError(msg)


class GroqChatModel(OpenAIChatModel):
    """``GroqChatModel(GroqConfig(...))``; ``backend`` defaults to a pooled ``HttpBackend``."""

    default_dialect = GROQ
    config: GroqConfig

    def __init__(self, config: GroqConfig, backend: Backend | None = None) -> None:
        _refuse_audio(config.model)
        super().__init__(config, backend)
        self._config_options = {**config.wire_options(), **config.extra_body}
        self._checks_options = bool(self._config_options)
        if self._checks_options:
            _check(config.model, ChatRequest([]), self._config_options)

    def _http_request(self, request: ChatRequest, *, stream: bool) -> HttpRequest:
        if request.extra or request.tools or self._checks_options:
            fields = {**self._config_options, **request.extra}
            _check(self.config.model, request, fields)
        return super()._http_request(request, stream=stream)

    def _stream_facts(self, request: ChatRequest) -> dict[str, Any] | None:
        """Groq's streams do not repeat the service tier its whole answers report. A
        request that succeeded ran on the tier it asked for (flex fails with 498 rather
        than fall back), so that tier is known; ``auto`` leaves it to Groq (unknown)."""
        tier = request.extra.get("service_tier") or self.config.service_tier or "on_demand"
        return None if tier == "auto" else {"service_tier": str(tier)}

    def _error(self, status: int, headers: Mapping[str, str], body: bytes) -> SynapticError:
        return self._model_gone(super()._error(status, headers, body))

    def _model_gone(self, error: SynapticError) -> SynapticError:
        return model_gone(error, self.config.model)

    def _models_request(self) -> HttpRequest:
        headers = {k: v for k, v in self._headers.items() if k != "content-type"}
        return HttpRequest("GET", f"{self.config.base_url}/models", headers)

    def _models(self, response: HttpResponse) -> list[ModelInfo]:
        if not 200 <= response.status_code < 300:
            raise self._error(response.status_code, response.headers, response.content)
        problem = "is not {'data': [...]}"
        try:
            data: Any = json.loads(response.content)
        except ValueError:
            data = None
        except RecursionError:
            data, problem = None, "is JSON nested too deeply to read"
        entries = data.get("data") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            text = response.content.decode("utf-8", "replace")
            msg = f"groq returned a model list that {problem}: {truncate(text, 300)}"
            raise ParseError(
                msg, provider="groq", status_code=response.status_code, body=truncate(text, 2000)
            )
        return [
            parse_model_entry(e)
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("id"), str)
        ]

    async def list_models(self) -> list[ModelInfo]:
        """The models this key can use, from ``GET /models``, in the catalog's shape."""
        return self._models(await self.backend.send(self._models_request()))

    def list_models_sync(self) -> list[ModelInfo]:
        """Blocking ``list_models``."""
        return self._models(self.backend.send_sync(self._models_request()))


def _features(entry: Mapping[str, Any]) -> set[str]:
    raw = entry.get("supported_features")
    if isinstance(raw, Mapping):
        return {str(k) for k, v in raw.items() if v}
    if isinstance(raw, list):
        return {str(v) for v in raw}
    return set()


def _has_vision(entry: Mapping[str, Any]) -> bool:
    modalities = entry.get("modalities") or entry.get("input_modalities")
    if isinstance(modalities, Mapping):
        modalities = modalities.get("input")
    return isinstance(modalities, list) and "image" in modalities


def parse_model_entry(entry: Mapping[str, Any]) -> ModelInfo:
    """One entry of ``GET /models``, merged with what the catalog knows about it."""
    known = model_info(str(entry["id"]))
    features = _features(entry)
    active = entry.get("active") if isinstance(entry.get("active"), bool) else None
    lifecycle = known.lifecycle if known is not None else None
    if active is False:
        lifecycle = Lifecycle.DECOMMISSIONED

    def number(name: str, fallback: int | None) -> int | None:
        value = entry.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else fallback

    return ModelInfo(
        id=str(entry["id"]),
        context_window=number("context_window", known.context_window if known else None),
        max_completion_tokens=number(
            "max_completion_tokens", known.max_completion_tokens if known else None
        ),
        lifecycle=lifecycle,
        replacement=known.replacement if known else None,
        tools="tools" in features or (known is not None and known.tools),
        json_schema=bool({"structured_outputs", "json_schema"} & features)
        or (known is not None and known.json_schema),
        reasoning="reasoning" in features or (known is not None and known.reasoning),
        vision=_has_vision(entry) or (known is not None and known.vision),
        note=known.note if known else "",
        owned_by=entry.get("owned_by") if isinstance(entry.get("owned_by"), str) else None,
        active=active,
    )


def model_gone(error: SynapticError, model: str) -> SynapticError:
    """Name a live replacement in model errors; a 404 for a model the catalog knows
    is retired becomes ``ModelRetiredError`` (also a ``ModelDecommissionedError``)."""
    if isinstance(error, ModelNotFoundError) and not isinstance(error, ModelRetiredError):
        info = model_info(model)
        if info is not None and info.lifecycle is Lifecycle.DECOMMISSIONED:
            error = retype_error(error, ModelRetiredError)
            error.message += f"; {model!r} was retired ({info.note})"
            error.args = (error.message,)
    if type(error) is ModelNotFoundError and model_info(model) is None:
        live = [i.id for i in CATALOG.values() if i.lifecycle is not Lifecycle.DECOMMISSIONED]
        error.message = error.message.rstrip().removesuffix(".") + (  # no ".;"
            f"{suggest(model, live)}; `synaptic models` lists Groq's models"
        )
        error.args = (error.message,)
    if isinstance(error, ModelDecommissionedError | ModelNotFoundError):
        replacement = live_replacement(model)
        if replacement is not None:
            error.replacement = replacement
            error.message = error.message.rstrip().removesuffix(".") + (  # no ".;"
                f"; use {replacement!r} instead (synaptic's model catalog, {CATALOG_DATE})"
            )
            error.args = (error.message,)
    return error
