"""GroqChatModel over respx (the real httpx path): Groq's request fields, response fields,
error codes, list_models, and loading by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import synaptic
from synaptic_core import (
    AIMessageChunk,
    CapacityExceededError,
    ChatRequest,
    ConfigError,
    HttpBackend,
    JsonValidateFailedError,
    Message,
    ModelDecommissionedError,
    ModelNotFoundError,
    RateLimitError,
    RequestTooLargeError,
    RetryChatModel,
    TokenUsage,
    ToolUseFailedError,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqModel, Lifecycle, ModelInfo

from .conftest import BASE, KEY, URL, chunk, completion


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def groq(
    router: respx.MockRouter, model: str | GroqModel = GroqModel.GPT_OSS_120B, **options: Any
) -> GroqChatModel:
    return GroqChatModel(GroqConfig(KEY, model, environ={}, **options), HttpBackend())


def sse(events: list[Any]) -> bytes:
    frames = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return "".join([*frames, "data: [DONE]\n\n"]).encode()


def sent(route: respx.Route) -> dict[str, Any]:
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    return json.loads(request.content)


def test_groq_request_fields(router: respx.MockRouter) -> None:
    route = router.post(URL).mock(
        return_value=httpx.Response(200, json=completion({"role": "assistant", "content": "ok"}))
    )
    model = groq(
        router,
        max_tokens=512,
        temperature=0.3,
        reasoning_format="parsed",
        reasoning_effort="low",
        service_tier="flex",
        response_format="json_object",
        parallel_tool_calls=False,
    )
    model.chat_sync("Answer in JSON")
    assert sent(route) == {
        "model": "openai/gpt-oss-120b",
        "messages": [{"role": "user", "content": "Answer in JSON"}],
        "temperature": 0.3,
        "max_completion_tokens": 512,
        "parallel_tool_calls": False,
        "response_format": {"type": "json_object"},
        "reasoning_format": "parsed",
        "reasoning_effort": "low",
        "service_tier": "flex",
    }


def test_stream_asks_for_usage_and_reads_groq_fields(router: respx.MockRouter) -> None:
    usage = {
        "queue_time": 0.01,
        "prompt_tokens": 9,
        "prompt_time": 0.001,
        "completion_tokens": 2,
        "completion_time": 0.002,
        "total_tokens": 11,
        "total_time": 0.003,
    }
    route = router.post(URL).mock(
        return_value=httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=sse(
                [
                    chunk({"role": "assistant", "content": ""}, x_groq={"id": "req_s", "seed": 3}),
                    chunk({"reasoning": "thinking"}),
                    chunk({"content": "Hi"}),
                    chunk({}, "stop", x_groq={"id": "req_s", "usage": usage}, usage=usage),
                    {"id": "chatcmpl-s1", "choices": [], "usage": usage},
                ]
            ),
        )
    )
    merged = AIMessageChunk.merge(groq(router).stream_chat_sync("hi"))
    body = sent(route)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert "max_tokens" not in body
    assert merged.usage == TokenUsage(
        input_tokens=9,
        output_tokens=2,
        total_tokens=11,
        queue_time=0.01,
        prompt_time=0.001,
        completion_time=0.002,
        total_time=0.003,
    )
    assert merged.to_message().reasoning == "thinking"
    assert merged.content == "Hi"


async def test_response_fields(router: respx.MockRouter) -> None:
    body = completion({"role": "assistant", "content": "42", "reasoning": "6*7"})
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 8}
    router.post(URL).mock(
        return_value=httpx.Response(
            200, json=body, headers={"x-ratelimit-remaining-tokens": "17997"}
        )
    )
    response = await groq(router).chat("q")
    assert (response.content, response.message.reasoning) == ("42", "6*7")
    assert response.usage is not None
    assert (response.usage.cached_tokens, response.usage.queue_time) == (8, 0.037)
    assert response.request_id == "req_01jbd6g2qdfw2adyrt2az8hz4w"
    assert response.service_tier == "on_demand"
    assert response.rate_limit is not None
    assert response.rate_limit.remaining_tokens == 17997


def error(
    status: int, message: str, type_: str = "invalid_request_error", **extra: Any
) -> httpx.Response:
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": type_, **extra}},
        headers={"x-request-id": "req_err"},
    )


@pytest.mark.parametrize(
    ("response", "cls", "check"),
    [
        (
            error(
                400,
                "Failed to call a function. Please adjust your prompt.",
                code="tool_use_failed",
                failed_generation='<function=get_weather>{"city": "Tokyo"}',
            ),
            ToolUseFailedError,
            lambda e: e.failed_generation == '<function=get_weather>{"city": "Tokyo"}',
        ),
        (
            error(
                400,
                "Failed to generate JSON. Please adjust your prompt.",
                code="json_validate_failed",
                failed_generation='{"a": ',
            ),
            JsonValidateFailedError,
            lambda e: e.failed_generation == '{"a": ',
        ),
        (
            error(
                413,
                "Request too large for model `openai/gpt-oss-120b`: Limit 8000, Requested 12000",
                "tokens",
                code="rate_limit_exceeded",
            ),
            RequestTooLargeError,
            lambda e: e.retryable is False,
        ),
        (
            error(498, "Flex tier capacity exceeded. Please try again later.", "capacity_exceeded"),
            CapacityExceededError,
            lambda e: e.retryable is True,
        ),
        (
            error(
                429,
                "Rate limit reached for model. Please try again in 4.77s.",
                "tokens",
                code="rate_limit_exceeded",
            ),
            RateLimitError,
            lambda e: e.retry_after == pytest.approx(4.77),
        ),
    ],
)
def test_groq_error_codes(
    router: respx.MockRouter, response: httpx.Response, cls: type[Exception], check: Any
) -> None:
    router.post(URL).mock(return_value=response)
    with pytest.raises(cls) as info:
        groq(router).chat_sync("q")
    assert check(info.value)
    assert info.value.provider == "groq"  # type: ignore[attr-defined]
    assert info.value.request_id == "req_err"  # type: ignore[attr-defined]


def test_decommissioned_model_error_names_the_replacement(
    router: respx.MockRouter, quiet_retired: None
) -> None:
    router.post(URL).mock(
        return_value=error(
            400,
            "The model `llama-3.3-70b-versatile` has been decommissioned and is no longer supported. "
            "Please refer to https://console.groq.com/docs/deprecations for a recommendation on which model to use instead.",
            code="model_decommissioned",
        )
    )
    with pytest.raises(ModelDecommissionedError) as info:
        groq(router, GroqModel.LLAMA3_3_70B_VERSATILE).chat_sync("q")
    assert info.value.replacement == "openai/gpt-oss-120b"
    assert str(info.value).endswith(
        "; use 'openai/gpt-oss-120b' instead (synaptic's model catalog, 2026-12)"
    )


def test_model_not_found_names_the_replacement_when_known(
    router: respx.MockRouter, quiet_retired: None
) -> None:
    router.post(URL).mock(
        return_value=error(
            404, "The model `llama-3.1-70b-versatile` does not exist", code="model_not_found"
        )
    )
    with pytest.raises(ModelNotFoundError) as info:
        groq(router, GroqModel.LLAMA3_1_70B_VERSATILE).chat_sync("q")
    assert info.value.replacement == "openai/gpt-oss-120b"
    router.post(URL).mock(
        return_value=error(404, "The model `mystery` does not exist", code="model_not_found")
    )
    with pytest.raises(ModelNotFoundError) as unknown:
        groq(router, "mystery").chat_sync("q")
    assert unknown.value.replacement is None
    assert (
        str(unknown.value)
        == "groq error (HTTP 404, model_not_found): The model `mystery` does not exist; "
        "`synaptic models` lists Groq's models"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"logit_bias": {"1": 2}},
            "Groq rejects logit_bias (HTTP 400); remove it from the request body (extra / extra_body)",
        ),
        (
            {"logprobs": True, "top_logprobs": 2},
            "Groq rejects logprobs, top_logprobs (HTTP 400); remove them from the request body (extra / extra_body)",
        ),
        (
            {"n": 2},
            "Groq rejects n other than 1 (HTTP 400); remove n from the request body (extra / extra_body)",
        ),
    ],
)
def test_fields_groq_rejects_fail_before_sending(
    router: respx.MockRouter, extra: dict[str, Any], message: str
) -> None:
    route = router.post(URL)
    with pytest.raises(ConfigError) as info:
        groq(router).chat_sync(ChatRequest([Message.human("q")]).with_extra(**extra))
    assert str(info.value) == message
    assert not route.called


MODELS = {
    "object": "list",
    "data": [
        {
            "id": "openai/gpt-oss-120b",
            "object": "model",
            "created": 1754408224,
            "owned_by": "OpenAI",
            "active": True,
            "context_window": 131072,
            "max_completion_tokens": 65536,
        },
        {
            "id": "qwen/qwen3.9-32b",
            "object": "model",
            "owned_by": "Alibaba Cloud",
            "active": True,
            "context_window": 131072,
            "max_completion_tokens": 40960,
            "supported_features": ["tools", "json_mode", "reasoning"],
            "modalities": {"input": ["text", "image"], "output": ["text"]},
        },
        {
            "id": "llama-3.1-8b-instant",
            "object": "model",
            "owned_by": "Meta",
            "active": False,
            "context_window": 131072,
        },
        {"object": "model"},
    ],
}


async def test_list_models_reads_get_models(router: respx.MockRouter) -> None:
    route = router.get(f"{BASE}/models").mock(return_value=httpx.Response(200, json=MODELS))
    model = groq(router)
    models = await model.list_models()
    assert models == model.list_models_sync()
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert models == [
        ModelInfo(
            "openai/gpt-oss-120b",
            131072,
            65536,
            Lifecycle.PRODUCTION,
            tools=True,
            json_schema=True,
            reasoning=True,
            owned_by="OpenAI",
            active=True,
        ),
        ModelInfo(
            "qwen/qwen3.9-32b",
            131072,
            40960,
            None,
            tools=True,
            reasoning=True,
            vision=True,
            owned_by="Alibaba Cloud",
            active=True,
        ),
        ModelInfo(
            "llama-3.1-8b-instant",
            131072,
            131072,
            Lifecycle.DECOMMISSIONED,
            replacement="openai/gpt-oss-20b",
            tools=True,
            json_schema=True,
            note="since 2026-08-16 on free and developer tiers; enterprise keeps it",
            owned_by="Meta",
            active=False,
        ),
    ]


def test_list_models_errors_are_typed(router: respx.MockRouter) -> None:
    from synaptic_core import AuthenticationError, ParseError

    router.get(f"{BASE}/models").mock(
        return_value=error(401, "Invalid API Key", code="invalid_api_key")
    )
    with pytest.raises(AuthenticationError):
        groq(router).list_models_sync()
    router.get(f"{BASE}/models").mock(return_value=httpx.Response(200, json=[1, 2]))
    with pytest.raises(
        ParseError, match=r"groq returned a model list that is not \{'data': \[...\]\}"
    ):
        groq(router).list_models_sync()


def test_load_by_name_and_by_profile(tmp_path: Path, router: respx.MockRouter) -> None:
    route = router.post(URL).mock(
        return_value=httpx.Response(
            200, json=completion({"role": "assistant", "content": "from groq"})
        )
    )
    env = {"GROQ_API_KEY": KEY}
    model = synaptic.load_chat_model("groq:openai/gpt-oss-120b", environ=env, retries=0)
    assert isinstance(model, GroqChatModel)
    assert model.chat_sync("hi").content == "from groq"
    config = tmp_path / "synaptic.toml"
    config.write_text(
        'default = "fast"\n[profiles.fast]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        'temperature = 0.2\nreasoning_effort = "low"\n[profiles.fast.retry]\nmax_attempts = 2\n'
    )
    profiled = synaptic.load_chat_model(config_file=config, environ=env)
    assert isinstance(profiled, RetryChatModel)
    assert profiled.chat_sync("hi").content == "from groq"
    assert sent(route) == {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "reasoning_effort": "low",
    }
    with pytest.raises(ConfigError, match="set the environment variable GROQ_API_KEY"):
        synaptic.load_chat_model("groq:openai/gpt-oss-120b", environ={})


def test_facade_and_entry_point() -> None:
    from importlib import metadata

    import synaptic.groq
    import synaptic_groq

    assert synaptic.groq.__all__ == synaptic_groq.__all__
    assert synaptic.groq.GroqChatModel is GroqChatModel
    [entry_point] = [e for e in metadata.entry_points(group="synaptic") if e.name == "groq"]
    assert entry_point.value == "synaptic_groq._provider"
    assert entry_point.dist is not None
    assert entry_point.dist.name == "synaptic-groq"
