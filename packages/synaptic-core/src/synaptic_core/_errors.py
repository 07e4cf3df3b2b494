"""The error hierarchy, and the one place an HTTP failure becomes a typed error.

Every error synaptic raises is a ``SynapticError``. The tree::

    SynapticError
    ├── ConfigError                      missing key, unknown provider, bad settings
    ├── AuthenticationError              401
    ├── PermissionDeniedError            403
    ├── NotFoundError                    404
    │   └── ModelNotFoundError           code model_not_found (names the replacement)
    │       └── ModelRetiredError        ... for a model known to be retired (also below)
    ├── BadRequestError                  400, 422 and other 4xx
    │   ├── ToolUseFailedError           code tool_use_failed (.failed_generation)
    │   ├── JsonValidateFailedError      code json_validate_failed (.failed_generation)
    │   ├── ModelDecommissionedError     code model_decommissioned (names the replacement)
    │   ├── ContextLengthExceededError   code context_length_exceeded
    │   └── RequestTooLargeError         413 (not retried: the same request fails again)
    ├── RateLimitError                   429 (.retry_after, .rate_limit)
    ├── ServerError                      500, 502, 503, 504 and other 5xx
    │   └── CapacityExceededError        498 (flex tier out of capacity)
    ├── RequestTimeoutError              also a builtin TimeoutError
    ├── NetworkError                     also a builtin ConnectionError
    ├── ResponseTooLargeError            body beyond HttpBackend(max_response_bytes)
    ├── RedirectError                    3xx: redirects are never followed (.location)
    ├── InputError                       input that cannot be sent (also a ValueError)
    ├── ParseError                       body not JSON / not the expected shape
    │   └── StructuredOutputError        content does not validate against a schema
    └── StreamError                      error frame or truncated stream

Every error carries the same fields (``None`` where unknown), so a handler can log or
decide without ``isinstance`` ladders: ``provider``, ``status_code``, ``request_id``,
``retryable``, ``retry_after`` (seconds), ``rate_limit``, ``code``, ``error_type``,
``param`` and ``body`` (the response body, truncated). ``retryable`` is what
``RetryChatModel`` reads; it defaults per class (see DESIGN section 5) and a caller
may override it per instance.

Messages never contain the API key: providers pass their key as ``secret`` to
:func:`error_from_response`, which redacts it from anything taken from the body.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from synaptic_core import _secrets
from synaptic_core._secrets import scrub, scrub_optional

if TYPE_CHECKING:
    from synaptic_core._ratelimit import RateLimitInfo

#: How much of a response body an error keeps (and shows), in characters.
BODY_LIMIT = 2000
_MESSAGE_LIMIT = 500
_REDACTED = "[REDACTED]"


class InsecureTransportWarning(UserWarning):
    """An API key is about to travel over plain HTTP to a host that is not loopback."""


class SynapticError(Exception):
    """Base of every error synaptic raises."""

    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        rate_limit: RateLimitInfo | None = None,
        code: str | None = None,
        error_type: str | None = None,
        param: str | None = None,
        body: str | None = None,
    ) -> None:
        if _secrets._SECRETS:  # a server may echo a key into any of these
            message = scrub(message)
            request_id, code, error_type, param, body = map(
                scrub_optional, (request_id, code, error_type, param, body)
            )
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status_code = status_code
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.rate_limit = rate_limit
        self.code = code
        self.error_type = error_type
        self.param = param
        self.body = body

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        for name in ("provider", "status_code", "code", "request_id", "retry_after"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields survive pickling (multiprocessing, pytest-xdist).
        return (_rebuild_error, (type(self), self.message, dict(self.__dict__)))


def _rebuild_error(cls: type[SynapticError], message: str, state: dict[str, Any]) -> SynapticError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class ConfigError(SynapticError):
    """Bad configuration: a missing key, an unknown provider, an invalid setting."""


class AuthenticationError(SynapticError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(SynapticError):
    """403: the key is valid but may not do this (organisation, region, model access)."""


class NotFoundError(SynapticError):
    """404: unknown endpoint or model."""


class ModelNotFoundError(NotFoundError):
    """The model id is unknown to the provider; ``replacement`` names a successor if known."""

    replacement: str | None = None


class BadRequestError(SynapticError):
    """400 / 422 (and other 4xx): the request itself is wrong; sending it again fails again."""


class ToolUseFailedError(BadRequestError):
    """The model produced a tool call the provider could not parse.

    ``failed_generation`` holds what the model wrote, so it is never lost.
    """

    failed_generation: str | None = None


class JsonValidateFailedError(BadRequestError):
    """JSON mode: the model's output was not valid JSON; ``failed_generation`` keeps it."""

    failed_generation: str | None = None


