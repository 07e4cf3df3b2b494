"""Bulk jobs (DESIGN section 14): ``synaptic batch`` live against the emulator.

1. At the budget: ``LINES`` lines through a profile with ``limits`` equal to the
   emulator's (``RPM`` requests per minute): wall time against the ideal (what the
   budget allows: the full bucket at once, then the refill), the share of 429s, and
   lines lost or written twice. The same job at ``SMALL`` lines gives the memory
   comparison (peak RSS of the ``synaptic batch`` process, from ``wait4``).
2. Side by side, ``SIDE`` lines at ``SIDE_RPM``: ``synaptic batch`` (limits learned
   from the headers and the first 429's text, and limits in a profile) and an asyncio
   loop over the official ``groq`` SDK with a semaphore (64) and its default retries,
   writing each answer as it comes: wall time, 429s the server answered, lines lost.

``python -m benchmarks.batch`` prints markdown tables (``run.py`` includes them).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bulk import start_emulator

LINES = int(os.environ.get("BENCH_BATCH_LINES", "10000"))
SMALL = LINES // 10
RPM = int(os.environ.get("BENCH_BATCH_RPM", "5000"))
SIDE = int(os.environ.get("BENCH_BATCH_SIDE", "2000"))
SIDE_RPM = int(os.environ.get("BENCH_BATCH_SIDE_RPM", "1200"))
TPM = 100_000_000
KEY = "gsk_batch_bench_key"

SDK_LOOP = r"""
import asyncio, json, sys, time
import groq
source, output, host_url = sys.argv[1:4]
async def main():
    sdk = groq.AsyncGroq(api_key="@KEY@", base_url=host_url)
    gate = asyncio.Semaphore(64)
    lines = [json.loads(x) for x in open(source)]
    lost = 0
    with open(output, "w") as out:
        async def one(line):
            nonlocal lost
            async with gate:
                try:
                    answer = await sdk.chat.completions.create(**line["body"])
                except groq.APIError:
                    lost += 1
                    return
                out.write(json.dumps({"custom_id": line["custom_id"], "response": {"body": answer.model_dump()}}) + "\n")
                out.flush()
        started = time.time()
        await asyncio.gather(*(one(line) for line in lines))
        print(json.dumps({"seconds": time.time() - started, "lost": lost}))
    await sdk.close()
