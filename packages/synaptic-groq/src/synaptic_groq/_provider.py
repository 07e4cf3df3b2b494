"""Registers ``groq`` with synaptic's provider registry (entry point ``groq``)."""

from __future__ import annotations

from typing import Any, Literal

from synaptic_core import ChatModel, Provider, hookimpl
from synaptic_groq._config import API_KEY_ENV, GroqConfig
from synaptic_groq._model import GroqChatModel
from synaptic_groq._options import CompoundCustom, Document, SearchSettings
from synaptic_openai import ChatSettings


class GroqSettings(ChatSettings):
    """A ``provider = "groq"`` profile's keys (``base_url`` None: ``$GROQ_BASE_URL``, else
    ``https://api.groq.com/openai/v1``)."""

    parallel_tool_calls: bool | None = None
    response_format: Literal["text", "json_object"] | None = None
    reasoning_format: Literal["hidden", "raw", "parsed"] | None = None
    reasoning_effort: str | None = None
    service_tier: Literal["auto", "on_demand", "flex", "performance"] | None = None
    include_reasoning: bool | None = None
    search_settings: SearchSettings | None = None
    compound_custom: CompoundCustom | None = None
    documents: list[Document] | None = None
    citation_options: Literal["enabled", "disabled"] | None = None


def build_groq(settings: GroqSettings) -> ChatModel:
    """The ``groq`` provider's factory."""
    return GroqChatModel(settings.to_config(GroqConfig))


def build_groq_transcription(settings: GroqSettings) -> Any:
    """``groq``'s speech-to-text models (Whisper), from a profile's settings."""
    from synaptic_groq._audio import GroqTranscriptionModel  # noqa: PLC0415

    return GroqTranscriptionModel(settings.to_config(GroqConfig))


def build_groq_speech(settings: GroqSettings) -> Any:
    """``groq``'s text-to-speech models (Orpheus), from a profile's settings."""
    from synaptic_groq._audio import GroqSpeechModel  # noqa: PLC0415

    return GroqSpeechModel(settings.to_config(GroqConfig))


def _catalog_ids() -> list[str]:
    """The catalog's model ids (for the loader's hint when a model comes without
    ``groq:``)."""
    from synaptic_groq._catalog import CATALOG  # noqa: PLC0415

    return list(CATALOG)


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
            model_ids=_catalog_ids,
            transcription_factory=build_groq_transcription,
            speech_factory=build_groq_speech,
        )
    )
