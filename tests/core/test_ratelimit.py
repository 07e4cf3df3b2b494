"""Rate-limit headers: Go durations, retry-after forms, and the RateLimitInfo they fill."""

from __future__ import annotations

import pytest

from synaptic_core import RateLimitInfo, parse_go_duration, parse_retry_after


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m59.56s", 179.56),
        ("7.66s", 7.66),
        ("350ms", 0.35),
        ("1m26.4s", 86.4),
        ("8h", 28800.0),
        ("1h2m3s", 3723.0),
        ("0s", 0.0),
        ("500us", 0.0005),
        ("500µs", 0.0005),
        ("250ns", 2.5e-7),
        ("12", 12.0),
        ("0.5", 0.5),
        (" 3s ", 3.0),
        (".5s", 0.5),
        ("", None),
        ("soon", None),
        ("5x", None),
        ("3s garbage", None),
        ("-3s", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("99999999h", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    result = parse_go_duration(text)
    if seconds is None:
        assert result is None
    else:
        assert result == pytest.approx(seconds)


NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.75"}, 0.75),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:30 GMT"}, 10.0),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:00 GMT"}, 0.0),
        ({"retry-after": "later"}, None),
        ({"retry-after": "-5"}, None),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:30"}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=lambda: NOW) == expected


def test_groq_headers_fill_rate_limit_info() -> None:
    headers = {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-limit-tokens": "18000",
        "x-ratelimit-remaining-requests": "14370",
        "x-ratelimit-remaining-tokens": "17997",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-reset-tokens": "7.66s",
        "retry-after": "2",
    }
    info = RateLimitInfo.from_headers(headers)
    assert info.model_dump() == {
        "limit_requests": 14400,
        "limit_tokens": 18000,
        "remaining_requests": 14370,
        "remaining_tokens": 17997,
        "reset_requests": pytest.approx(179.56),
        "reset_tokens": pytest.approx(7.66),
        "retry_after": 2.0,
    }
    assert not info.is_empty


def test_malformed_headers_become_none_not_errors() -> None:
    info = RateLimitInfo.from_headers(
        {
            "x-ratelimit-limit-requests": "lots",
            "x-ratelimit-remaining-tokens": "-1",
            "x-ratelimit-reset-tokens": "whenever",
        }
    )
    assert info == RateLimitInfo()
    assert info.is_empty


def test_case_insensitive_headers_from_httpx_are_read() -> None:
    import httpx

    headers = httpx.Headers({"X-RateLimit-Remaining-Tokens": "42", "Retry-After": "3"})
    info = RateLimitInfo.from_headers(headers)
    assert info.remaining_tokens == 42
    assert info.retry_after == 3.0
