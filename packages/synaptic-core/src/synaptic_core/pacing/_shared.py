"""One budget per set of limits in a process: what profiles with the same ``limits`` (and
bulk jobs without any) share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synaptic_core.pacing._limiter import Limits
from synaptic_core.pacing._model import RateLimitedChatModel

if TYPE_CHECKING:
    from synaptic_core._chat_model import ChatModel

_LIMITERS: dict[Any, Any] = {}


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
    limiter = _LIMITERS.get((limits, periods))
    if limiter is None:
        limiter = _LIMITERS[(limits, periods)] = limiter_for(limits, header_periods=periods)
    return RateLimitedChatModel(model, limiter)
