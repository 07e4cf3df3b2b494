"""The listener that turns synaptic's instrumentation points into spans and metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import context, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from synaptic_core import scrub_secrets
from synaptic_core.telemetry import Listener
from synaptic_otel import _attributes as attrs

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter
    from opentelemetry.trace import Span, Tracer

    from synaptic_core.telemetry import ChatCall
    from synaptic_core.telemetry._audio import AudioCall

_TOKEN_BUCKETS = [4.0**i for i in range(14)]  # 1, 4, 16, ... 67,108,864 (the conventions')
_SECONDS_BUCKETS = [0.01 * 2**i for i in range(14)]  # 0.01 .. 81.92 s (the conventions')
_Labels = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
_CACHE_LIMIT = 256  # attribute dicts kept per listener (models x servers x outcomes)


class _AudioSpans:
    """Audio requests as spans (``transcription whisper-large-v3``, kind CLIENT) and the
    duration histogram. The GenAI conventions name no audio operations yet:
    ``gen_ai.operation.name`` is ``transcription``, ``translation`` or ``speech``."""

    tracer: Tracer
    duration: Any

    def on_audio_start(self, call: AudioCall) -> None:
        attributes = attrs.common(call)  # an AudioCall has a ChatCall's five facts
        size = call.upload_bytes
        if size is not None:
            attributes["synaptic.audio.upload_bytes"] = size
        name = f"{call.operation} {call.request_model}" if call.request_model else call.operation
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        call.state[self] = (span, attributes)

    def _metric(self, attributes: dict[str, Any], error_type: str | None = None) -> dict[str, Any]:
        keep = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
                "server.address", "server.port")  # fmt: skip
        metric = {k: attributes[k] for k in keep if k in attributes}
        if error_type is not None:
            metric["error.type"] = error_type
        return metric

    def on_audio_end(self, call: AudioCall) -> None:
        held = call.state.pop(self, None)
        if held is None:
            return
        span, attributes = held
        result = call.result
        ended: dict[str, Any] = {}
        request_id = getattr(result, "request_id", None)
        if request_id:
            ended["groq.request_id" if call.provider == "groq" else "synaptic.request_id"] = (
                request_id
            )
        seconds = getattr(result, "duration", None)
        if isinstance(seconds, int | float):
            ended["synaptic.audio.seconds"] = float(seconds)
        size = getattr(result, "size", None)  # SpeechAudio: held or streamed to a file
        if isinstance(size, int):
            ended["synaptic.audio.output_bytes"] = size
        span.set_attributes(ended)
        span.end()
        if call.duration is not None:
            self.duration.record(call.duration, self._metric(attributes))

    def on_audio_error(self, call: AudioCall, error: BaseException) -> None:
        held = call.state.pop(self, None)
        if held is None:
            return
        span, attributes = held
        kind = attrs.error_type(error)
        span.set_attribute("error.type", kind)
        span.set_status(Status(StatusCode.ERROR, scrub_secrets(str(error))[:1000]))
        span.end()
        if call.duration is not None:
            self.duration.record(call.duration, self._metric(attributes, kind))


class OtelListener(_AudioSpans, Listener):
    """One span per request (``chat {model}``, kind CLIENT), ended with the request;
    retries, waits and fallbacks as its events; the three histograms."""

    def __init__(self, tracer: Tracer, meter: Meter, *, capture_content: bool) -> None:
        self.tracer = tracer
        self.capture_content = capture_content
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self._commons: dict[Any, dict[str, Any]] = {}
        self._requests: dict[Any, tuple[Any, dict[str, Any], str]] = {}
        self._metric_labels: dict[Any, _Labels] = {}
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time to receive the first chunk of a streamed answer",
            explicit_bucket_boundaries_advisory=_SECONDS_BUCKETS,
        )

    def _common(self, call: ChatCall) -> dict[str, Any]:
        """``attrs.common(call)``, built once per (provider, model, server): the same
        few models serve every request."""
        key = (call.provider, call.request_model, call.server_address, call.server_port)
        found = self._commons.get(key)
        if found is None:
            if len(self._commons) > _CACHE_LIMIT:
                self._commons.clear()
            found = self._commons[key] = attrs.common(call)
        return found

    def _labels(self, call: ChatCall, error_type: str | None = None) -> _Labels:
        """The metrics' attribute sets for this outcome (duration, input and output
        tokens), built once per (model, server, response model, error type)."""
        key = (call.provider, call.request_model, call.server_address, call.server_port,
               call.response_model, error_type)  # fmt: skip
        found = self._metric_labels.get(key)
        if found is None:
            if len(self._metric_labels) > _CACHE_LIMIT:
                self._metric_labels.clear()
            metric = dict(self._common(call))
            if call.response_model:
                metric["gen_ai.response.model"] = call.response_model
            if error_type is not None:
                metric["error.type"] = error_type
            found = self._metric_labels[key] = (
                metric,
                {**metric, "gen_ai.token.type": "input"},
                {**metric, "gen_ai.token.type": "output"},
            )
        return found

    def _span(self, call: ChatCall) -> Span | None:
        held = call.state.get(self)
        return None if held is None else held[0]

    def _request(self, call: ChatCall) -> tuple[dict[str, Any], str]:
        """The span's starting attributes and name. A request that sets none of the
        options recorded (most do not) takes them from a cache per model, server, config
        and kind of call; the dict is the SDK's to copy, never changed afterwards."""
        request = call.request
        if (
            request.max_tokens is None
            and request.temperature is None
            and request.top_p is None
            and request.seed is None
            and not request.stop
            and request.response_format is None
        ):
            key = (call.provider, call.request_model, call.server_address, call.server_port,
                   id(call.config), call.stream)  # fmt: skip
            found = self._requests.get(key)
            if found is not None and found[0] is call.config:
                return found[1], found[2]
            if len(self._requests) > _CACHE_LIMIT:
                self._requests.clear()
            built = attrs.request(call, self._common(call))
            name = f"chat {call.request_model}" if call.request_model else "chat"
            self._requests[key] = (call.config, built, name)
            return built, name
        name = f"chat {call.request_model}" if call.request_model else "chat"
        return attrs.request(call, self._common(call)), name

    def on_start(self, call: ChatCall) -> None:
        attributes, name = self._request(call)
        if self.capture_content:
            attributes = {**attributes, **attrs.input_messages(call)}
            call.keep_chunks = True
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        # A whole answer runs in one context: the span is current, so spans of the HTTP
        # layer nest under it. A stream resumes in its caller's contexts: it is not.
        token = None if call.stream else context.attach(trace.set_span_in_context(span))
        call.state[self] = (span, token)

    def on_retry(self, call: ChatCall, attempt: int, delay: float, error: BaseException) -> None:
        span = self._span(call)
        if span is not None:
            span.add_event(
                "synaptic.retry",
                {
                    "synaptic.retry.attempt": attempt,
                    "synaptic.retry.delay": delay,
                    "error.type": attrs.error_type(error),
                },
            )

    def on_wait(self, call: ChatCall, seconds: float) -> None:
        span = self._span(call)
        if span is not None:
            span.add_event("synaptic.rate_limit.wait", {"synaptic.rate_limit.wait": seconds})

    def on_fallback(
        self, call: ChatCall, failed: str, error: BaseException, next_label: str
    ) -> None:
        span = self._span(call)
        if span is not None:
            span.add_event(
                "synaptic.fallback",
                {
                    "synaptic.fallback.failed": failed,
                    "synaptic.fallback.next": next_label,
                    "error.type": attrs.error_type(error),
                },
            )

    def on_first_chunk(self, call: ChatCall) -> None:
        seconds = call.time_to_first_chunk
        if seconds is not None:
            self.first_chunk.record(seconds, self._common(call))

    def _close(self, call: ChatCall) -> Span | None:
        held = call.state.pop(self, None)
        if held is None:
            return None
        span, token = held
        if token is not None:
            context.detach(token)
        return span  # type: ignore[no-any-return]

    def on_end(self, call: ChatCall) -> None:
        span = self._close(call)
        if span is None:
            return
        span.set_attributes(attrs.response(call))
        if self.capture_content:
            span.set_attributes(attrs.output_messages(call.response, call.finish_reason))
        span.end()
        metric, inputs, outputs = self._labels(call)
        if call.duration is not None:
            self.duration.record(call.duration, metric)
        if call.usage is not None:
            self.tokens.record(call.usage.input_tokens, inputs)
            self.tokens.record(call.usage.output_tokens, outputs)

    def on_error(self, call: ChatCall, error: BaseException) -> None:
        span = self._close(call)
        if span is None:
            return
        kind = attrs.error_type(error)
        span.set_attributes(attrs.response(call))
        span.set_attribute("error.type", kind)
        # Last scrub: an error that is not ours (a listener's, a user's) may quote a key.
        span.set_status(Status(StatusCode.ERROR, scrub_secrets(str(error))[:1000]))
        span.end()
        if call.duration is not None:
            self.duration.record(call.duration, self._labels(call, kind)[0])


def make_listener(
    tracer_provider: Any, meter_provider: Any, *, capture_content: bool, version: str
) -> OtelListener:
    from opentelemetry import metrics  # noqa: PLC0415

    tracer = trace.get_tracer("synaptic_otel", version, tracer_provider)
    meter = metrics.get_meter("synaptic_otel", version, meter_provider)
    return OtelListener(tracer, meter, capture_content=capture_content)
