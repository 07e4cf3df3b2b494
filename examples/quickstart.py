"""A first run with no network and no key: a scripted model behind the real interfaces.

Run it with ``uv run python examples/quickstart.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from synaptic_core import (
    AIMessageChunk,
    ChatRequest,
    Message,
    RateLimitError,
    RetryChatModel,
    RetryConfig,
    RetryEvent,
    ScriptedChatModel,
    ToolCall,
    ToolChoice,
    ToolDefinition,
)


def get_weather(city: str) -> str:
    """Get current weather for a city."""
    return f"Sunny and 22C in {city}"


async def main(sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """The tour; ``sleep`` is injectable so the test suite never waits for real."""
    scripted = ScriptedChatModel(
        [
            "Rust is famous for memory safety without a garbage collector.",
            [AIMessageChunk(content=w) for w in ("Ownership ", "moves ", "values.")],
            Message.ai(
                tool_calls=[ToolCall(id="c1", name="get_weather", arguments={"city": "Tokyo"})]
            ),
            RateLimitError("rate limited (demo)", status_code=429, retry_after=0.2),
            "It is sunny and 22C in Tokyo.",
        ]
    )

    def show(event: RetryEvent) -> None:
        print(f"  [retry] {type(event.error).__name__}: waiting {event.delay:.1f}s")

    model = RetryChatModel(scripted, RetryConfig(), sleep=sleep, on_retry=show)

    print("1. chat")
    request = ChatRequest(
        [Message.system("You are concise."), Message.human("What is Rust famous for?")]
    )
    print("  ", (await model.chat(request)).message.content)

    print("2. stream")
    print("   ", end="")
    async for chunk in model.stream_chat("Tell me about Rust ownership."):
        print(chunk.content, end="", flush=True)
    print()

    print("3. tool call round trip (with a rate limit recovered on the way)")
    tool = ToolDefinition.from_function(get_weather)
    ask = (
        ChatRequest([Message.human("Weather in Tokyo?")])
        .with_tools([tool])
        .with_tool_choice(ToolChoice.AUTO)
    )
    turn = await model.chat(ask)
    for call in turn.message.tool_calls:
        result = get_weather(**call.arguments)
        print(f"   tool {call.name}({call.arguments}) -> {result}")
        ask = ask.append(turn.message, Message.tool(result, call.id))
    print("  ", (await model.chat(ask)).message.content)


if __name__ == "__main__":
    asyncio.run(main())
