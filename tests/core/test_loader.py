"""load_chat_model: spec resolution from a table, config files in both formats, bad input
with the exact error."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import (
    ChatModel,
    ConfigError,
    FallbackChatModel,
    RetryChatModel,
    RetryConfig,
    ScriptedChatModel,
    load_chat_model,
)

TOML = textwrap.dedent(
    """
    default = "main"

    [profiles.main]
    provider = "shout"
    model = "loud"
    exclamations = 2
    api_key_env = "MY_SHOUT_KEY"
    fallbacks = ["offline"]

    [profiles.main.retry]
    max_attempts = 5
    initial_delay = 0.1

    [profiles.offline]
    provider = "fake"
    model = "echo"
    temperature = 0.3

    [profiles.scripted]
    provider = "fake"
    model = "script"
    responses = ["first answer"]
    """
)

JSON = json.dumps(
    {
        "default": "offline",
        "profiles": {
            "offline": {"provider": "fake", "model": "echo"},
            "main": {"provider": "shout", "model": "loud"},
        },
    }
)

ENV = {"SHOUT_API_KEY": "k-shout", "MY_SHOUT_KEY": "k-mine"}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so no ./synaptic.toml leaks in."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def answer(model: ChatModel, prompt: str = "hi") -> str:
    return model.chat_sync(prompt).content


# (spec, overrides, extra environment, config file name or None, expected answer to "hi")
RESOLUTION: list[tuple[Any, dict[str, Any], dict[str, str], str | None, str]] = [
    ("fake:echo", {}, {}, None, "hi"),
    ("fake:some/model:with:colons", {}, {}, None, "hi"),
    ({"provider": "fake", "model": "m", "responses": ["scripted"]}, {}, {}, None, "scripted"),
    ({"provider": "fake"}, {}, {}, None, "hi"),
    ("fake:echo", {"responses": ["overridden"]}, {}, None, "overridden"),
    ("shout:loud", {}, {}, None, "HI!"),
    ("shout:loud", {"exclamations": 3}, {}, None, "HI!!!"),
    (None, {}, {"SYNAPTIC_MODEL": "shout:env"}, None, "HI!"),
    (None, {}, {}, "synaptic.toml", "HI!!"),
    ("scripted", {}, {}, "synaptic.toml", "first answer"),
    ("offline", {}, {}, "synaptic.toml", "hi"),
    (None, {}, {}, "conf.json", "hi"),
    ("main", {}, {}, "conf.json", "HI!"),
    ("main", {"exclamations": 4}, {}, "synaptic.toml", "HI!!!!"),
    (None, {}, {"SYNAPTIC_MODEL": "scripted"}, "synaptic.toml", "first answer"),
]


@pytest.mark.parametrize(("spec", "overrides", "env", "config", "expected"), RESOLUTION)
def test_spec_resolution(
    workdir: Path,
    spec: Any,
    overrides: dict[str, Any],
    env: dict[str, str],
    config: str | None,
    expected: str,
) -> None:
    config_file = None
    if config is not None:
        config_file = write(workdir, config, JSON if config.endswith(".json") else TOML)
    model = load_chat_model(spec, config_file=config_file, environ={**ENV, **env}, **overrides)
    assert answer(model) == expected


def test_profile_with_retry_and_fallbacks_is_wrapped(workdir: Path) -> None:
    path = write(workdir, "synaptic.toml", TOML)
    model = load_chat_model(config_file=path, environ=ENV)
    assert isinstance(model, FallbackChatModel)
    assert model.labels == ["main", "offline"]
    primary, backup = model.models
    assert isinstance(primary, RetryChatModel)
    assert primary.config == RetryConfig(max_attempts=5, initial_delay=0.1)
    assert primary.model.settings.api_key.get_secret_value() == "k-mine"  # type: ignore[attr-defined]
    assert "k-mine" not in repr(primary.model.settings)  # type: ignore[attr-defined]
    assert isinstance(backup, RetryChatModel)  # retries by default (DESIGN 18)
    assert backup.config == RetryConfig()
    assert isinstance(backup.model, ScriptedChatModel)


def test_overrides_may_add_retry(workdir: Path) -> None:
    model = load_chat_model("fake:echo", retry={"max_attempts": 2}, environ={})
    assert isinstance(model, RetryChatModel)
    assert model.config.max_attempts == 2


@pytest.mark.parametrize(
    ("where", "setup"),
    [
        ("env", lambda d: {"SYNAPTIC_CONFIG": str(write(d, "elsewhere/conf.toml", TOML))}),
        ("cwd", lambda d: (write(d, "synaptic.toml", TOML), {})[1]),
        (
            "user dir",
            lambda d: (
                write(d, "xdg/synaptic/synaptic.toml", TOML),
                {"XDG_CONFIG_HOME": str(d / "xdg")},
            )[1],
        ),
        (
            "home",
            lambda d: (
                write(d, "home/.config/synaptic/synaptic.toml", TOML),
                {"HOME": str(d / "home")},
            )[1],
        ),
    ],
)
def test_config_lookup_locations(workdir: Path, where: str, setup: Any) -> None:
    env = setup(workdir)
    assert answer(load_chat_model("scripted", environ={**ENV, **env})) == "first answer", where


def test_lookup_order_explicit_then_env_then_cwd(workdir: Path) -> None:
    explicit = write(
        workdir,
        "a.toml",
        'default = "x"\n[profiles.x]\nprovider = "fake"\nresponses = ["explicit"]\n',
    )
    from_env = write(
        workdir, "b.toml", 'default = "x"\n[profiles.x]\nprovider = "fake"\nresponses = ["env"]\n'
    )
    write(
        workdir,
        "synaptic.toml",
        'default = "x"\n[profiles.x]\nprovider = "fake"\nresponses = ["cwd"]\n',
    )
    env = {"SYNAPTIC_CONFIG": str(from_env)}
    assert answer(load_chat_model(config_file=explicit, environ=env)) == "explicit"
    assert answer(load_chat_model(environ=env)) == "env"
    assert answer(load_chat_model(environ={})) == "cwd"


def test_config_is_not_read_for_provider_model_specs(workdir: Path) -> None:
    write(workdir, "synaptic.toml", "this is not toml [[[")
    assert answer(load_chat_model("fake:echo", environ={})) == "hi"


BAD_TOML = {
    "invalid": "default = [",
    "top": 'defualt = "x"\n',
    "no provider": "[profiles.x]\nmodel = 'm'\n",
    "key in file": "[profiles.x]\nprovider = 'fake'\napi_key = 'gsk_123'\n",
    "bad fallback": "[profiles.x]\nprovider = 'fake'\nfallbacks = ['ofline']\n[profiles.offline]\nprovider = 'fake'\n",
    "self fallback": "[profiles.x]\nprovider = 'fake'\nfallbacks = ['x']\n",
    "bad default": "default = 'mian'\n[profiles.main]\nprovider = 'fake'\n",
    "bad retry": "[profiles.x]\nprovider = 'fake'\nretry = 3\n",
    "profiles not tables": "profiles = 3\n",
}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("invalid", "is not valid TOML: "),
        (
            "top",
            "unknown top-level key 'defualt' (did you mean 'default'?); allowed: default, profiles",
        ),
        ("no provider", "profile 'x': 'provider' is required (e.g. provider = \"groq\")"),
        (
            "key in file",
            "profile 'x': do not store API keys in config files; put the key in an environment variable and name it with api_key_env",
        ),
        (
            "bad fallback",
            "profile 'x': fallback profile 'ofline' is not defined (did you mean 'offline'?)",
        ),
        ("self fallback", "profile 'x': a profile cannot be its own fallback"),
        ("bad default", "default profile 'mian' is not defined (did you mean 'main'?)"),
        ("bad retry", "profile 'x': 'retry' must be a table of RetryConfig settings"),
        ("profiles not tables", "'profiles' must map profile names to tables/objects"),
    ],
)
def test_bad_config_files(workdir: Path, case: str, message: str) -> None:
    path = write(workdir, "bad.toml", BAD_TOML[case])
    with pytest.raises(ConfigError) as info:
        load_chat_model("x", config_file=path, environ={})
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_bad_json_config(workdir: Path) -> None:
    path = write(workdir, "bad.json", '{"profiles": ')
    with pytest.raises(ConfigError, match="is not valid JSON"):
        load_chat_model("x", config_file=path, environ={})


@pytest.mark.parametrize(
    ("spec", "overrides", "env", "message"),
    [
        ("nope:model", {}, {}, "unknown provider 'nope'"),
        ("shuot:loud", {}, {}, "unknown provider 'shuot' (did you mean 'shout'?)"),
        (":model", {}, {}, "model spec ':model' must look like 'provider:model'"),
        ("fake:", {}, {}, "model spec 'fake:' must look like 'provider:model'"),
        (
            "fake",
            {},
            {},
            "'fake' is not 'provider:model' and no config file defines profiles; to use provider 'fake' directly, write 'fake:<model>'",
        ),
        (
            None,
            {},
            {},
            "no model chosen: pass 'provider:model' (e.g. 'groq:openai/gpt-oss-120b'), set SYNAPTIC_MODEL, or create",
        ),
        ({"model": "m"}, {}, {}, "a model mapping needs a 'provider' key"),
        (
            42,
            {},
            {},
            "a model spec is a 'provider:model' string, a mapping or a profile name, not int",
        ),
        (
            "fake:echo",
            {"temprature": 0.2},
            {},
            "invalid settings for provider 'fake' (fake:echo): unknown setting 'temprature' (did you mean 'temperature'?)",
        ),
        (
            "fake:echo",
            {"temperature": 5},
            {},
            "invalid settings for provider 'fake' (fake:echo): temperature: Input should be less than or equal to 2",
        ),
        (
            "shout:loud",
            {},
            {"SHOUT_API_KEY": ""},
            "provider 'shout' (shout:loud) needs an API key: set the environment variable SHOUT_API_KEY (or name another one with api_key_env)",
        ),
        (
            "shout:loud",
            {"api_key_env": "TEAM_KEY"},
            {},
            "needs an API key: set the environment variable TEAM_KEY",
        ),
        (
            "fake:echo",
            {"retry": {"max_atempts": 2}},
            {},
            "invalid retry settings for 'fake:echo': unknown setting 'max_atempts' (did you mean 'max_attempts'?)",
        ),
        (
            {"provider": "shout"},
            {},
            {"SHOUT_API_KEY": "k"},
            "invalid settings for provider 'shout' (shout): 'model' is required",
        ),
        (
            "fake:echo",
            {"fallbacks": ["offline"]},
            {},
            "'fake:echo' has fallbacks, which name profiles of a config file; none found",
        ),
    ],
)
def test_bad_specs_give_the_exact_error(
    workdir: Path, spec: Any, overrides: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_chat_model(spec, environ=env, **overrides)
    assert message in str(info.value)


def test_missing_profile_suggests_close_names(workdir: Path) -> None:
    path = write(workdir, "synaptic.toml", TOML)
    with pytest.raises(ConfigError) as info:
        load_chat_model("offlien", config_file=path, environ=ENV)
    assert str(info.value) == (
        f"no profile 'offlien' in {path} (did you mean 'offline'?); profiles: main, offline, scripted"
    )


def test_missing_explicit_config_is_an_error(workdir: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"config file .*missing\.toml \(from config_file\) does not exist"
    ):
        load_chat_model(config_file="missing.toml", environ={})
    with pytest.raises(ConfigError, match=r"\(from SYNAPTIC_CONFIG\) does not exist"):
        load_chat_model(environ={"SYNAPTIC_CONFIG": "/nonexistent/s.toml"})


def test_key_never_appears_in_errors(workdir: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_chat_model("shout:loud", environ={"SHOUT_API_KEY": "gsk_SECRET"}, bogus=1)
    assert "gsk_SECRET" not in str(info.value)
