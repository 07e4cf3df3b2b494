"""synaptic-redis: one rate-limit budget for every process and machine (DESIGN 13).

``limits = {store = "redis://127.0.0.1:6379/0", ...}`` in a profile, or
``RateLimitedChatModel(model, RedisRateLimiter(Limits(...), url=...))`` in code.
"""

from synaptic_redis._limiter import RedisRateLimiter

__version__ = "0.1.0"

__all__ = ["RedisRateLimiter", "__version__"]
