"""ChatRequest: builders, validation, response formats, input normalisation."""

from __future__ import annotations

import pydantic
import pytest

from synaptic_core import (
    ChatRequest,
    HumanMessage,
    Message,
    ResponseFormat,
    ToolChoice,
    ToolDefinition,
    strict_json_schema,
    to_request,
)

WEATHER = ToolDefinition(name="get_weather", description="Weather.")


def test_reference_style_request_and_builders() -> None:
    base = ChatRequest([Message.system("You are concise."), Message.human("Rust?")])
    request = (
        base.with_tools([WEATHER])
        .with_tool_choice(ToolChoice.AUTO)
        .with_temperature(0.7)
        .with_max_tokens(2048)
        .with_top_p(0.9)
        .with_seed(42)
        .with_stop(["<|end|>"])
        .with_parallel_tool_calls(False)
        .with_extra(reasoning_effort="low")
    )
    assert base.tools == []
    assert base.temperature is None
    assert request.model_dump(exclude={"messages", "tools"}) == {
        "tool_choice": {"mode": "auto", "function_name": None},
        "temperature": 0.7,
        "max_tokens": 2048,
        "top_p": 0.9,
        "stop": ["<|end|>"],
        "seed": 42,
        "response_format": None,
        "parallel_tool_calls": False,
        "extra": {"reasoning_effort": "low"},
        "headers": {},
        "timeout": None,
    }
    assert request.tools == [WEATHER]
    assert ChatRequest.new([Message.human("x")]) == ChatRequest([Message.human("x")])


def test_append_extends_the_conversation() -> None:
    request = ChatRequest([Message.human("a")]).append(Message.ai("b"), Message.human("c"))
    assert [m.content for m in request.messages] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("builder", "value"),
    [
        ("with_temperature", 2.5),
        ("with_temperature", -0.1),
        ("with_top_p", 1.5),
        ("with_max_tokens", 0),
        ("with_stop", ["a", "b", "c", "d", "e"]),
    ],
)
def test_builders_validate(builder: str, value: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        getattr(ChatRequest([Message.human("x")]), builder)(value)


def test_stop_accepts_a_string() -> None:
    assert ChatRequest([Message.human("x")], stop="END").stop == ["END"]


def test_unknown_request_fields_are_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        ChatRequest.model_validate({"messages": [], "temprature": 0.5})


class Person(pydantic.BaseModel):
    """A person."""

    name: str
    age: int | None = None


def test_pydantic_model_becomes_a_strict_json_schema_format() -> None:
    request = ChatRequest([Message.human("x")]).with_response_format(Person)
    fmt = request.response_format
    assert fmt is not None
    assert fmt.type == "json_schema"
    assert fmt.name == "Person"
    assert fmt.description == "A person."
    assert fmt.strict is True
    assert fmt.model is Person
    assert fmt.json_schema == {
        "type": "object",
        "properties": {
            "name": {"title": "Name", "type": "string"},
            "age": {"title": "Age", "anyOf": [{"type": "integer"}, {"type": "null"}]},
        },
        "required": ["name", "age"],
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", ResponseFormat(type="text")),
        ("json_object", ResponseFormat(type="json_object")),
        (ResponseFormat.json_object(), ResponseFormat(type="json_object")),
        (
            {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "object"}}},
            ResponseFormat(type="json_schema", name="n", json_schema={"type": "object"}),
        ),
    ],
)
def test_response_format_forms(value: object, expected: ResponseFormat) -> None:
    request = ChatRequest([Message.human("x")], response_format=value)  # type: ignore[arg-type]
    assert request.response_format == expected


def test_bad_response_format_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        ChatRequest([Message.human("x")], response_format="yaml")


def test_strict_json_schema_reaches_nested_objects_and_defs() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/Inner"}, "b": {"type": "string", "default": None}},
        "$defs": {"Inner": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    }
    strict = strict_json_schema(schema)
    assert strict == {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/Inner"}, "b": {"type": "string"}},
        "$defs": {
            "Inner": {
                "type": "object",
                "properties": {"x": {"type": "integer"}},
                "additionalProperties": False,
                "required": ["x"],
            }
        },
        "additionalProperties": False,
        "required": ["a", "b"],
    }
    assert "additionalProperties" not in schema  # the input is not modified


def test_to_request_accepts_the_three_input_forms() -> None:
    request = ChatRequest([Message.human("hi")])
    assert to_request(request) is request
    assert to_request("hi") == request
    assert to_request([HumanMessage("hi")]) == request
    assert to_request((HumanMessage("hi"),)) == request
    with pytest.raises(TypeError, match="not int"):
        to_request(42)  # type: ignore[arg-type]
