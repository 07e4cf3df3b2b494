"""Telemetry overhead (DESIGN section 15): sequential requests, in fresh processes.

Against two loopback servers: the Groq emulator (Groq's whole answers: usage with
timings, rate-limit headers, so every attribute is filled) and the benchmark server
(``benchmarks/server.py``: the fastest answer a Python server gives here, the worst case
for a fixed cost per request). Modes, interleaved (none, off, on; then reversed),
medians reported:

- ``none``: synaptic as it is, nothing instrumented;
- ``off``: ``synaptic_otel`` imported, instrumented then uninstrumented (the
  instrumentation points in place, nobody listening);
- ``on``: instrumented, with the OpenTelemetry SDK's in-memory span exporter
  (``SimpleSpanProcessor``) and in-memory metric reader: every request a span, three
  metric records.

Targets (against the emulator): ``on`` at most 1.10x ``none``, ``off`` at most 1.02x
``none``. The garbage collector's generations are frozen after the warm-up in every
mode, so the size of what was imported (the SDK, in ``off`` and ``on``) does not change
how often the collector runs over the measured loop.
``python -m benchmarks.otel`` prints a markdown table (``run.py`` includes it).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_OTEL_ROUNDS", "11"))
MODES = ("none", "off", "on")
REQUESTS = 2000
WARMUP = 200

SAMPLE = (
    r"""
import json, sys, time
mode, base_url = sys.argv[1], sys.argv[2]
from synaptic.groq import GroqChatModel, GroqConfig
if mode in ("off", "on"):
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from synaptic_otel import SynapticInstrumentor
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    SynapticInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    if mode == "off":
        SynapticInstrumentor().uninstrument()
model = GroqChatModel(GroqConfig("gsk_bench_key", "openai/gpt-oss-20b", base_url=base_url))
for _ in range(@WARMUP@):
    model.chat_sync("What is Rust famous for?")
if mode == "on":
    exporter.clear()
import gc
gc.collect()
if "@FREEZE@" == "1":
    gc.freeze()
started = time.perf_counter()
cpu = time.process_time()
for _ in range(@REQUESTS@):
    model.chat_sync("What is Rust famous for?")
seconds = time.perf_counter() - started
cpu = time.process_time() - cpu
spans = len(exporter.get_finished_spans()) if mode == "on" else 0
print(json.dumps({"us_per_request": seconds / @REQUESTS@ * 1e6, "cpu_us_per_request": cpu / @REQUESTS@ * 1e6, "spans": spans}))
""".replace("@WARMUP@", str(WARMUP))
    .replace("@FREEZE@", os.environ.get("BENCH_OTEL_FREEZE", "1"))
    .replace("@REQUESTS@", str(REQUESTS))
)


def sample(mode: str, base_url: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONHASHSEED"] = "0"  # one dict layout for every sample: less noise between them
    done = subprocess.run(
        [sys.executable, "-c", SAMPLE, mode, base_url],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        msg = f"otel sample ({mode}) failed:\n{done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def start_servers() -> tuple[list[subprocess.Popen[str]], dict[str, str]]:
    from benchmarks.run import free_port

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "ready"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", "--rpm", "100000000",
         "--tpm", "100000000000", "--rpd", "100000000000"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert emulator.stdout is not None
    found = re.search(r"(http://127\.0\.0\.1:\d+/openai/v1)", emulator.stdout.readline())
    assert found
    urls = {"emulator": found.group(1), "benchmark server": f"http://127.0.0.1:{port}/openai/v1"}
    return [server, emulator], urls


def main() -> dict[str, Any]:
    processes, urls = start_servers()
    try:
        samples = {server: {mode: [] for mode in MODES} for server in urls}  # type: dict[str, dict[str, list[dict[str, Any]]]]
        for index in range(ROUNDS):
            order = MODES if index % 2 == 0 else tuple(reversed(MODES))
            for server, url in urls.items():
                for mode in order:
                    samples[server][mode].append(sample(mode, url))
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
    medians = {
        server: {m: statistics.median(s["us_per_request"] for s in runs[m]) for m in MODES}
        for server, runs in samples.items()
    }
    lines = [
        f"Telemetry overhead: {REQUESTS:,} sequential requests (sync, after {WARMUP} warm-up), "
        f"fresh processes, medians of {ROUNDS} interleaved rounds; `on`: every request a span "
        "(in-memory exporter) and three metric records (in-memory reader).",
        "",
        "| server | mode | per request | added | vs none | target | holds |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = {}
    for server, values in medians.items():
        none = values["none"]
        for mode, target in (("none", None), ("off", 1.02), ("on", 1.10)):
            ratio = values[mode] / none
            judged = server == "emulator" and target is not None
            holds = ratio <= target if judged and target is not None else None
            if judged:
                verdicts[mode] = holds
            lines.append(
                f"| {server} | {mode} | {values[mode]:,.0f} µs | {values[mode] - none:+,.0f} µs | "
                f"{ratio:.3f}x | {f'<= {target:.2f}x' if judged else '-'} | "
                f"{'-' if holds is None else ('yes' if holds else 'NO')} |"
            )
    lines += [
        "",
        "`none`: nothing instrumented; `off`: instrumented, then uninstrumented (the "
        "instrumentation points in place, nobody listening); `on`: instrumented. The "
        "benchmark server answers in a fraction of the emulator's time, so the same added "
        "microseconds weigh more there (a Groq request takes 100 ms or more).",
    ]
    table = "\n".join(lines)
    print(table)
    return {"medians": medians, "targets_hold": verdicts, "table": table}


if __name__ == "__main__":
    main()
