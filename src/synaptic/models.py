"""Models and transports (the reference's ``synaptic::models``)."""

from synaptic_core import (
    Backend,
    FakeBackend,
    FallbackChatModel,
    HttpBackend,
    Limits,
    LocalRateLimiter,
    RateLimitedChatModel,
    RetryChatModel,
    RetryConfig,
    ScriptedChatModel,
)

__all__ = [
    "Backend",
    "FakeBackend",
    "FallbackChatModel",
    "HttpBackend",
    "Limits",
    "LocalRateLimiter",
    "RateLimitedChatModel",
    "RetryChatModel",
    "RetryConfig",
    "ScriptedChatModel",
]
