"""Models and transports (the reference's ``synaptic::models``)."""

from synaptic_core import (
    Backend,
    FakeBackend,
    FallbackChatModel,
    HttpBackend,
    RetryChatModel,
    RetryConfig,
    ScriptedChatModel,
)

__all__ = [
    "Backend",
    "FakeBackend",
    "FallbackChatModel",
    "HttpBackend",
    "RetryChatModel",
    "RetryConfig",
    "ScriptedChatModel",
]
