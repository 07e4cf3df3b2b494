"""Instrumentation points: every chat request, observed, when something listens.

``add_listener(listener)`` with a ``Listener`` subclass; ``synaptic_otel`` is one (spans
and metrics per the OpenTelemetry GenAI conventions), tests and tools can be others.
One ``ChatCall`` per request a caller makes: start (provider, model, options), each
retry, rate-limit wait and fallback, the first chunk of a stream, the end (usage,
finish reason, rate limit, request id) or the error. With no listener, a request pays
one truth test of an empty list.
"""

from typing import TYPE_CHECKING

from synaptic_core.telemetry._hooks import (
    LISTENERS,
    Listener,
    add_listener,
    listening,
    remove_listener,
)

if TYPE_CHECKING:
    from synaptic_core.telemetry._call import ChatCall


def __getattr__(name: str) -> object:
    if name == "ChatCall":
        from synaptic_core.telemetry._call import ChatCall  # noqa: PLC0415

        return ChatCall
    msg = f"module 'synaptic_core.telemetry' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = ["LISTENERS", "ChatCall", "Listener", "add_listener", "listening", "remove_listener"]
