"""Config files: named profiles in TOML or JSON, and where to find them.

A file holds a ``default`` profile name and a ``profiles`` table; a profile names a
``provider``, that provider's settings, and optionally ``api_key_env``, ``retry`` (a
``RetryConfig``, or ``false``: transient errors are retried by default), ``retries``
(how many; 0: none), ``limits`` and ``fallbacks`` (other profiles). Keys are never stored in files:
a profile names the environment variable that holds its key.

Lookup order: an explicit path, ``$SYNAPTIC_CONFIG``, ``./synaptic.toml``, then the user
config directory (``$XDG_CONFIG_HOME/synaptic/synaptic.toml``, by default
``~/.config/synaptic/synaptic.toml``; ``%APPDATA%\\synaptic\\synaptic.toml`` on Windows).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synaptic_core._errors import ConfigError
from synaptic_core._suggest import suggest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover (exercised on 3.10 only)
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_ENV = "SYNAPTIC_CONFIG"
FILE_NAME = "synaptic.toml"
PROFILE_KEYS = frozenset({"provider", "api_key_env", "retry", "retries", "fallbacks", "limits"})
_TOP_LEVEL_KEYS = frozenset({"default", "profiles"})


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file: its path, default profile name, and raw profiles."""

    path: Path
    default: str | None = None
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def profile(self, name: str) -> dict[str, Any]:
        """The profile called ``name`` (a ``ConfigError`` naming close ones if missing)."""
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            msg = (
                f"no profile {name!r} in {self.path}{suggest(name, self.profiles)}; "
                f"profiles: {known}"
            )
            raise ConfigError(msg) from None


def user_config_dir(environ: Mapping[str, str]) -> Path:
    """Where a user's config lives on this platform."""
    if sys.platform == "win32" and environ.get("APPDATA"):
        return Path(environ["APPDATA"]) / "synaptic"
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(base).expanduser() / "synaptic"


def find_config_file(
    explicit: str | os.PathLike[str] | None, environ: Mapping[str, str], cwd: Path
) -> Path | None:
    """The config file to use, following the lookup order; None when there is none.

    An explicit path or ``$SYNAPTIC_CONFIG`` that does not exist is an error (it was
    asked for); the implicit locations are simply skipped.
    """
    for source, value in (("config_file", explicit), (CONFIG_ENV, environ.get(CONFIG_ENV))):
        if value:
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = cwd / path
            if not path.is_file():
                msg = f"config file {path} (from {source}) does not exist"
                raise ConfigError(msg)
            return path
    for path in (cwd / FILE_NAME, user_config_dir(environ) / FILE_NAME):
        if path.is_file():
            return path
    return None


def parse_config(text: str, path: Path) -> ConfigFile:
    """Parse and check a config file's text (TOML, or JSON for ``.json`` paths)."""
    try:
        data: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if path.suffix == ".json" else "TOML"
        msg = f"{path} is not valid {kind}: {exc}"
        raise ConfigError(msg) from None
    except RecursionError:
        msg = f"{path} is nested too deeply to read"
        raise ConfigError(msg) from None
    if not isinstance(data, dict):
        msg = f"{path}: the top level must be a table/object with 'default' and 'profiles'"
        raise ConfigError(msg)
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        hint = suggest(unknown[0], _TOP_LEVEL_KEYS)
        msg = f"{path}: unknown top-level key {unknown[0]!r}{hint}; allowed: default, profiles"
        raise ConfigError(msg)
    default = data.get("default")
    if default is not None and not isinstance(default, str):
        msg = f"{path}: 'default' must be a profile name (a string)"
        raise ConfigError(msg)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        msg = f"{path}: 'profiles' must map profile names to tables/objects"
        raise ConfigError(msg)
    for name, profile in profiles.items():
        _check_profile(path, name, profile, profiles)
    if default is not None and default not in profiles:
        msg = f"{path}: default profile {default!r} is not defined{suggest(default, profiles)}"
        raise ConfigError(msg)
    return ConfigFile(path=path, default=default, profiles=profiles)


def _check_profile(
    path: Path, name: str, profile: dict[str, Any], profiles: Mapping[str, Any]
) -> None:
    where = f"{path}, profile {name!r}"
    if not isinstance(profile.get("provider"), str):
        msg = f"{where}: 'provider' is required (e.g. provider = \"groq\")"
        raise ConfigError(msg)
    if "api_key" in profile:
        msg = (
            f"{where}: do not store API keys in config files; put the key in an "
            "environment variable and name it with api_key_env"
        )
        raise ConfigError(msg)
    fallbacks = profile.get("fallbacks", [])
    if not isinstance(fallbacks, list) or not all(isinstance(f, str) for f in fallbacks):
        msg = f"{where}: 'fallbacks' must be a list of profile names"
        raise ConfigError(msg)
    for fallback in fallbacks:
        if fallback not in profiles:
            hint = suggest(fallback, profiles)
            msg = f"{where}: fallback profile {fallback!r} is not defined{hint}"
            raise ConfigError(msg)
        if fallback == name:
            msg = f"{where}: a profile cannot be its own fallback"
            raise ConfigError(msg)
    if "retry" in profile and not isinstance(profile["retry"], dict | bool):
        msg = (
            f"{where}: 'retry' must be a table of RetryConfig settings, or false to turn "
            "retries off"
        )
        raise ConfigError(msg)


def read_config(path: Path) -> ConfigFile:
    """Read and parse the config file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read config file {path}: {exc}"
        raise ConfigError(msg) from None
    return parse_config(text, path)
