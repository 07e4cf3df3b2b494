"""Bulk at the limit: many workers share one Groq budget (DESIGN section 13).

The emulator runs with a budget (``RPM`` requests and ``TPM`` tokens per minute); 4
worker processes x 64 concurrent requests each push the same ``TOTAL`` requests through
it, per client:

- ``sdk``: the official ``groq`` SDK (asyncio, its default retries);
- ``retry``: synaptic with ``RetryChatModel`` only (reacting to 429s);
- ``local``: synaptic with ``limits`` in process (one process: the in-process store
  cannot share across processes);
- ``redis``: synaptic with ``limits`` on the Redis store (4 processes).

Measured: wall time, requests completed against what the budget allowed over the run
(the burst at the start plus the refill), the share of requests the server answered
429 (``GET /emulator/stats``), failed requests, p50/p99 latency including waits.
LiteLLM's Router is not run: it is not in the bench environment, and its tokenizer
(tiktoken) downloads its encodings at first use, which an offline run cannot do.

``python -m benchmarks.bulk`` prints a markdown table (``run.py`` includes it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RPM = int(os.environ.get("BENCH_BULK_RPM", "600"))
TPM = 60_000
TOTAL = int(os.environ.get("BENCH_BULK_TOTAL", str(RPM + RPM // 2)))  # ~30 s of refill
PROCESSES = 4
CONCURRENCY = 64
KEY = "gsk_bulk_bench_key"

WORKER = r"""
import asyncio, json, sys, time
client, base_url, host_url, count, concurrency, rpm, tpm, store = sys.argv[1:9]
count, concurrency, rpm, tpm = int(count), int(concurrency), int(rpm), int(tpm)
latencies, failures, first = [], 0, []

async def main():
    global failures
    if client == "sdk":
        import groq
        sdk = groq.AsyncGroq(api_key="@KEY@", base_url=host_url)
        async def call(i):
            await sdk.chat.completions.create(
                model="openai/gpt-oss-20b", messages=[{"role": "user", "content": f"row {i}"}]
            )
    else:
        import synaptic
        limits = None
        if client in ("local", "redis"):
            limits = {"requests_per_minute": rpm, "tokens_per_minute": tpm, "max_wait": 600}
            if client == "redis":
                limits["store"] = store
        model = synaptic.load_chat_model(
            "groq:openai/gpt-oss-20b", base_url=base_url, environ={"GROQ_API_KEY": "@KEY@"},
            retry={"max_attempts": 3}, **({"limits": limits} if limits else {}),
        )
        async def call(i):
            await model.chat(f"row {i}")
    queue = list(range(count))
    first.append(time.time())
    async def worker():
        global failures
        while queue:
            i = queue.pop()
            started = time.perf_counter()
            try:
                await call(i)
                latencies.append(time.perf_counter() - started)
            except Exception:
                failures += 1
    await asyncio.gather(*(worker() for _ in range(concurrency)))

asyncio.run(main())
print(json.dumps({"latencies": latencies, "failures": failures, "first": first[0], "last": time.time()}))
""".replace("@KEY@", KEY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator(
    rpm: int = RPM, tpm: int = TPM, rpd: int = 1_000_000
) -> tuple[subprocess.Popen[str], str]:
    """``synaptic emulator`` in its own process with these limits; its host URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", "--rpm", str(rpm),
         "--tpm", str(tpm), "--rpd", str(rpd)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    match = re.search(r"(http://127\.0\.0\.1:\d+)/openai/v1", process.stdout.readline())
    assert match
    return process, match.group(1)


def start_redis(where: Path | None = None) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Our own ``redis-server`` on a free port of 127.0.0.1 (run from ``where`` when
    given: a temporary directory), nothing saved; ``(None, "")`` when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None, ""
    port = free_port()
    folder = ["--dir", str(where)] if where is not None else []
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         *folder],
        cwd=where, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"redis://127.0.0.1:{port}/0"


