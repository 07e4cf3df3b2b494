"""Groq's models as of ``CATALOG_DATE``: sizes, lifecycle, replacements, capabilities.

Model ids are hints, not gates: any string is accepted as a model id, the catalog only
informs (warnings for retired models, replacements named in errors). Groq's list
changes often, so it is dated, and ``GroqChatModel.list_models()`` reads the live one.
Notes that say "uncertain" could not be confirmed from an official source.
"""

from __future__ import annotations

import enum
import sys
import threading
import types
import warnings
from dataclasses import dataclass

CATALOG_DATE = "2026-11"


class Lifecycle(str, enum.Enum):
    """Where a model is in Groq's lifecycle."""

    PRODUCTION = "production"
    PREVIEW = "preview"
    DEPRECATED = "deprecated"
    DECOMMISSIONED = "decommissioned"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What is known about one model (from the catalog, or ``GET /models``)."""

    id: str
    context_window: int | None
    max_completion_tokens: int | None
    lifecycle: Lifecycle | None
    replacement: str | None = None
    tools: bool = False
    json_schema: bool = False
    reasoning: bool = False
    vision: bool = False
    note: str = ""
    owned_by: str | None = None
    active: bool | None = None


_P, _V, _X = Lifecycle.PRODUCTION, Lifecycle.PREVIEW, Lifecycle.DECOMMISSIONED
_ALL = ("tools", "json_schema", "reasoning")
_RETIRED_2026 = "since 2026-08-16 on free and developer tiers; enterprise keeps it"


def _entry(
    model_id: str,
    context_window: int | None,
    max_completion_tokens: int | None,
    lifecycle: Lifecycle,
    capabilities: tuple[str, ...] = (),
    *,
    replacement: str | None = None,
    note: str = "",
) -> ModelInfo:
    return ModelInfo(
        model_id,
        context_window,
        max_completion_tokens,
        lifecycle,
        replacement=replacement,
        tools="tools" in capabilities,
        json_schema="json_schema" in capabilities,
        reasoning="reasoning" in capabilities,
        vision="vision" in capabilities,
        note=note,
    )


CATALOG: dict[str, ModelInfo] = {
    info.id: info
    for info in (
        _entry("openai/gpt-oss-120b", 131_072, 65_536, _P, _ALL),
        _entry("openai/gpt-oss-20b", 131_072, 65_536, _P, _ALL),
        _entry("groq/compound", 131_072, 8_192, _P, note="a system with built-in tools"),
        _entry("groq/compound-mini", 131_072, 8_192, _P, note="a system with built-in tools"),
        _entry("qwen/qwen3.6-27b", 131_072, 16_384, _V, _ALL),
        _entry("qwen/qwen3.8-27b", 131_042, 16_384, _V, (*_ALL, "vision")),
        _entry("openai/gpt-oss-safeguard-20b", 131_072, 65_536, _V, ("reasoning",)),
        _entry("meta-llama/llama-prompt-guard-2-22m", 512, 512, _V),
        _entry("meta-llama/llama-prompt-guard-2-86m", 512, 512, _V),
        _entry(
            "llama-3.3-70b-versatile",
            131_072,
            32_768,
            _X,
            ("tools", "json_schema"),
            replacement="openai/gpt-oss-120b",
            note=_RETIRED_2026,
        ),
        _entry(
            "llama-3.1-8b-instant",
            131_072,
            131_072,
            _X,
            ("tools", "json_schema"),
            replacement="openai/gpt-oss-20b",
            note=_RETIRED_2026,
        ),
        _entry(
            "llama-3.1-70b-versatile",
            131_072,
            None,
            _X,
            ("tools",),
            replacement="llama-3.3-70b-versatile",
            note="since early 2025",
        ),
        _entry("mixtral-8x7b-32768", 32_768, None, _X, note="since 2025-03-20"),
        _entry("gemma2-9b-it", 8_192, None, _X, note="since about Oct 2025 (uncertain)"),
    )
}


def model_info(model_id: str) -> ModelInfo | None:
    """The catalog entry for ``model_id``, or None for ids the catalog does not know."""
    return CATALOG.get(model_id)


def live_replacement(model_id: str) -> str | None:
    """The first model in the replacement chain that is not decommissioned."""
    seen = {model_id}
    info = CATALOG.get(model_id)
    while info is not None and info.replacement is not None and info.replacement not in seen:
        seen.add(info.replacement)
        successor = CATALOG.get(info.replacement)
        if successor is None or successor.lifecycle is not Lifecycle.DECOMMISSIONED:
            return info.replacement
        info = successor
    return None


class DecommissionedModelWarning(UserWarning):
    """A retired model was configured; the message names its replacement when known."""


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _user_stacklevel() -> int:
    """The stacklevel of the first frame outside synaptic and pydantic (the user's line)."""
    level = 1
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(("synaptic_", "pydantic")):
            return level
        frame = frame.f_back
        level += 1
    return level


def warn_if_retired(model_id: str) -> None:
    """Warn (once per model id and process) when ``model_id`` is retired or retiring."""
    info = CATALOG.get(model_id)
    if info is None or info.lifecycle not in (Lifecycle.DECOMMISSIONED, Lifecycle.DEPRECATED):
        return
    with _warned_lock:
        if model_id in _warned:
            return
        _warned.add(model_id)
    replacement = live_replacement(model_id)
    advice = f"use {replacement!r} instead" if replacement else "pick another model"
    detail = f" ({info.note})" if info.note else ""
    warnings.warn(
        f"Groq model {model_id!r} is {info.lifecycle.value}{detail}; {advice}. "
        f"(synaptic's model catalog, {CATALOG_DATE})",
        DecommissionedModelWarning,
        stacklevel=_user_stacklevel(),
    )