class ModelDecommissionedError(BadRequestError):
    """The model was retired; ``replacement`` names its successor when known."""

    replacement: str | None = None


class ModelRetiredError(ModelNotFoundError, ModelDecommissionedError):
    """A 404 ``model_not_found`` for a model the provider's catalog knows was retired.

    Since 2026-08-16 Groq answers retired ids with 404 ``model_not_found`` where it used
    to answer 400 ``model_decommissioned``; both mean "this model is gone". This class is
    both a ``ModelNotFoundError`` and a ``ModelDecommissionedError``, so
    ``except ModelDecommissionedError`` catches every "model gone", whichever status
    the provider chose; ``replacement`` names a live successor.
    """

    replacement: str | None = None


def retype_error(error: SynapticError, cls: type[SynapticError]) -> SynapticError:
    """``error`` as an instance of ``cls`` (a subclass of its class), every field kept."""
    retyped = cls.__new__(cls)
    Exception.__init__(retyped, error.message)
    retyped.__dict__.update(error.__dict__)
    retyped.__traceback__ = error.__traceback__
    return retyped


class ContextLengthExceededError(BadRequestError):
    """The prompt plus ``max_tokens`` exceed the model's context window."""


class RequestTooLargeError(BadRequestError):
    """413: the request body, or its token count, exceeds what one request may carry."""


class RateLimitError(SynapticError):
    """429: a rate limit was hit. ``retry_after`` is the server's hint in seconds, if any.
    ``remembered``: for the budget's own refusal (``code == "local_budget"``) that comes
    from what an earlier run on this machine left, the file it was read from."""

    default_retryable = True
    remembered: str | None = None


class ServerError(SynapticError):
    """5xx: the provider failed; the same request may succeed later."""

    default_retryable = True


class CapacityExceededError(ServerError):
    """498: the flex service tier is out of capacity right now."""


class RequestTimeoutError(SynapticError, TimeoutError):
    """No response (or no next byte of one) within the timeout."""

    default_retryable = True


class NetworkError(SynapticError, ConnectionError):
    """The connection failed: refused, reset, DNS, TLS."""

    default_retryable = True


class ResponseTooLargeError(SynapticError):
    """The response body passed ``HttpBackend(max_response_bytes=...)``; not retried."""


class RedirectError(SynapticError):
    """A 3xx answer. Redirects are never followed: the request carries the API key, and a
    key must reach only the host it was configured for. Not retried (the same request is
    redirected again); ``location`` is where the server pointed, without query or
    credentials."""

    location: str | None = None


def redirect_error(
    status_code: int, headers: Mapping[str, str], *, provider: str | None = None
) -> RedirectError:
    """The error for a 3xx answer: says where it pointed and what to do."""
    from urllib.parse import urlsplit, urlunsplit  # noqa: PLC0415 (rare path)

    raw = headers.get("location", "")
    parts = urlsplit(scrub(raw.strip()))
    location = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    where = truncate(location, 200) if location else "no Location header"
    label = provider or "provider"
    error = RedirectError(
        f"{label} answered HTTP {status_code}, a redirect to {where}; synaptic does not follow "
        "redirects (the API key goes only to the configured host): if the new address is "
        "right, set it as base_url",
        provider=provider,
        status_code=status_code,
        request_id=headers.get("x-request-id"),
    )
    error.location = location or None
    return error


class InputError(SynapticError, ValueError):
    """The request cannot be sent as given (text that is not valid Unicode, ...).

    Raised before anything is sent; the message says where and what to do.
    """


