"""Properties: parsers of untrusted input return a value or a typed error, never crash."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from synaptic_core import (
    RateLimitInfo,
    SynapticError,
    error_from_response,
    parse_go_duration,
    parse_retry_after,
)

HEADER_NAMES = st.sampled_from(
    [
        "retry-after",
        "retry-after-ms",
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
        "x-request-id",
    ]
)


@settings(max_examples=200)
@given(st.text())
def test_go_duration_never_raises(text: str) -> None:
    result = parse_go_duration(text)
    assert result is None or result >= 0


@settings(max_examples=200)
@given(st.dictionaries(HEADER_NAMES, st.text()))
def test_rate_limit_headers_never_raise(headers: dict[str, str]) -> None:
    info = RateLimitInfo.from_headers(headers, now=lambda: 0.0)
    assert info.retry_after == parse_retry_after(headers, now=lambda: 0.0)
    for value in (info.reset_requests, info.reset_tokens, info.retry_after):
        assert value is None or value >= 0


@settings(max_examples=200)
@given(
    st.integers(min_value=400, max_value=599),
    st.dictionaries(HEADER_NAMES, st.text()),
    st.one_of(
        st.binary(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        ).map(lambda v: json.dumps({"error": v}).encode()),
    ),
)
def test_error_from_response_always_gives_a_typed_error(
    status: int, headers: dict[str, str], body: bytes
) -> None:
    error = error_from_response(status, headers, body, provider="p", secret="s3cr3t-key")
    assert isinstance(error, SynapticError)
    assert error.status_code == status
    assert str(error).startswith(f"p error (HTTP {status}")
    assert "s3cr3t-key" not in str(error)
