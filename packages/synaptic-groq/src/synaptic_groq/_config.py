"""``GroqConfig``: the reference's ``GroqConfig`` (key, model, sampling builders) plus
Groq's own options (reasoning, service tier), immutable and validated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationInfo, field_validator
from typing_extensions import Self

from synaptic_core import ConfigError
from synaptic_groq._catalog import ModelInfo, model_info, warn_if_retired
from synaptic_groq._models import GroqModel
from synaptic_openai import UNSET, ChatConfig

if TYPE_CHECKING:
    from synaptic_groq._options import CompoundCustom, Document, SearchSettings

    _SearchSettings = SearchSettings | None
    _CompoundCustom = CompoundCustom | None
    _Documents = list[Document] | None
else:  # the option models load on first use, not at import (cold start): see _options_field
    _SearchSettings = _CompoundCustom = _Documents = Any

CitationOptions = Literal["enabled", "disabled"]

DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"
API_KEY_ENV = "GROQ_API_KEY"
BASE_URL_ENV = "GROQ_BASE_URL"

ReasoningFormat = Literal["hidden", "raw", "parsed"]
ServiceTier = Literal["auto", "on_demand", "flex", "performance"]


class GroqConfig(ChatConfig):
    """``GroqConfig("gsk-...", GroqModel.GPT_OSS_120B)``, then ``with_*`` builders.

    The key defaults to ``$GROQ_API_KEY`` and is required. The base URL defaults to
    ``$GROQ_BASE_URL``, else ``https://api.groq.com/openai/v1``; a bare host such as
    ``https://api.groq.com`` (the official SDK's form) gets ``/openai/v1`` appended.
    ``model`` is a ``GroqModel`` or any model id string. Groq's own options:
    ``reasoning_format`` (hidden, raw, parsed), ``reasoning_effort`` (gpt-oss: low,
    medium, high; qwen: none, default), ``service_tier`` (auto, on_demand, flex,
    performance), ``include_reasoning`` (instead of ``reasoning_format``), and for
    compound systems and built-in tools ``search_settings``, ``compound_custom``,
    ``documents`` with ``citation_options``.
    """

    reasoning_format: ReasoningFormat | None = None
    reasoning_effort: str | None = None
    service_tier: ServiceTier | None = None
    include_reasoning: bool | None = None
    search_settings: _SearchSettings = None
    compound_custom: _CompoundCustom = None
    documents: _Documents = None
    citation_options: CitationOptions | None = None

    api_key_env: ClassVar[str] = API_KEY_ENV
    base_url_env: ClassVar[str] = BASE_URL_ENV
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL

    def __init__(
        self,
        api_key: str | SecretStr | None = UNSET,
        model: GroqModel | str = "",
        *,
        base_url: str | None = UNSET,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(api_key, model, base_url=base_url, environ=environ, **options)

    @field_validator("search_settings", "compound_custom", "documents", mode="before")
    @classmethod
    def _options_field(cls, value: Any, info: ValidationInfo) -> Any:
        """Groq's option fields, validated into their typed models (loaded here, on the
        first config that sets one, rather than when ``synaptic_groq`` is imported)."""
        if value is None:
            return None
        from synaptic_groq import _options  # noqa: PLC0415

        models: dict[str, type[BaseModel]] = {
            "search_settings": _options.SearchSettings,
            "compound_custom": _options.CompoundCustom,
            "documents": _options.Document,
        }
        model = models[str(info.field_name)]
        if info.field_name == "documents":
            if not isinstance(value, list | tuple):
                msg = "documents must be a list of Document"
                raise ValueError(msg)
            return [model.model_validate(item) for item in value]
        return model.model_validate(value)

    @classmethod
    def new(cls, api_key: str, model: GroqModel | str) -> Self:
        """The reference's ``GroqConfig::new(key, GroqModel::...)``."""
        return cls(api_key, model)

    @classmethod
    def new_custom(cls, api_key: str, model: str) -> Self:
        """The reference's ``GroqConfig::new_custom(key, "model-id")`` for unlisted models."""
        return cls(api_key, model)

    @classmethod
    def normalize_base_url(cls, base_url: str) -> str:
        """``https://api.groq.com`` (no path) -> ``https://api.groq.com/openai/v1``."""
        if urlsplit(base_url).path.strip("/") == "":
            return base_url.rstrip("/") + "/openai/v1"
        return base_url

    def _check(self) -> None:
        if self.api_key is None:
            msg = (
                f"Groq needs an API key: pass it or set {API_KEY_ENV} "
                "(create one at https://console.groq.com/keys)"
            )
            raise ConfigError(msg)
        warn_if_retired(self.model)

    @property
    def info(self) -> ModelInfo | None:
        """The catalog entry of ``model`` (None for ids the catalog does not know)."""
        return model_info(self.model)

    def wire_options(self) -> dict[str, Any]:
        """Groq's own body fields, when set."""
        options: dict[str, Any] = {}
        if self.reasoning_format is not None:
            options["reasoning_format"] = self.reasoning_format
        if self.reasoning_effort is not None:
            options["reasoning_effort"] = self.reasoning_effort
        if self.service_tier is not None:
            options["service_tier"] = self.service_tier
        if self.include_reasoning is not None:
            options["include_reasoning"] = self.include_reasoning
        if self.search_settings is not None:
            options["search_settings"] = self.search_settings.to_wire()
        if self.compound_custom is not None:
            options["compound_custom"] = self.compound_custom.to_wire()
        if self.documents is not None:
            options["documents"] = [document.to_wire() for document in self.documents]
        if self.citation_options is not None:
            options["citation_options"] = self.citation_options
        return options

    def with_reasoning_format(self, reasoning_format: ReasoningFormat) -> Self:
        """Where reasoning goes: ``hidden``, ``raw`` (in content) or ``parsed`` (separate)."""
        return self._with(reasoning_format=reasoning_format)

    def with_reasoning_effort(self, reasoning_effort: str) -> Self:
        """How hard a reasoning model thinks (gpt-oss: low/medium/high; qwen: none/default)."""
        return self._with(reasoning_effort=reasoning_effort)

    def with_service_tier(self, service_tier: ServiceTier) -> Self:
        """``on_demand`` (default), ``flex`` (fails fast with 498 when full), ``auto``."""
        return self._with(service_tier=service_tier)

    def with_include_reasoning(self, include_reasoning: bool) -> Self:
        """Show or hide reasoning (the alternative to ``reasoning_format``; not both)."""
        return self._with(include_reasoning=include_reasoning)

    def with_search_settings(self, search_settings: SearchSettings) -> Self:
        """Where compound systems and ``browser_search`` may search."""
        return self._with(search_settings=search_settings)

    def with_compound_custom(self, compound_custom: CompoundCustom) -> Self:
        """The models and tools of a compound system (``CompoundCustom.of(...)``)."""
        return self._with(compound_custom=compound_custom)

    def with_documents(self, documents: list[Document], *, citations: bool | None = None) -> Self:
        """Documents to answer from; ``citations=True`` asks Groq to cite them."""
        options: dict[str, Any] = {"documents": list(documents)}
        if citations is not None:
            options["citation_options"] = "enabled" if citations else "disabled"
        return self._with(**options)
