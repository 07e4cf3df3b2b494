"""Profile settings shared by every OpenAI-style provider, and their conversion to a config.

A provider's settings schema is what a config-file profile may contain; these are the keys
every OpenAI-compatible provider accepts. Providers subclass to add their own.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import Field

from synaptic_core import ProviderSettings
from synaptic_openai._config import ChatConfig

ConfigT = TypeVar("ConfigT", bound=ChatConfig)


class ChatSettings(ProviderSettings):
    """Connection and sampling keys of a profile (``base_url`` None: the provider's default)."""

    base_url: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    timeout: float | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    def to_config(self, config_class: type[ConfigT]) -> ConfigT:
        """The provider's config from these settings (unset options stay unset)."""
        options = self.model_dump(exclude={"api_key", "model", "base_url"}, exclude_none=True)
        return config_class(self.api_key, self.model, base_url=self.base_url, **options)
