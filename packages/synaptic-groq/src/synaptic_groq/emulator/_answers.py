"""Deterministic answers: the same conversation always gets the same reply.

Text answers quote the prompt; with tools on offer (and a tool choice that allows one)
the answer is a tool call whose arguments fit the tool's JSON schema, with string values
taken from the prompt where possible (``"What is the weather in Tokyo?"`` -> ``{"city":
"Tokyo"}``); after a tool result the answer uses that result.

Answers are bounded whatever the request: they quote at most ``QUOTE_CHARS`` (8,192)
characters of the prompt or of a tool result, a string argument is one word of at most
64 characters, and instances of JSON schemas are generated within ``_schema``'s bounds
(an unsatisfiable schema is ``SchemaError``, a 400). Why: a 20 MiB prompt of one-letter
words once became a 20 MiB answer streamed as ten million frames.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from synaptic_groq.emulator._schema import schema_instance

QUOTE_CHARS = 8192
_WORD_CHARS = 64
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
        texts = (p.get("text") for p in content if isinstance(p, dict))
        return "".join(t for t in texts if isinstance(t, str))
    return ""


def _quote(content: Any) -> str:
    """The text of ``content``, at most ``QUOTE_CHARS`` of it (what answers repeat)."""
    if isinstance(content, str):
        return content[:QUOTE_CHARS]
    return _text(content)[:QUOTE_CHARS]


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message ("" if there is none), at most
    ``QUOTE_CHARS`` of it: answers quote it, so it bounds them."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _quote(message.get("content"))
    return ""


def _subject(prompt: str) -> str:
    """A plausible string argument from the prompt: its last capitalised word."""
    words: list[str] = _WORD.findall(prompt)
    proper = [w for w in words[1:] if w[0].isupper() and w not in _STOP]
    if proper:
        return proper[-1][:_WORD_CHARS]
    return words[-1][:_WORD_CHARS] if words else "example"


def call_id(messages: list[dict[str, Any]], name: str) -> str:
    """A Groq-looking tool call id (``"2zvvry1t5"``), stable for a conversation."""
    digest = hashlib.sha256(json.dumps([messages, name], sort_keys=True).encode()).hexdigest()
    return "".join(c for c in digest if c.isalnum())[:9]


def choose_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool the emulated model calls now, or None for a text answer."""
    tools: list[dict[str, Any]] = [
        t.get("function", {})
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type", "function") == "function"
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
    parameters = tool.get("parameters", {"type": "object"})
    prompt = last_user_text(messages)
    arguments = schema_instance(parameters, lambda: _subject(prompt))
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
        return f"According to {name}: {_quote(last.get('content'))}."
    prompt = last_user_text(messages).strip() or "(no question)"
    return f"Emulated answer from {body.get('model', 'a model')} to: {prompt}"


def pieces(text: str) -> list[str]:
    """Stream pieces: words with their trailing space, like tokens."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def estimate_tokens(body: dict[str, Any]) -> int:
    """A rough, deterministic prompt token count (about 4 characters a token)."""
    total = sum(len(_text(m.get("content"))) for m in body.get("messages") or [])
    return max(1, total // 4 + 4 * len(body.get("messages") or []))


# --- structured output ----------------------------------------------------------------


def structured_answer(body: dict[str, Any]) -> str | None:
    """The JSON text for ``response_format`` json_object / json_schema (None otherwise)."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return None
    prompt = last_user_text(body.get("messages") or [])
    if response_format.get("type") == "json_object":
        return json.dumps({"answer": text_answer(body), "subject": _subject(prompt)})
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return json.dumps(schema_instance(schema or {"type": "object"}, lambda: _subject(prompt)))
    return None


# --- reasoning and compound systems ---------------------------------------------------


def reasoning_text(body: dict[str, Any]) -> str:
    """What the emulated model "thinks" before it answers (deterministic)."""
    prompt = last_user_text(body.get("messages") or []).strip() or "the question"
    return f"The user asks: {prompt} I should answer briefly."


def search_tool(body: dict[str, Any]) -> dict[str, Any]:
    """A simulated web search, as a compound system reports it (``executed_tools``)."""
    prompt = last_user_text(body.get("messages") or []).strip() or "the question"
    subject = _subject(prompt)
    results = [
        {
            "title": f"{subject}: an overview",
            "url": f"https://example.com/{subject.lower()}",
            "content": f"What the web says about {subject}.",
            "score": 0.91,
        },
        {
            "title": f"{subject} explained",
            "url": f"https://example.org/{subject.lower()}-explained",
            "content": f"A second source on {subject}.",
            "score": 0.74,
        },
    ]
    output = "\n\n".join(
        f"Title: {r['title']}\nURL: {r['url']}\nContent: {r['content']}" for r in results
    )
    return {
        "index": 0,
        "type": "search",
        "arguments": json.dumps({"query": prompt}),
        "output": output,
        "search_results": {"results": results, "images": []},
    }


class Answer:
    """One emulated answer: text or a tool call, with reasoning and tool work."""

    def __init__(
        self,
        *,
        content: str | None,
        tool_calls: list[dict[str, Any]],
        reasoning: str | None,
        raw_reasoning: bool,
        executed_tools: list[dict[str, Any]],
    ) -> None:
        self.tool_calls = tool_calls
        self.reasoning = reasoning if not raw_reasoning else None
        self.executed_tools = executed_tools
        text = content
        if raw_reasoning and reasoning and content is not None:
            text = f"<think>{reasoning}</think>\n{content}"
        self.content = text
        self.finish_reason = "tool_calls" if tool_calls else "stop"
        self.content_pieces = pieces(text) if text is not None else []
        self.reasoning_pieces = pieces(self.reasoning) if self.reasoning else []
        call_pieces = [c["function"]["arguments"] for c in tool_calls]
        self.reasoning_tokens = len(pieces(reasoning)) if reasoning else 0
        visible = len(self.content_pieces) if not tool_calls else len(call_pieces)
        self.completion_tokens = max(
            1,
            visible
            + (len(self.reasoning_pieces) or (self.reasoning_tokens if raw_reasoning else 0)),
        )

    def cut(self, limit: int) -> None:
        """``max_tokens`` (or ``max_completion_tokens``) below what the answer needs: it
        stops there, as Groq's models do, with ``finish_reason: "length"``. Reasoning
        comes first and counts too; a tool call is not cut (its arguments would not be
        JSON), so it never reports ``length``."""
        if self.tool_calls or self.completion_tokens <= limit:
            return
        left = max(limit, 1)
        if self.reasoning_pieces:
            self.reasoning_pieces = self.reasoning_pieces[:left]
            self.reasoning = "".join(self.reasoning_pieces)
            self.reasoning_tokens = len(self.reasoning_pieces)
            left -= len(self.reasoning_pieces)
        self.content_pieces = self.content_pieces[: max(left, 0)]
        if self.content is not None:
            self.content = "".join(self.content_pieces)
        self.completion_tokens = max(1, limit)
        self.finish_reason = "length"

    def message(self) -> dict[str, Any]:
        """The non-streamed ``choices[0].message``."""
        message: dict[str, Any] = {"role": "assistant"}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        else:
            message["content"] = self.content
        if self.reasoning:
            message["reasoning"] = self.reasoning
        if self.executed_tools:
            message["executed_tools"] = self.executed_tools
        return message


def _reasoning_mode(body: dict[str, Any], model: str) -> str:
    """``hidden``, ``parsed`` or ``raw``, as section 2 says (the emulator reasons on
    reasoning models only; gpt-oss models show it only when asked)."""
    from synaptic_groq._catalog import CATALOG  # noqa: PLC0415

    info = CATALOG.get(model)
    if info is None or not info.reasoning:
        return "hidden"
    include = body.get("include_reasoning")
    if include is not None:
        return "parsed" if include else "hidden"
    explicit = body.get("reasoning_format")
    if explicit in ("hidden", "parsed", "raw"):
        return str(explicit)
    response_format = body.get("response_format")
    json_mode = isinstance(response_format, dict) and response_format.get("type") != "text"
    if model.startswith("openai/gpt-oss"):
        return "parsed" if body.get("reasoning_effort") else "hidden"
    return "parsed" if json_mode or body.get("tools") else "raw"


def answer(body: dict[str, Any], model: str) -> Answer:
    """The deterministic answer to ``body``."""
    tool = choose_tool(body)
    mode = _reasoning_mode(body, model)
    reasoning = reasoning_text(body) if mode != "hidden" else None
    builtin = any(
        isinstance(t, dict) and t.get("type") in ("browser_search", "code_interpreter")
        for t in body.get("tools") or []
    )
    executed = [search_tool(body)] if model.startswith("groq/compound") or builtin else []
    if tool is not None:
        return Answer(
            content=None,
            tool_calls=[tool_call(body, tool)],
            reasoning=reasoning,
            raw_reasoning=False,
            executed_tools=executed,
        )
    content = structured_answer(body) or text_answer(body)
    made = Answer(
        content=content,
        tool_calls=[],
        reasoning=reasoning,
        raw_reasoning=mode == "raw",
        executed_tools=executed,
    )
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        made.cut(limit)
    return made


def usage_breakdown(model: str, token_usage: dict[str, Any]) -> dict[str, Any]:
    """A compound answer's per-model usage (the answering model did it all here)."""
    inner = "openai/gpt-oss-120b" if model == "groq/compound" else "openai/gpt-oss-20b"
    return {"models": [{"model": inner, "usage": dict(token_usage)}]}