asyncio.run(main())
""".replace("@KEY@", KEY)


def write_input(path: Path, count: int) -> None:
    with path.open("w") as file:
        for i in range(count):
            body = {
                "model": "openai/gpt-oss-20b",
                "messages": [
                    {"role": "user", "content": f"Classify row {i}: positive or negative?"}
                ],
                "max_tokens": 32,
            }
            file.write(
                json.dumps({"custom_id": f"row-{i}", "method": "POST",
                            "url": "/v1/chat/completions", "body": body}) + "\n"
            )  # fmt: skip


def check_output(path: Path, count: int) -> tuple[int, int]:
    """(lost, duplicated) lines: ids missing or written more than once, or failed."""
    seen: dict[str, int] = {}
    for raw in path.read_bytes().splitlines():
        row = json.loads(raw)
        if row.get("error") is None:
            seen[row["custom_id"]] = seen.get(row["custom_id"], 0) + 1
    lost = sum(1 for i in range(count) if f"row-{i}" not in seen)
    return lost, sum(n - 1 for n in seen.values())


def run_batch(where: Path, count: int, rpm: int, *, profile_limits: bool) -> dict[str, Any]:
    """``synaptic batch`` in its own process: seconds (its own count: first request to
    last line), peak RSS, 429s the server answered, lines lost and duplicated."""
    write_input(where / "in.jsonl", count)
    out = where / "out.jsonl"
    out.unlink(missing_ok=True)
    config = where / "synaptic.toml"
    config.write_text(
        '[profiles.bulk]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        + (f"[profiles.bulk.limits]\nrequests_per_minute = {rpm}\n" if profile_limits else "")
    )
    emulator, host_url = start_emulator(rpm, TPM, 100_000_000)
    try:
        # SYNAPTIC_HOME of its own: each case runs against a fresh emulator (a full
        # bucket), so what an earlier case left of the budget (budgets.json) must not
        # carry over (it did: the profiled run started from the learned run's empty bucket)
        home = tempfile.mkdtemp(prefix="home-", dir=where)
        env = {**os.environ, "GROQ_API_KEY": KEY, "GROQ_BASE_URL": f"{host_url}/openai/v1",
               "SYNAPTIC_HOME": home}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "synaptic", "batch", "in.jsonl", "-o", "out.jsonl",
             "-m", "bulk", "-c", str(config)],
            cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err = process.stderr.read() if process.stderr else ""
        if process.returncode != 0:
            msg = f"synaptic batch failed ({process.returncode}):\n{err[-2000:]}"
            raise RuntimeError(msg)
        stats = httpx.get(f"{host_url}/emulator/stats").json()
    finally:
        emulator.terminate()
        emulator.wait(10)
    found = re.search(r" in ([\d.]+)s ", err)
    assert found, err
    lost, duplicated = check_output(out, count)
    by_status = stats["requests_by_status"]
    return {
        "lines": count,
        "seconds": float(found.group(1)),
        "ideal": max(0.0, (count - rpm) * 60 / rpm),
        "rss_mib": usage.ru_maxrss / 1024,
        "answered_429": by_status.get("429", 0),
        "lost": lost,
        "duplicated": duplicated,
    }


def run_sdk(where: Path, count: int, rpm: int) -> dict[str, Any]:
    write_input(where / "in.jsonl", count)
    emulator, host_url = start_emulator(rpm, TPM, 100_000_000)
    try:
        done = subprocess.run(
            [sys.executable, "-c", SDK_LOOP, str(where / "in.jsonl"), str(where / "sdk.jsonl"),
             host_url],
            capture_output=True, text=True, timeout=900, check=True,
        )  # fmt: skip
        stats = httpx.get(f"{host_url}/emulator/stats").json()
    finally:
        emulator.terminate()
        emulator.wait(10)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "lines": count,
        "seconds": result["seconds"],
        "ideal": max(0.0, (count - rpm) * 60 / rpm),
        "answered_429": stats["requests_by_status"].get("429", 0),
        "lost": result["lost"],
        "duplicated": 0,
    }


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        big = run_batch(where, LINES, RPM, profile_limits=True)
        print("batch: big done", file=sys.stderr)
        small = run_batch(where, SMALL, RPM, profile_limits=True)
        print("batch: small done", file=sys.stderr)
        sdk = run_sdk(where, SIDE, SIDE_RPM)
        learned = run_batch(where, SIDE, SIDE_RPM, profile_limits=False)
        profiled = run_batch(where, SIDE, SIDE_RPM, profile_limits=True)
        print("batch: side by side done", file=sys.stderr)
    within = big["seconds"] <= big["ideal"] * 1.05
    flat = big["rss_mib"] <= small["rss_mib"] * 1.10
    exact = big["lost"] == 0 and big["duplicated"] == 0
    lines = [
        f"`synaptic batch` at the budget: {LINES:,} lines, the emulator and the profile's "
        f"`limits` at {RPM:,} requests per minute. Ideal: {big['ideal']:.1f} s (the full "
        "bucket at once, then the refill).",
        "",
        "| lines | wall time | ideal | wall / ideal | answered 429 | lost | duplicated | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in (big, small):
        ratio = f"{row['seconds'] / row['ideal']:.3f}" if row["ideal"] else "(all in the burst)"
        lines.append(
            f"| {row['lines']:,} | {row['seconds']:.1f} s | {row['ideal']:.1f} s | {ratio} | "
            f"{row['answered_429']} | {row['lost']} | {row['duplicated']} | {row['rss_mib']:.1f} MiB |"
        )
    lines += [
        "",
        f"Targets: within 5% of the ideal ({'holds' if within else 'DOES NOT hold'}); memory "
        f"flat in the number of lines (peak RSS at {LINES:,} within 10% of {SMALL:,}: "
        f"{'holds' if flat else 'DOES NOT hold'}); 0 lost, 0 duplicated "
        f"({'holds' if exact else 'DOES NOT hold'}).",
        "",
        f"Side by side: the same {SIDE:,} lines, the emulator at {SIDE_RPM:,} requests per "
        f"minute (ideal {sdk['ideal']:.1f} s).",
        "",
        "| client | wall time | answered 429 | lines lost |",
        "|---|---|---|---|",
        f"| official `groq` SDK, asyncio + semaphore(64), default retries | {sdk['seconds']:.1f} s | "
        f"{sdk['answered_429']:,} | {sdk['lost']:,} |",
        f"| `synaptic batch`, no limits configured (learned) | {learned['seconds']:.1f} s | "
        f"{learned['answered_429']:,} | {learned['lost']:,} |",
        f"| `synaptic batch`, `limits` in the profile | {profiled['seconds']:.1f} s | "
        f"{profiled['answered_429']:,} | {profiled['lost']:,} |",
    ]
    table = "\n".join(lines)
    print(table)
    return {
        "rows": {"big": big, "small": small, "sdk": sdk, "learned": learned, "profiled": profiled},
        "table": table,
    }


if __name__ == "__main__":
    main()
