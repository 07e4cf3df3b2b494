"""OpenAIConfig (env, builders, secrets, header safety) and the registered providers."""

from __future__ import annotations

import pytest

import synaptic
from synaptic_core import ConfigError, FakeBackend
from synaptic_openai import OPENAI_COMPATIBLE, OpenAIChatModel, OpenAIConfig

from .conftest import completion


def test_key_and_base_url_from_the_environment() -> None:
    config = OpenAIConfig(
        model="gpt-4o-mini",
        environ={"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "https://proxy.example/v1/"},
    )
    assert config.api_key is not None
    assert config.api_key.get_secret_value() == "sk-env"
    assert config.base_url == "https://proxy.example/v1"


def test_openai_itself_needs_a_key() -> None:
    with pytest.raises(
        ConfigError, match=r"OpenAI needs an API key: pass api_key=\.\.\. or set OPENAI_API_KEY"
    ):
        OpenAIConfig(model="gpt-4o-mini", environ={})


def test_keyless_local_server_never_picks_up_the_env_key() -> None:
    env = {"OPENAI_API_KEY": "sk-must-not-leak"}
    local = OpenAIConfig(None, "llama3", base_url="http://127.0.0.1:11434/v1", environ=env)
    assert local.api_key is None
    assert local.with_temperature(0.1).api_key is None


def test_builders_return_new_validated_configs() -> None:
    base = OpenAIConfig("sk-1", "gpt-4o-mini")
    built = (
        base.with_temperature(0.7)
        .with_max_tokens(2048)
        .with_top_p(0.9)
        .with_seed(42)
        .with_stop("<|end|>")
        .with_timeout(10)
        .with_headers(**{"X-Team": "a"})
        .with_extra_body(user="u")
        .with_model("gpt-4o")
        .with_base_url("https://other.example/v1")
    )
    assert base.temperature is None
    assert (built.temperature, built.max_tokens, built.top_p, built.seed, built.stop) == (
        0.7,
        2048,
        0.9,
        42,
        ["<|end|>"],
    )
    assert (built.timeout, built.headers, built.extra_body) == (10, {"X-Team": "a"}, {"user": "u"})
    assert (built.model, built.base_url) == ("gpt-4o", "https://other.example/v1")
    with pytest.raises(
        ConfigError,
        match=r"invalid OpenAIConfig: temperature: Input should be less than or equal to 2 \(got 3\)",
    ):
        base.with_temperature(3)
    with pytest.raises(
        ConfigError, match="invalid OpenAIConfig: stop: List should have at most 4 items"
    ):
        base.with_stop(["a", "b", "c", "d", "e"])


def test_key_never_in_repr() -> None:
    config = OpenAIConfig("sk-secret-123", "gpt-4o-mini")
    assert "sk-secret-123" not in repr(config)
    assert "sk-secret-123" not in str(config)
    assert "sk-secret-123" not in repr(OpenAIChatModel(config, FakeBackend()))


@pytest.mark.parametrize("bad", ["sk-abc\n", "sk-\r\nX-Evil: 1", "sk\x00"])
def test_line_breaks_in_keys_and_headers_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="line break or NUL"):
        OpenAIConfig(bad, "gpt-4o-mini")
    with pytest.raises(ConfigError, match="line break or NUL"):
        OpenAIConfig("sk-ok", "gpt-4o-mini", headers={"X-Team": bad})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"model": ""},
            "invalid OpenAIConfig: model: Value error, a model id is required (got '')",
        ),
        (
            {"base_url": "ftp://x"},
            "invalid OpenAIConfig: base_url: Value error, base_url must start with http:// or https:// (got 'ftp://x')",
        ),
        (
            {"temprature": 1},
            "invalid OpenAIConfig: unknown option 'temprature' (did you mean 'temperature'?)",
        ),
    ],
)
def test_bad_settings(bad: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        OpenAIConfig("sk-1", **{"model": "gpt-4o-mini", **bad})
    assert str(info.value) == message


def test_invalid_key_type_never_echoes_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        OpenAIConfig(12345678901234, "gpt-4o-mini")  # type: ignore[arg-type]
    assert "12345678901234" not in str(info.value)


def test_providers_are_registered_and_load_by_name() -> None:
    assert {"openai", "openai-compatible"} <= set(synaptic.available_providers())
    model = synaptic.load_chat_model(
        "openai:gpt-4o-mini", environ={"OPENAI_API_KEY": "sk-1"}, temperature=0.2, retries=0
    )
    assert isinstance(model, OpenAIChatModel)
    assert model.config.temperature == 0.2
    assert model.config.base_url == "https://api.openai.com/v1"
    assert model.dialect.max_tokens_field == "max_completion_tokens"


def test_openai_provider_needs_its_key() -> None:
    with pytest.raises(ConfigError, match="set the environment variable OPENAI_API_KEY"):
        synaptic.load_chat_model("openai:gpt-4o-mini", environ={})


def test_compatible_provider_needs_base_url_and_no_key() -> None:
    with pytest.raises(ConfigError, match="'base_url' is required"):
        synaptic.load_chat_model("openai-compatible:llama3", environ={"OPENAI_API_KEY": "sk-x"})
    model = synaptic.load_chat_model(
        "openai-compatible:llama3",
        base_url="http://127.0.0.1:11434/v1",
        environ={"OPENAI_API_KEY": "sk-must-not-leak"},
        retries=0,
    )
    assert isinstance(model, OpenAIChatModel)
    assert model.dialect == OPENAI_COMPATIBLE
    assert model.config.api_key is None


def test_compatible_provider_with_a_named_key() -> None:
    model = synaptic.load_chat_model(
        {
            "provider": "openai-compatible",
            "model": "m",
            "base_url": "http://127.0.0.1:8000/v1",
            "api_key_env": "VLLM_KEY",
            "retries": 0,
        },
        environ={"VLLM_KEY": "local-secret"},
    )
    assert isinstance(model, OpenAIChatModel)
    backend = FakeBackend().add_response(completion({"role": "assistant", "content": "ok"}))
    OpenAIChatModel(model.config, backend, dialect=model.dialect).chat_sync("hi")
    assert backend.last_request.headers["authorization"] == "Bearer local-secret"
    with pytest.raises(ConfigError, match="set the environment variable VLLM_KEY"):
        synaptic.load_chat_model(
            {
                "provider": "openai-compatible",
                "model": "m",
                "base_url": "http://x/v1",
                "api_key_env": "VLLM_KEY",
            },
            environ={},
        )


def test_facade_exposes_the_package() -> None:
    import synaptic.openai
    import synaptic_openai

    assert synaptic.openai.__all__ == synaptic_openai.__all__
    assert synaptic.openai.OpenAIChatModel is OpenAIChatModel
