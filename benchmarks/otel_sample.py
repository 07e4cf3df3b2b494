"""One sample process of ``benchmarks/otel.py``: every mode of one client, interleaved.

``python -m benchmarks.otel_sample CLIENT PORT ROUNDS BLOCK`` prints one JSON line: each
mode's median block, in client CPU time (``time.process_time``: the server is another
process, so this is the client's own work) and wall time, per request, in µs; and the
attributes the client's instrumentation put on its spans.

CLIENT is ``synaptic``, ``groq-sdk+openllmetry`` (the official groq SDK with
``opentelemetry-instrumentation-groq``) or ``openai-sdk+otel-contrib`` (the openai SDK
with ``opentelemetry-instrumentation-openai-v2``). Every client runs the same modes:

- ``bare``: the client, nothing listening (for synaptic: as shipped, the points in place);
- ``floor``: ``bare`` plus what the OpenTelemetry SDK itself costs for the same data: one
  CLIENT span made current, started with the request's attributes, given the response's
  and ended, and three histogram records (duration, input and output tokens), with the
  attributes and label sets the client's instrumentation records (copied from its own
  span), so the floor is what any instrumentation built on the SDK pays;
- ``on``: the client's instrumentation, spans and metrics to in-memory exporters;
- ``content`` (synaptic only): ``on`` with ``capture_content=True``;
- ``bare_s{N}`` / ``on_s{N}``: a stream of N content chunks read to its end, for two N,
  so the fixed cost per stream and the cost per chunk can be told apart (a quarter, or
  for the long one an eighth, of the requests a block: they take longer);
- ``points`` (synaptic only): ``ChatModel.chat_sync`` without its instrumentation point
  (the same body without the ``if LISTENERS`` test), for the cost of the points alone.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

SHORT, LONG = 10, 110
PROMPT = "What is Rust famous for?"
MODEL = "openai/gpt-oss-20b"
RESPONSE_PREFIXES = ("gen_ai.response.", "gen_ai.usage.", "groq.", "synaptic.attempts",
                     "synaptic.rate_limit", "llm.usage.", "gen_ai.openai.response")  # fmt: skip
LABEL_KEYS = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system",
              "gen_ai.request.model", "gen_ai.response.model", "server.address", "server.port")  # fmt: skip

exporter = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
reader = InMemoryMetricReader()
meter_provider = MeterProvider(metric_readers=[reader])


class Client:
    """One client: its plain calls and how to turn its instrumentation on and off."""

    call: Callable[[], Any]
    stream: Callable[[int], Any]

    def instrument(self, *, content: bool = False) -> None:
        raise NotImplementedError

    def uninstrument(self) -> None:
        raise NotImplementedError


class Synaptic(Client):
    def __init__(self, base_url: str) -> None:
        from synaptic.groq import GroqChatModel, GroqConfig
        from synaptic_core import _chat_model
        from synaptic_otel import SynapticInstrumentor

        self.model = GroqChatModel(
            GroqConfig("gsk_bench_key", MODEL, base_url=f"{base_url}/openai/v1")
        )
        self.instrumentor = SynapticInstrumentor()
        self._module = _chat_model
        self._shipped = _chat_model.ChatModel.chat_sync
        prepare = _chat_model._prepare

        def points_removed(self: Any, request: Any, *, extra_headers: Any = None,
                           extra_body: Any = None, timeout: Any = None) -> Any:  # fmt: skip
            return self._chat_sync(prepare(request, extra_headers, extra_body, timeout))

        self._points_removed = points_removed

    def call(self) -> Any:
        return self.model.chat_sync(PROMPT)

    def stream(self, chunks: int) -> Any:
        for _ in self.model.stream_chat_sync(PROMPT, extra_headers={"x-bench-chunks": str(chunks)}):
            pass

    def points(self, removed: bool) -> None:
        self._module.ChatModel.chat_sync = self._points_removed if removed else self._shipped  # type: ignore[method-assign]

    def instrument(self, *, content: bool = False) -> None:
        self.instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider,
                                     capture_content=content)  # fmt: skip

    def uninstrument(self) -> None:
        self.instrumentor.uninstrument()


class GroqSdk(Client):
    def __init__(self, base_url: str) -> None:
        from opentelemetry.instrumentation.groq import GroqInstrumentor

        import groq

        self.client = groq.Groq(api_key="gsk_bench_key", base_url=base_url, max_retries=0)
        self.instrumentor = GroqInstrumentor()

    def call(self) -> Any:
        return self.client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": PROMPT}]
        )

    def stream(self, chunks: int) -> Any:
        for _ in self.client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True,
            extra_headers={"x-bench-chunks": str(chunks)},
        ):  # fmt: skip
            pass

    def instrument(self, *, content: bool = False) -> None:
        self.instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)

    def uninstrument(self) -> None:
        self.instrumentor.uninstrument()


class OpenAiSdk(GroqSdk):
    def __init__(self, base_url: str) -> None:
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        import openai

        self.client = openai.OpenAI(api_key="gsk_bench_key", base_url=f"{base_url}/openai/v1",
                                    max_retries=0)  # fmt: skip
        self.instrumentor = OpenAIInstrumentor()  # type: ignore[assignment]


CLIENTS: dict[str, type[Client]] = {
    "synaptic": Synaptic,
    "groq-sdk+openllmetry": GroqSdk,
    "openai-sdk+otel-contrib": OpenAiSdk,
}


class Floor:
    """What the OpenTelemetry SDK costs for the data the client's instrumentation records,
    around the plain call: its span and its three histogram records."""

    def __init__(self, span: Any) -> None:
        from opentelemetry import context, trace

        attributes = dict(span.attributes)
        self.name = span.name
        self.start = {k: v for k, v in attributes.items() if not k.startswith(RESPONSE_PREFIXES)}
        self.end = {k: v for k, v in attributes.items() if k.startswith(RESPONSE_PREFIXES)}
        labels = {k: attributes[k] for k in LABEL_KEYS if k in attributes}
        self.labels = labels
        self.inputs = {**labels, "gen_ai.token.type": "input"}
        self.outputs = {**labels, "gen_ai.token.type": "output"}
        self.tracer = trace.get_tracer("floor", "1", tracer_provider)
        meter = meter_provider.get_meter("floor", "1")
        self.duration = meter.create_histogram("floor.duration", unit="s")
        self.tokens = meter.create_histogram("floor.tokens", unit="{token}")
        self._context, self._trace = context, trace

    def around(self, call: Callable[[], Any]) -> None:
        from opentelemetry.trace import SpanKind

        started = time.perf_counter()
        span = self.tracer.start_span(self.name, kind=SpanKind.CLIENT, attributes=self.start)
        token = self._context.attach(self._trace.set_span_in_context(span))
        try:
            call()
        finally:
            self._context.detach(token)
        span.set_attributes(self.end)
        span.end()
        self.duration.record(time.perf_counter() - started, self.labels)
        self.tokens.record(18, self.inputs)
        self.tokens.record(12, self.outputs)


def main() -> None:
    name, port, rounds, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    client = CLIENTS[name](f"http://127.0.0.1:{port}")

    def captured(run: Callable[[], Any], *, content: bool = False) -> tuple[dict[str, Any], Any]:
        client.instrument(content=content)
        try:
            run()
        finally:
            client.uninstrument()
        spans = exporter.get_finished_spans()
        exporter.clear()
        return dict(spans[-1].attributes or {}), spans[-1]

    whole, whole_span = captured(client.call)
    streamed, _ = captured(lambda: client.stream(SHORT))
    floor = Floor(whole_span)

    modes: dict[str, Callable[[], Any]] = {
        "bare": client.call,
        "floor": lambda: floor.around(client.call),
        "on": client.call,
        f"bare_s{SHORT}": lambda: client.stream(SHORT),
        f"on_s{SHORT}": lambda: client.stream(SHORT),
        f"bare_s{LONG}": lambda: client.stream(LONG),
        f"on_s{LONG}": lambda: client.stream(LONG),
    }
    if isinstance(client, Synaptic):
        modes["content"] = client.call
        modes["points"] = client.call

    def run(mode: str) -> tuple[float, float]:
        if mode.startswith("on") or mode == "content":
            client.instrument(content=mode == "content")
        if isinstance(client, Synaptic):
            client.points(removed=mode == "points")
        body = modes[mode]
        # Streams take longer: a quarter (short) or an eighth (long) of the requests a block.
        count = block // 8 if mode.endswith(f"_s{LONG}") else block // 4 if "_s" in mode else block
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            body()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if mode.startswith("on") or mode == "content":
            client.uninstrument()
        if isinstance(client, Synaptic):
            client.points(removed=False)
        exporter.clear()
        reader.get_metrics_data()
        return cpu / count * 1e6, wall / count * 1e6

    names = tuple(modes)
    for mode in names:  # warm-up: a block of each
        run(mode)
    cpu: dict[str, list[float]] = {mode: [] for mode in names}
    wall: dict[str, list[float]] = {mode: [] for mode in names}
    for index in range(rounds):
        for mode in names if index % 2 == 0 else tuple(reversed(names)):
            c, w = run(mode)
            cpu[mode].append(c)
            wall[mode].append(w)
    print(json.dumps({
        "cpu": {mode: statistics.median(values) for mode, values in cpu.items()},
        "wall": {mode: statistics.median(values) for mode, values in wall.items()},
        "attributes": {"whole": sorted(whole), "stream": sorted(streamed)},
        "stream_attributes": streamed,
        "whole_attributes": whole,
    }, default=str))  # fmt: skip


if __name__ == "__main__":
    main()
