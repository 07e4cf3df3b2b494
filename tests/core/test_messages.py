"""Messages: constructors, content parts, immutability, JSON round trip."""

from __future__ import annotations

import json

import pydantic
import pytest

from synaptic_core import (
    AIMessage,
    HumanMessage,
    ImagePart,
    InvalidToolCall,
    Message,
    SystemMessage,
    TextPart,
    TokenUsage,
    ToolCall,
    ToolMessage,
)


def test_reference_constructors_build_the_concrete_classes() -> None:
    assert Message.system("be brief") == SystemMessage("be brief")
    assert Message.human("hi") == HumanMessage("hi")
    assert Message.ai("hello") == AIMessage("hello")
    assert Message.tool("22C", "call_1") == ToolMessage("22C", tool_call_id="call_1")
    for message in (Message.system("a"), Message.human("b"), Message.ai("c")):
        assert isinstance(message, Message)
    assert [m.role for m in (SystemMessage(), HumanMessage(), AIMessage())] == [
        "system",
        "human",
        "ai",
    ]


def test_message_base_is_abstract() -> None:
    with pytest.raises(TypeError, match="Message is abstract"):
        Message("x")


def test_content_keyword_and_positional_agree() -> None:
    assert HumanMessage(content="hi") == HumanMessage("hi")


def test_tool_message_requires_the_call_id() -> None:
    with pytest.raises(pydantic.ValidationError, match="tool_call_id"):
        ToolMessage("result")


def test_parts_keep_images_and_content_is_the_text() -> None:
    message = Message.human(
        [
            {"type": "text", "text": "What is in "},
            {"type": "image_url", "url": "https://example.com/cat.png", "detail": "low"},
            TextPart(text="this picture?"),
        ]
    )
    assert message.content == "What is in this picture?"
    assert message.parts == [
        TextPart(text="What is in "),
        ImagePart(url="https://example.com/cat.png", detail="low"),
        TextPart(text="this picture?"),
    ]


def test_unknown_part_type_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        HumanMessage([{"type": "audio", "data": "..."}])


def test_messages_are_immutable() -> None:
    message = HumanMessage("hi")
    with pytest.raises(pydantic.ValidationError):
        message.content = "changed"  # type: ignore[misc]


def test_ai_message_defaults() -> None:
    message = AIMessage()
    assert message.content == ""
    assert message.tool_calls == []
    assert message.invalid_tool_calls == []
    assert message.reasoning is None
    assert message.usage is None


def test_conversation_round_trips_through_json() -> None:
    conversation = [
        Message.system("be brief"),
        Message.human([{"type": "text", "text": "look"}, {"type": "image_url", "url": "data:,"}]),
        AIMessage(
            "",
            tool_calls=[ToolCall(id="c1", name="get_weather", arguments={"city": "Tokyo"})],
            invalid_tool_calls=[
                InvalidToolCall(id="c2", name="f", arguments="{bad", error="not JSON")
            ],
            reasoning="thinking",
            usage=TokenUsage(input_tokens=3, output_tokens=4, total_tokens=7),
            id="m1",
        ),
        Message.tool("sunny", "c1"),
    ]
    text = Message.list_to_json(conversation)
    assert [m["role"] for m in json.loads(text)] == ["system", "human", "ai", "tool"]
    assert Message.list_from_json(text) == conversation
    single = conversation[2].model_dump_json()
    assert Message.from_json(single) == conversation[2]


def test_unknown_role_in_json_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        Message.from_json('{"role": "wizard", "content": "x"}')


def test_extra_fields_are_rejected_not_dropped() -> None:
    with pytest.raises(pydantic.ValidationError):
        Message.from_json('{"role": "human", "content": "x", "colour": "red"}')
