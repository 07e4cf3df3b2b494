"""One budget per set of limits in a process: what profiles with the same ``limits`` (and
bulk jobs without any) share; the CLI's budgets remembered between runs."""

from __future__ import annotations

import atexit
import os
from typing import TYPE_CHECKING, Any

from synaptic_core.pacing._limiter import Limits
from synaptic_core.pacing._model import RateLimitedChatModel
from synaptic_core.pacing._saved import SavedBudgets

if TYPE_CHECKING:
    from synaptic_core._chat_model import ChatModel

_LIMITERS: dict[Any, Any] = {}
_SAVED: list[SavedBudgets | None] = [None]


def remember_budgets(path: str | os.PathLike[str] | None) -> None:
    """In-process budgets made by ``pace`` from now on start from, and write to, the file
    ``path`` (``SavedBudgets``: what the last process on this machine left of each
    budget); None: they start full. The CLI calls it with ``$SYNAPTIC_HOME/budgets.json``;
    a library leaves it off unless its application asks."""
    if path is not None and not _FLUSHING:
        _FLUSHING.append(atexit.register(flush_budgets))
    _SAVED[0] = None if path is None else SavedBudgets(path)


_FLUSHING: list[Any] = []


def flush_budgets() -> None:
    """Every remembered budget written as it is now (the CLI's commands on their way out;
    at exit too)."""
    for limiter in list(_LIMITERS.values()):
        if getattr(limiter, "saved", None) is not None:
            limiter.flush()


def header_periods(model: ChatModel) -> tuple[float, float]:
    """What the provider's ``x-ratelimit-*-requests`` and ``-tokens`` headers count over,
    in seconds: Groq's are a day and a minute, OpenAI's a minute each."""
    from synaptic_core._chat_model import model_chain  # noqa: PLC0415 (a cycle otherwise)

    for each in model_chain(model, every_fallback=False):
        provider = getattr(getattr(each, "dialect", None), "provider", None)
        if provider is not None:
            return (60.0, 60.0) if provider in ("openai", "openai-compatible") else (86_400.0, 60.0)
    return (86_400.0, 60.0)


def pace(model: ChatModel, limits: Limits | None = None) -> RateLimitedChatModel:
    """``model`` behind ``limits`` (default: none configured, all learned from the
    headers), on the process's one budget for those limits and header periods."""
    from synaptic_core.pacing import limiter_for  # noqa: PLC0415

    limits = limits or Limits()
    periods = header_periods(model)
    saved = _SAVED[0]
    at = (limits, periods, None if saved is None else saved.path)
    limiter = _LIMITERS.get(at)
    if limiter is None:
        limiter = _LIMITERS[at] = limiter_for(limits, header_periods=periods, saved=saved)
    return RateLimitedChatModel(model, limiter)
