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

CATALOG_DATE = "2026-12"


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
    kind: str = "chat"
    """``chat``, ``transcription`` (speech to text) or ``speech`` (text to speech)."""


_P, _V, _X = Lifecycle.PRODUCTION, Lifecycle.PREVIEW, Lifecycle.DECOMMISSIONED
_ALL = ("tools", "json_schema", "reasoning")
_RETIRED_2026 = "since 2026-08-16 on free and developer tiers; enterprise keeps it"
_GPT = "openai/gpt-oss-120b"
_COMPOUND = "a system with built-in tools; one unverified report of retirement on 2026-09-21"
_THEN = "; the replacement Groq named then"


def _entry(
    model_id: str,
    context_window: int | None,
    max_completion_tokens: int | None,
    lifecycle: Lifecycle,
    capabilities: tuple[str, ...] = (),
    *,
    replacement: str | None = None,
    note: str = "",
    kind: str = "chat",
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
        kind=kind,
    )


CATALOG: dict[str, ModelInfo] = {
    info.id: info
    for info in (
        # production
        _entry("openai/gpt-oss-120b", 131_072, 65_536, _P, _ALL),
        _entry("openai/gpt-oss-20b", 131_072, 65_536, _P, _ALL),
        _entry(
            "groq/compound",
            131_072,
            8_192,
            _P,
            note=_COMPOUND,
        ),
        _entry(
            "groq/compound-mini",
            131_072,
            8_192,
            _P,
            note=_COMPOUND,
        ),
        _entry("whisper-large-v3", None, None, _P, kind="transcription", note="speech to text"),
        _entry(
            "whisper-large-v3-turbo", None, None, _P, kind="transcription", note="speech to text"
        ),
        _entry(
            "minimaxai/minimax-m2.7",
            None,
            None,
            _P,
            ("tools",),
            note="enterprise only, since 2026-07-16; sizes unknown",
        ),
        # preview
        _entry("qwen/qwen3.6-27b", 131_072, 16_384, _V, (*_ALL, "vision"), note="since 2026-06-16"),
        _entry(
            "qwen/qwen3.8-27b",
            131_042,
            16_384,
            _V,
            (*_ALL, "vision"),
            note="since about 2026-08-28",
        ),
        _entry("openai/gpt-oss-safeguard-20b", 131_072, 65_536, _V, ("reasoning",)),
        _entry("meta-llama/llama-prompt-guard-2-22m", 512, 512, _V),
        _entry("meta-llama/llama-prompt-guard-2-86m", 512, 512, _V),
        _entry(
            "canopylabs/orpheus-v1-english", None, None, _V, kind="speech", note="text to speech"
        ),
        _entry(
            "canopylabs/orpheus-arabic-saudi", None, None, _V, kind="speech", note="text to speech"
        ),
        # retired (newest first)
        _entry(
            "llama-3.3-70b-versatile",
            131_072,
            32_768,
            _X,
            ("tools", "json_schema"),
            replacement=_GPT,
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
            "qwen/qwen3-32b", 131_072, 40_960, _X, _ALL, replacement=_GPT, note="since 2026-07-17"
        ),
        _entry(
            "meta-llama/llama-4-scout-17b-16e-instruct",
            131_072,
            8_192,
            _X,
            ("tools", "json_schema", "vision"),
            replacement=_GPT,
            note="since 2026-07-17",
        ),
        _entry(
            "moonshotai/kimi-k2-instruct-0905",
            262_144,
            16_384,
            _X,
            ("tools", "json_schema"),
            replacement=_GPT,
            note="since 2026-04-15",
        ),
        _entry(
            "meta-llama/llama-4-maverick-17b-128e-instruct",
            131_072,
            8_192,
            _X,
            ("tools", "json_schema", "vision"),
            replacement=_GPT,
            note="since 2026-03-09",
        ),
        _entry(
            "meta-llama/llama-guard-4-12b",
            131_072,
            1_024,
            _X,
            replacement="openai/gpt-oss-safeguard-20b",
            note="since about 2026-03",
        ),
        _entry(
            "playai-tts",
            None,
            None,
            _X,
            replacement="canopylabs/orpheus-v1-english",
            note="since 2025-12-31",
            kind="speech",
        ),
        _entry(
            "playai-tts-arabic",
            None,
            None,
            _X,
            replacement="canopylabs/orpheus-arabic-saudi",
            note="since 2025-12-31",
            kind="speech",
        ),
        _entry(
            "moonshotai/kimi-k2-instruct",
            131_072,
            16_384,
            _X,
            ("tools",),
            replacement="moonshotai/kimi-k2-instruct-0905",
            note="since 2025-10-10" + _THEN,
        ),
        _entry(
            "gemma2-9b-it",
            8_192,
            None,
            _X,
            replacement="llama-3.1-8b-instant",
            note="since 2025-10-08" + _THEN,
        ),
        _entry(
            "deepseek-r1-distill-llama-70b",
            131_072,
            None,
            _X,
            ("reasoning",),
            replacement=_GPT,
            note="since 2025-10-02; replacement uncertain",
        ),
        _entry(
            "llama3-70b-8192",
            8_192,
            None,
            _X,
            replacement="llama-3.3-70b-versatile",
            note="since 2025-08-30" + _THEN,
        ),
        _entry(
            "llama3-8b-8192",
            8_192,
            None,
            _X,
            replacement="llama-3.1-8b-instant",
            note="since 2025-08-30" + _THEN,
        ),
        _entry(
            "mistral-saba-24b",
            32_768,
            None,
            _X,
            replacement="llama-3.3-70b-versatile",
            note="since 2025-07-30" + _THEN,
        ),
        _entry(
            "qwen-qwq-32b",
            131_072,
            None,
            _X,
            ("reasoning",),
            replacement="qwen/qwen3-32b",
            note="since 2025-07-14" + _THEN,
        ),
        _entry(
            "llama-guard-3-8b",
            8_192,
            None,
            _X,
            replacement="meta-llama/llama-guard-4-12b",
            note="since 2025-06-06" + _THEN,
        ),
        _entry(
            "mixtral-8x7b-32768",
            32_768,
            None,
            _X,
            replacement="llama-3.3-70b-versatile",
            note="since 2025-03-20" + _THEN,
        ),
        _entry(
            "llama-3.1-70b-versatile",
            131_072,
            None,
            _X,
            ("tools",),
            replacement="llama-3.3-70b-versatile",
            note="since early 2025" + _THEN,
        ),
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