def unencodable_text_error(texts: list[str], exc: UnicodeEncodeError) -> InputError:
    """An ``InputError`` naming the first of ``texts`` (message contents) that cannot
    be encoded as UTF-8, and where in it (lone surrogates come from bytes decoded with
    ``errors="surrogateescape"``, as ``sys.argv`` and ``sys.stdin`` do on POSIX)."""
    for number, text in enumerate(texts, start=1):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as bad:
            char = bad.object[bad.start : bad.end]
            return InputError(
                f"message {number} has text that is not valid Unicode ({char!r} at character "
                f"{bad.start}, usually bytes decoded with errors='surrogateescape'); decode the "
                "input with its real encoding, or with errors='replace'"
            )
    return InputError(
        f"the request has text that is not valid Unicode ({exc.reason}); decode the input "
        "with its real encoding, or with errors='replace'"
    )


class ParseError(SynapticError):
    """A body that is not JSON, or JSON not of the expected shape. Keeps status and body."""


class StructuredOutputError(ParseError):
    """A response's content does not validate against the requested schema.

    ``content`` keeps the model's raw text and ``validation_error`` pydantic's report.
    """

    content: str = ""
    validation_error: Exception | None = None


class StreamError(SynapticError):
    """A stream failed after its 200: an error frame, or the stream was cut short.

    A cut stream is retryable (before its first chunk reached the caller); an error frame
    whose type names a more specific class raises that class instead.
    """

    default_retryable = True


# --- mapping an HTTP failure to a class -------------------------------------------------

_BY_CODE: dict[str, type[SynapticError]] = {
    "tool_use_failed": ToolUseFailedError,
    "json_validate_failed": JsonValidateFailedError,
    "model_decommissioned": ModelDecommissionedError,
    "context_length_exceeded": ContextLengthExceededError,
    "model_not_found": ModelNotFoundError,
    "invalid_api_key": AuthenticationError,
}

