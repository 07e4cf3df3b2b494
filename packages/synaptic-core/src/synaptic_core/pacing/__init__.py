"""Pacing under shared rate limits (DESIGN section 13): budgets, reservations, stores.

``RateLimitedChatModel(model, LocalRateLimiter(Limits(...)))`` paces one process; the
Redis store (``synaptic[redis]``) shares a budget across processes and machines.
"""

from synaptic_core.pacing._buckets import Bucket
from synaptic_core.pacing._estimate import TokenEstimator
from synaptic_core.pacing._limiter import Limits, LocalRateLimiter, Reservation
from synaptic_core.pacing._model import RateLimitedChatModel, budget_key

__all__ = [
    "Bucket",
    "Limits",
    "LocalRateLimiter",
    "RateLimitedChatModel",
    "Reservation",
    "TokenEstimator",
    "budget_key",
]
