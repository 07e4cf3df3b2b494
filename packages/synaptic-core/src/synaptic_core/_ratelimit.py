"""Rate-limit state read from response headers, on every response and every error.

Groq (like OpenAI) sends ``x-ratelimit-*`` headers whose reset values are Go durations
(``2m59.56s``, ``7.66s``, ``350ms``, ``8h``), and ``retry-after`` on a 429 (seconds, or
an HTTP date); some servers send ``retry-after-ms``. Parsing is lenient: a header that
cannot be read becomes ``None`` rather than an exception, because a malformed hint must
never turn a good response into a failure.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from synaptic_core._fast import construct

_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_MAX_DURATION = 366 * 24 * 3600.0  # anything longer is a broken header, not a limit


@functools.lru_cache(maxsize=512)  # the same few strings arrive on every response
def parse_go_duration(value: str) -> float | None:
    """Seconds in a Go duration such as ``2m59.56s``, ``350ms`` or ``1h2m``; else None.

    A bare number is read as seconds (some proxies drop the unit).
    """
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pos = 0
        seconds = 0.0
        for match in _GO_PART.finditer(text):
            if match.start() != pos:
                return None
            seconds += float(match.group(1)) * _GO_UNITS[match.group(2)]
            pos = match.end()
        if pos != len(text):
            return None
    if not math.isfinite(seconds) or seconds < 0 or seconds > _MAX_DURATION:
        return None
    return seconds


def parse_retry_after(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """The server's retry hint in seconds, or None.

    ``retry-after-ms`` wins when present (it is the more precise of the two), then
    ``retry-after`` as seconds (integer or fractional) or as an HTTP date, measured
    from ``now()`` (injectable for tests). A date in the past means "now": 0.0.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and 0 <= value <= _MAX_DURATION:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        import email.utils  # noqa: PLC0415 (HTTP dates are rare; keep the import light)

        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - now())
    if math.isfinite(value) and 0 <= value <= _MAX_DURATION:
        return value
    return None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def _duration_header(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    return None if raw is None else parse_go_duration(raw)


class RateLimitInfo(BaseModel):
    """What the provider said about its limits on one response.

    On Groq, ``*_requests`` count requests per day and ``*_tokens`` tokens per minute;
    ``reset_*`` are seconds until that budget refills; ``retry_after`` is the hint of a
    429, in seconds. Any field the provider did not send (or sent malformed) is None.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    reset_tokens: float | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], *, now: Callable[[], float] = time.time
    ) -> RateLimitInfo:
        """Read the ``x-ratelimit-*`` and retry headers; ``headers`` answer lowercase names."""
        retry_after = None
        if "retry-after" in headers or "retry-after-ms" in headers:
            retry_after = parse_retry_after(headers, now=now)
        return construct(
            cls,
            {
                "limit_requests": _int_header(headers, "x-ratelimit-limit-requests"),
                "limit_tokens": _int_header(headers, "x-ratelimit-limit-tokens"),
                "remaining_requests": _int_header(headers, "x-ratelimit-remaining-requests"),
                "remaining_tokens": _int_header(headers, "x-ratelimit-remaining-tokens"),
                "reset_requests": _duration_header(headers, "x-ratelimit-reset-requests"),
                "reset_tokens": _duration_header(headers, "x-ratelimit-reset-tokens"),
                "retry_after": retry_after,
            },
        )

    @property
    def is_empty(self) -> bool:
        """True when the response carried no rate-limit information at all."""
        return all(value is None for value in self.__dict__.values())
