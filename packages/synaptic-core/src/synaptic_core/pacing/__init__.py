"""Pacing under shared rate limits (DESIGN section 13): budgets, reservations, stores.

``RateLimitedChatModel(model, LocalRateLimiter(Limits(...)))`` paces one process; the
Redis store (``synaptic[redis]``) shares a budget across processes and machines.
"""

from synaptic_core.pacing._buckets import Bucket
from synaptic_core.pacing._estimate import TokenEstimator
from synaptic_core.pacing._limiter import Limits, LocalRateLimiter, RateLimiter, Reservation
from synaptic_core.pacing._model import RateLimitedChatModel, budget_key
from synaptic_core.pacing._shared import header_periods, pace

__all__ = [
    "Bucket",
    "Limits",
    "LocalRateLimiter",
    "RateLimitedChatModel",
    "RateLimiter",
    "Reservation",
    "TokenEstimator",
    "budget_key",
    "header_periods",
    "pace",
]


def limiter_for(limits: Limits, *, header_periods: tuple[float, float]) -> RateLimiter:
    """The store ``limits.store`` names (plugins load pluggy only when one is named)."""
    from synaptic_core.pacing._stores import limiter_for as load  # noqa: PLC0415

    return load(limits, header_periods=header_periods)


__all__ += ["limiter_for"]
