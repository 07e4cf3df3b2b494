"""``AudioCall``: one audio request (transcription, translation, speech) as listeners
see it, and the observers the audio base classes hand their calls to when something
listens. The chat conventions' shape, for operations the GenAI conventions do not name
yet: ``operation`` is ``transcription``, ``translation`` or ``speech``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from synaptic_core.telemetry._hooks import notify

T = TypeVar("T")


def _describe(model: Any) -> tuple[str, str | None, str | None, int | None]:
    """(provider, model id, server address, server port) under any wrappers."""
    provider, model_id, address, port = None, None, None, None
    each = model
    for _ in range(8):  # wrappers are shallow: a retry around a provider's model
        provider = provider or getattr(each, "provider", None)
        config = getattr(each, "config", None)
        if model_id is None and isinstance(getattr(config, "model", None), str):
            model_id = config.model  # type: ignore[union-attr]
            base_url = getattr(config, "base_url", None)
            if isinstance(base_url, str) and base_url:
                parts = urlsplit(base_url)
                address = parts.hostname
                port = parts.port or (443 if parts.scheme == "https" else 80)
        inner = getattr(each, "model", None)
        if inner is None or isinstance(inner, str):
            break
        each = inner
    return (provider if isinstance(provider, str) else "synaptic"), model_id, address, port


class AudioCall:
    """One audio request, from start to end. ``request`` is the checked request
    (``TranscriptionRequest`` or ``SpeechRequest``); ``result`` what came back."""

    def __init__(self, model: Any, operation: str, request: Any) -> None:
        self.model = model
        self.operation = operation
        self.request = request
        self.provider, self.request_model, self.server_address, self.server_port = _describe(model)
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.state: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"AudioCall({self.operation!r}, {self.provider!r}, {self.request_model!r})"

    @property
    def duration(self) -> float | None:
        return None if self.ended is None else self.ended - self.started

    @property
    def upload_bytes(self) -> int | None:
        """The audio's size, for an upload."""
        audio = getattr(self.request, "audio", None)
        return None if audio is None else int(audio.size)


def _start(model: Any, operation: str, request: Any) -> AudioCall:
    call = AudioCall(model, operation, request)
    notify("on_audio_start", call)
    return call


def _finish(call: AudioCall, result: Any = None, error: BaseException | None = None) -> None:
    call.ended = time.perf_counter()
    if error is None:
        call.result = result
        notify("on_audio_end", call)
    else:
        call.error = error
        notify("on_audio_error", call, error)


def observe_sync(model: Any, operation: str, request: Any, run: Callable[[], T]) -> T:
    call = _start(model, operation, request)
    try:
        result = run()
    except BaseException as error:
        _finish(call, error=error)
        raise
    _finish(call, result)
    return result


async def observe(model: Any, operation: str, request: Any, run: Callable[[], Awaitable[T]]) -> T:
    call = _start(model, operation, request)
    try:
        result = await run()
    except BaseException as error:
        _finish(call, error=error)
        raise
    _finish(call, result)
    return result
