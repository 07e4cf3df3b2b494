"""The OpenAI-compatible audio wire: multipart uploads streamed from disk, and the
answers' shapes (json, text, verbose_json) as ``Transcription``; speech as bytes.

The multipart body is built as parts around the file's pieces, so its size is known
before a byte is read (``content-length``: no chunked upload, which some servers
refuse) and memory stays flat in the file's size. Field names are the wire's own:
``timestamp_granularities[]`` carries its brackets (a bare name is a 400 on Groq).
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable, Iterator, Mapping

from synaptic_core import RateLimitInfo
from synaptic_core.audio import (
    Transcription,
    TranscriptionRequest,
    TranscriptionSegment,
    TranscriptionWord,
)
from synaptic_openai._response import json_problem, request_id_of, shape_error

_TRANSCRIPTION_KEYS = frozenset({"text", "language", "duration", "task", "segments", "words"})


def _field(boundary: str, name: str, value: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def _safe(filename: str) -> str:
    return "".join("_" if c in '"\r\n\\' else c for c in filename) or "audio"


def multipart(
    request: TranscriptionRequest, model: str, *, boundary: str | None = None
) -> tuple[str, int, Callable[[], Iterator[bytes]]]:
    """(content type, size in bytes, a function that yields the body from its start)."""
    boundary = boundary or f"synaptic{secrets.token_hex(12)}"
    head = [_field(boundary, "model", model)]
    if request.language is not None:
        head.append(_field(boundary, "language", request.language))
    if request.prompt is not None:
        head.append(_field(boundary, "prompt", request.prompt))
    head.append(_field(boundary, "response_format", request.response_format))
    if request.temperature is not None:
        head.append(_field(boundary, "temperature", repr(float(request.temperature))))
    for granularity in request.timestamp_granularities:
        head.append(_field(boundary, "timestamp_granularities[]", granularity))
    if request.url is not None:
        head.append(_field(boundary, "url", request.url))
    source = request.audio
    end = f"--{boundary}--\r\n".encode()
    if source is None:
        body = b"".join([*head, end])
        return f"multipart/form-data; boundary={boundary}", len(body), lambda: iter((body,))
    kind = mimetypes.guess_type(source.filename)[0] or "application/octet-stream"
    head.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{_safe(source.filename)}"\r\nContent-Type: {kind}\r\n\r\n'
        ).encode()
    )
    start = b"".join(head)
    tail = b"\r\n" + end

    def pieces() -> Iterator[bytes]:
        yield start
        yield from source.pieces()
        yield tail

    return f"multipart/form-data; boundary={boundary}", len(start) + source.size + len(tail), pieces


def parse_transcription(
    provider: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    request: TranscriptionRequest,
) -> Transcription:
    """The answer in the format asked for; ``ParseError`` when it is not that shape."""
    limit = RateLimitInfo.from_headers(headers)
    if request.response_format == "text":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise shape_error(provider, status, headers, body, "is not UTF-8 text") from None
        return Transcription(
            text=text, task=request.task, request_id=headers.get("x-request-id"), rate_limit=limit
        )
    data, problem = json_problem(body)
    if problem is None and not (isinstance(data, dict) and isinstance(data.get("text"), str)):
        problem = "has no text"
    if problem is not None:
        raise shape_error(provider, status, headers, body, problem)
    try:
        segments = [TranscriptionSegment.model_validate(s) for s in data.get("segments") or []]
        words = [TranscriptionWord.model_validate(w) for w in data.get("words") or []]
    except ValueError as error:
        raise shape_error(
            provider,
            status,
            headers,
            body,
            f"has malformed timings ({error.__class__.__name__})",
            data=data,
        ) from None
    duration = data.get("duration")
    return Transcription(
        text=data["text"],
        language=data.get("language") if isinstance(data.get("language"), str) else None,
        duration=float(duration) if isinstance(duration, int | float) else None,
        task=data.get("task") if isinstance(data.get("task"), str) else request.task,
        segments=segments,
        words=words,
        request_id=request_id_of(data, headers),
        rate_limit=limit,
        provider_metadata={k: v for k, v in data.items() if k not in _TRANSCRIPTION_KEYS},
    )
