"""``nox -s bench``: every metric, side by side, interleaved, in fresh processes.

For each metric and round, each client runs once in its own fresh interpreter, in
alternating order (A B C, then C B A, ...), so drift on the machine hits every client
alike; medians are reported. Prints a markdown table (ratios to raw httpx and to the
official SDK, and whether each target holds) and writes it, with every raw sample, to
``benchmarks/results/``.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CLIENTS = ("httpx", "groq", "synaptic")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
IMPORT_ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", "21"))

# metric: (value key, unit, lower is better, target description, target check on synaptic's numbers)
METRICS: dict[str, tuple[str, str, bool]] = {
    "import": ("seconds", "ms", True),
    "import_memory": ("rss_kib", "KiB", True),
    "import_ready": ("ready_seconds", "ms", True),
    "sequential_sync": ("us_per_request", "µs/request", True),
    "sequential_async": ("us_per_request", "µs/request", True),
    "stream_sync": ("chunks_per_second", "chunks/s", False),
    "stream_async": ("chunks_per_second", "chunks/s", False),
    "burst": ("seconds", "ms", True),
}
TARGETS = {
    "import": ("< 0.65x the SDK", lambda m: m["synaptic"] < 0.65 * m["groq"]),
    "import_memory": ("<= the SDK", lambda m: m["synaptic"] <= m["groq"]),
    "import_ready": ("<= the SDK", lambda m: m["synaptic"] <= m["groq"]),
    "sequential_sync": ("<= 1.15x raw httpx", lambda m: m["synaptic"] <= 1.15 * m["httpx"]),
    "sequential_async": ("<= 1.15x raw httpx", lambda m: m["synaptic"] <= 1.15 * m["httpx"]),
    "stream_sync": ("time <= raw httpx (1.0)", lambda m: m["synaptic"] >= m["httpx"]),
    "stream_async": ("time <= raw httpx (1.0)", lambda m: m["synaptic"] >= m["httpx"]),
    "burst": ("<= 1.1x raw httpx", lambda m: m["synaptic"] <= 1.1 * m["httpx"]),
}
LABELS = {
    "import": "cold import (`synaptic.groq` / `groq` / `httpx`)",
    "import_memory": "resident memory added by the import",
    "import_ready": "cold import and the first client built",
    "sequential_sync": "sequential requests, sync (2,000 after 200 warm-up)",
    "sequential_async": "sequential requests, async (2,000 after 200 warm-up)",
    "stream_sync": "streaming, sync (5,000-chunk SSE)",
    "stream_async": "streaming, async (5,000-chunk SSE)",
    "burst": "256 concurrent requests (async), wall time",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_env() -> dict[str, str]:
    """The environment of every sample: bytecode caching on (some machines turn it off
    globally, which would make every "cold import" a compile of the sources instead)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def python(*args: str) -> dict[str, Any]:
    env = bench_env()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def interleaved(metric: str, rounds: int, port: int | None) -> dict[str, list[dict[str, Any]]]:
    samples: dict[str, list[dict[str, Any]]] = {c: [] for c in CLIENTS}
    for index in range(rounds):
        order = CLIENTS if index % 2 == 0 else tuple(reversed(CLIENTS))
        for client in order:
            args = ["-m", "benchmarks.clients", metric, client]
            if port is not None:
                args.append(str(port))
            samples[client].append(python(*args))
    return samples


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    if unit == "chunks/s":
        return f"{value:,.0f}/s"
    if unit == "KiB":
        return f"{value / 1024:.1f} MiB"
    return f"{value:,.0f} µs"


def ratio(ours: float, theirs: float, lower_is_better: bool) -> str:
    # Always "synaptic's cost relative to theirs": below 1.00 means synaptic is faster.
    value = ours / theirs if lower_is_better else theirs / ours
    return f"{value:.2f}x"


PARTS = ("emulator", "bulk", "batch", "otel", "audio", "hostile", "spent")


def part(name: str) -> dict[str, Any]:
    """``benchmarks.<name>``'s own ``main()``: each prints its table and returns it with
    its numbers (``rows``, or every other key)."""
    module = importlib.import_module(f"benchmarks.{name}")
    print(f"{name}: starting", file=sys.stderr)
    return module.main()  # type: ignore[no-any-return]


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_env()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        started = time.monotonic()
        ceiling = [python("-m", "benchmarks.ceiling", str(port)) for _ in range(3)]
        for (
            client
        ) in CLIENTS:  # compile bytecode once, so "cold" means a fresh process, not a fresh disk
            python("-m", "benchmarks.clients", "import", client)
        raw: dict[str, dict[str, list[dict[str, Any]]]] = {}
        raw["import"] = interleaved("import", IMPORT_ROUNDS, None)
        raw["import_memory"] = raw["import"]
        raw["import_ready"] = raw["import"]
        for metric in (
            "sequential_sync",
            "sequential_async",
            "stream_sync",
            "stream_async",
            "burst",
        ):
            raw[metric] = interleaved(metric, ROUNDS, port)
            print(f"{metric}: done ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(10)
    medians = {
        metric: {
            c: statistics.median(s[METRICS[metric][0]] for s in raw[metric][c]) for c in CLIENTS
        }
        for metric in METRICS
    }
    ceiling_us = statistics.median(c["us_per_request"] for c in ceiling)
    ceiling_cps = statistics.median(c["chunks_per_second"] for c in ceiling)
    lines = [
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
        f"medians of {ROUNDS} interleaved rounds ({IMPORT_ROUNDS} for imports), each sample a fresh process.",
        f"Benchmark server ceiling (raw socket client): {ceiling_us:,.0f} µs/request, {ceiling_cps:,.0f} chunks/s.",
        "",
        "| metric | raw httpx | groq SDK | synaptic | synaptic vs httpx | synaptic vs SDK | target | holds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdicts = {}
    for metric, (_, unit, lower) in METRICS.items():
        m = medians[metric]
        target, check = TARGETS[metric]
        verdicts[metric] = bool(check(m))
        lines.append(
            f"| {LABELS[metric]} | {fmt(m['httpx'], unit)} | {fmt(m['groq'], unit)} | {fmt(m['synaptic'], unit)} | "
            f"{ratio(m['synaptic'], m['httpx'], lower)} | {ratio(m['synaptic'], m['groq'], lower)} | {target} | "
            f"{'yes' if verdicts[metric] else 'NO'} |"
        )
    lines += [
        "",
        "Ratios are synaptic's cost relative to the other client: below 1.00x, synaptic is faster.",
    ]
    parts = {name: part(name) for name in PARTS}
    for result in parts.values():
        lines += ["", result["table"]]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "latest.md").write_text(table + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "medians": medians,
                "targets_hold": verdicts,
                "ceiling": ceiling,
                "samples": raw,
                **{
                    name: result["rows"]
                    if "rows" in result
                    else {k: v for k, v in result.items() if k != "table"}
                    for name, result in parts.items()
                },
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
