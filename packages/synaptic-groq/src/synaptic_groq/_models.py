"""``GroqModel``: the reference's five models (pinned names) and today's, as a ``str`` enum.

Each member is its API id (``GroqModel.GPT_OSS_120B == "openai/gpt-oss-120b"``) and
knows its catalog entry; any other string works as a model id too.
"""

from __future__ import annotations

import enum

from synaptic_groq._catalog import CATALOG, Lifecycle, ModelInfo, live_replacement


class GroqModel(str, enum.Enum):
    """Groq model ids. The first five are the reference's; the rest are current models."""

    LLAMA3_3_70B_VERSATILE = "llama-3.3-70b-versatile"
    LLAMA3_1_8B_INSTANT = "llama-3.1-8b-instant"
    LLAMA3_1_70B_VERSATILE = "llama-3.1-70b-versatile"
    GEMMA2_9B_IT = "gemma2-9b-it"
    MIXTRAL_8X7B_32768 = "mixtral-8x7b-32768"
    GPT_OSS_120B = "openai/gpt-oss-120b"
    GPT_OSS_20B = "openai/gpt-oss-20b"
    COMPOUND = "groq/compound"
    COMPOUND_MINI = "groq/compound-mini"
    QWEN3_6_27B = "qwen/qwen3.6-27b"
    QWEN3_8_27B = "qwen/qwen3.8-27b"
    GPT_OSS_SAFEGUARD_20B = "openai/gpt-oss-safeguard-20b"
    LLAMA_PROMPT_GUARD_2_22M = "meta-llama/llama-prompt-guard-2-22m"
    LLAMA_PROMPT_GUARD_2_86M = "meta-llama/llama-prompt-guard-2-86m"
    MINIMAX_M2_7 = "minimaxai/minimax-m2.7"
    WHISPER_LARGE_V3 = "whisper-large-v3"
    WHISPER_LARGE_V3_TURBO = "whisper-large-v3-turbo"
    ORPHEUS_V1_ENGLISH = "canopylabs/orpheus-v1-english"
    ORPHEUS_ARABIC_SAUDI = "canopylabs/orpheus-arabic-saudi"
    # retired: kept so old configs get a clear warning and a live replacement
    QWEN3_32B = "qwen/qwen3-32b"
    LLAMA_4_SCOUT_17B_16E_INSTRUCT = "meta-llama/llama-4-scout-17b-16e-instruct"
    KIMI_K2_INSTRUCT_0905 = "moonshotai/kimi-k2-instruct-0905"
    LLAMA_4_MAVERICK_17B_128E_INSTRUCT = "meta-llama/llama-4-maverick-17b-128e-instruct"
    LLAMA_GUARD_4_12B = "meta-llama/llama-guard-4-12b"
    PLAYAI_TTS = "playai-tts"
    PLAYAI_TTS_ARABIC = "playai-tts-arabic"
    KIMI_K2_INSTRUCT = "moonshotai/kimi-k2-instruct"
    DEEPSEEK_R1_DISTILL_LLAMA_70B = "deepseek-r1-distill-llama-70b"
    LLAMA3_70B_8192 = "llama3-70b-8192"
    LLAMA3_8B_8192 = "llama3-8b-8192"
    MISTRAL_SABA_24B = "mistral-saba-24b"
    QWEN_QWQ_32B = "qwen-qwq-32b"
    LLAMA_GUARD_3_8B = "llama-guard-3-8b"

    def __str__(self) -> str:
        return self.value

    @property
    def info(self) -> ModelInfo:
        """The catalog entry."""
        return CATALOG[self.value]

    @property
    def context_window(self) -> int | None:
        """Context length in tokens (None where the catalog does not know)."""
        return self.info.context_window

    @property
    def max_completion_tokens(self) -> int | None:
        """Most tokens one answer may have (None where unknown)."""
        return self.info.max_completion_tokens

    @property
    def lifecycle(self) -> Lifecycle:
        """Production, preview, deprecated or decommissioned."""
        lifecycle = self.info.lifecycle
        if lifecycle is None:  # every catalog entry has one; a test checks it
            msg = f"the catalog has no lifecycle for {self.value}"
            raise LookupError(msg)
        return lifecycle

    @property
    def replacement(self) -> GroqModel | None:
        """The direct successor named by Groq, if any."""
        successor = self.info.replacement
        return None if successor is None else GroqModel(successor)

    @property
    def live_replacement(self) -> GroqModel | None:
        """The first live model down the replacement chain (never a retired one)."""
        successor = live_replacement(self.value)
        return None if successor is None else GroqModel(successor)

    @property
    def kind(self) -> str:
        """``chat``, ``transcription`` or ``speech``."""
        return self.info.kind

    @property
    def supports_tools(self) -> bool:
        """Whether the model takes user-defined tools."""
        return self.info.tools

    @property
    def supports_json_schema(self) -> bool:
        """Whether the model supports JSON-schema structured output."""
        return self.info.json_schema

    @property
    def supports_reasoning(self) -> bool:
        """Whether the model reasons (``reasoning_format`` / ``reasoning_effort``)."""
        return self.info.reasoning

    @property
    def supports_vision(self) -> bool:
        """Whether the model takes images."""
        return self.info.vision
