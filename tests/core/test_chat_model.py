"""ChatModel's public surface (input forms, default streaming, sync inside a loop) and
ScriptedChatModel."""

from __future__ import annotations

import asyncio

import pytest

from synaptic_core import (
    AIMessage,
    AIMessageChunk,
    ChatModel,
    ChatRequest,
    ChatResponse,
    InvalidToolCall,
    Message,
    ScriptedChatModel,
    ServerError,
    TokenUsage,
    ToolCall,
    response_to_chunk,
)
from synaptic_core._scripted import ScriptedModelExhaustedError


class OnlyChat(ChatModel):
    """A provider that implements only the required methods."""

    def __init__(self) -> None:
        self.seen: list[ChatRequest] = []

    def _answer(self, request: ChatRequest) -> ChatResponse:
        self.seen.append(request)
        return ChatResponse(
            message=AIMessage(
                f"you said {request.messages[-1].content}",
                tool_calls=[ToolCall(id="c1", name="f", arguments={"x": 1})],
            ),
            usage=TokenUsage(input_tokens=2, output_tokens=3, total_tokens=5),
            finish_reason="stop",
            model="only",
            id="r1",
        )

    async def _chat(self, request: ChatRequest) -> ChatResponse:
        return self._answer(request)

    def _chat_sync(self, request: ChatRequest) -> ChatResponse:
        return self._answer(request)


def test_chat_model_is_abstract() -> None:
    with pytest.raises(TypeError):
        ChatModel()  # type: ignore[abstract]


async def test_accepts_request_string_and_message_list() -> None:
    model = OnlyChat()
    await model.chat("hi")
    await model.chat([Message.human("hi")])
    await model.chat(ChatRequest([Message.human("hi")]))
    model.chat_sync("hi")
    assert all(r == ChatRequest([Message.human("hi")]) for r in model.seen)
    assert len(model.seen) == 4


async def test_default_stream_yields_the_whole_answer_as_one_chunk() -> None:
    model = OnlyChat()
    chunks = [c async for c in model.stream_chat("hello")]
    assert len(chunks) == 1
    expected = AIMessage(
        "you said hello",
        tool_calls=[ToolCall(id="c1", name="f", arguments={"x": 1})],
        usage=TokenUsage(input_tokens=2, output_tokens=3, total_tokens=5),
        id="r1",
    )
    assert chunks[0].to_message() == expected
    assert chunks[0].finish_reason == "stop"
    assert [c.content for c in model.stream_chat_sync("hello")] == ["you said hello"]


def test_response_to_chunk_keeps_invalid_calls() -> None:
    response = ChatResponse(
        message=AIMessage(
            invalid_tool_calls=[InvalidToolCall(id="c", name="f", arguments="{bad", error="e")]
        )
    )
    message = response_to_chunk(response).to_message()
    assert message.tool_calls == []
    assert [(c.id, c.name, c.arguments) for c in message.invalid_tool_calls] == [("c", "f", "{bad")]


async def test_sync_methods_work_inside_a_running_event_loop() -> None:
    model = OnlyChat()
    assert asyncio.get_running_loop().is_running()
    assert model.chat_sync("inside").content == "you said inside"


async def test_scripted_model_answers_in_order_and_records() -> None:
    usage = TokenUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    model = ScriptedChatModel(
        [
            "first",
            AIMessage("second", usage=usage),
            ChatResponse(message=AIMessage("third"), id="x"),
            ServerError("boom"),
        ]
    )
    assert (await model.chat("a")).content == "first"
    second = model.chat_sync("b")
    assert (second.content, second.usage, second.finish_reason) == ("second", usage, "stop")
    assert (await model.chat("c")).id == "x"
    with pytest.raises(ServerError, match="boom"):
        await model.chat("d")
    assert [r.messages[0].content for r in model.requests] == ["a", "b", "c", "d"]
    with pytest.raises(ScriptedModelExhaustedError, match="no answer left for call #5"):
        await model.chat("e")


async def test_scripted_streams_chunks_and_errors_in_place() -> None:
    model = ScriptedChatModel(
        [[AIMessageChunk(content="a"), AIMessageChunk(content="b", finish_reason="stop")]]
    )
    chunks = [c async for c in model.stream_chat("x")]
    assert [c.content for c in chunks] == ["a", "b"]
    model = ScriptedChatModel([[AIMessageChunk(content="a"), ServerError("cut")]])
    stream = model.stream_chat_sync("x")
    assert next(stream).content == "a"
    with pytest.raises(ServerError):
        next(stream)


def test_scripted_chunks_answer_chat_as_a_whole() -> None:
    model = ScriptedChatModel([[AIMessageChunk(content="a"), AIMessageChunk(content="b")]])
    assert model.chat_sync("x").content == "ab"


def test_echo_answers_the_last_human_message() -> None:
    model = ScriptedChatModel(["scripted"], echo=True)
    assert model.chat_sync("one").content == "scripted"
    request = ChatRequest([Message.human("first"), Message.ai("mid"), Message.human("last")])
    assert model.chat_sync(request).content == "last"
    assert model.chat_sync([Message.system("only system")]).content == ""
