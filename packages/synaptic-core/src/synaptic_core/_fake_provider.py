"""The built-in ``fake`` provider: deterministic answers, no network, no key.

``load_chat_model("fake:echo")`` answers with the last human message; ``responses``
scripts answers (used in order, then echo). It is registered through the same hook as
every other provider, so it also serves as the reference plugin.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from synaptic_core._chat_model import ChatModel
from synaptic_core._hooks import Provider, ProviderSettings, hookimpl
from synaptic_core._scripted import ScriptedChatModel


class FakeSettings(ProviderSettings):
    """Settings of the ``fake`` provider. Sampling options are accepted (so a profile can
    swap between a real provider and ``fake`` unchanged) and have no effect."""

    model: str = "echo"
    responses: list[str] = Field(default_factory=list)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, ge=0, le=1)
    stop: list[str] | None = None
    seed: int | None = None


def build_fake(settings: FakeSettings) -> ChatModel:
    """Build the scripted model the ``fake`` provider serves."""
    return ScriptedChatModel(list(settings.responses), echo=True, model=settings.model)


@hookimpl
def synaptic_register_providers(register: Any) -> None:
    """Register ``fake``."""
    register(
        Provider(
            name="fake",
            factory=build_fake,
            settings=FakeSettings,
            description="Deterministic offline answers (echo, or scripted responses)",
        )
    )
