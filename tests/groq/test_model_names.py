"""Model-name mistakes get help: a model id without its provider, a near-miss id."""

from __future__ import annotations

import pytest

import synaptic
from synaptic_core import ConfigError, FakeBackend, ModelNotFoundError
from synaptic_groq import GroqChatModel, GroqConfig


def test_a_model_id_without_a_provider_suggests_the_prefix(tmp_path: object) -> None:
    with pytest.raises(ConfigError) as info:
        synaptic.load_chat_model("openai/gpt-oss-20b", environ={})
    assert str(info.value) == (
        "'openai/gpt-oss-20b' is not 'provider:model' and no config file defines profiles; "
        "to name a model, give its provider: 'groq:openai/gpt-oss-20b' "
        "(`synaptic providers` lists providers, `synaptic models` Groq's models)"
    )


@pytest.mark.parametrize("spec", ["gpt-oss-120b", "GPT-OSS-120B", "openai/gpt-oss-120b"])
def test_a_model_id_missing_its_vendor_suggests_the_full_spec_that_works(spec: str) -> None:
    """``-m gpt-oss-120b`` used to suggest ``groq:gpt-oss-120b``, which is invalid too."""
    with pytest.raises(ConfigError) as info:
        synaptic.load_chat_model(spec, environ={})
    assert "give its provider: 'groq:openai/gpt-oss-120b' " in str(info.value)


def test_an_unknown_model_id_gets_the_shape_not_a_wrong_spec() -> None:
    with pytest.raises(ConfigError) as info:
        synaptic.load_chat_model("my-own-model", environ={})
    assert "give its provider: 'groq:<model>' " in str(info.value)


def test_a_provider_alone_says_how_to_name_a_model() -> None:
    with pytest.raises(ConfigError, match="to use provider 'groq' directly, write 'groq:<model>'"):
        synaptic.load_chat_model("groq", environ={})


def test_a_near_miss_model_id_suggests_catalog_ids() -> None:
    body = {
        "error": {
            "message": "The model `openai/gpt-oss-12b` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "code": "model_not_found",
        }
    }
    backend = FakeBackend().add_response(body, status=404)
    model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-12b"), backend)
    with pytest.raises(ModelNotFoundError) as info:
        model.chat_sync("hi")
    assert type(info.value) is ModelNotFoundError
    assert info.value.replacement is None
    assert str(info.value) == (
        "groq error (HTTP 404, model_not_found): The model `openai/gpt-oss-12b` does not exist "
        "or you do not have access to it (did you mean 'openai/gpt-oss-120b' or "
        "'openai/gpt-oss-20b' or 'openai/gpt-oss-safeguard-20b'?); "
        "`synaptic models` lists Groq's models"
    )


def test_a_retired_models_error_reads_as_one_sentence() -> None:
    body = {"error": {"message": "The model `llama3-70b-8192` has been decommissioned and is no "
                      "longer supported. Please refer to the docs for which model to use instead.",
                      "type": "invalid_request_error", "code": "model_decommissioned"}}  # fmt: skip
    backend = FakeBackend().add_response(body, status=400)
    with pytest.warns(UserWarning, match="is decommissioned"):  # DecommissionedModelWarning
        config = GroqConfig("k", "llama3-70b-8192")
    with pytest.raises(Exception) as info:  # noqa: PT011 (the message is what is checked)
        GroqChatModel(config, backend).chat_sync("hi")
    assert ".;" not in str(info.value)
    assert "to use instead; use 'openai/gpt-oss-120b' instead" in str(info.value)
