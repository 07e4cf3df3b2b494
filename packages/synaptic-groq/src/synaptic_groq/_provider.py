"""Registers ``groq`` with synaptic's provider registry (entry point ``groq``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from synaptic_core import ChatModel, Provider, ProviderSettings, hookimpl
from synaptic_groq._config import API_KEY_ENV, GroqConfig
from synaptic_groq._model import GroqChatModel


class GroqSettings(ProviderSettings):
    """A ``provider = "groq"`` profile's keys."""

    base_url: str | None = None
    """None: ``$GROQ_BASE_URL``, else ``https://api.groq.com/openai/v1``."""
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    timeout: float | None = None
    parallel_tool_calls: bool | None = None
    response_format: Literal["text", "json_object"] | None = None
    reasoning_format: Literal["hidden", "raw", "parsed"] | None = None
    reasoning_effort: str | None = None
    service_tier: Literal["auto", "on_demand", "flex", "performance"] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)


def build_groq(settings: GroqSettings) -> ChatModel:
    """The ``groq`` provider's factory."""
    options = settings.model_dump(exclude={"api_key", "model", "base_url"}, exclude_none=True)
    config = GroqConfig(settings.api_key, settings.model, base_url=settings.base_url, **options)
    return GroqChatModel(config)


@hookimpl
def synaptic_register_providers(register: Any) -> None:
    """Register ``groq``."""
    register(
        Provider(
            name="groq",
            factory=build_groq,
            settings=GroqSettings,
            description="Groq: very fast inference on LPUs (OpenAI-compatible API)",
            api_key_env=API_KEY_ENV,
        )
    )
