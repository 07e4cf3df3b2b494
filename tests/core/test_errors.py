"""Error mapping: every status of groq-api.md section 5, Groq codes, odd bodies, secrets."""

from __future__ import annotations

import json
import pickle

import pytest

from synaptic_core import (
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ConfigError,
    ContextLengthExceededError,
    JsonValidateFailedError,
    ModelDecommissionedError,
    ModelNotFoundError,
    NetworkError,
    NotFoundError,
    ParseError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitInfo,
    RequestTimeoutError,
    RequestTooLargeError,
    ServerError,
    StreamError,
    SynapticError,
    ToolUseFailedError,
    build_error,
    error_from_response,
)


def body(message: str, type_: str = "invalid_request_error", **extra: object) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, **extra}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "cls", "retryable"),
    [
        (400, None, BadRequestError, False),
        (400, "tool_use_failed", ToolUseFailedError, False),
        (400, "json_validate_failed", JsonValidateFailedError, False),
        (400, "model_decommissioned", ModelDecommissionedError, False),
        (400, "context_length_exceeded", ContextLengthExceededError, False),
        (401, None, AuthenticationError, False),
        (401, "invalid_api_key", AuthenticationError, False),
        (403, None, PermissionDeniedError, False),
        (404, None, NotFoundError, False),
        (404, "model_not_found", ModelNotFoundError, False),
        (413, None, RequestTooLargeError, False),
        (413, "rate_limit_exceeded", RequestTooLargeError, False),
        (422, None, BadRequestError, False),
        (424, None, BadRequestError, False),
        (429, "rate_limit_exceeded", RateLimitError, True),
        (498, None, CapacityExceededError, True),
        (499, None, BadRequestError, False),
        (500, None, ServerError, True),
        (502, None, ServerError, True),
        (503, None, ServerError, True),
        (504, None, ServerError, True),
        (500, "tool_use_failed", ServerError, True),
    ],
)
def test_status_and_code_choose_the_class(
    status: int, code: str | None, cls: type[SynapticError], retryable: bool
) -> None:
    extra = {} if code is None else {"code": code}
    error = error_from_response(
        status, {"x-request-id": "req_123"}, body("went wrong", **extra), provider="groq"
    )
    assert type(error) is cls
    assert error.status_code == status
    assert error.provider == "groq"
    assert error.request_id == "req_123"
    assert error.retryable is retryable
    assert error.code == code
    assert error.error_type == "invalid_request_error"
    expected = f"groq error (HTTP {status}{', ' + code if code else ''}): went wrong"
    assert str(error) == expected


def test_groq_413_tokens_per_minute_is_too_large_not_rate_limited() -> None:
    error = error_from_response(
        413,
        {},
        body(
            "Request too large for model: Limit 6000, Requested 9000",
            "tokens",
            code="rate_limit_exceeded",
        ),
    )
    assert isinstance(error, RequestTooLargeError)
    assert isinstance(error, BadRequestError)
    assert error.retryable is False


