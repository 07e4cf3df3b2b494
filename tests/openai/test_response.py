"""The exact parse of every response and error shape of groq-api.md sections 3 and 5."""

from __future__ import annotations

import json
from typing import Any

import pytest

from synaptic_core import (
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ChatResponse,
    ContextLengthExceededError,
    FakeBackend,
    InvalidToolCall,
    JsonValidateFailedError,
    ModelDecommissionedError,
    ModelNotFoundError,
    ParseError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitInfo,
    RequestTooLargeError,
    ServerError,
    SynapticError,
    TokenUsage,
    ToolCall,
    ToolUseFailedError,
)
from synaptic_openai import OpenAIChatModel

from .conftest import KEY, completion

GROQ_USAGE = TokenUsage(
    input_tokens=18,
    output_tokens=556,
    total_tokens=574,
    queue_time=0.037493756,
    prompt_time=0.000680594,
    completion_time=0.463333333,
    total_time=0.464013927,
)
HEADERS = {
    "x-request-id": "req_header_1",
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-limit-tokens": "18000",
    "x-ratelimit-remaining-requests": "14370",
    "x-ratelimit-remaining-tokens": "17997",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-reset-tokens": "7.66s",
}


def test_plain_answer(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_response(
        completion({"role": "assistant", "content": "Rust is memory safe."}), headers=HEADERS
    )
    response = model.chat_sync("What is Rust famous for?")
    assert response.message.content == "Rust is memory safe."
    assert response.message.tool_calls == []
    assert response.finish_reason == "stop"
    assert response.id == "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22"
    assert response.model == "openai/gpt-oss-20b"
    assert response.usage == GROQ_USAGE
    assert response.message.usage == GROQ_USAGE
    assert response.rate_limit == RateLimitInfo(
        limit_requests=14400,
        limit_tokens=18000,
        remaining_requests=14370,
        remaining_tokens=17997,
        reset_requests=179.56,
        reset_tokens=7.66,
    )
    assert response.request_id == "req_header_1"
    assert response.system_fingerprint == "fp_179b0f92c9"
    assert response.provider_metadata == {"created": 1730241104}


def test_request_id_falls_back_to_x_groq(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_response(completion({"role": "assistant", "content": "x"}))
    assert model.chat_sync("q").request_id == "req_01jbd6g2qdfw2adyrt2az8hz4w"


@pytest.mark.parametrize("message", [{"role": "assistant", "content": None}, {"role": "assistant"}])
def test_content_null_or_missing_is_empty_text(
    model: OpenAIChatModel, backend: FakeBackend, message: dict[str, Any]
) -> None:
    backend.add_response(completion(message))
    assert model.chat_sync("q").message.content == ""


def test_recorded_tool_call_without_content_key(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_response(
        completion(
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "2zvvry1t5",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Tokyo"}'},
                    },
                    {
                        "id": "9abc",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": "{}"},
                    },
                ],
            },
            finish="tool_calls",
        )
    )
    response = model.chat_sync("weather?")
    assert response.finish_reason == "tool_calls"
    assert response.message.content == ""
    assert response.message.tool_calls == [
        ToolCall(id="2zvvry1t5", name="get_weather", arguments={"city": "Tokyo"}),
        ToolCall(id="9abc", name="get_time", arguments={}),
    ]


def test_invalid_tool_arguments_are_kept(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_response(
        completion(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"city": "Tok'},
                    },
                    {
                        "id": "b",
                        "type": "function",
                        "function": {"name": "g", "arguments": {"already": "an object"}},
                    },
                    {"id": "c", "type": "function"},
                ],
            },
            finish="tool_calls",
        )
    )
    message = model.chat_sync("q").message
    assert message.tool_calls == [ToolCall(id="b", name="g", arguments={"already": "an object"})]
    assert [(c.id, c.name, c.arguments) for c in message.invalid_tool_calls] == [
        ("a", "f", '{"city": "Tok'),
        (None, None, "{'id': 'c', 'type': 'function'}"),
    ]
    assert message.invalid_tool_calls[0].error.startswith("arguments are not valid JSON")
    assert message.invalid_tool_calls[1] == InvalidToolCall(
        arguments="{'id': 'c', 'type': 'function'}", error="tool call has no 'function' object"
    )


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning(model: OpenAIChatModel, backend: FakeBackend, field: str) -> None:
    backend.add_response(completion({"role": "assistant", "content": "42", field: "6 times 7"}))
    message = model.chat_sync("q").message
    assert (message.content, message.reasoning) == ("42", "6 times 7")


