"""``load_chat_model``: from a name in config to a ready ``ChatModel``.

A spec is resolved to a profile (provider, settings, retry, fallbacks), the provider's
settings are validated against its schema (unknown keys are errors with suggestions),
the API key is taken from the environment, and the model is built and wrapped: in a
``RetryChatModel`` (transient errors are retried by default, 3 attempts in all; ``retry =
false`` or ``retries = 0`` turns that off), then in a ``FallbackChatModel`` when it has
``fallbacks``. Nothing is sent over the network here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pydantic
from pydantic import SecretStr

from synaptic_core._chat_model import ChatModel
from synaptic_core._config import PROFILE_KEYS, ConfigFile, find_config_file, read_config
from synaptic_core._errors import ConfigError
from synaptic_core._fallback import FallbackChatModel
from synaptic_core._hooks import Provider
from synaptic_core._registry import ProviderRegistry, default_registry
from synaptic_core._retry import RetryChatModel, RetryConfig
from synaptic_core._suggest import suggest

MODEL_ENV = "SYNAPTIC_MODEL"

Spec = str | Mapping[str, Any] | None
"""What ``load_chat_model`` takes: ``"provider:model"``, a mapping, a profile name, None."""


def _validation_message(exc: pydantic.ValidationError, fields: Any) -> str:
    problems = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"]) or "settings"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown setting {loc!r}{suggest(str(error['loc'][-1]), fields)}")
        elif error["type"] == "missing":
            problems.append(f"{loc!r} is required")
        else:
            problems.append(f"{loc}: {error['msg']}")
    return "; ".join(problems)


class _Loader:
    """One resolution: the environment, the registry, and the config file (read once)."""

    def __init__(
        self,
        config_file: str | os.PathLike[str] | None,
        environ: Mapping[str, str],
        registry: ProviderRegistry,
        cwd: Path,
    ) -> None:
        self.explicit = config_file
        self.environ = environ
        self.registry = registry
        self.cwd = cwd
        self._config: ConfigFile | None = None
        self._looked = False

    def config(self) -> ConfigFile | None:
        if not self._looked:
            path = find_config_file(self.explicit, self.environ, self.cwd)
            self._config = None if path is None else read_config(path)
            self._looked = True
        return self._config

    def resolve(self, spec: Spec) -> tuple[str, dict[str, Any]]:
        """(label, profile dict) for a spec."""
        if spec is None:
            spec = self.environ.get(MODEL_ENV) or None
            if spec is None:
                config = self.config()
                if config is None or config.default is None:
                    msg = (
                        "no model chosen: pass 'provider:model' (e.g. 'groq:openai/gpt-oss-120b'),"
                        f" set {MODEL_ENV}, or create {self.cwd / 'synaptic.toml'} with a"
                        " default profile"
                    )
                    raise ConfigError(msg)
                return config.default, dict(config.profile(config.default))
        if isinstance(spec, Mapping):
            if not isinstance(spec.get("provider"), str):
                msg = "a model mapping needs a 'provider' key, e.g. {'provider': 'groq', ...}"
                raise ConfigError(msg)
            return str(spec["provider"]), dict(spec)
        if not isinstance(spec, str):  # untyped callers
            msg = (  # type: ignore[unreachable]
                "a model spec is a 'provider:model' string, a mapping or a profile name, "
                f"not {type(spec).__name__}"
            )
            raise ConfigError(msg)
        if ":" in spec:
            provider, _, model = spec.partition(":")
            if not provider or not model:
                msg = f"model spec {spec!r} must look like 'provider:model'"
                raise ConfigError(msg)
            return spec, {"provider": provider, "model": model}
        config = self.config()
        if config is None:
            msg = f"{spec!r} is not 'provider:model' and no config file defines profiles"
            raise ConfigError(msg + self._spec_hint(spec))
        if spec not in config.profiles:
            try:
                config.profile(spec)
            except ConfigError as error:
                raise ConfigError(f"{error}{self._spec_hint(spec)}") from None
        return spec, dict(config.profile(spec))

    def _spec_hint(self, spec: str) -> str:
        """What the user probably meant: a provider alone, or a model id without one."""
        names = self.registry.names()
        if spec in names:
            return f"; to use provider {spec!r} directly, write '{spec}:<model>'"
        if not any(c in spec for c in "/-.") or " " in spec:
            return ""
        for name in names:  # a provider that knows the model: the spec that works
            found = self._known_model(name, spec)
            if found is not None:
                return (
                    f"; to name a model, give its provider: '{name}:{found}' "
                    "(`synaptic providers` lists providers, `synaptic models` Groq's models)"
                )
        provider = "groq" if "groq" in names else next((n for n in names if n != "fake"), "")
        if not provider:
            return ""
        return (
            f"; to name a model, give its provider: '{provider}:<model>' "
            "(`synaptic providers` lists providers, `synaptic models` Groq's models)"
        )

    def _known_model(self, provider: str, spec: str) -> str | None:
        """``spec`` as one of ``provider``'s model ids: itself, or the one it ends
        (``gpt-oss-120b`` -> ``openai/gpt-oss-120b``); None when the provider does not
        list its models or knows none such."""
        try:
            listed = self.registry.get(provider).model_ids
            ids = list(listed()) if listed is not None else []
        except Exception:
            return None
        wanted = spec.lower()
        for model_id in ids:
            if model_id.lower() == wanted or model_id.lower().endswith(f"/{wanted}"):
                return model_id
        return None

    def build(self, label: str, profile: dict[str, Any], *, with_fallbacks: bool) -> ChatModel:
        provider = self.registry.get(str(profile["provider"]))
        settings = {k: v for k, v in profile.items() if k not in PROFILE_KEYS}
        model: ChatModel = provider.factory(self.settings(provider, settings, profile, label))
        limits = profile.get("limits")
        if limits is not None:
            model = paced(model, limits, label)
        retry = retry_config(profile.get("retry"), profile.get("retries"), label)
        if retry is not None:
            model = RetryChatModel(model, retry)
        fallbacks = profile.get("fallbacks") or []
        if with_fallbacks and fallbacks:
            config_file = self.config()
            if config_file is None:
                msg = f"{label!r} has fallbacks, which name profiles of a config file; none found"
                raise ConfigError(msg)
            models = [model]
            for name in fallbacks:
                models.append(
                    self.build(name, dict(config_file.profile(name)), with_fallbacks=False)
                )
            model = FallbackChatModel(models, labels=[label, *fallbacks])
        return model

    def settings(
        self, provider: Provider[Any], settings: dict[str, Any], profile: dict[str, Any], label: str
    ) -> Any:
        key_env = profile.get("api_key_env") or provider.api_key_env
        if key_env is not None and not isinstance(key_env, str):
            msg = f"'api_key_env' of {label!r} must name an environment variable (a string)"
            raise ConfigError(msg)
        if settings.get("api_key") is None and key_env:
            value = self.environ.get(key_env)
            if value is not None and value and not value.strip():
                msg = (
                    f"provider {provider.name!r} ({label}): the environment variable {key_env} "
                    "is set but blank; set it to your API key, or unset it"
                )
                raise ConfigError(msg)
            if value:
                settings["api_key"] = SecretStr(value)
            elif provider.api_key_required or "api_key_env" in profile:
                msg = (
                    f"provider {provider.name!r} ({label}) needs an API key: set the "
                    f"environment variable {key_env}"
                )
                if key_env == provider.api_key_env:
                    msg += " (or name another one with api_key_env)"
                raise ConfigError(msg)
        try:
            return provider.settings.model_validate(settings)
        except pydantic.ValidationError as exc:
            fields = provider.settings.model_fields
            msg = f"invalid settings for provider {provider.name!r} ({label}): "
            raise ConfigError(msg + _validation_message(exc, fields)) from None


def retry_config(retry: Any, retries: Any, label: str) -> RetryConfig | None:
    """The profile's retries (DESIGN 18): on by default (3 attempts in all, like the
    official SDK's 2 retries); ``retry = false`` or ``retries = 0`` turns them off,
    ``retries = N`` sets how many, ``retry = {...}`` tunes them."""
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
    ):
        msg = f"invalid retries for {label!r}: 'retries' must be a whole number, 0 or more"
        raise ConfigError(msg)
    if retry is False or retries == 0:
        return None
    if retry is None or retry is True:
        retry = {}
    if isinstance(retry, RetryConfig):
        return retry if retries is None else retry.model_copy(update={"max_attempts": retries + 1})
    if not isinstance(retry, Mapping):
        msg = (
            f"invalid retry settings for {label!r}: 'retry' must be a table of settings, "
            "or false to turn retries off"
        )
        raise ConfigError(msg)
    settings = dict(retry)
    if retries is not None:
        settings["max_attempts"] = retries + 1
    try:
        return RetryConfig(**settings)
    except pydantic.ValidationError as exc:
        fields = RetryConfig.model_fields
        msg = f"invalid retry settings for {label!r}: {_validation_message(exc, fields)}"
        raise ConfigError(msg) from None


def paced(model: ChatModel, limits: Any, label: str) -> ChatModel:
    """``model`` behind the profile's ``limits``: one limiter per set of limits in this
    process (every model loaded with the same limits shares its budget)."""
    from synaptic_core.pacing import pace  # noqa: PLC0415

    return pace(model, _limits(limits, label))


def _limits(limits: Any, label: str) -> Any:
    """A profile's ``limits`` as ``Limits``; a ``ConfigError`` that names the setting."""
    from synaptic_core.pacing import Limits  # noqa: PLC0415

    if isinstance(limits, Mapping):
        try:
            limits = Limits(**limits)
        except pydantic.ValidationError as exc:
            fields = Limits.model_fields
            msg = f"invalid limits for {label!r}: {_validation_message(exc, fields)}"
            raise ConfigError(msg) from None
    if not isinstance(limits, Limits):
        msg = f"invalid limits for {label!r}: 'limits' must be a table of settings"
        raise ConfigError(msg)
    return limits


