"""``OpenAIConfig``: who to talk to and the default sampling options, immutable.

The key is a ``SecretStr``: it never appears in a repr, and header values are checked
for CR/LF when the config is built, so a pasted key with a trailing newline fails
here, clearly, rather than as a confusing transport error (or a header injection).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from typing_extensions import Self

from synaptic_core import ConfigError


class _Unset:
    """Marks an argument that was not passed (None means "no key", deliberately)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

DEFAULT_BASE_URL = "https://api.openai.com/v1"
API_KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"


def check_header_value(name: str, value: str) -> str:
    """Refuse CR, LF and NUL in a header value (they would split or end the header)."""
    if any(c in value for c in "\r\n\x00"):
        msg = (
            f"{name} contains a line break or NUL character; remove it "
            "(check for a trailing newline)"
        )
        raise ConfigError(msg)
    return value


class OpenAIConfig(BaseModel):
    """Connection and sampling defaults for an OpenAI-compatible server.

    ``OpenAIConfig(api_key, model)``; a missing ``api_key`` is read from
    ``$OPENAI_API_KEY`` and a missing ``base_url`` from ``$OPENAI_BASE_URL``, else
    ``https://api.openai.com/v1``. OpenAI itself needs a key; other servers (local
    ones) may take none. ``timeout`` is the read timeout of the default backend;
    ``headers`` are sent with every request and ``extra_body`` merged into every body.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = None
    model: str
    base_url: str = DEFAULT_BASE_URL
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: list[str] | None = Field(default=None, max_length=4)
    seed: int | None = None
    timeout: float | None = Field(default=None, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    def __init__(
        self,
        api_key: str | SecretStr | None = UNSET,
        model: str = "",
        *,
        base_url: str | None = UNSET,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        # Only an omitted argument reads the environment: builders re-validate with the
        # current values, and a deliberate ``api_key=None`` (a keyless local server)
        # must never pick up $OPENAI_API_KEY and send it elsewhere.
        env = os.environ if environ is None else environ
        if api_key is UNSET:
            api_key = env.get(API_KEY_ENV) or None
        if base_url is UNSET or base_url is None:
            base_url = env.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        super().__init__(api_key=api_key, model=model, base_url=base_url, **options)
        if self.api_key is None and self.base_url.rstrip("/") == DEFAULT_BASE_URL:
            msg = f"OpenAI needs an API key: pass api_key=... or set {API_KEY_ENV}"
            raise ConfigError(msg)

    @field_validator("model")
    @classmethod
    def _model_given(cls, value: str) -> str:
        if not value.strip():
            msg = "model is required (e.g. 'gpt-4o-mini')"
            raise ValueError(msg)
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = f"base_url must start with http:// or https://, got {value!r}"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _clean_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_header_value("the API key", value.get_secret_value())
        return value

    @field_validator("headers")
    @classmethod
    def _clean_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, header in value.items():
            check_header_value(f"header {name!r}", name)
            check_header_value(f"header {name!r}", header)
        return value

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def _with(self, **changes: Any) -> Self:
        # Re-validate: a builder must not let a bad value in.
        return self.model_validate({**self.__dict__, **changes})

    def with_model(self, model: str) -> Self:
        """Another model id."""
        return self._with(model=model)

    def with_base_url(self, base_url: str) -> Self:
        """Another server."""
        return self._with(base_url=base_url)

    def with_max_tokens(self, max_tokens: int) -> Self:
        """Most tokens to generate."""
        return self._with(max_tokens=max_tokens)

    def with_temperature(self, temperature: float) -> Self:
        """Sampling temperature (0-2)."""
        return self._with(temperature=temperature)

    def with_top_p(self, top_p: float) -> Self:
        """Nucleus sampling threshold (0-1)."""
        return self._with(top_p=top_p)

    def with_stop(self, stop: str | Sequence[str]) -> Self:
        """Stop sequences (at most 4)."""
        return self._with(stop=[stop] if isinstance(stop, str) else list(stop))

    def with_seed(self, seed: int) -> Self:
        """Seed for reproducible sampling."""
        return self._with(seed=seed)

    def with_timeout(self, timeout: float) -> Self:
        """Read timeout (seconds) of the default backend."""
        return self._with(timeout=timeout)

    def with_headers(self, **headers: str) -> Self:
        """Extra headers for every request."""
        return self._with(headers={**self.headers, **headers})

    def with_extra_body(self, **fields: Any) -> Self:
        """Extra body fields for every request (per-request ``extra`` wins)."""
        return self._with(extra_body={**self.extra_body, **fields})
