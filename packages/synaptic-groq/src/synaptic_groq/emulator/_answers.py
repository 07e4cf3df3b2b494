"""Deterministic answers: the same conversation always gets the same reply.

Text answers quote the prompt; with tools on offer (and a tool choice that allows one)
the answer is a tool call whose arguments fit the tool's JSON schema, with string values
taken from the prompt where possible (``"What is the weather in Tokyo?"`` -> ``{"city":
"Tokyo"}``); after a tool result the answer uses that result.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_WORD = re.compile(r"[A-Za-z][\w'-]*")
_STOP = frozenset(
    {
        "What",
        "Who",
        "Where",
        "When",
        "How",
        "Why",
        "Which",
        "Is",
        "Are",
        "The",
        "I",
        "Tell",
        "Please",
        "Get",
    }
)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message ("" if there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text(message.get("content"))
    return ""


def _subject(prompt: str) -> str:
    """A plausible string argument from the prompt: its last capitalised word."""
    words: list[str] = _WORD.findall(prompt)
    proper = [w for w in words[1:] if w[0].isupper() and w not in _STOP]
    if proper:
        return proper[-1]
    return words[-1] if words else "example"


def example_value(schema: Any, prompt: str) -> Any:
    """A value that validates against ``schema`` (the common JSON-schema subset)."""
    if not isinstance(schema, dict):
        return _subject(prompt)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [
            o for o in schema.get(key, []) if isinstance(o, dict) and o.get("type") != "null"
        ]
        if options:
            return example_value(options[0], prompt)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "array":
        return [example_value(schema.get("items", {}), prompt)] * max(
            1, int(schema.get("minItems", 1))
        )
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        wanted = schema.get("required", list(properties))
        return {name: example_value(properties.get(name, {}), prompt) for name in wanted}
    return _subject(prompt)


def call_id(messages: list[dict[str, Any]], name: str) -> str:
    """A Groq-looking tool call id (``"2zvvry1t5"``), stable for a conversation."""
    digest = hashlib.sha256(json.dumps([messages, name], sort_keys=True).encode()).hexdigest()
    return "".join(c for c in digest if c.isalnum())[:9]


def choose_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool the emulated model calls now, or None for a text answer."""
    tools: list[dict[str, Any]] = [
        t.get("function", {}) for t in body.get("tools") or [] if isinstance(t, dict)
    ]
    if not tools:
        return None
    choice = body.get("tool_choice", "auto")
    messages = body.get("messages") or []
    if choice == "none":
        return None
    if isinstance(choice, dict):
        wanted = choice.get("function", {}).get("name")
        return next((t for t in tools if t.get("name") == wanted), None)
    if choice == "auto" and messages and messages[-1].get("role") == "tool":
        return None  # it has its result: answer in text
    return tools[0]


def tool_call(body: dict[str, Any], tool: dict[str, Any]) -> dict[str, Any]:
    """A whole tool call for ``tool`` with arguments fitting its schema."""
    messages = body.get("messages") or []
    arguments = example_value(tool.get("parameters", {"type": "object"}), last_user_text(messages))
    name = str(tool.get("name", "tool"))
    return {
        "id": call_id(messages, name),
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def text_answer(body: dict[str, Any]) -> str:
    """The text reply: uses a tool result if the conversation ends with one."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        name = "the tool"
        for message in reversed(messages):
            for call in message.get("tool_calls") or []:
                if call.get("id") == last.get("tool_call_id"):
                    name = call.get("function", {}).get("name", name)
        return f"According to {name}: {_text(last.get('content'))}."
    prompt = last_user_text(messages).strip() or "(no question)"
    return f"Emulated answer from {body.get('model', 'a model')} to: {prompt}"


def pieces(text: str) -> list[str]:
    """Stream pieces: words with their trailing space, like tokens."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def estimate_tokens(body: dict[str, Any]) -> int:
    """A rough, deterministic prompt token count (about 4 characters a token)."""
    total = sum(len(_text(m.get("content"))) for m in body.get("messages") or [])
    return max(1, total // 4 + 4 * len(body.get("messages") or []))
