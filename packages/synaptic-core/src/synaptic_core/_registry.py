"""The provider registry: names from entry points, imports only on demand.

Listing providers reads installed entry-point metadata and imports nothing; asking for
one imports only its plugin (an entry point in group ``synaptic`` whose name is the
provider name), registers it with pluggy, and caches the result. Duplicate and unknown
names are ``ConfigError``s that say what to do.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from importlib import metadata
from typing import Any

import pluggy

from synaptic_core import _fake_provider
from synaptic_core._errors import ConfigError
from synaptic_core._hooks import PROJECT, Provider, ProviderHookSpecs
from synaptic_core._install import install_hint
from synaptic_core._suggest import suggest

ENTRY_POINT_GROUP = "synaptic"


def _origin(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    where = f"{dist.name} {dist.version}" if dist is not None else "unknown distribution"
    return f"entry point {entry_point.name!r} = {entry_point.value!r} ({where})"


class ProviderRegistry:
    """Providers by name. ``builtins=False`` leaves out ``fake``; ``entry_points``
    replaces the installed ones (for tests that stage plugins)."""

    def __init__(
        self,
        *,
        builtins: bool = True,
        entry_points: Iterable[metadata.EntryPoint] | None = None,
    ) -> None:
        self._pm = pluggy.PluginManager(PROJECT)
        self._pm.add_hookspecs(ProviderHookSpecs)
        self._providers: dict[str, Provider[Any]] = {}
        self._origins: dict[str, str] = {}
        self._builtin_names: set[str] = set()
        self._staged = None if entry_points is None else list(entry_points)
        self._by_name: dict[str, list[metadata.EntryPoint]] | None = None
        self._lock = threading.RLock()
        if builtins:
            self._builtin_names.update(self.register_plugin(_fake_provider, origin="built in"))

    def _entry_points(self) -> dict[str, list[metadata.EntryPoint]]:
        if self._by_name is None:
            found = (
                self._staged
                if self._staged is not None
                else metadata.entry_points(group=ENTRY_POINT_GROUP)
            )
            by_name: dict[str, list[metadata.EntryPoint]] = {}
            for entry_point in found:
                same = by_name.setdefault(entry_point.name, [])
                if all(e.value != entry_point.value for e in same):
                    same.append(entry_point)
            self._by_name = by_name
        return self._by_name

    def names(self) -> list[str]:
        """Every provider name available, without importing any plugin."""
        return sorted(set(self._providers) | set(self._entry_points()))

    def register_plugin(self, plugin: object, *, origin: str | None = None) -> list[str]:
        """Register a plugin object (a module or instance with a hook implementation) and
        return the names of the providers it registered."""
        with self._lock:
            label = origin or repr(plugin)
            try:
                self._pm.register(plugin)
                self._pm.check_pending()
            except pluggy.PluginValidationError as exc:
                self._pm.unregister(plugin)
                msg = f"invalid synaptic plugin ({label}): {exc}"
                raise ConfigError(msg) from None
            except ValueError as exc:  # the same plugin object registered twice
                msg = f"plugin {label} is already registered: {exc}"
                raise ConfigError(msg) from None
            others = [p for p in self._pm.get_plugins() if p is not plugin]
            caller = self._pm.subset_hook_caller("synaptic_register_providers", others)
            offered: list[Provider[Any]] = []
            caller(register=offered.append)
            for provider in offered:
                if provider.name in self._providers:
                    self._pm.unregister(plugin)
                    msg = (
                        f"provider {provider.name!r} is registered twice: by "
                        f"{self._origins[provider.name]} and by {label}; uninstall one of them"
                    )
                    raise ConfigError(msg)
            for provider in offered:
                self._providers[provider.name] = provider
                self._origins[provider.name] = label
            return [p.name for p in offered]

    def get(self, name: str) -> Provider[Any]:
        """The provider called ``name``, importing its plugin on first use."""
        with self._lock:
            candidates = self._entry_points().get(name, [])
            if name in self._builtin_names and candidates:
                msg = (
                    f"provider {name!r} is registered twice: built in and by "
                    f"{_origin(candidates[0])}; uninstall the plugin"
                )
                raise ConfigError(msg)
            provider = self._providers.get(name)
            if provider is not None:
                return provider
            if not candidates:
                msg = f"unknown provider {name!r}{suggest(name, self.names())}; " + (
                    f"available: {', '.join(self.names())}"
                )
                if name in ("groq", "openai", "openai-compatible"):
                    extra = "openai" if name.startswith("openai") else name
                    msg += f"; {install_hint(extra)}"
                raise ConfigError(msg)
            if len(candidates) > 1:
                origins = " and ".join(_origin(e) for e in candidates)
                msg = f"provider {name!r} is registered twice: by {origins}; uninstall one"
                raise ConfigError(msg)
            entry_point = candidates[0]
            try:
                plugin = entry_point.load()
            except Exception as exc:
                msg = (
                    f"provider {name!r} is installed but its plugin failed to import "
                    f"({type(exc).__name__}: {exc}); {_origin(entry_point)}"
                )
                raise ConfigError(msg) from exc
            registered = self.register_plugin(plugin, origin=_origin(entry_point))
            if name not in registered:
                msg = (
                    f"{_origin(entry_point)} did not register a provider named {name!r} "
                    f"(it registered {registered or 'nothing'})"
                )
                raise ConfigError(msg)
            return self._providers[name]

    def describe(self) -> dict[str, str]:
        """Name -> description for every provider (this imports every plugin)."""
        return {name: self.get(name).description for name in self.names()}


_default: ProviderRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> ProviderRegistry:
    """The process-wide registry (created on first use; cheap)."""
    global _default  # noqa: PLW0603 (a lazily created singleton)
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = ProviderRegistry()
    return _default


def available_providers() -> list[str]:
    """Names of every installed provider, without importing any of them."""
    return default_registry().names()
