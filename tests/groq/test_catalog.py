"""GroqModel and the catalog: pinned members, sizes, lifecycle, replacements, warnings."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from synaptic_groq import CATALOG, CATALOG_DATE, GroqModel, Lifecycle, live_replacement, model_info


def test_reference_members_are_pinned_with_their_api_ids() -> None:
    assert GroqModel.LLAMA3_3_70B_VERSATILE == "llama-3.3-70b-versatile"
    assert GroqModel.LLAMA3_1_8B_INSTANT == "llama-3.1-8b-instant"
    assert GroqModel.LLAMA3_1_70B_VERSATILE == "llama-3.1-70b-versatile"
    assert GroqModel.GEMMA2_9B_IT == "gemma2-9b-it"
    assert GroqModel.MIXTRAL_8X7B_32768 == "mixtral-8x7b-32768"
    assert isinstance(GroqModel.GPT_OSS_120B, str)
    assert str(GroqModel.GPT_OSS_120B) == "openai/gpt-oss-120b"
    assert f"{GroqModel.GPT_OSS_20B}" == "openai/gpt-oss-20b"


@pytest.mark.parametrize(
    ("member", "context", "completion", "lifecycle", "replacement"),
    [
        (GroqModel.GPT_OSS_120B, 131_072, 65_536, Lifecycle.PRODUCTION, None),
        (GroqModel.GPT_OSS_20B, 131_072, 65_536, Lifecycle.PRODUCTION, None),
        (GroqModel.COMPOUND, 131_072, 8_192, Lifecycle.PRODUCTION, None),
        (GroqModel.COMPOUND_MINI, 131_072, 8_192, Lifecycle.PRODUCTION, None),
        (GroqModel.QWEN3_6_27B, 131_072, 16_384, Lifecycle.PREVIEW, None),
        (GroqModel.QWEN3_8_27B, 131_042, 16_384, Lifecycle.PREVIEW, None),
        (GroqModel.GPT_OSS_SAFEGUARD_20B, 131_072, 65_536, Lifecycle.PREVIEW, None),
        (GroqModel.LLAMA_PROMPT_GUARD_2_22M, 512, 512, Lifecycle.PREVIEW, None),
        (GroqModel.LLAMA_PROMPT_GUARD_2_86M, 512, 512, Lifecycle.PREVIEW, None),
        (
            GroqModel.LLAMA3_3_70B_VERSATILE,
            131_072,
            32_768,
            Lifecycle.DECOMMISSIONED,
            GroqModel.GPT_OSS_120B,
        ),
        (
            GroqModel.LLAMA3_1_8B_INSTANT,
            131_072,
            131_072,
            Lifecycle.DECOMMISSIONED,
            GroqModel.GPT_OSS_20B,
        ),
        (
            GroqModel.LLAMA3_1_70B_VERSATILE,
            131_072,
            None,
            Lifecycle.DECOMMISSIONED,
            GroqModel.LLAMA3_3_70B_VERSATILE,
        ),
        (
            GroqModel.MIXTRAL_8X7B_32768,
            32_768,
            None,
            Lifecycle.DECOMMISSIONED,
            GroqModel.LLAMA3_3_70B_VERSATILE,
        ),
        (
            GroqModel.GEMMA2_9B_IT,
            8_192,
            None,
            Lifecycle.DECOMMISSIONED,
            GroqModel.LLAMA3_1_8B_INSTANT,
        ),
    ],
)
def test_each_member_knows_its_facts(
    member: GroqModel,
    context: int,
    completion: int | None,
    lifecycle: Lifecycle,
    replacement: GroqModel | None,
) -> None:
    assert member.context_window == context
    assert member.max_completion_tokens == completion
    assert member.lifecycle is lifecycle
    assert member.replacement is replacement


def test_every_member_is_in_the_catalog_and_vice_versa() -> None:
    assert {m.value for m in GroqModel} == set(CATALOG)
    assert CATALOG_DATE == "2026-12"


@pytest.mark.parametrize(
    ("member", "tools", "json_schema", "reasoning", "vision"),
    [
        (GroqModel.GPT_OSS_120B, True, True, True, False),
        (GroqModel.QWEN3_8_27B, True, True, True, True),
        (GroqModel.COMPOUND, False, False, False, False),
        (GroqModel.LLAMA_PROMPT_GUARD_2_86M, False, False, False, False),
    ],
)
def test_capabilities(
    member: GroqModel, tools: bool, json_schema: bool, reasoning: bool, vision: bool
) -> None:
    assert (
        member.supports_tools,
        member.supports_json_schema,
        member.supports_reasoning,
        member.supports_vision,
    ) == (
        tools,
        json_schema,
        reasoning,
        vision,
    )


def test_replacement_chain_skips_retired_models() -> None:
    assert live_replacement("llama-3.1-70b-versatile") == "openai/gpt-oss-120b"
    assert live_replacement("llama-3.1-8b-instant") == "openai/gpt-oss-20b"
    assert live_replacement("mixtral-8x7b-32768") == "openai/gpt-oss-120b"
    assert live_replacement("openai/gpt-oss-120b") is None
    assert live_replacement("not-in-catalog") is None
    assert model_info("not-in-catalog") is None


def test_retired_model_warns_once_naming_the_replacement() -> None:
    code = textwrap.dedent(
        """
        import warnings
        from synaptic_groq import GroqConfig, GroqModel, DecommissionedModelWarning
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            GroqConfig("gsk-key", GroqModel.LLAMA3_3_70B_VERSATILE)
            GroqConfig("gsk-key", GroqModel.LLAMA3_3_70B_VERSATILE).with_temperature(0.5)
            GroqConfig.new_custom("gsk-key", "llama-3.1-8b-instant")
            GroqConfig("gsk-key", GroqModel.GPT_OSS_120B)
            GroqConfig("gsk-key", "some-future-model")
        for w in caught:
            assert w.category is DecommissionedModelWarning
            print(w.filename.endswith("<string>"), w.message)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.splitlines() == [
        "True Groq model 'llama-3.3-70b-versatile' is decommissioned (since 2026-08-16 on free and "
        "developer tiers; enterprise keeps it); use 'openai/gpt-oss-120b' instead. (synaptic's model catalog, 2026-12)",
        "True Groq model 'llama-3.1-8b-instant' is decommissioned (since 2026-08-16 on free and "
        "developer tiers; enterprise keeps it); use 'openai/gpt-oss-20b' instead. (synaptic's model catalog, 2026-12)",
    ]


