"""What differs between servers that speak the OpenAI chat-completions format.

OpenAI itself, Groq, vLLM, llama.cpp and Ollama accept the same request and answer in
the same shape, but disagree on details: the name of the max-tokens field, whether
``stream_options.include_usage`` is understood, where the request id lives. A
``Dialect`` names those choices so the wire code stays one set of pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    """The per-server choices of the OpenAI-compatible wire format."""

    provider: str
    """Name used in errors and logs (``"openai"``, ``"groq"``)."""
    max_tokens_field: str = "max_completion_tokens"
    """``max_completion_tokens`` (OpenAI, Groq) or ``max_tokens`` (most local servers)."""
    stream_usage: bool = True
    """Send ``stream_options: {"include_usage": true}`` so streams report usage."""


OPENAI = Dialect(provider="openai")
OPENAI_COMPATIBLE = Dialect(provider="openai-compatible", max_tokens_field="max_tokens")
