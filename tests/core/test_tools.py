"""Tool definitions (by hand, from functions, from models), tool choice, tool calls."""

from __future__ import annotations

from typing import Literal

import pydantic
import pytest

from synaptic_core import ToolChoice, ToolDefinition


def test_definition_by_hand_as_in_the_reference() -> None:
    tool = ToolDefinition(
        name="get_weather",
        description="Get current weather for a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
    assert tool.name == "get_weather"
    assert tool.parameters["required"] == ["city"]
    assert tool.strict is None


def test_default_parameters_are_an_empty_object() -> None:
    assert ToolDefinition(name="now").parameters == {"type": "object", "properties": {}}


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "dots.not.allowed", "ünïcode"])
def test_invalid_tool_names_are_rejected(name: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="1-64 characters"):
        ToolDefinition(name=name)


def get_weather(city: str, unit: Literal["c", "f"] = "c", days: int | None = None) -> str:
    """Get the weather for a city.

    Longer explanation that is not part of the description.
    """
    return f"{city} {unit} {days}"


def test_from_function_builds_the_schema_from_type_hints() -> None:
    tool = ToolDefinition.from_function(get_weather)
    assert tool.name == "get_weather"
    assert tool.description == "Get the weather for a city."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "city": {"title": "City", "type": "string"},
            "unit": {"title": "Unit", "enum": ["c", "f"], "type": "string", "default": "c"},
            "days": {
                "title": "Days",
                "anyOf": [{"type": "integer"}, {"type": "null"}],
                "default": None,
            },
        },
        "required": ["city"],
    }


def test_from_function_needs_annotations() -> None:
    def untyped(city):  # type: ignore[no-untyped-def]
        return city

    with pytest.raises(TypeError, match="parameter 'city' needs a type annotation"):
        ToolDefinition.from_function(untyped)


def test_from_function_rejects_var_args() -> None:
    def spread(*cities: str) -> None:
        pass

    with pytest.raises(TypeError, match=r"\*args/\*\*kwargs"):
        ToolDefinition.from_function(spread)


def test_from_function_overrides() -> None:
    tool = ToolDefinition.from_function(get_weather, name="weather", description="Weather.")
    assert (tool.name, tool.description) == ("weather", "Weather.")


class SearchArgs(pydantic.BaseModel):
    """Search the web."""

    query: str
    limit: int = 5


def test_from_model() -> None:
    tool = ToolDefinition.from_model(SearchArgs)
    assert tool.name == "SearchArgs"
    assert tool.description == "Search the web."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "query": {"title": "Query", "type": "string"},
            "limit": {"title": "Limit", "type": "integer", "default": 5},
        },
        "required": ["query"],
    }


def test_tool_choice_constants_and_function() -> None:
    assert ToolChoice.AUTO.mode == "auto"
    assert ToolChoice.NONE.mode == "none"
    assert ToolChoice.REQUIRED.mode == "required"
    forced = ToolChoice.function("get_weather")
    assert (forced.mode, forced.function_name) == ("function", "get_weather")
    assert forced == ToolChoice.function("get_weather")
    assert repr(ToolChoice.AUTO) == "ToolChoice.AUTO"
    assert repr(forced) == "ToolChoice.function('get_weather')"
    with pytest.raises(ValueError, match="1-64 characters"):
        ToolChoice.function("bad name")
