"""Budget stores are plugins, found like providers: an entry point (group
``synaptic.stores``, named after the URL scheme: ``redis``) whose module implements the
``synaptic_register_stores(register)`` hook. The in-process store is built in.

Stores have a group of their own because the provider registry lists every entry point
of ``synaptic`` as a provider without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from synaptic_core._errors import ConfigError
from synaptic_core._hooks import PROJECT, hookspec
from synaptic_core._install import install_hint
from synaptic_core.pacing._limiter import Limits, LocalRateLimiter, RateLimiter

if TYPE_CHECKING:
    from synaptic_core.pacing._saved import SavedBudgets

STORES_GROUP = "synaptic.stores"
StoreFactory = Callable[..., RateLimiter]


class StoreHookSpecs:
    """The hooks a store plugin implements (either or both)."""

    @hookspec
    def synaptic_register_stores(self, register: Callable[[str, StoreFactory], None]) -> None:
        """Call ``register(scheme, factory)``; ``factory(limits, header_periods=...)``
        returns the store's ``RateLimiter``."""

    @hookspec
    def synaptic_register_audio_stores(
        self, register: Callable[[str, Callable[..., Any]], None]
    ) -> None:
        """Call ``register(scheme, factory)``; ``factory(limits, key=...)`` returns the
        store's audio budget (``synaptic_core.audio._pacing.SharedAudioBudget``) for the
        budget ``key`` (``provider:key-hash:model``)."""


def limiter_for(
    limits: Limits, *, header_periods: tuple[float, float], saved: SavedBudgets | None = None
) -> RateLimiter:
    """The budget store ``limits.store`` names (None or ``memory:``: this process, starting
    from ``saved`` when given)."""
    store = limits.store
    if store is None or store.startswith("memory:"):
        return LocalRateLimiter(limits, header_periods=header_periods, saved=saved)
    factory = _factory(store, "synaptic_register_stores", "")
    limiter: RateLimiter = factory(limits, header_periods=header_periods)
    return limiter


def audio_budget_for(limits: Limits, *, key: str) -> Any:
    """The audio budget in the store ``limits.store`` names (not ``memory:``)."""
    assert limits.store is not None
    return _factory(limits.store, "synaptic_register_audio_stores", "audio ")(limits, key=key)


def _factory(store: str, hook: str, what: str) -> Any:
    scheme = store.split(":", 1)[0]
    points = [e for e in metadata.entry_points(group=STORES_GROUP) if e.name == scheme]
    if not points:
        msg = (
            f"no installed store for {scheme}:// URLs; for redis:// and rediss://, the "
            f"[redis] extra: {install_hint('redis')}"
        )
        raise ConfigError(msg)
    module = points[0].load()
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(StoreHookSpecs)
    manager.register(module)
    found: dict[str, Any] = {}
    getattr(manager.hook, hook)(register=found.__setitem__)
    factory = found.get(scheme)
    if factory is None:
        msg = f"the {scheme!r} store plugin registered no {scheme!r} {what}store"
        raise ConfigError(msg)
    return factory
