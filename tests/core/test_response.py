"""Chunks (merging, interleaved parallel tool calls, to_message) and ChatResponse."""

from __future__ import annotations

import pydantic
import pytest

from synaptic_core import (
    AIMessage,
    AIMessageChunk,
    ChatResponse,
    InvalidToolCall,
    ParseError,
    StructuredOutputError,
    TokenUsage,
    ToolCall,
    ToolCallChunk,
)


def chunk(**fields: object) -> AIMessageChunk:
    return AIMessageChunk(**fields)  # type: ignore[arg-type]


def test_content_concatenates_and_metadata_merges() -> None:
    usage = TokenUsage(input_tokens=5, output_tokens=3, total_tokens=8, queue_time=0.01)
    merged = (
        chunk(content="Hel", id="chatcmpl-1", model="m")
        + chunk(content="lo", id="chatcmpl-1")
        + chunk(content="!", finish_reason="stop", usage=usage)
    )
    assert merged == AIMessageChunk(
        content="Hello!", id="chatcmpl-1", model="m", finish_reason="stop", usage=usage
    )
    assert merged.to_message() == AIMessage("Hello!", usage=usage, id="chatcmpl-1")


def test_interleaved_parallel_tool_calls_merge_by_index() -> None:
    chunks = [
        chunk(tool_call_chunks=[ToolCallChunk(index=0, id="c0", name="get_weather")]),
        chunk(tool_call_chunks=[ToolCallChunk(index=1, id="c1", name="get_time")]),
        chunk(tool_call_chunks=[ToolCallChunk(index=0, arguments='{"ci')]),
        chunk(tool_call_chunks=[ToolCallChunk(index=1, arguments='{"tz": "JST"}')]),
        chunk(tool_call_chunks=[ToolCallChunk(index=0, arguments='ty": "Tokyo"}')]),
        chunk(finish_reason="tool_calls"),
    ]
    merged = AIMessageChunk.merge(chunks)
    assert merged.tool_call_chunks == [
        ToolCallChunk(index=0, id="c0", name="get_weather", arguments='{"city": "Tokyo"}'),
        ToolCallChunk(index=1, id="c1", name="get_time", arguments='{"tz": "JST"}'),
    ]
    pairwise = chunks[0]
    for item in chunks[1:]:
        pairwise = pairwise + item
    assert pairwise == merged
    message = merged.to_message()
    assert message.tool_calls == [
        ToolCall(id="c0", name="get_weather", arguments={"city": "Tokyo"}),
        ToolCall(id="c1", name="get_time", arguments={"tz": "JST"}),
    ]
    assert message.invalid_tool_calls == []


def test_a_whole_call_in_one_delta() -> None:
    merged = chunk(
        tool_call_chunks=[ToolCallChunk(index=0, id="2zvvry1t5", name="f", arguments='{"a": 1}')]
    )
    assert merged.to_message().tool_calls == [
        ToolCall(id="2zvvry1t5", name="f", arguments={"a": 1})
    ]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            ToolCallChunk(index=0, id="c", name="f", arguments='{"a": '),
            "arguments are not valid JSON",
        ),
        (
            ToolCallChunk(index=0, id="c", name="f", arguments="[1, 2]"),
            "arguments must be a JSON object, got list",
        ),
        (ToolCallChunk(index=0, id="c", arguments="{}"), "tool call has no name"),
        (ToolCallChunk(index=0, name="f", arguments="{}"), "tool call has no id"),
    ],
)
def test_bad_tool_calls_are_kept_never_silently_empty(call: ToolCallChunk, error: str) -> None:
    message = chunk(tool_call_chunks=[call]).to_message()
    assert message.tool_calls == []
    [invalid] = message.invalid_tool_calls
    assert invalid.arguments == call.arguments
    assert (invalid.id, invalid.name) == (call.id, call.name)
    assert invalid.error.startswith(error)


def test_empty_arguments_mean_no_arguments() -> None:
    message = chunk(tool_call_chunks=[ToolCallChunk(index=0, id="c", name="now")]).to_message()
    assert message.tool_calls == [ToolCall(id="c", name="now", arguments={})]


def test_reasoning_concatenates_and_stays_none_when_absent() -> None:
    assert (chunk(content="a") + chunk(content="b")).reasoning is None
    merged = chunk(reasoning="think ") + chunk(reasoning="hard") + chunk(content="42")
    assert merged.reasoning == "think hard"
    assert merged.to_message().reasoning == "think hard"


def test_usage_is_a_total_so_the_last_report_wins() -> None:
    first = TokenUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    last = TokenUsage(input_tokens=5, output_tokens=3, total_tokens=8)
    assert (chunk(usage=first) + chunk(content="x") + chunk(usage=last)).usage == last
    assert (chunk(usage=last) + chunk(content="x")).usage == last


def test_token_usage_sums() -> None:
    a = TokenUsage(input_tokens=1, output_tokens=2, total_tokens=3, cached_tokens=1, total_time=0.5)
    b = TokenUsage(input_tokens=10, output_tokens=20, total_tokens=30, reasoning_tokens=4)
    assert a + b == TokenUsage(
        input_tokens=11,
        output_tokens=22,
        total_tokens=33,
        cached_tokens=1,
        reasoning_tokens=4,
        total_time=0.5,
    )


class City(pydantic.BaseModel):
    name: str
    population: int


def response(content: str) -> ChatResponse:
    return ChatResponse(message=AIMessage(content), finish_reason="stop", id="chatcmpl-9")


@pytest.mark.parametrize(
    "content",
    [
        '{"name": "Tokyo", "population": 14000000}',
        '```json\n{"name": "Tokyo", "population": 14000000}\n```',
        '  ```\n{"name": "Tokyo", "population": 14000000}```  ',
    ],
)
def test_parse_structured_output(content: str) -> None:
    assert response(content).parse(City) == City(name="Tokyo", population=14_000_000)


@pytest.mark.parametrize(
    "content",
    ['{"name": "Tokyo"}', "Tokyo has 14M people", '{"name": "Tokyo", "population": "many"}'],
)
def test_parse_failure_is_typed_and_keeps_the_content(content: str) -> None:
    with pytest.raises(StructuredOutputError) as info:
        response(content).parse(City)
    error = info.value
    assert isinstance(error, ParseError)
    assert error.content == content
    assert isinstance(error.validation_error, pydantic.ValidationError)
    assert str(error).startswith("the answer does not match City: ")
    assert error.retryable is False


def test_response_fields() -> None:
    resp = ChatResponse(
        message=AIMessage("hi"),
        usage=TokenUsage(input_tokens=1, output_tokens=1, total_tokens=2),
        finish_reason="stop",
        model="openai/gpt-oss-120b",
        id="chatcmpl-1",
        provider_metadata={"system_fingerprint": "fp_1"},
    )
    assert resp.content == "hi"
    assert resp.rate_limit is None
    assert resp.provider_metadata == {"system_fingerprint": "fp_1"}


def test_invalid_tool_call_round_trip() -> None:
    invalid = InvalidToolCall(id="c", name="f", arguments="{", error="bad")
    assert InvalidToolCall.model_validate_json(invalid.model_dump_json()) == invalid
