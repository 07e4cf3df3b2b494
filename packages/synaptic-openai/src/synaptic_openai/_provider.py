"""Registers ``openai`` and ``openai-compatible`` with synaptic's provider registry."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synaptic_core import ChatModel, Provider, ProviderSettings, hookimpl
from synaptic_openai._config import API_KEY_ENV, OpenAIConfig
from synaptic_openai._dialect import OPENAI_COMPATIBLE
from synaptic_openai._model import OpenAIChatModel


class OpenAISettings(ProviderSettings):
    """Settings of the ``openai`` provider (a profile's keys)."""

    base_url: str | None = None
    """None: ``$OPENAI_BASE_URL``, else ``https://api.openai.com/v1``."""
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    timeout: float | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)


class CompatibleSettings(OpenAISettings):
    """Settings of ``openai-compatible``: a local or third-party server; ``base_url`` is
    required and the key optional (name one with ``api_key_env``)."""

    base_url: str  # required here (optional for ``openai``)


def _config(settings: OpenAISettings) -> OpenAIConfig:
    options = settings.model_dump(exclude={"api_key", "model", "base_url"}, exclude_none=True)
    return OpenAIConfig(settings.api_key, settings.model, base_url=settings.base_url, **options)


def build_openai(settings: OpenAISettings) -> ChatModel:
    """The ``openai`` provider's factory."""
    return OpenAIChatModel(_config(settings))


def build_compatible(settings: CompatibleSettings) -> ChatModel:
    """The ``openai-compatible`` provider's factory."""
    return OpenAIChatModel(_config(settings), dialect=OPENAI_COMPATIBLE)


@hookimpl
def synaptic_register_providers(register: Any) -> None:
    """Register ``openai`` and ``openai-compatible``."""
    register(
        Provider(
            name="openai",
            factory=build_openai,
            settings=OpenAISettings,
            description="OpenAI's chat completions API",
            api_key_env=API_KEY_ENV,
        )
    )
    register(
        Provider(
            name="openai-compatible",
            factory=build_compatible,
            settings=CompatibleSettings,
            description="Any OpenAI-compatible server (vLLM, llama.cpp, Ollama): needs base_url",
            api_key_required=False,
        )
    )
