"""Registers the ``redis`` and ``rediss`` (TLS) stores (entry points of the same names in
group ``synaptic.stores``: the store is looked up by the URL's scheme)."""

from __future__ import annotations

from typing import Any

from synaptic_core import hookimpl


def build_redis_store(limits: Any, *, header_periods: tuple[float, float]) -> Any:
    """The store for ``limits.store = "redis://..."`` or ``"rediss://..."``."""
    from synaptic_redis._limiter import RedisRateLimiter  # noqa: PLC0415

    return RedisRateLimiter(limits, header_periods=header_periods)


def build_redis_audio_budget(limits: Any, *, key: str) -> Any:
    """The audio budget ``key`` in the store ``limits.store`` names."""
    from synaptic_redis._audio import RedisAudioBudget  # noqa: PLC0415

    return RedisAudioBudget(limits, key=key)


@hookimpl
def synaptic_register_audio_stores(register: Any) -> None:
    """Register ``redis`` and ``rediss`` audio budgets."""
    register("redis", build_redis_audio_budget)
    register("rediss", build_redis_audio_budget)


@hookimpl
def synaptic_register_stores(register: Any) -> None:
    """Register ``redis`` and ``rediss``."""
    register("redis", build_redis_store)
    register("rediss", build_redis_store)