def run_client(client: str, store: str) -> dict[str, Any]:
    import httpx

    emulator, host_url = start_emulator()
    try:
        processes = 1 if client == "local" else PROCESSES
        per_process = TOTAL // processes
        concurrency = CONCURRENCY * (PROCESSES if client == "local" else 1)
        started = time.perf_counter()
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    client,
                    f"{host_url}/openai/v1",
                    host_url,
                    str(per_process),
                    str(concurrency),
                    str(RPM),
                    str(TPM),
                    store,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=900)
            if worker.returncode != 0 or not out.strip():
                msg = f"bulk worker ({client}) failed:\n{err[-2000:]}"
                raise RuntimeError(msg)
            results.append(json.loads(out.strip().splitlines()[-1]))
        # The work's span, from the first request to the last answer: process start-up
        # (one interpreter for `local`, four for the others) is not the client's speed.
        seconds = max(r["last"] for r in results) - min(r["first"] for r in results)
        _ = started
        stats = httpx.get(f"{host_url}/emulator/stats").json()
    finally:
        emulator.terminate()
        emulator.wait(10)
    latencies = sorted(x for r in results for x in r["latencies"])
    done = len(latencies)
    allowed = RPM + RPM * seconds / 60  # the full bucket at the start, then the refill
    by_status = stats["requests_by_status"]
    answered = sum(by_status.values())
    return {
        "client": client,
        "seconds": seconds,
        "done": done,
        "failed": sum(r["failures"] for r in results),
        "budget_used": min(1.0, done / allowed),
        "share_429": by_status.get("429", 0) / answered if answered else 0.0,
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[int(0.99 * (done - 1))] if latencies else 0.0,
        "ideal_seconds": max(0.0, (TOTAL - RPM) * 60 / RPM),
    }


def main() -> dict[str, Any]:
    redis, store = start_redis()
    rows = []
    try:
        for client in ("sdk", "retry", "local", "redis"):
            if client == "redis" and not store:
                continue
            rows.append(run_client(client, store))
            print(f"bulk {client}: done", file=sys.stderr)
    finally:
        if redis is not None:
            redis.kill()
            redis.wait(10)
    lines = [
        f"Bulk at the limit: the emulator with {RPM} requests and {TPM:,} tokens per minute; "
        f"{TOTAL:,} requests from {PROCESSES} processes x {CONCURRENCY} concurrent "
        f"(`local`: one process x {PROCESSES * CONCURRENCY}). Ideal: {rows[0]['ideal_seconds']:.1f} s "
        "(the full bucket, then the refill).",
        "",
        "| client | wall time | done | failed | budget used | answered 429 | p50 latency | p99 latency |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {
        "sdk": "official `groq` SDK (default retries)",
        "retry": "synaptic, `RetryChatModel` only",
        "local": "synaptic, `limits` in process (1 process)",
        "redis": "synaptic, `limits` on Redis (4 processes)",
    }
    for row in rows:
        lines.append(
            f"| {names[row['client']]} | {row['seconds']:.1f} s | {row['done']:,} | {row['failed']:,} | "
            f"{row['budget_used']:.0%} | {row['share_429']:.1%} | {row['p50']:.2f} s | {row['p99']:.2f} s |"
        )
    redis_row = next((r for r in rows if r["client"] == "redis"), None)
    if redis_row is not None:
        fastest = min(r["seconds"] for r in rows if r["failed"] == 0 and r["done"] == TOTAL)
        holds = (
            redis_row["budget_used"] >= 0.95
            and redis_row["share_429"] <= 0.005
            and redis_row["seconds"] <= fastest * 1.02  # within timing noise (2%)
        )
        lines += [
            "",
            "Targets for the Redis store: >= 95% of the budget used, <= 0.5% answered 429, no "
            "peer finishing the same work (every request answered) sooner, within 2% timing "
            f"noise: {'hold' if holds else 'DO NOT hold'}. Times span the first request to "
            "the last answer (process start-up excluded).",
        ]
    table = "\n".join(lines)
    print(table)
    return {"rows": rows, "table": table}


if __name__ == "__main__":
    main()
