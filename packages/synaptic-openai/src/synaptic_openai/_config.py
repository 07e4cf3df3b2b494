"""Connection and sampling settings, immutable: ``ChatConfig`` and ``OpenAIConfig``.

``ChatConfig`` holds what every OpenAI-style server shares (key, model, base URL,
sampling defaults, timeout, headers, extra body fields) and the ``with_*`` builders;
``OpenAIConfig`` adds OpenAI's environment variables and defaults, ``GroqConfig``
(in ``synaptic_groq``) Groq's.

The key is a ``SecretStr``: it never appears in a repr. Invalid values raise a
``ConfigError`` that names the field, the rule and the value (never the key's value);
CR/LF in a key or header is refused here, so a pasted key with a trailing newline fails
clearly instead of as a transport error or a header injection.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from typing_extensions import Self

from synaptic_core import ConfigError, ResponseFormat, SamplingBuilders, suggest

_SECRET_FIELDS = frozenset({"api_key", "headers"})


class _Unset:
    """Marks an argument that was not passed (None means "no key", deliberately)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def check_header_value(name: str, value: str) -> str:
    """Refuse CR, LF and NUL in a header value (they would split or end the header), and
    any character that is not ASCII (HTTP cannot carry it: a non-breaking space or a
    curly quote pasted with a key), before anything is sent: the encoder's own error
    would quote the whole value, key included."""
    if any(c in value for c in "\r\n\x00"):
        msg = (
            f"{name} contains a line break or NUL character; remove it "
            "(check for a trailing newline)"
        )
        raise ConfigError(msg)
    if not value.isascii():
        import unicodedata  # noqa: PLC0415 (rare path)

        at, char = next((i, c) for i, c in enumerate(value) if not c.isascii())
        what = unicodedata.name(char, f"U+{ord(char):04X}")
        msg = (
            f"{name} contains a character HTTP headers cannot carry ({what} at position "
            f"{at + 1}); copy it again as plain text (a paste often adds such characters)"
        )
        raise ConfigError(msg)
    return value


def config_error(
    cls_name: str, exc: pydantic.ValidationError, options: Iterable[str] = ()
) -> ConfigError:
    """A readable ``ConfigError`` from pydantic's report; secret inputs are not shown.
    An unknown option names the closest known ``options`` ("did you mean ...")."""
    problems = []
    known = list(options)
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "config"
        text = f"{field}: {error['msg']}"
        if error["type"] == "extra_forbidden":
            text = f"unknown option {field!r}{suggest(field, known)}"
        elif error["loc"] and error["loc"][0] not in _SECRET_FIELDS and "input" in error:
            text += f" (got {error['input']!r})"
        problems.append(text)
    return ConfigError(f"invalid {cls_name}: " + "; ".join(problems))


class ChatConfig(SamplingBuilders):
    """What every OpenAI-style chat server needs; see ``OpenAIConfig`` and ``GroqConfig``.

    Sampling options left as None are not sent; per-request values win over these.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    api_key: SecretStr | None = None
    model: str
    base_url: str
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: list[str] | None = Field(default=None, max_length=4)
    seed: int | None = None
    response_format: ResponseFormat | None = None
    parallel_tool_calls: bool | None = None
    timeout: float | None = Field(default=None, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    api_key_env: ClassVar[str] = ""
    base_url_env: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""

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
        # must never pick up a provider's key from the environment and send it elsewhere.
        env = os.environ if environ is None else environ
        if api_key is UNSET:
            api_key = (env.get(self.api_key_env) if self.api_key_env else None) or None
            if isinstance(api_key, str) and not api_key.strip():
                msg = f"{self.api_key_env} is set but blank: set it to your API key, or unset it"
                raise ConfigError(msg)
        elif isinstance(api_key, str | SecretStr):
            text = api_key if isinstance(api_key, str) else api_key.get_secret_value()
            if not text.strip():
                msg = "the API key is blank: pass the key itself (or None for a keyless server)"
                raise ConfigError(msg)
        if base_url is UNSET or base_url is None:
            from_env = env.get(self.base_url_env) if self.base_url_env else None
            base_url = from_env or self.default_base_url
        if isinstance(base_url, str):
            base_url = self.normalize_base_url(base_url)
        try:
            super().__init__(api_key=api_key, model=model, base_url=base_url, **options)
        except pydantic.ValidationError as exc:
            raise config_error(type(self).__name__, exc, type(self).model_fields) from None
        self._check()

    def _check(self) -> None:
        """Checks that need the whole config (subclasses add theirs)."""

    @classmethod
    def normalize_base_url(cls, base_url: str) -> str:
        """Adjust a base URL given in another common form (Groq: a bare host)."""
        return base_url

    @field_validator("model", mode="before")
    @classmethod
    def _model_given(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                msg = "a model id is required"
                raise ValueError(msg)
            return str(value)  # a str enum member becomes its plain value
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = "base_url must start with http:// or https://"
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

    @field_validator("response_format", mode="before")
    @classmethod
    def _coerce_response_format(cls, value: Any) -> Any:
        if isinstance(value, type) and issubclass(value, BaseModel):
            return ResponseFormat.from_model(value)
        if value in ("text", "json_object"):
            return ResponseFormat(type=value)
        return value

    def wire_options(self) -> dict[str, Any]:
        """Provider-specific body fields this config sets (none here; Groq adds its own)."""
        return {}

    def with_model(self, model: str) -> Self:
        """Another model id."""
        return self._with(model=model)

    def with_base_url(self, base_url: str) -> Self:
        """Another server."""
        return self._with(base_url=base_url)

    def with_timeout(self, timeout: float) -> Self:
        """Read timeout (seconds) of the default backend."""
        return self._with(timeout=timeout)

    def with_headers(self, headers: Mapping[str, str] | None = None, /, **more: str) -> Self:
        """Extra headers for every request: a mapping (names such as ``X-Source``),
        keywords, or both."""
        return self._with(headers={**self.headers, **(headers or {}), **more})

    def with_extra_body(self, **fields: Any) -> Self:
        """Extra body fields for every request (per-request ``extra`` wins)."""
        return self._with(extra_body={**self.extra_body, **fields})


DEFAULT_BASE_URL = "https://api.openai.com/v1"
API_KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"


class OpenAIConfig(ChatConfig):
    """``OpenAIConfig(api_key, model)``: OpenAI, or any server with another ``base_url``.

    A missing ``api_key`` is read from ``$OPENAI_API_KEY`` and a missing ``base_url``
    from ``$OPENAI_BASE_URL``, else ``https://api.openai.com/v1``. OpenAI itself needs
    a key; other servers (local ones) may take none.
    """

    api_key_env: ClassVar[str] = API_KEY_ENV
    base_url_env: ClassVar[str] = BASE_URL_ENV
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL

    def __init__(
        self,
        api_key: str | SecretStr | None = UNSET,
        model: str = "",
        *,
        base_url: str | None = UNSET,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key, model, base_url=base_url, environ=environ, **options)

    def _check(self) -> None:
        if self.api_key is None and self.base_url == DEFAULT_BASE_URL:
            msg = f"OpenAI needs an API key: pass api_key=... or set {API_KEY_ENV}"
            raise ConfigError(msg)