def test_rate_limit_error_carries_hint_and_headers() -> None:
    headers = {
        "retry-after": "2",
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-tokens": "7.66s",
    }
    error = error_from_response(
        429,
        headers,
        body("Rate limit reached. Please try again in 2s.", "tokens", code="rate_limit_exceeded"),
        provider="groq",
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 2.0
    assert error.rate_limit == RateLimitInfo(
        limit_requests=14400, remaining_requests=0, reset_tokens=7.66, retry_after=2.0
    )
    assert str(error).endswith("(retry after 2s)")


def test_tool_use_failed_keeps_failed_generation() -> None:
    error = error_from_response(
        400,
        {},
        body(
            "Failed to call a function.",
            code="tool_use_failed",
            failed_generation='<function=get_weather>{"city": "Tokyo"</function>',
        ),
    )
    assert isinstance(error, ToolUseFailedError)
    assert error.failed_generation == '<function=get_weather>{"city": "Tokyo"</function>'


def test_html_gateway_body_is_kept_truncated() -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 5000 + "</body></html>"
    error = error_from_response(502, {"content-type": "text/html"}, html.encode())
    assert isinstance(error, ServerError)
    assert str(error).startswith("provider error (HTTP 502): <html><body><h1>502 Bad Gateway</h1>")
    assert "more characters]" in str(error)
    assert len(str(error)) < 600
    assert error.body is not None
    assert error.body.startswith("<html>")
    assert len(error.body) < 2100


@pytest.mark.parametrize(
    ("raw", "expected_message"),
    [
        (b"", "no error message in the response body"),
        (b"   ", "no error message in the response body"),
        (b'"overloaded"', "overloaded"),
        (b'{"error": "bare string"}', "bare string"),
        (b'{"message": "top-level message"}', "top-level message"),
        (b'{"error": {"type": "server_error"}}', '{"error": {"type": "server_error"}}'),
        (b"\xff\xfe not utf-8", "\ufffd\ufffd not utf-8"),
        (b"[1, 2]", "[1, 2]"),
    ],
)
def test_odd_bodies_still_give_a_readable_message(raw: bytes, expected_message: str) -> None:
    error = error_from_response(503, {}, raw, provider="groq")
    assert isinstance(error, ServerError)
    assert str(error) == f"groq error (HTTP 503): {expected_message}"


def test_request_id_falls_back_to_x_groq_id() -> None:
    payload = {"error": {"message": "boom", "type": "server_error"}, "x_groq": {"id": "req_01"}}
    error = error_from_response(500, {}, json.dumps(payload).encode())
    assert error.request_id == "req_01"


def test_secret_echoed_in_body_is_redacted() -> None:
    key = "gsk_live_SECRET_1234567890"
    error = error_from_response(
        401, {}, body(f"Incorrect API key provided: {key}"), provider="groq", secret=key
    )
    assert key not in str(error)
    assert key not in repr(error)
    assert error.body is not None
    assert key not in error.body
    assert "[REDACTED]" in str(error)


@pytest.mark.parametrize(
    ("detail", "cls"),
    [
        ({"message": "slow down", "type": "rate_limit_exceeded"}, RateLimitError),
        ({"message": "slow down", "type": "tokens", "code": "rate_limit_exceeded"}, RateLimitError),
        ({"message": "oops", "type": "internal_server_error"}, ServerError),
        ({"message": "oops", "type": "server_error"}, ServerError),
        ({"message": "full", "type": "capacity_exceeded"}, CapacityExceededError),
        ({"message": "?", "type": "something_new"}, StreamError),
        ({"message": "?", "code": 503}, StreamError),
    ],
)
def test_stream_error_frames_map_by_type(
    detail: dict[str, object], cls: type[SynapticError]
) -> None:
    error = build_error(detail, status_code=None, provider="groq")
    assert type(error) is cls
    assert error.status_code is None
    assert str(error).startswith("groq error (in stream")


def test_builtin_bases_let_generic_handlers_catch_transport_errors() -> None:
    assert issubclass(RequestTimeoutError, TimeoutError)
    assert issubclass(NetworkError, ConnectionError)
    assert issubclass(ConfigError, SynapticError)
    assert issubclass(ParseError, SynapticError)
    assert RequestTimeoutError("t").retryable is True
    assert NetworkError("n").retryable is True
    assert StreamError("cut").retryable is True
    assert ParseError("p").retryable is False
    assert ConfigError("c").retryable is False


def test_retryable_can_be_overridden_per_instance() -> None:
    assert ServerError("x", retryable=False).retryable is False
    assert BadRequestError("x", retryable=True).retryable is True


def test_errors_survive_pickling_with_their_fields() -> None:
    error = error_from_response(
        400, {"x-request-id": "r1"}, body("bad", code="tool_use_failed", failed_generation="g")
    )
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is ToolUseFailedError
    assert str(clone) == str(error)
    assert clone.request_id == "r1"
    assert clone.failed_generation == "g"


def test_repr_shows_the_useful_fields() -> None:
    error = RateLimitError("limited", provider="groq", status_code=429, retry_after=1.5)
    assert repr(error) == (
        "RateLimitError('limited', provider='groq', status_code=429, retry_after=1.5)"
    )


@pytest.mark.parametrize(
    ("message", "hint"),
    [
        ("Rate limit reached for model. Please try again in 4.77s. Need more tokens?", 4.77),
        ("Please try again in 1m26.4s.", 86.4),
        ("please try again in 350ms", 0.35),
        ("Rate limit reached.", None),
    ],
)
def test_rate_limit_hint_read_from_the_message_when_no_header(
    message: str, hint: float | None
) -> None:
    error = build_error(
        {"message": message, "type": "tokens", "code": "rate_limit_exceeded"}, status_code=None
    )
    assert isinstance(error, RateLimitError)
    assert (
        error.retry_after == pytest.approx(hint) if hint is not None else error.retry_after is None
    )


def test_header_hint_wins_over_the_message() -> None:
    error = error_from_response(
        429, {"retry-after": "9"}, body("Please try again in 4.77s.", "tokens")
    )
    assert error.retry_after == 9.0
