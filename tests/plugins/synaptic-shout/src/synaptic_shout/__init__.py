"""An example provider plugin: ``shout:<model>`` answers with the last message in capitals."""

from __future__ import annotations

from typing import Any

from synaptic_core import (
    ChatModel,
    ChatRequest,
    ChatResponse,
    Message,
    Provider,
    ProviderSettings,
    hookimpl,
)


class ShoutSettings(ProviderSettings):
    """``model`` is required; ``exclamations`` is this provider's own option."""

    exclamations: int = 1


class ShoutModel(ChatModel):
    def __init__(self, settings: ShoutSettings) -> None:
        self.settings = settings

    def _answer(self, request: ChatRequest) -> ChatResponse:
        text = request.messages[-1].content.upper() + "!" * self.settings.exclamations
        return ChatResponse(message=Message.ai(text), model=self.settings.model)

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return self._answer(request)

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        return self._answer(request)


@hookimpl
def synaptic_register_providers(register: Any) -> None:
    register(
        Provider(
            name="shout",
            factory=ShoutModel,
            settings=ShoutSettings,
            description="Answers in capitals (example plugin)",
            api_key_env="SHOUT_API_KEY",
        )
    )
