"""``GroqModel``: the reference's five models (pinned names) and today's, as a ``str`` enum.

Each member is its API id (``GroqModel.GPT_OSS_120B == "openai/gpt-oss-120b"``) and
knows its catalog entry; any other string works as a model id too.
"""

from __future__ import annotations

import enum

from synaptic_groq._catalog import CATALOG, Lifecycle, ModelInfo


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