def load_chat_model(
    spec: Spec = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    registry: ProviderRegistry | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ChatModel:
    """Build a chat model by name.

    ``spec`` is ``"provider:model"`` (split on the first colon, so
    ``"groq:openai/gpt-oss-120b"`` works), a mapping (``{"provider": "groq", "model":
    ..., "temperature": ...}``), or a profile name from a config file; None means
    ``$SYNAPTIC_MODEL``, else the config file's default profile. ``overrides`` are
    merged over the profile: provider settings (``temperature=0.2``), and also
    ``retries=N`` (0: no retries; the default is 2, so 3 attempts in all),
    ``retry={...}`` / ``retry=False``, ``fallbacks=[...]`` or ``api_key_env="..."``.
    ``registry`` and ``environ`` default to the process's own (tests pass their own).
    """
    loader = _Loader(
        config_file,
        os.environ if environ is None else environ,
        registry or default_registry(),
        Path.cwd(),
    )
    label, profile = loader.resolve(spec)
    profile.update(overrides)
    return loader.build(label, profile, with_fallbacks=True)


def _load_audio(kind: str, spec: Spec, **options: Any) -> Any:
    environ = options.pop("environ", None)
    loader = _Loader(
        options.pop("config_file", None),
        os.environ if environ is None else environ,
        options.pop("registry", None) or default_registry(),
        Path.cwd(),
    )
    label, profile = loader.resolve(spec)
    profile.update(options)
    provider = loader.registry.get(str(profile["provider"]))
    factory = provider.transcription_factory if kind == "transcription" else provider.speech_factory
    if factory is None:
        what = "speech-to-text" if kind == "transcription" else "text-to-speech"
        msg = f"provider {provider.name!r} ({label}) has no {what} models"
        raise ConfigError(msg)
    settings = {k: v for k, v in profile.items() if k not in PROFILE_KEYS}
    model = factory(loader.settings(provider, settings, profile, label))
    limits = profile.get("limits")
    if limits is not None:
        model = _audio_paced(kind, model, limits, label)
    retry = retry_config(profile.get("retry"), profile.get("retries"), label)
    if retry is None:
        return model
    from synaptic_core.audio import RetrySpeechModel, RetryTranscriptionModel  # noqa: PLC0415

    wrapper = RetryTranscriptionModel if kind == "transcription" else RetrySpeechModel
    return wrapper(model, retry)


def _audio_paced(kind: str, model: Any, limits: Any, label: str) -> Any:
    """``model`` behind its profile's audio budget: one per set of limits, API key and
    model (Groq's audio limits are per model) in this process, or the budget in the
    store ``limits.store`` names, shared with every process that names it."""
    from synaptic_core.audio import (  # noqa: PLC0415
        AudioBudget,
        RateLimitedSpeechModel,
        RateLimitedTranscriptionModel,
    )
    from synaptic_core.audio._pacing import audio_budget_key  # noqa: PLC0415
    from synaptic_core.pacing._shared import _LIMITERS, _SAVED  # noqa: PLC0415

    limits = _limits(limits, label)
    key = audio_budget_key(model, limits.budget)
    saved = _SAVED[0]
    found = ("audio", limits.model_dump_json(), key, None if saved is None else saved.path)
    budget = _LIMITERS.get(found)
    if budget is None:
        if limits.store is not None and not limits.store.startswith("memory:"):
            from synaptic_core.pacing._stores import audio_budget_for  # noqa: PLC0415

            budget = audio_budget_for(limits, key=key)
        else:
            budget = AudioBudget(
                requests_per_minute=limits.requests_per_minute,
                requests_per_day=limits.requests_per_day,
                audio_seconds_per_hour=limits.audio_seconds_per_hour,
                audio_seconds_per_day=limits.audio_seconds_per_day,
                max_wait=limits.max_wait,
                saved=saved,  # the CLI's budgets.json, when it remembers budgets
                key=key,
            )
        _LIMITERS[found] = budget  # one per process, as chat's; flushed with them at exit
    wrapper = RateLimitedTranscriptionModel if kind == "transcription" else RateLimitedSpeechModel
    return wrapper(model, budget)


def load_transcription_model(
    spec: Spec = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    registry: ProviderRegistry | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Any:
    """A speech-to-text model by name, from the same specs and profiles as
    ``load_chat_model`` (``"groq:whisper-large-v3-turbo"``): the profile's model decides
    what it is, and a model of another kind is refused with one that fits. Transient
    errors are retried as for chat (``retries=0`` or ``retry=False`` turns it off)."""
    return _load_audio("transcription", spec, config_file=config_file, registry=registry,
                       environ=environ, **overrides)  # fmt: skip


def load_speech_model(
    spec: Spec = None,
    *,
    config_file: str | os.PathLike[str] | None = None,
    registry: ProviderRegistry | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Any:
    """A text-to-speech model by name (``"groq:canopylabs/orpheus-v1-english"``)."""
    return _load_audio("speech", spec, config_file=config_file, registry=registry,
                       environ=environ, **overrides)  # fmt: skip
