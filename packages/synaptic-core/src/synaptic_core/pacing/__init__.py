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
from synaptic_core.pacing._saved import SavedBudgets
from synaptic_core.pacing._shared import flush_budgets, header_periods, pace, remember_budgets

__all__ = [
    "LOCAL_BUDGET",
    "Bucket",
    "Limits",
    "LocalRateLimiter",
    "RateLimitedChatModel",
    "RateLimiter",
    "Reservation",
    "SavedBudgets",
    "SharedBudgetWarning",
    "TokenEstimator",
    "budget_key",
    "budget_wait_error",
    "flush_budgets",
    "header_periods",
    "pace",
    "remember_budgets",
    "warn_if_shared",
]


def limiter_for(
    limits: Limits, *, header_periods: tuple[float, float], saved: SavedBudgets | None = None
) -> RateLimiter:
    """The store ``limits.store`` names (plugins load pluggy only when one is named)."""
    from synaptic_core.pacing._stores import limiter_for as load  # noqa: PLC0415

    return load(limits, header_periods=header_periods, saved=saved)


__all__ += ["limiter_for"]
