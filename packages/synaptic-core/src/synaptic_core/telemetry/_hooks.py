"""The instrumentation points' registry: who listens, and the base class listeners extend.

Kept tiny on purpose: ``ChatModel``'s methods import ``LISTENERS`` and test it (``if
LISTENERS:``, a truth test of a list) on every call; with nobody listening that is the
whole cost. Everything else (``_call``, ``_observe``) loads on the first call observed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synaptic_core.telemetry._audio import AudioCall
    from synaptic_core.telemetry._call import ChatCall

LISTENERS: list[Listener] = []
"""The listeners, in the order added. Mutated in place (its identity never changes)."""

_LOCK = threading.Lock()


class Listener:
    """Extend it and override what you need; every method is a no-op here.

    One ``ChatCall`` per request a caller makes (the outermost model's call): its
    retries, rate-limit waits and fallbacks happen inside it. ``on_end`` and
    ``on_error`` end it (exactly one of them, once). A listener that raises is logged
    and skipped: telemetry never breaks a request.
    """

    def on_start(self, call: ChatCall) -> None:
        """The request starts (``call.request``, ``call.provider``, ``call.request_model``)."""

    def on_retry(self, call: ChatCall, attempt: int, delay: float, error: BaseException) -> None:
        """Attempt ``attempt`` failed with ``error``; the next starts in ``delay`` seconds."""

    def on_wait(self, call: ChatCall, seconds: float) -> None:
        """The request waits ``seconds`` for the rate-limit budget before it is sent."""

    def on_fallback(
        self, call: ChatCall, failed: str, error: BaseException, next_label: str
    ) -> None:
        """The model labelled ``failed`` gave up with ``error``; ``next_label`` is tried."""

    def on_first_chunk(self, call: ChatCall) -> None:
        """A stream's first chunk arrived (``call.first_chunk_at``)."""

    def on_end(self, call: ChatCall) -> None:
        """The answer is complete (``call.response``); a stream closed before its end has
        ``call.abandoned`` set and the facts it had seen."""

    def on_error(self, call: ChatCall, error: BaseException) -> None:
        """The request failed (or was cancelled) with ``error``."""

    def on_audio_start(self, call: AudioCall) -> None:
        """An audio request starts (``call.operation``: transcription, translation, speech)."""

    def on_audio_end(self, call: AudioCall) -> None:
        """It answered (``call.result``: a ``Transcription`` or ``SpeechAudio``)."""

    def on_audio_error(self, call: AudioCall, error: BaseException) -> None:
        """It failed with ``error``."""


def add_listener(listener: Listener) -> None:
    """Start telling ``listener`` about every chat request (idempotent)."""
    with _LOCK:
        if listener not in LISTENERS:
            LISTENERS.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop telling ``listener`` (no error if it was not listening)."""
    with _LOCK:
        if listener in LISTENERS:
            LISTENERS.remove(listener)


def listening() -> bool:
    """Whether anything listens (what every instrumentation point tests first)."""
    return bool(LISTENERS)


def notify(method: str, call: ChatCall | AudioCall, *args: Any) -> None:
    """Call ``method`` on every listener; one that raises is logged, never propagated."""
    for listener in tuple(LISTENERS):
        try:
            getattr(listener, method)(call, *args)
        except Exception:
            from synaptic_core._logging import get_logger  # noqa: PLC0415

            get_logger("telemetry").warning(
                "%s.%s raised; ignored", type(listener).__name__, method, exc_info=True
            )
