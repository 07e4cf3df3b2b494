"""synaptic-redis: one rate-limit budget for every process and machine (DESIGN 13).

``limits = {store = "redis://127.0.0.1:6379/0", ...}`` in a profile, or
``RateLimitedChatModel(model, RedisRateLimiter(Limits(...), url=...))`` in code; audio
limits (``audio_seconds_per_hour``, ...) the same way (``RedisAudioBudget``).
"""

from typing import TYPE_CHECKING, Any

from synaptic_redis._limiter import RedisRateLimiter

if TYPE_CHECKING:
    from synaptic_redis._audio import RedisAudioBudget

__version__ = "0.1.0"

__all__ = ["RedisAudioBudget", "RedisRateLimiter", "__version__"]


def __getattr__(name: str) -> Any:
    """``RedisAudioBudget`` loads audio on first use: a program that only chats never
    imports it."""
    if name == "RedisAudioBudget":
        from synaptic_redis._audio import RedisAudioBudget  # noqa: PLC0415

        return RedisAudioBudget
    raise AttributeError(name)