_BY_STATUS: dict[int, type[SynapticError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: BadRequestError,
    413: RequestTooLargeError,
    422: BadRequestError,
    429: RateLimitError,
    498: CapacityExceededError,
}

# Error types named inside a stream's error frame, which has no HTTP status of its own.
_BY_TYPE: dict[str, type[SynapticError]] = {
    "rate_limit_exceeded": RateLimitError,
    "rate_limit_error": RateLimitError,
    "tokens": RateLimitError,
    "requests": RateLimitError,
    "server_error": ServerError,
    "internal_server_error": ServerError,
    "service_unavailable": ServerError,
    "overloaded_error": ServerError,
    "capacity_exceeded": CapacityExceededError,
    "authentication_error": AuthenticationError,
    "invalid_api_key": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "invalid_request_error": BadRequestError,
}


def error_class_for(
    status_code: int | None, code: str | None = None, error_type: str | None = None
) -> type[SynapticError]:
    """Choose the class for a status and the provider's error ``code`` / ``type``.

    The code wins where it is more specific than the status (``tool_use_failed`` on a
    400); a 413 ``rate_limit_exceeded`` stays a ``RequestTooLargeError`` because the
    same request can never fit, so retrying it would only burn quota.
    """
    if status_code == 413:
        return RequestTooLargeError
    by_code = _BY_CODE.get(code or "")
    if by_code is not None and (status_code is None or status_code < 500):
        return by_code
    if status_code is not None:
        if status_code in _BY_STATUS:
            return _BY_STATUS[status_code]
        if status_code >= 500:
            return ServerError
        if status_code >= 400:
            return BadRequestError
    if code == "rate_limit_exceeded":
        return RateLimitError
    return _BY_TYPE.get(error_type or "", _BY_TYPE.get(code or "", StreamError))


def truncate(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """Shorten ``text`` to ``limit`` characters, saying how much was cut. Remembered keys
    are scrubbed first: a cut through a key would leave a prefix no later scrub finds."""
    text = scrub(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def redact(text: str, secret: str | None) -> str:
    """Remove ``secret`` from ``text``, plain or JSON-escaped (a body may echo a key back),
    and every key :func:`synaptic_core.remember_secret` was told of."""
    if secret:
        if secret in text:
            text = text.replace(secret, _REDACTED)
        if "\\" in text:
            text = _escaped_secret(secret).sub(_REDACTED, text)
    return scrub(text)


@functools.lru_cache(maxsize=16)
def _escaped_secret(secret: str) -> re.Pattern[str]:
    return re.compile("".join(_secrets.char_pattern(c) for c in secret))


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):  # a hostile, deeply nested value
        return "(a value nested too deeply to show)"


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    provider: str | None = None,
    secret: str | None = None,
) -> SynapticError:
    """Turn an HTTP error response into the matching ``SynapticError`` subclass.

    ``body`` may be the OpenAI-style ``{"error": {...}}`` JSON, a bare JSON string, or
    anything else (an HTML page from a gateway); the message a person reads always
    has the status and the provider's words, truncated, with ``secret`` redacted.
    ``headers`` must answer lowercase names (``x-request-id``, ``retry-after``).
    """
    from synaptic_core._ratelimit import RateLimitInfo  # noqa: PLC0415 (cycle)

    if 300 <= status_code < 400:
        return redirect_error(status_code, headers, provider=provider)
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = redact(text, secret)
    payload: Any = None
    try:
        payload = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        payload = None
    detail: dict[str, Any] = {}
    if isinstance(payload, dict):
        inner = payload.get("error", payload)
        if isinstance(inner, dict):
            detail = inner
        elif isinstance(inner, str):
            detail = {"message": inner}
    elif isinstance(payload, str):
        detail = {"message": payload}
    rate_limit = RateLimitInfo.from_headers(headers)
    return build_error(
        detail,
        status_code=status_code,
        provider=provider,
        request_id=headers.get("x-request-id") or _groq_request_id(payload),
        retry_after=rate_limit.retry_after,
        rate_limit=rate_limit,
        raw_body=text,
    )


def build_error(
    detail: Mapping[str, Any],
    *,
    status_code: int | None,
    provider: str | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    rate_limit: RateLimitInfo | None = None,
    raw_body: str | None = None,
    in_stream: bool = False,
) -> SynapticError:
    """Build the typed error for an error object (``{"message", "type", "code", ...}``).

    Shared by :func:`error_from_response` and the stream decoders. An error frame inside
    a 200 stream may name its own status (Groq sends ``"status_code": 400``); the
    decoder passes it as ``status_code`` and ``in_stream=True``, so the error is the
    same class with the same fields as the HTTP error with that status would be.
    """
    code = _as_text(detail.get("code"))
    error_type = _as_text(detail.get("type"))
    param = _as_text(detail.get("param"))
    provider_message = _as_text(detail.get("message"))
    cls = error_class_for(status_code, code, error_type)
    if cls is RateLimitError and retry_after is None and provider_message:
        retry_after = retry_hint_in(provider_message)
    if provider_message is None:
        fallback = " ".join(raw_body.split()) if raw_body else ""  # one line, even for HTML
        provider_message = fallback or "no error message in the response body"
    label = provider or "provider"
    if status_code is None:
        where = "in stream"
    else:
        where = f"HTTP {status_code} in stream" if in_stream else f"HTTP {status_code}"
    message = f"{label} error ({where}"
    if code:
        message += f", {code}"
    message += f"): {truncate(provider_message)}"
    if cls is RateLimitError and retry_after is not None:
        message += f" (retry after {retry_after:g}s)"
    error = cls(
        message,
        provider=provider,
        status_code=status_code,
        request_id=request_id,
        retry_after=retry_after,
        rate_limit=rate_limit,
        code=code,
        error_type=error_type,
        param=param,
        body=None if raw_body is None else truncate(raw_body, BODY_LIMIT),
    )
    if isinstance(error, ToolUseFailedError | JsonValidateFailedError):
        error.failed_generation = _as_text(detail.get("failed_generation"))
    return error


@functools.cache  # compiled on first use: an import does not need it
def _try_again() -> re.Pattern[str]:
    return re.compile(r"try again in ((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)", re.IGNORECASE)


def retry_hint_in(message: str) -> float | None:
    """Seconds from "Please try again in 4.77s" (Groq's text), when no header says."""
    from synaptic_core._ratelimit import parse_go_duration  # noqa: PLC0415 (cycle)

    match = _try_again().search(message)
    return None if match is None else parse_go_duration(match.group(1))


def _groq_request_id(payload: Any) -> str | None:
    if isinstance(payload, dict):
        x_groq = payload.get("x_groq")
        if isinstance(x_groq, dict) and isinstance(x_groq.get("id"), str):
            return str(x_groq["id"])
        error = payload.get("error")
        if isinstance(error, dict):
            return _groq_request_id(error)
    return None
