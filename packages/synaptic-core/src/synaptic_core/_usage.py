"""Token counts and provider timings for one call (or, summed, for many)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _add_int(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class TokenUsage(BaseModel):
    """What a call consumed.

    ``cached_tokens`` (prompt tokens served from cache) and ``reasoning_tokens`` (part of
    ``output_tokens``) are None when the provider did not say. The timings are the
    provider's own, in seconds (Groq reports queue, prompt, completion and total time).
    ``a + b`` sums two usages, e.g. across the turns of a tool loop.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    queue_time: float | None = None
    prompt_time: float | None = None
    completion_time: float | None = None
    total_time: float | None = None

    def __add__(self, other: TokenUsage) -> TokenUsage:
        if not isinstance(other, TokenUsage):
            return NotImplemented
        return TokenUsage.model_construct(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cached_tokens=_add_int(self.cached_tokens, other.cached_tokens),
            reasoning_tokens=_add_int(self.reasoning_tokens, other.reasoning_tokens),
            queue_time=_add(self.queue_time, other.queue_time),
            prompt_time=_add(self.prompt_time, other.prompt_time),
            completion_time=_add(self.completion_time, other.completion_time),
            total_time=_add(self.total_time, other.total_time),
        )
