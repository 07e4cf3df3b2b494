"""Pacing under shared rate limits (DESIGN section 13): budgets, reservations, stores.

``RateLimitedChatModel(model, LocalRateLimiter(Limits(...)))`` paces one process; the
Redis store (``synaptic[redis]``) shares a budget across processes and machines.
"""

from synaptic_core.pacing._buckets import Bucket
from synaptic_core.pacing._estimate import TokenEstimator
from synaptic_core.pacing._limiter import (
    LOCAL_BUDGET,
    Limits,
    LocalRateLimiter,
    RateLimiter,
    Reservation,
    budget_wait_error,
)
from synaptic_core.pacing._model import (
    RateLimitedChatModel,
    SharedBudgetWarning,
    budget_key,
    warn_if_shared,
)
from synaptic_core.pacing._shared import header_periods, pace

__all__ = [
    "LOCAL_BUDGET",
    "Bucket",
    "Limits",
    "LocalRateLimiter",
    "RateLimitedChatModel",
    "RateLimiter",
    "Reservation",
    "SharedBudgetWarning",
    "TokenEstimator",
    "budget_key",
    "budget_wait_error",
    "header_periods",
    "pace",
    "warn_if_shared",
]


def limiter_for(limits: Limits, *, header_periods: tuple[float, float]) -> RateLimiter:
    """The store ``limits.store`` names (plugins load pluggy only when one is named)."""
    from synaptic_core.pacing._stores import limiter_for as load  # noqa: PLC0415

    return load(limits, header_periods=header_periods)


__all__ += ["limiter_for"]