def test_every_replacement_chain_ends_at_a_live_model() -> None:
    for info in CATALOG.values():
        live = live_replacement(info.id)
        if info.replacement is None:
            assert live is None
            continue
        assert live is not None, info.id
        assert CATALOG[live].lifecycle is not Lifecycle.DECOMMISSIONED, (info.id, live)
        assert GroqModel(info.id).live_replacement == GroqModel(live)


@pytest.mark.parametrize(
    ("retired", "live"),
    [
        ("llama-3.1-70b-versatile", "openai/gpt-oss-120b"),
        ("llama3-8b-8192", "openai/gpt-oss-20b"),
        ("qwen-qwq-32b", "openai/gpt-oss-120b"),
        ("moonshotai/kimi-k2-instruct", "openai/gpt-oss-120b"),
        ("llama-guard-3-8b", "openai/gpt-oss-safeguard-20b"),
        ("playai-tts", "canopylabs/orpheus-v1-english"),
        ("meta-llama/llama-4-scout-17b-16e-instruct", "openai/gpt-oss-120b"),
    ],
)
def test_section_9_retirements(retired: str, live: str) -> None:
    assert GroqModel(retired).lifecycle is Lifecycle.DECOMMISSIONED
    assert live_replacement(retired) == live


def test_section_9_models() -> None:
    assert GroqModel.QWEN3_6_27B.supports_vision
    assert GroqModel.WHISPER_LARGE_V3.kind == "transcription"
    assert GroqModel.ORPHEUS_V1_ENGLISH.kind == "speech"
    assert GroqModel.GPT_OSS_120B.kind == "chat"
    assert GroqModel.MINIMAX_M2_7.lifecycle is Lifecycle.PRODUCTION
