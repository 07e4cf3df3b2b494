"""The sampling builders shared by requests and provider configs.

``ChatRequest`` (per-request overrides) and every provider config (defaults) carry the
same sampling options and the same ``with_*`` builders; defining them once keeps their
names, signatures and validation identical. Each builder returns a new, re-validated
object: frozen models, and a bad value never gets in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from typing_extensions import Self


class SamplingBuilders(BaseModel):
    """``with_temperature``, ``with_max_tokens``, ``with_top_p``, ``with_stop``,
    ``with_seed``, ``with_response_format``, ``with_parallel_tool_calls``.

    A field-less base: subclasses declare the fields (with their ranges) and config.
    Its schema is built on first use, like theirs: building it at import would load
    pydantic's plugin loader, and with it ``importlib.metadata``, in every process.
    """

    model_config = ConfigDict(defer_build=True)

    def __init__(self, **data: Any) -> None:
        # Typed as open so subclasses' own __init__ can pass their fields through.
        super().__init__(**data)

    def _with(self, **changes: Any) -> Self:
        # Re-validate, unlike model_copy: a builder must not let a bad value in.
        return self.model_validate({**self.__dict__, **changes})

    def with_temperature(self, temperature: float) -> Self:
        """Sampling temperature (0-2)."""
        return self._with(temperature=temperature)

    def with_max_tokens(self, max_tokens: int) -> Self:
        """Most tokens to generate."""
        return self._with(max_tokens=max_tokens)

    def with_top_p(self, top_p: float) -> Self:
        """Nucleus sampling threshold (0-1)."""
        return self._with(top_p=top_p)

    def with_stop(self, stop: str | Sequence[str]) -> Self:
        """Stop sequences (at most 4)."""
        return self._with(stop=[stop] if isinstance(stop, str) else list(stop))

    def with_seed(self, seed: int) -> Self:
        """Seed for reproducible sampling, where the provider supports it."""
        return self._with(seed=seed)

    def with_response_format(self, response_format: Any) -> Self:
        """The answer's shape: "text", "json_object", a ``ResponseFormat``, a JSON-schema
        mapping, or a pydantic model class (strict structured output)."""
        return self._with(response_format=response_format)

    def with_parallel_tool_calls(self, enabled: bool) -> Self:
        """Allow or forbid several tool calls in one turn."""
        return self._with(parallel_tool_calls=enabled)
