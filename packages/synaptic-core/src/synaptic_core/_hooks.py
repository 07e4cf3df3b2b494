"""The plugin contract: one hook through which every provider, built in or not, registers.

A plugin is a module (found through the ``synaptic`` entry-point group) with::

    from synaptic_core import Provider, ProviderSettings, hookimpl

    @hookimpl
    def synaptic_register_providers(register):
        register(Provider(name="mine", factory=build, settings=MySettings, ...))

The hook hands plugins a ``register`` callback, so one plugin may register several
providers, and the hook can grow new keyword arguments without breaking old plugins
(pluggy passes an implementation only the arguments it names). Registration must be
cheap: no network, no file I/O, no heavy imports; build clients in ``factory``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pluggy
from pydantic import BaseModel, ConfigDict, SecretStr

if TYPE_CHECKING:
    from synaptic_core._chat_model import ChatModel

PROJECT = "synaptic"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

_PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ProviderSettings(BaseModel):
    """Base of every provider's settings schema.

    Unknown keys are errors (``extra="forbid"``), so a typo in a config file is reported
    instead of silently ignored. ``api_key`` is a ``SecretStr``: it never shows in a repr.
    Subclass it and add the provider's options with their types and defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    model: str
    api_key: SecretStr | None = None


SettingsT = TypeVar("SettingsT", bound=ProviderSettings)


@dataclass(frozen=True)
class Provider(Generic[SettingsT]):
    """What a plugin registers: a name, how to build a model, and what it needs.

    ``factory`` receives validated ``settings`` (an instance of the ``settings`` class,
    with ``api_key`` filled from ``api_key_env`` when the caller did not pass one).
    ``api_key_required=False`` suits local servers that take no key. ``model_ids``, when
    given, lists the model ids the provider knows, so a model named without its provider
    (``-m gpt-oss-120b``) is answered with the full spec that works. A provider with
    audio models adds ``transcription_factory`` and/or ``speech_factory``.
    """

    name: str
    factory: Callable[[SettingsT], ChatModel]
    settings: type[SettingsT]
    description: str = ""
    api_key_env: str | None = None
    api_key_required: bool = True
    model_ids: Callable[[], Iterable[str]] | None = None
    transcription_factory: Callable[[SettingsT], Any] | None = None
    """Builds a ``TranscriptionModel`` from the same settings (speech to text), if the
    provider has such models: ``load_transcription_model`` calls it."""
    speech_factory: Callable[[SettingsT], Any] | None = None
    """Builds a ``SpeechModel`` (text to speech), for ``load_speech_model``."""

    def __post_init__(self) -> None:
        from synaptic_core._errors import ConfigError  # noqa: PLC0415 (cycle)

        if not _PROVIDER_NAME.fullmatch(self.name):
            msg = (
                f"invalid provider name {self.name!r}: use 1-64 lowercase letters, digits, "
                "'-' or '_', starting with a letter or digit"
            )
            raise ConfigError(msg)


class ProviderHookSpecs:
    """Hook specifications of the ``synaptic`` project (pluggy)."""

    @hookspec
    def synaptic_register_providers(self, register: Callable[[Provider[Any]], None]) -> None:
        """Call ``register(Provider(...))`` once per provider this plugin offers."""
