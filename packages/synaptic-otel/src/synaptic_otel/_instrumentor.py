"""``SynapticInstrumentor``: OpenTelemetry's instrumentor interface over synaptic's
instrumentation points (``synaptic_core.telemetry``). Nothing is patched: instrumenting
adds a listener, uninstrumenting removes it."""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)

from synaptic_core.telemetry import add_listener, remove_listener

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""Set to ``true`` to record prompts and answers on spans (off by default: they may hold
personal data)."""


def _capture_from_env() -> bool:
    return os.environ.get(CAPTURE_CONTENT_ENV, "").strip().lower() in ("true", "1", "yes")


class SynapticInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """``SynapticInstrumentor().instrument(tracer_provider=..., meter_provider=...,
    capture_content=...)``; providers default to the global ones, ``capture_content``
    to ``$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``."""

    _listener: Any = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("synaptic-core >= 0.1.0",)

    def _instrument(self, **kwargs: Any) -> None:
        from synaptic_otel import __version__  # noqa: PLC0415
        from synaptic_otel._listener import make_listener  # noqa: PLC0415

        capture = kwargs.get("capture_content")
        self._listener = make_listener(
            kwargs.get("tracer_provider"),
            kwargs.get("meter_provider"),
            capture_content=_capture_from_env() if capture is None else bool(capture),
            version=__version__,
        )
        add_listener(self._listener)

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._listener is not None:
            remove_listener(self._listener)
            self._listener = None
