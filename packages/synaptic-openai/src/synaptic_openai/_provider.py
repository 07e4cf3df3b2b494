"""Registers ``openai`` and ``openai-compatible`` with synaptic's provider registry."""

from __future__ import annotations

from typing import Any

from synaptic_core import ChatModel, Provider, hookimpl
from synaptic_openai._config import API_KEY_ENV, OpenAIConfig
from synaptic_openai._dialect import OPENAI_COMPATIBLE
from synaptic_openai._model import OpenAIChatModel
from synaptic_openai._settings import ChatSettings


class OpenAISettings(ChatSettings):
    """Settings of the ``openai`` provider (``base_url`` None: ``$OPENAI_BASE_URL``, else
    ``https://api.openai.com/v1``)."""


class CompatibleSettings(OpenAISettings):
    """Settings of ``openai-compatible``: a local or third-party server; ``base_url`` is
    required and the key optional (name one with ``api_key_env``)."""

    base_url: str  # required here (optional for ``openai``)


def build_openai(settings: OpenAISettings) -> ChatModel:
    """The ``openai`` provider's factory."""
    return OpenAIChatModel(settings.to_config(OpenAIConfig))


def build_compatible(settings: CompatibleSettings) -> ChatModel:
    """The ``openai-compatible`` provider's factory."""
    return OpenAIChatModel(settings.to_config(OpenAIConfig), dialect=OPENAI_COMPATIBLE)


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
