"""What Groq's chat completions accept, and the check that refuses the rest before sending.

Groq answers HTTP 400 to any body field it does not know, and to a few it knows but
refuses (groq-api.md sections 2 and 9). A request that would fail that way fails here
instead, with a ``ConfigError`` that says what to change, and nothing is sent: a
misspelt option costs no request, no quota and no round trip.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from synaptic_core import BuiltinTool, ChatRequest, ConfigError, suggest
from synaptic_groq._catalog import _user_stacklevel
from synaptic_groq._options import BUILTIN_TOOL_TYPES

DEPRECATED_FIELDS: dict[str, str] = {
    "include_domains": "search_settings.include_domains",
    "exclude_domains": "search_settings.exclude_domains",
    "functions": "tools",
    "function_call": "tool_choice",
}
"""Fields Groq's OpenAPI spec still lists as deprecated (accepted, sent as given), and
what replaces each."""

ACCEPTED_FIELDS = frozenset(
    {
        # OpenAI-compatible fields Groq takes
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_completion_tokens",
        "max_tokens",
        "stop",
        "seed",
        "n",
        "user",
        "stream",
        "stream_options",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "frequency_penalty",
        "presence_penalty",
        "metadata",
        "store",
        # Groq's own
        "reasoning_format",
        "reasoning_effort",
        "include_reasoning",
        "service_tier",
        "search_settings",
        "compound_custom",
        "documents",
        "citation_options",
        "disable_tool_validation",
        *DEPRECATED_FIELDS,
    }
)
"""Top-level body fields Groq accepts (docs, OpenAPI spec and SDK, 2026-12)."""

REJECTED_FIELDS = ("logprobs", "top_logprobs", "logit_bias")
"""Fields Groq knows but answers with 400."""

_GPT_OSS_EFFORT = ("low", "medium", "high")


def check_request(model: str, request: ChatRequest, fields: Mapping[str, Any]) -> None:
    """Refuse what Groq would refuse. ``fields`` are the extra body fields (config's
    ``extra_body`` with the request's ``extra`` over it) plus the config's own options.
    """
    problems: list[str] = []
    rejected = [name for name in REJECTED_FIELDS if name in fields]
    if rejected:
        problems.append(
            f"Groq rejects {', '.join(rejected)} (HTTP 400); remove "
            f"{'it' if len(rejected) == 1 else 'them'} from the request body (extra / extra_body)"
        )
    if fields.get("n", 1) != 1:
        problems.append(
            "Groq rejects n other than 1 (HTTP 400); remove n from the request body "
            "(extra / extra_body)"
        )
    for name in fields:
        if name not in ACCEPTED_FIELDS and name not in REJECTED_FIELDS:
            problems.append(
                f"Groq does not know the body field {name!r} and would answer HTTP 400"
                f"{suggest(name, ACCEPTED_FIELDS)}"
            )
    if fields.get("reasoning_format") is not None and fields.get("include_reasoning") is not None:
        problems.append(
            "reasoning_format and include_reasoning cannot both be set (Groq answers 400); keep one"
        )
    effort = fields.get("reasoning_effort")
    if effort is not None and model.startswith("openai/gpt-oss") and effort not in _GPT_OSS_EFFORT:
        problems.append(
            f"reasoning_effort {effort!r} is not accepted by {model} (Groq answers 400); "
            f"use one of {', '.join(_GPT_OSS_EFFORT)}"
        )
    for tool in request.tools:
        if isinstance(tool, BuiltinTool) and tool.type not in BUILTIN_TOOL_TYPES:
            problems.append(
                f"Groq has no built-in tool {tool.type!r}"
                f"{suggest(tool.type, BUILTIN_TOOL_TYPES)}; it takes "
                f"{' and '.join(BUILTIN_TOOL_TYPES)} next to function tools"
            )
    if problems:
        raise ConfigError("; ".join(problems))
    old = [name for name in DEPRECATED_FIELDS if name in fields]
    if old:
        instead = ", ".join(f"{name} -> {DEPRECATED_FIELDS[name]}" for name in old)
        warnings.warn(
            f"Groq lists {', '.join(old)} as deprecated (still accepted, sent as given); "
            f"use {instead}",
            DeprecationWarning,
            stacklevel=_user_stacklevel(),
        )