def test_usage_details_and_extras_preserved(model: OpenAIChatModel, backend: FakeBackend) -> None:
    body = completion(
        {
            "role": "assistant",
            "content": "done",
            "executed_tools": [{"type": "search"}],
            "annotations": [],
        },
        service_tier="on_demand",
        usage_breakdown={"models": []},
    )
    body["usage"] = {
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 64},
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    body["x_groq"] = {
        "id": "req_1",
        "seed": 42,
        "usage": {"sram_cached_tokens": 64, "dram_cached_tokens": 0},
    }
    body["choices"][0]["logprobs"] = {"content": []}
    backend.add_response(body)
    response = model.chat_sync("q")
    assert response.usage == TokenUsage(
        input_tokens=100, output_tokens=50, total_tokens=150, cached_tokens=64, reasoning_tokens=20
    )
    assert response.service_tier == "on_demand"
    assert response.provider_metadata["usage_breakdown"] == {"models": []}
    assert response.provider_metadata["seed"] == 42
    assert response.provider_metadata["x_groq"] == {
        "usage": {"sram_cached_tokens": 64, "dram_cached_tokens": 0}
    }
    assert response.provider_metadata["executed_tools"] == [{"type": "search"}]
    assert "annotations" not in response.provider_metadata  # empty: nothing to keep
    assert "message" not in response.provider_metadata
    assert response.provider_metadata["logprobs"] == {"content": []}


async def test_async_chat_parses_the_same(model: OpenAIChatModel, backend: FakeBackend) -> None:
    body = completion({"role": "assistant", "content": "async"})
    backend.add_response(body).add_response(body)
    assert await model.chat("q") == model.chat_sync("q")


def test_missing_usage_is_none(model: OpenAIChatModel, backend: FakeBackend) -> None:
    body = completion({"role": "assistant", "content": "x"})
    del body["usage"]
    backend.add_response(body)
    response = model.chat_sync("q")
    assert response.usage is None
    assert isinstance(response, ChatResponse)


def error_body(message: str, type_: str = "invalid_request_error", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, **extra}}


ERRORS: list[tuple[int, Any, dict[str, str], type[SynapticError], str]] = [
    (
        400,
        error_body("property 'n' is unsupported", param="n"),
        {},
        BadRequestError,
        "openai error (HTTP 400): property 'n' is unsupported",
    ),
    (
        400,
        error_body(
            "Failed to call a function.",
            code="tool_use_failed",
            failed_generation='<function=f>{"a": 1',
        ),
        {},
        ToolUseFailedError,
        "openai error (HTTP 400, tool_use_failed): Failed to call a function.",
    ),
    (
        400,
        error_body(
            "Failed to generate JSON.", code="json_validate_failed", failed_generation="{oops"
        ),
        {},
        JsonValidateFailedError,
        "openai error (HTTP 400, json_validate_failed): Failed to generate JSON.",
    ),
    (
        400,
        error_body(
            "The model `gemma2-9b-it` has been decommissioned.", code="model_decommissioned"
        ),
        {},
        ModelDecommissionedError,
        "openai error (HTTP 400, model_decommissioned): The model `gemma2-9b-it` has been decommissioned.",
    ),
    (
        400,
        error_body("context too long", code="context_length_exceeded"),
        {},
        ContextLengthExceededError,
        "openai error (HTTP 400, context_length_exceeded): context too long",
    ),
    (
        401,
        error_body("Invalid API Key", code="invalid_api_key"),
        {},
        AuthenticationError,
        "openai error (HTTP 401, invalid_api_key): Invalid API Key",
    ),
    (
        403,
        error_body("Forbidden", "permission_error"),
        {},
        PermissionDeniedError,
        "openai error (HTTP 403): Forbidden",
    ),
    (
        404,
        error_body("The model `llama-9` does not exist", code="model_not_found"),
        {},
        ModelNotFoundError,
        "openai error (HTTP 404, model_not_found): The model `llama-9` does not exist",
    ),
    (
        413,
        error_body("Request too large for model", "tokens", code="rate_limit_exceeded"),
        {},
        RequestTooLargeError,
        "openai error (HTTP 413, rate_limit_exceeded): Request too large for model",
    ),
    (
        422,
        error_body("semantic error"),
        {},
        BadRequestError,
        "openai error (HTTP 422): semantic error",
    ),
    (
        429,
        error_body(
            "Rate limit reached for model. Please try again in 4.77s.",
            "tokens",
            code="rate_limit_exceeded",
        ),
        {"retry-after": "5", "x-ratelimit-remaining-tokens": "0"},
        RateLimitError,
        "openai error (HTTP 429, rate_limit_exceeded): Rate limit reached for model. Please try again in 4.77s. (retry after 5s)",
    ),
    (
        498,
        error_body("Capacity exceeded", "capacity_exceeded"),
        {},
        CapacityExceededError,
        "openai error (HTTP 498): Capacity exceeded",
    ),
    (
        500,
        error_body("Internal Server Error", "internal_server_error"),
        {},
        ServerError,
        "openai error (HTTP 500): Internal Server Error",
    ),
    (
        502,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        {"content-type": "text/html"},
        ServerError,
        "openai error (HTTP 502): <html><body><h1>502 Bad Gateway</h1></body></html>",
    ),
    (
        503,
        error_body("Service Unavailable", "internal_server_error"),
        {},
        ServerError,
        "openai error (HTTP 503): Service Unavailable",
    ),
]


