"""The public surface: pinned names exist, __all__ is explicit and sorted, imports stay light."""

from __future__ import annotations

import subprocess
import sys

import synaptic_core

PINNED = {
    # DESIGN section 2
    "ChatModel", "ChatRequest", "Message", "ToolDefinition", "ToolChoice", "SynapticError",
    "HttpBackend", "RetryChatModel", "RetryConfig",
    "SystemMessage", "HumanMessage", "AIMessage", "ToolMessage", "AIMessageChunk",
    "ChatResponse", "TokenUsage", "RateLimitInfo", "ToolCall", "InvalidToolCall",
    "ToolCallChunk", "FakeBackend", "ScriptedChatModel", "Backend",
    "ConfigError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "BadRequestError", "RateLimitError", "ServerError", "RequestTimeoutError",
    "NetworkError", "ParseError", "StreamError",
}  # fmt: skip


def test_pinned_names_are_exported() -> None:
    assert set(synaptic_core.__all__) >= PINNED
    for name in synaptic_core.__all__:
        assert hasattr(synaptic_core, name), name


def test_all_is_sorted_and_unique() -> None:
    names = list(synaptic_core.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_every_error_is_a_synaptic_error() -> None:
    errors = [
        getattr(synaptic_core, n)
        for n in synaptic_core.__all__
        if n.endswith("Error") and isinstance(getattr(synaptic_core, n), type)
    ]
    outside = {e.__name__ for e in errors if not issubclass(e, synaptic_core.SynapticError)}
    # Test-double misuse is an AssertionError on purpose: retry must never swallow it.
    assert outside == {"FakeBackendExhaustedError", "ScriptedModelExhaustedError"}


def test_import_does_not_load_httpx_or_providers() -> None:
    code = (
        "import sys, synaptic_core\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'httpx', 'httpcore', 'synaptic_openai', 'synaptic_groq'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reference_readme_flow_runs_offline() -> None:
    """The reference's chat / tools / retry flow, end to end on the scripted model."""
    from synaptic_core import (
        ChatRequest,
        Message,
        RetryChatModel,
        RetryConfig,
        ScriptedChatModel,
        ToolCall,
        ToolChoice,
        ToolDefinition,
    )

    tools = [
        ToolDefinition(
            name="get_weather",
            description="Get current weather for a city.",
            parameters={
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        )
    ]
    scripted = ScriptedChatModel(
        [
            Message.ai(
                tool_calls=[ToolCall(id="c1", name="get_weather", arguments={"city": "Tokyo"})]
            )
        ]
    )
    model = RetryChatModel(scripted, RetryConfig())
    request = (
        ChatRequest([Message.human("What is the weather in Tokyo?")])
        .with_tools(tools)
        .with_tool_choice(ToolChoice.AUTO)
    )
    response = model.chat_sync(request)
    assert [(tc.name, tc.arguments) for tc in response.message.tool_calls] == [
        ("get_weather", {"city": "Tokyo"})
    ]
    assert scripted.requests == [request]
