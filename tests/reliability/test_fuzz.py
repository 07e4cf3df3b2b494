"""Arbitrary input to every parser gives a result or a typed SynapticError: never another
exception, never a hang (hypothesis, with a deadline per example)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synaptic_core import (
    ChatModel,
    ChatResponse,
    ConfigError,
    RateLimitInfo,
    SynapticError,
    load_chat_model,
)
from synaptic_core._config import parse_config
from synaptic_openai import SSEDecoder, StreamAssembler, parse_chat_response

FAST = settings(max_examples=200, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "id",
        "model",
        "choices",
        "usage",
        "x_groq",
        "error",
        "message",
        "delta",
        "content",
        "tool_calls",
        "function",
        "arguments",
        "index",
        "finish_reason",
        "reasoning",
        "prompt_tokens",
    ]
)
GROQISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@FAST
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_sse_decoder_on_arbitrary_bytes(pieces: list[bytes]) -> None:
    decoder = SSEDecoder(max_line_bytes=4096)
    try:
        for piece in pieces:
            for event in decoder.feed(piece):
                assert isinstance(event.data, str)
        decoder.flush()
    except SynapticError:
        pass


@FAST
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=120),
            GROQISH.map(lambda v: b"data: " + json.dumps(v).encode() + b"\n\n"),
        ),
        max_size=8,
    )
)
def test_stream_assembler_on_arbitrary_events(pieces: list[bytes]) -> None:
    assembler = StreamAssembler(provider="groq", headers={})
    try:
        for piece in pieces:
            assembler.feed(piece)
        assembler.close()
    except SynapticError:
        pass


@FAST
@given(
    st.one_of(JSON, GROQISH),
    st.dictionaries(
        st.sampled_from(["x-request-id", "retry-after", "x-ratelimit-reset-tokens"]),
        st.text(max_size=12),
    ),
)
def test_response_parser_on_arbitrary_json(data: Any, headers: dict[str, str]) -> None:
    try:
        response = parse_chat_response(data, headers, provider="groq", raw=json.dumps(data))
    except SynapticError:
        return
    assert isinstance(response, ChatResponse)
    assert isinstance(response.message.content, str)


@FAST
@given(st.dictionaries(st.text(max_size=30), st.text(max_size=30), max_size=10))
def test_rate_limit_headers_on_arbitrary_text(headers: dict[str, str]) -> None:
    lowered = {k.lower(): v for k, v in headers.items()}
    info = RateLimitInfo.from_headers(lowered, now=lambda: 0.0)
    assert isinstance(info, RateLimitInfo)


@FAST
@given(st.one_of(st.text(max_size=200), JSON.map(json.dumps)), st.booleans())
def test_config_parser_on_arbitrary_text(text: str, as_json: bool) -> None:
    path = Path("fuzz.json" if as_json else "fuzz.toml")
    with contextlib.suppress(ConfigError):
        parse_config(text, path)


@FAST
@given(
    st.one_of(
        st.text(max_size=40),
        st.dictionaries(
            st.sampled_from(
                [
                    "provider",
                    "model",
                    "temperature",
                    "retry",
                    "fallbacks",
                    "api_key_env",
                    "responses",
                    "bogus",
                ]
            ),
            JSON,
            max_size=5,
        ),
    )
)
def test_loader_on_arbitrary_specs(spec: Any) -> None:
    try:
        model = load_chat_model(spec, environ={})
    except ConfigError:
        return
    assert isinstance(model, ChatModel)


def test_loader_rejects_wrong_types_with_config_errors() -> None:
    import pytest

    with pytest.raises(ConfigError, match="'retry' must be a table of settings"):
        load_chat_model({"provider": "fake", "retry": [1]}, environ={})
    with pytest.raises(
        ConfigError, match="'api_key_env' of 'fake' must name an environment variable"
    ):
        load_chat_model({"provider": "fake", "api_key_env": [1]}, environ={})
