"""Telemetry overhead (DESIGN section 15): sequential requests, A/B within each process.

Per-process noise on this kind of machine (memory layout, caches: +-5% between fresh
processes running the same code) is larger than the effects measured here, so every
sample process runs all modes itself, in interleaved blocks (``BLOCK`` requests each,
the order alternating), and reports each mode's median block; the table gives medians
over ``PROCESSES`` processes of each mode's time against ``bare`` in the same process.

Modes:

- ``bare``: ``ChatModel.chat_sync`` as it was before the instrumentation points (the
  same body without the ``if LISTENERS`` test): the reference;
- ``off``: synaptic as shipped, ``synaptic_otel`` instrumented then uninstrumented
  (the points in place, nobody listening);
- ``spans``: instrumented with the SDK's in-memory span exporter, no meter provider
  (metrics go to OpenTelemetry's no-op meter);
- ``on``: instrumented with the in-memory span exporter and the in-memory metric
  reader: every request a span and three metric records.

Against two loopback servers: the Groq emulator (Groq's whole answers: usage with
timings, rate-limit headers, so every attribute is filled) and the benchmark server
(``benchmarks/server.py``, the fastest answer a Python server gives here: the worst case
for a fixed cost per request). Targets (the emulator): ``on`` <= 1.10x, ``off`` <= 1.02x.
``python -m benchmarks.otel`` prints a markdown table (``run.py`` includes it).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = int(os.environ.get("BENCH_OTEL_PROCESSES", "5"))
ROUNDS = int(os.environ.get("BENCH_OTEL_ROUNDS", "12"))
BLOCK = 200
WARMUP = 300
MODES = ("bare", "off", "spans", "on")

SAMPLE = r"""
import gc, json, statistics, sys, time
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from synaptic.groq import GroqChatModel, GroqConfig
from synaptic_core import _chat_model
from synaptic_otel import SynapticInstrumentor

base_url, rounds, block, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
shipped = _chat_model.ChatModel.chat_sync
prepare = _chat_model._prepare

def bare(self, request, *, extra_headers=None, extra_body=None, timeout=None):
    return self._chat_sync(prepare(request, extra_headers, extra_body, timeout))

exporter = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
instrumentor = SynapticInstrumentor()
model = GroqChatModel(GroqConfig("gsk_bench_key", "openai/gpt-oss-20b", base_url=base_url))

def run(mode):
    _chat_model.ChatModel.chat_sync = bare if mode == "bare" else shipped
    if mode == "spans":
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=NoOpMeterProvider())
    elif mode == "on":
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    gc.collect()
    started = time.perf_counter()
    for _ in range(block):
        model.chat_sync("What is Rust famous for?")
    seconds = time.perf_counter() - started
    if mode in ("spans", "on"):
        instrumentor.uninstrument()
        assert len(exporter.get_finished_spans()) == block
        exporter.clear()
    return seconds / block * 1e6

modes = ("bare", "off", "spans", "on")
for mode in modes:
    for _ in range(warmup // block + 1):
        run(mode)
times = {mode: [] for mode in modes}
for index in range(rounds):
    for mode in (modes if index % 2 == 0 else tuple(reversed(modes))):
        times[mode].append(run(mode))
print(json.dumps({mode: statistics.median(values) for mode, values in times.items()}))
"""


def sample(base_url: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", SAMPLE, base_url, str(ROUNDS), str(BLOCK), str(WARMUP)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        msg = f"otel sample failed:\n{done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def start_servers() -> tuple[list[subprocess.Popen[str]], dict[str, str]]:
    from benchmarks.bulk import start_emulator
    from benchmarks.run import free_port

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "ready"
    emulator, host_url = start_emulator(100_000_000, 100_000_000_000, 100_000_000_000)
    urls = {
        "emulator": f"{host_url}/openai/v1",
        "benchmark server": f"http://127.0.0.1:{port}/openai/v1",
    }
    return [server, emulator], urls


TARGETS = {"off": 1.02, "on": 1.10}
WHAT = {
    "bare": "no instrumentation points (the reference)",
    "off": "as shipped, nobody listening",
    "spans": "spans to an in-memory exporter, no metrics",
    "on": "spans and metrics, in memory",
}


def main() -> dict[str, Any]:
    processes, urls = start_servers()
    try:
        runs = {server: [sample(url) for _ in range(PROCESSES)] for server, url in urls.items()}
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    lines = [
        f"Telemetry overhead: sequential requests (sync), {PROCESSES} processes x {ROUNDS} "
        f"interleaved rounds of {BLOCK} requests per mode; per request, and against `bare` "
        "in the same process (medians).",
        "",
        "| server | mode | what | per request | added | vs bare | target | holds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdicts: dict[str, bool] = {}
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for server, samples in runs.items():
        summary[server] = {}
        for mode in MODES:
            per_request = statistics.median(s[mode] for s in samples)
            ratio = statistics.median(s[mode] / s["bare"] for s in samples)
            added = statistics.median(s[mode] - s["bare"] for s in samples)
            summary[server][mode] = {"us": per_request, "ratio": ratio, "added_us": added}
            target = TARGETS.get(mode) if server == "emulator" else None
            holds = None if target is None else ratio <= target
            if holds is not None:
                verdicts[mode] = holds
            lines.append(
                f"| {server} | {mode} | {WHAT[mode]} | {per_request:,.0f} µs | {added:+,.1f} µs | "
                f"{ratio:.3f}x | {'-' if target is None else f'<= {target:.2f}x'} | "
                f"{'-' if holds is None else ('yes' if holds else 'NO')} |"
            )
    table = "\n".join(lines)
    print(table)
    return {"summary": summary, "targets_hold": verdicts, "table": table}


if __name__ == "__main__":
    main()
