"""The Groq emulator's own speed: can it serve the bulk-job and rate-limit benchmarks?

Both servers run as subprocesses and are driven by the same client in the same run,
interleaved: raw httpx (async), N keep-alive connections, each sending non-streamed
chat requests back to back. Compared with ``benchmarks/server.py`` (precomputed bytes,
the ceiling of what a Python server can do here), the emulator validates, answers,
counts limits and tokens for every request. Target: at 256 connections it serves at
least half the benchmark server's requests per second. Also measured: the emulator's
resident memory with 1,000 open connections.

``python -m benchmarks.emulator`` prints a markdown table (``run.py`` includes it).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_EMULATOR_ROUNDS", "3"))
REQUESTS = {16: 1_500, 256: 2_500}
BODY = {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "Hello there"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_bench_server() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process, f"http://127.0.0.1:{port}/openai/v1"


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    unlimited = ["--rpm", "1000000000", "--tpm", "1000000000", "--rpd", "1000000000"]
    process = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", *unlimited],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    match = re.search(r"(http://127\.0\.0\.1:\d+/openai/v1)", process.stdout.readline())
    assert match
    return process, match.group(1)


def requests_per_second(base_url: str, connections: int, total: int) -> float:
    """``total`` requests over ``connections`` keep-alive connections (raw httpx)."""
    import httpx

    async def run() -> float:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        headers = {"authorization": "Bearer bench", "content-type": "application/json"}
        content = json.dumps(BODY).encode()
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            url = f"{base_url}/chat/completions"
            left = [total]

            async def worker() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    response = await client.post(url, content=content, headers=headers)
                    assert response.status_code == 200, response.text
                    response.read()

            left[0] = connections * 2  # warm-up: open every connection once or twice
            await asyncio.gather(*(worker() for _ in range(connections)))
            left[0] = total
            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(connections)))
            return total / (time.perf_counter() - started)

    return asyncio.run(run())


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_at_connections(count: int = 1000) -> tuple[float, float]:
    """The emulator's RSS idle and with ``count`` open connections (MiB)."""
    import httpx

    process, base_url = start_emulator()
    host_url = base_url.removesuffix("/openai/v1")
    sockets: list[socket.socket] = []
    try:
        port = int(host_url.rsplit(":", 1)[1])
        httpx.get(f"{host_url}/emulator/stats")
        idle = rss_mib(process.pid)
        sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        while httpx.get(f"{host_url}/emulator/stats").json()["open_connections"] <= count:
            time.sleep(0.05)
        return idle, rss_mib(process.pid)
    finally:
        for sock in sockets:
            sock.close()
        process.terminate()
        process.wait(10)


def main() -> dict[str, Any]:
    bench, bench_url = start_bench_server()
    emulator, emulator_url = start_emulator()
    samples: dict[str, dict[int, list[float]]] = {"server": {}, "emulator": {}}
    try:
        for connections, total in REQUESTS.items():
            for by_connections in samples.values():
                by_connections[connections] = []
            for index in range(ROUNDS):
                order = ("server", "emulator") if index % 2 == 0 else ("emulator", "server")
                for name in order:
                    url = bench_url if name == "server" else emulator_url
                    samples[name][connections].append(requests_per_second(url, connections, total))
    finally:
        for process in (bench, emulator):
            process.terminate()
            process.wait(10)
    idle, loaded = memory_at_connections()
    medians = {
        name: {c: statistics.median(v) for c, v in by_conn.items()}
        for name, by_conn in samples.items()
    }
    lines = [
        f"Emulator vs benchmark server, same raw-httpx client, medians of {ROUNDS} interleaved rounds:",
        "",
        "| connections | benchmark server (precomputed bytes) | emulator | emulator / server | target | holds |",
        "|---|---|---|---|---|---|",
    ]
    holds = {}
    for connections in REQUESTS:
        server, emu = medians["server"][connections], medians["emulator"][connections]
        share = emu / server
        target = ">= 0.5" if connections == 256 else "-"
        holds[connections] = share >= 0.5 if connections == 256 else True
        lines.append(
            f"| {connections} | {server:,.0f} req/s | {emu:,.0f} req/s | {share:.2f} | {target} | "
            f"{'yes' if holds[connections] else 'NO'} |"
        )
    lines += [
        "",
        f"Emulator memory: {idle:.1f} MiB idle, {loaded:.1f} MiB with 1,000 open connections "
        f"(+{loaded - idle:.1f} MiB).",
    ]
    table = "\n".join(lines)
    print(table)
    return {"medians": medians, "samples": samples, "memory_mib": [idle, loaded], "table": table}


if __name__ == "__main__":
    main()
