"""GroqConfig: the reference's constructor and builders, Groq's options, env, validation."""

from __future__ import annotations

import pytest

from synaptic_core import ConfigError, ResponseFormat
from synaptic_groq import GroqConfig, GroqModel

from .conftest import KEY


def test_reference_constructor_and_builders(quiet_retired: None) -> None:
    config = (
        GroqConfig.new("gsk-key", GroqModel.LLAMA3_3_70B_VERSATILE)
        .with_temperature(0.7)
        .with_max_tokens(2048)
        .with_top_p(0.9)
        .with_seed(42)
        .with_stop(["<|end|>"])
    )
    assert config.api_key is not None
    assert config.api_key.get_secret_value() == "gsk-key"
    assert config.model == "llama-3.3-70b-versatile"
    assert (config.temperature, config.max_tokens, config.top_p, config.seed, config.stop) == (
        0.7,
        2048,
        0.9,
        42,
        ["<|end|>"],
    )
    assert GroqConfig("gsk-key", GroqModel.LLAMA3_3_70B_VERSATILE) == GroqConfig.new(
        "gsk-key", GroqModel.LLAMA3_3_70B_VERSATILE
    )


def test_reference_defaults_are_none() -> None:
    config = GroqConfig("gsk-key", GroqModel.GPT_OSS_120B, environ={})
    assert (config.max_tokens, config.temperature, config.top_p, config.stop, config.seed) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert config.base_url == "https://api.groq.com/openai/v1"


def test_new_custom_and_any_string() -> None:
    assert GroqConfig.new_custom("gsk-key", "llama-3.1-405b").model == "llama-3.1-405b"
    assert GroqConfig("gsk-key", "brand-new/model").info is None
    assert GroqConfig("gsk-key", GroqModel.GPT_OSS_20B).info == GroqModel.GPT_OSS_20B.info


def test_builders_return_new_immutable_configs() -> None:
    base = GroqConfig("gsk-key", GroqModel.GPT_OSS_120B)
    changed = base.with_temperature(0.1)
    assert base.temperature is None
    assert changed.temperature == 0.1
    with pytest.raises(Exception, match="frozen"):
        base.temperature = 1.0  # type: ignore[misc]


def test_groq_options() -> None:
    config = (
        GroqConfig("gsk-key", GroqModel.GPT_OSS_120B)
        .with_reasoning_format("parsed")
        .with_reasoning_effort("high")
        .with_service_tier("flex")
        .with_response_format("json_object")
        .with_parallel_tool_calls(False)
    )
    assert config.wire_options() == {
        "reasoning_format": "parsed",
        "reasoning_effort": "high",
        "service_tier": "flex",
    }
    assert config.response_format == ResponseFormat.json_object()
    assert config.parallel_tool_calls is False
    keywords = GroqConfig(
        "gsk-key", "qwen/qwen3.6-27b", reasoning_effort="none", service_tier="auto"
    )
    assert keywords.wire_options() == {"reasoning_effort": "none", "service_tier": "auto"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"temperature": 2.5},
            "invalid GroqConfig: temperature: Input should be less than or equal to 2 (got 2.5)",
        ),
        (
            {"temperature": -1},
            "invalid GroqConfig: temperature: Input should be greater than or equal to 0 (got -1)",
        ),
        (
            {"top_p": 1.1},
            "invalid GroqConfig: top_p: Input should be less than or equal to 1 (got 1.1)",
        ),
        (
            {"stop": ["a", "b", "c", "d", "e"]},
            "invalid GroqConfig: stop: List should have at most 4 items after validation, not 5 (got ['a', 'b', 'c', 'd', 'e'])",
        ),
        (
            {"max_tokens": 0},
            "invalid GroqConfig: max_tokens: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            {"reasoning_format": "verbose"},
            "invalid GroqConfig: reasoning_format: Input should be 'hidden', 'raw' or 'parsed' (got 'verbose')",
        ),
        (
            {"service_tier": "turbo"},
            "invalid GroqConfig: service_tier: Input should be 'auto', 'on_demand', 'flex' or 'performance' (got 'turbo')",
        ),
        (
            {"temprature": 1},
            "invalid GroqConfig: unknown option 'temprature' (did you mean 'temperature'?)",
        ),
    ],
)
def test_documented_ranges_are_validated(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        GroqConfig("gsk-key", GroqModel.GPT_OSS_120B, **change)
    assert str(info.value) == message


def test_builder_validation_too() -> None:
    with pytest.raises(ConfigError, match="temperature: Input should be less than or equal to 2"):
        GroqConfig("gsk-key", GroqModel.GPT_OSS_120B).with_temperature(3)


def test_key_and_base_url_from_the_environment() -> None:
    env = {"GROQ_API_KEY": KEY, "GROQ_BASE_URL": "http://127.0.0.1:8321/openai/v1/"}
    config = GroqConfig(model=GroqModel.GPT_OSS_20B, environ=env)
    assert config.api_key is not None
    assert config.api_key.get_secret_value() == KEY
    assert config.base_url == "http://127.0.0.1:8321/openai/v1"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.groq.com", "https://api.groq.com/openai/v1"),
        ("https://api.groq.com/", "https://api.groq.com/openai/v1"),
        ("https://api.groq.com/openai/v1", "https://api.groq.com/openai/v1"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/openai/v1"),
        ("https://gateway.example/groq/v1", "https://gateway.example/groq/v1"),
    ],
)
def test_bare_host_gets_the_openai_path(given: str, expected: str) -> None:
    assert GroqConfig("gsk-key", "m", base_url=given).base_url == expected
    assert GroqConfig("gsk-key", "m", environ={"GROQ_BASE_URL": given}).base_url == expected


def test_missing_key_says_what_to_set() -> None:
    with pytest.raises(
        ConfigError,
        match=r"Groq needs an API key: pass it or set GROQ_API_KEY \(create one at https://console.groq.com/keys\)",
    ):
        GroqConfig(model=GroqModel.GPT_OSS_120B, environ={})


def test_key_is_secret() -> None:
    config = GroqConfig(KEY, GroqModel.GPT_OSS_120B)
    assert KEY not in repr(config)
    assert KEY not in str(config)
    assert KEY not in config.model_dump_json()
    with pytest.raises(ConfigError, match="line break"):
        GroqConfig(KEY + "\n", GroqModel.GPT_OSS_120B)