@pytest.mark.parametrize(("status", "body", "headers", "cls", "message"), ERRORS)
async def test_error_shapes(
    model: OpenAIChatModel,
    backend: FakeBackend,
    status: int,
    body: Any,
    headers: dict[str, str],
    cls: type[SynapticError],
    message: str,
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    for _ in range(4):
        backend.add_response(
            status=status, content=content, headers={"x-request-id": "req_e", **headers}
        )
    with pytest.raises(cls) as whole:
        model.chat_sync("q")
    with pytest.raises(cls) as streamed:
        list(model.stream_chat_sync("q"))
    for error in (whole.value, streamed.value):
        assert type(error) is cls
        assert str(error) == message
        assert (error.status_code, error.provider, error.request_id) == (status, "openai", "req_e")
    with pytest.raises(cls):
        await model.chat("q")
    with pytest.raises(cls):
        async for _ in model.stream_chat("q"):
            pass
    assert backend.open_streams == 0


def test_failed_generation_and_hints_are_on_the_error(
    model: OpenAIChatModel, backend: FakeBackend
) -> None:
    backend.add_response(
        status=400,
        content=json.dumps(
            error_body(
                "Failed to call a function.", code="tool_use_failed", failed_generation="<f>"
            )
        ),
    )
    with pytest.raises(ToolUseFailedError) as info:
        model.chat_sync("q")
    assert info.value.failed_generation == "<f>"
    backend.add_response(
        status=429,
        content=json.dumps(error_body("slow down", "tokens")),
        headers={"retry-after": "2"},
    )
    with pytest.raises(RateLimitError) as limited:
        model.chat_sync("q")
    assert limited.value.retry_after == 2.0
    assert limited.value.retryable is True


def test_key_echoed_by_the_server_is_redacted(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_response(
        status=401, content=json.dumps(error_body(f"Incorrect API key provided: {KEY}"))
    )
    with pytest.raises(AuthenticationError) as info:
        model.chat_sync("q")
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert KEY not in (info.value.body or "")


def test_error_with_a_200_status(model: OpenAIChatModel, backend: FakeBackend) -> None:
    backend.add_response({"error": {"message": "overloaded", "type": "internal_server_error"}})
    with pytest.raises(ServerError, match=r"openai error \(HTTP 200\): overloaded"):
        model.chat_sync("q")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json at all", "is not JSON"),
        ('{"truncated": ', "is not JSON"),
        ("[1, 2, 3]", "is not a JSON object"),
        ('{"id": "x", "choices": []}', "has no choices[0].message"),
        ('{"choices": [{"index": 0}]}', "has no choices[0].message"),
    ],
)
def test_bodies_of_the_wrong_shape_are_parse_errors(
    model: OpenAIChatModel, backend: FakeBackend, content: str, problem: str
) -> None:
    backend.add_response(content=content)
    with pytest.raises(ParseError) as info:
        model.chat_sync("q")
    assert (
        str(info.value) == f"openai returned HTTP 200 with a body that {problem}: {content.strip()}"
    )
    assert info.value.body == content
    assert info.value.status_code == 200
    assert info.value.retryable is False
