"""Bulk jobs on a spent budget (issue 21): ``synaptic batch`` and the official SDK.

The emulator (``benchmarks.bulk.start_emulator``) runs at ``RPM`` requests per minute,
refilled continuously (``RPM / 60`` a second, Groq's way), with tokens and requests per
day out of the way; ``synaptic batch`` runs with a profile whose ``limits`` say the same
``requests_per_minute``. Three cases, each in fresh processes:

A. A second job on a spent budget: a first job of ``RPM`` lines (it spends the
   per-minute budget; each client runs its own), then at once a second job of ``SECOND`` lines. Measured on the
   second job: wall time from the end of the first job (its last output line) to its own
   last line, 429s as a share of its requests (``GET /emulator/stats`` before and
   after), lines lost and written twice. ``synaptic batch``'s second job starts from what
   the first left of the budget (``$SYNAPTIC_HOME/budgets.json``, one home per case);
   a third row, for information, runs the first job with the SDK and the second with
   ``synaptic batch``: a budget spent by another tool, which only the cautious start
   (requests in flight growing by one per round) protects.
B. ``kill -9`` and ``--resume``: a job of ``KILLED`` lines, SIGKILLed once its output
   has half of them, then at once the same command with ``--resume``. Measured: 429s
   as a share of every request of both runs, wall time of the resume from the kill to
   its last line, lines lost and written twice (by ``custom_id``, torn lines ignored).
C. A Redis outage: two ``synaptic batch --shard K/2`` processes on one Redis budget
   (``store`` in the profile's ``limits``; our own ``redis-server`` on a free port,
   started from a temporary directory, nothing saved), the server SIGKILLed once the
   outputs hold ``OUTAGE_AT`` of the ``OUTAGE`` lines. Measured: 429 share, lines lost
   and written twice, wall time (first line to last) against the ideal (for
   information: the fallback paces at each process's share, from empty).

The ideal of A and B comes from the emulator's own arithmetic: its per-minute bucket
is created full (``RPM``) when the first request arrives, loses one per admitted
request and refills at ``RPM / 60`` a second, so at a moment ``t`` it holds ``room =
min(RPM, RPM - admitted + rate x (t - first request))`` (``admitted``: its 200s so far).
The job after it can do ``room`` at once and the rest at the rate: ``ideal = (lines -
room) / rate``, counted from that moment (the end of the first job, the kill). Process
start-up is inside the measured wall time: the budget refills meanwhile, so it costs
nothing while there is more to wait for than to start.

Peer: the official ``groq`` SDK, as ``benchmarks/batch.py``'s ``SDK_LOOP`` (an asyncio
loop, ``AsyncGroq`` with its default retries, a semaphore of 64, each answer written as it
comes, a line whose request still fails after the retries lost). For B it re-runs on
the lines its output lacks (the filter a user adds to such a script: the loop itself
cannot resume), after cutting a line torn by the kill. It has no shared budget store, so
case C has no peer. LiteLLM and the OpenAI cookbook's parallel processor are not run:
neither is installed in the bench environment.

``python -m benchmarks.spent [A] [B] [C]`` prints markdown tables and writes them to
``benchmarks/results/spent.md``; ``run.py`` includes them in ``nox -s bench``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.batch import write_input
from benchmarks.bulk import start_emulator, start_redis

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
RPM = int(os.environ.get("BENCH_SPENT_RPM", "600"))
RATE = RPM / 60.0
SECOND = int(os.environ.get("BENCH_SPENT_SECOND", "400"))  # A: the second job's lines
KILLED = int(os.environ.get("BENCH_SPENT_KILLED", "1200"))  # B: the killed job's lines
OUTAGE = int(os.environ.get("BENCH_SPENT_OUTAGE", "1200"))  # C: lines over 2 shards
OUTAGE_AT = 0.4  # C: Redis dies once the outputs hold this share of the lines
TPM = 100_000_000
RPD = 100_000_000
KEY = "gsk_spent_bench_key"
LIMIT = 600.0  # seconds any one process may take before the case fails
TARGET_429 = {"A": 0.01, "B": 0.01, "C": 0.02}
TARGET_WALL = 1.05  # A and B: wall within 5% of the ideal

# benchmarks/batch.py's SDK_LOOP, plus: ``resume`` (run only the lines whose custom_id
# the output lacks, after cutting a torn last line) and wall-clock stamps (``first``
# before the first request, ``last`` when the last line is done), printed as JSON.
SDK_LOOP = r"""
import asyncio, json, os, sys, time
import groq
source, output, host_url, resume = sys.argv[1:5]
async def main():
    sdk = groq.AsyncGroq(api_key="@KEY@", base_url=host_url)
    gate = asyncio.Semaphore(64)
    lines = [json.loads(x) for x in open(source)]
    if resume == "1" and os.path.exists(output):
        data = open(output, "rb").read()
        whole = data[: data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            with open(output, "r+b") as torn:
                torn.truncate(len(whole))
        done = {json.loads(x)["custom_id"] for x in whole.splitlines() if x.strip()}
        lines = [line for line in lines if line["custom_id"] not in done]
    lost = 0
    with open(output, "a" if resume == "1" else "w") as out:
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
        first = time.time()
        await asyncio.gather(*(one(line) for line in lines))
        last = time.time()
    print(json.dumps({"first": first, "last": last, "lines": len(lines), "lost": lost}))
    await sdk.close()
asyncio.run(main())
""".replace("@KEY@", KEY)


# --- the pieces -------------------------------------------------------------------------


def room(admitted: int, since_first: float) -> float:
    """What the emulator's per-minute bucket holds ``since_first`` seconds after the
    first request arrived, ``admitted`` requests having been let through."""
    return max(0.0, min(float(RPM), RPM - admitted + RATE * since_first))


def ideal(lines: int, at_start: float) -> float:
    """``lines`` requests from a moment the bucket holds ``at_start``: those at once,
    the rest at the rate."""
    return max(0.0, lines - at_start) / RATE


def stats(host_url: str) -> dict[str, int]:
    by_status = httpx.get(f"{host_url}/emulator/stats", timeout=10).json()["requests_by_status"]
    return {str(k): int(v) for k, v in by_status.items()}


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def last_write(path: Path) -> float:
    """When ``path`` was last written (wall clock, as ``time.time()``)."""
    return path.stat().st_mtime_ns / 1e9


def ids(count: int, shard: tuple[int, int] | None = None) -> list[str]:
    """The custom_ids ``write_input`` gives (``row-0`` ...), of one shard if given
    (``--shard k/n``: every n-th line starting at the k-th)."""
    if shard is None:
        return [f"row-{i}" for i in range(count)]
    k, n = shard
    return [f"row-{i}" for i in range(count) if i % n == k - 1]


def tally(path: Path, expected: Iterable[str]) -> dict[str, int]:
    """Lines ``path`` answered (an output line without an error; a torn line counts for
    nothing), and of ``expected``: ``lost`` (no answered line) and ``duplicated`` (an
    answered line beyond the first for a custom_id)."""
    answered: dict[str, int] = {}
    failed = torn = 0
    if path.exists():
        for raw in path.read_bytes().splitlines():
            try:
                row = json.loads(raw)
            except ValueError:
                torn += 1
                continue
            if row.get("error") is None:
                answered[row["custom_id"]] = answered.get(row["custom_id"], 0) + 1
            else:
                failed += 1
    wanted = list(expected)
    return {
        "answered": sum(1 for i in wanted if i in answered),
        "lost": sum(1 for i in wanted if i not in answered),
        "duplicated": sum(n - 1 for n in answered.values()),
        "failed_lines": failed,
        "torn_lines": torn,
    }


class Lines:
    """Counts an output's complete lines as it grows, reading only the new bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.count = 0
        self.first: float | None = None  # when the first line was seen

    def poll(self) -> int:
        try:
            with self.path.open("rb") as file:
                file.seek(self.offset)
                data = file.read()
        except FileNotFoundError:
            return self.count
        end = data.rfind(b"\n")
        if end >= 0:
            self.count += data.count(b"\n", 0, end + 1)
            self.offset += end + 1
            if self.first is None:
                self.first = time.time()
        return self.count


def write_config(where: Path, store: str | None = None) -> Path:
    config = where / "synaptic.toml"
    config.write_text(
        '[profiles.bulk]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        f"[profiles.bulk.limits]\nrequests_per_minute = {RPM}\n"
        + (f'store = "{store}"\n' if store else "")
    )
    return config


def spawn_batch(
    where: Path, host_url: str, source: str, output: str, *extra: str, log: str
) -> subprocess.Popen[bytes]:
    """``synaptic batch SOURCE -o OUTPUT -m bulk`` (the profile of ``synaptic.toml``),
    stderr to ``log``."""
    # SYNAPTIC_HOME: what a run leaves of the budget (budgets.json) stays in the case
    env = {
        **os.environ,
        "GROQ_API_KEY": KEY,
        "GROQ_BASE_URL": f"{host_url}/openai/v1",
        "SYNAPTIC_HOME": str(where / "home"),
    }
    with (where / log).open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "synaptic", "batch", source, "-o", output, "-m", "bulk",
             "-c", str(where / "synaptic.toml"), *extra],
            cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip


def spawn_sdk(
    where: Path, host_url: str, source: str, output: str, *, resume: bool
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROQ_")}
    return subprocess.Popen(
        [sys.executable, "-c", SDK_LOOP, source, output, host_url, "1" if resume else "0"],
        cwd=where, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish_batch(process: subprocess.Popen[bytes], where: Path, log: str) -> dict[str, Any]:
    """Wait for a ``synaptic batch``; its exit code, its own seconds (first request to
    last line, from the summary) and stderr."""
    process.wait(LIMIT)
    err = (where / log).read_text(errors="replace")
    found = re.search(r" in ([\d.]+)s ", err)
    return {
        "exit": process.returncode,
        "seconds": float(found.group(1)) if found else None,
        "stderr": err,
    }


def finish_sdk(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=LIMIT)
    if process.returncode != 0 or not out.strip():
        msg = f"the SDK loop failed ({process.returncode}):\n{err[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def wait_for_lines(
    watched: list[Lines], at_least: int, processes: list[subprocess.Popen[Any]]
) -> None:
    """Poll the outputs (every 10 ms) until together they hold ``at_least`` lines."""
    deadline = time.monotonic() + LIMIT
    while sum(w.poll() for w in watched) < at_least:
        if all(p.poll() is not None for p in processes):
            msg = f"the job ended before its output had {at_least} lines"
            raise RuntimeError(msg)
        if time.monotonic() > deadline:
            msg = f"no {at_least} lines after {LIMIT:g} s"
            raise RuntimeError(msg)
        time.sleep(0.01)


def share(by_status: dict[str, int]) -> float:
    total = sum(by_status.values())
    return by_status.get("429", 0) / total if total else 0.0


# --- A: a second job on a spent budget ------------------------------------------------


def case_a(where: Path, client: str) -> dict[str, Any]:
    write_input(where / "first.jsonl", RPM)
    write_input(where / "second.jsonl", SECOND)
    write_config(where)
    for name in ("first.out", "second.out"):
        (where / name).unlink(missing_ok=True)
    emulator, host_url = start_emulator(RPM, TPM, RPD)
    try:
        if client == "synaptic":
            first = finish_batch(
                spawn_batch(where, host_url, "first.jsonl", "first.out", log="first.err"),
                where, "first.err",
            )  # fmt: skip
            if first["exit"] != 0 or first["seconds"] is None:
                msg = f"the first job failed ({first['exit']}):\n{first['stderr'][-2000:]}"
                raise RuntimeError(msg)
            ended = last_write(where / "first.out")
            began = ended - first["seconds"]
        else:
            first = finish_sdk(spawn_sdk(where, host_url, "first.jsonl", "first.out", resume=False))
            began, ended = first["first"], last_write(where / "first.out")
        before = stats(host_url)
        # The second job, at once ("after-sdk": synaptic after the SDK's first job).
        if client in ("synaptic", "after-sdk"):
            second = finish_batch(
                spawn_batch(where, host_url, "second.jsonl", "second.out", log="second.err"),
                where, "second.err",
            )  # fmt: skip
            done = last_write(where / "second.out") if (where / "second.out").exists() else None
            exit_code = second["exit"]
        else:
            second = finish_sdk(
                spawn_sdk(where, host_url, "second.jsonl", "second.out", resume=False)
            )
            done, exit_code = second["last"], 0
        after = stats(host_url)
    finally:
        emulator.terminate()
        emulator.wait(10)
    at_start = room(before.get("200", 0), ended - began)
    requests = delta(after, before)
    counted = tally(where / "second.out", ids(SECOND))
    return {
        "case": "A",
        "client": client,
        "lines": SECOND,
        "first_job": {"seconds": ended - began, "by_status": before},
        "room_at_start": at_start,
        "wall": None if done is None else done - ended,
        "ideal": ideal(SECOND, at_start),
        "by_status": requests,
        "requests": sum(requests.values()),
        "answered_429": requests.get("429", 0),
        "share_429": share(requests),
        "exit": exit_code,
        **counted,
    }


# --- B: kill -9, then --resume -------------------------------------------------------


def case_b(where: Path, client: str) -> dict[str, Any]:
    write_input(where / "job.jsonl", KILLED)
    write_config(where)
    output = where / "job.out"
    output.unlink(missing_ok=True)
    emulator, host_url = start_emulator(RPM, TPM, RPD)
    try:
        if client == "synaptic":
            killed: subprocess.Popen[Any] = spawn_batch(
                where, host_url, "job.jsonl", "job.out", log="killed.err"
            )
        else:
            killed = spawn_sdk(where, host_url, "job.jsonl", "job.out", resume=False)
        watched = Lines(output)
        wait_for_lines([watched], KILLED // 2, [killed])
        os.kill(killed.pid, signal.SIGKILL)
        stamp = time.time()
        killed.wait(10)
        at_kill = stats(host_url)
        kept = tally(output, ids(KILLED))
        assert watched.first is not None
        began = watched.first  # the first line's answer: the first request, a moment before
        if client == "synaptic":
            resumed = finish_batch(
                spawn_batch(where, host_url, "job.jsonl", "job.out", "--resume", log="resume.err"),
                where, "resume.err",
            )  # fmt: skip
            done, exit_code, rerun = last_write(output), resumed["exit"], None
        else:
            resumed = finish_sdk(spawn_sdk(where, host_url, "job.jsonl", "job.out", resume=True))
            done, exit_code, rerun = resumed["last"], 0, resumed["lines"]
        after = stats(host_url)
    finally:
        emulator.terminate()
        emulator.wait(10)
    remaining = KILLED - kept["answered"]
    at_start = room(at_kill.get("200", 0), stamp - began)
    counted = tally(output, ids(KILLED))
    return {
        "case": "B",
        "client": client,
        "lines": KILLED,
        "killed_at": kept["answered"],
        "killed_after": stamp - began,
        "killed_by_status": at_kill,
        "remaining": remaining,
        "rerun": remaining if rerun is None else rerun,
        "room_at_start": at_start,
        "wall": done - stamp,
        "ideal": ideal(remaining, at_start),
        "by_status": after,
        "requests": sum(after.values()),
        "answered_429": after.get("429", 0),
        "share_429": share(after),
        "resume_by_status": delta(after, at_kill),
        "exit": exit_code,
        **counted,
    }


# --- C: a Redis outage -----------------------------------------------------------------


def case_c(where: Path) -> dict[str, Any]:
    write_input(where / "job.jsonl", OUTAGE)
    redis, store = start_redis(where)
    assert redis is not None, "case C needs redis-server"
    write_config(where, store=store)
    outputs = [where / f"shard{k}.out" for k in (1, 2)]
    for output in outputs:
        output.unlink(missing_ok=True)
    emulator, host_url = start_emulator(RPM, TPM, RPD)
    try:
        shards = [
            spawn_batch(where, host_url, "job.jsonl", f"shard{k}.out", "--shard", f"{k}/2",
                        log=f"shard{k}.err")
            for k in (1, 2)
        ]  # fmt: skip
        watched = [Lines(output) for output in outputs]
        wait_for_lines(watched, int(OUTAGE * OUTAGE_AT), shards)
        redis.kill()
        stamp = time.time()
        redis.wait(10)
        at_kill = stats(host_url)
        written = sum(w.count for w in watched)
        finished = [
            finish_batch(p, where, f"shard{k}.err") for k, p in zip((1, 2), shards, strict=True)
        ]
        after = stats(host_url)
    finally:
        emulator.terminate()
        emulator.wait(10)
        if redis.poll() is None:
            redis.kill()
            redis.wait(10)
    began = min(w.first for w in watched if w.first is not None)
    done = max(last_write(o) for o in outputs if o.exists())
    counted = [tally(o, ids(OUTAGE, (k, 2))) for k, o in zip((1, 2), outputs, strict=True)]
    warned = [
        sum(1 for line in f["stderr"].splitlines() if "rate-limit store" in line) for f in finished
    ]
    return {
        "case": "C",
        "client": "synaptic",
        "lines": OUTAGE,
        "killed_at": written,
        "killed_after": stamp - began,
        "killed_by_status": at_kill,
        "wall": done - began,
        "ideal": ideal(OUTAGE, RPM),
        "by_status": after,
        "requests": sum(after.values()),
        "answered_429": after.get("429", 0),
        "share_429": share(after),
        "after_outage_by_status": delta(after, at_kill),
        "exit": [f["exit"] for f in finished],
        "outage_warnings": warned,
        "stderr_tail": [f["stderr"][-1500:] for f in finished],
        **{k: sum(c[k] for c in counted) for k in counted[0]},
    }


# --- the table ----------------------------------------------------------------------------


CASE_NAMES = {
    "A": "A. second job on a spent budget",
    "B": "B. kill -9 at 50%, then --resume",
    "C": "C. Redis killed at 40%, 2 shards",
}
CLIENT_NAMES = {
    "synaptic": "`synaptic batch`, `limits` in the profile",
    "sdk": "official `groq` SDK, asyncio + semaphore(64), default retries",
    "after-sdk": "`synaptic batch` after a first job by the SDK",
}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def verdicts(row: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(target, value, holds) for one row."""
    case = row["case"]
    out = [
        (
            f"answered 429 <= {TARGET_429[case]:.0%} of requests",
            f"{row['share_429']:.1%} ({row['answered_429']:,} of {row['requests']:,})",
            row["share_429"] <= TARGET_429[case],
        )
    ]
    if case in ("A", "B"):
        ratio = row["wall"] / row["ideal"] if row["wall"] and row["ideal"] else None
        out.append(
            (
                "wall within 5% of the ideal",
                "-" if ratio is None else f"{ratio:.3f}x",
                ratio is not None and ratio <= TARGET_WALL,
            )
        )
    out.append(
        (
            "0 lost, 0 duplicated",
            f"{row['lost']:,} lost, {row['duplicated']:,} duplicated",
            row["lost"] == 0 and row["duplicated"] == 0,
        )
    )
    return out


def render(rows: list[dict[str, Any]], notes: list[str]) -> str:
    lines = [
        f"Spent budgets: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores. The emulator at {RPM} requests per minute (refilled "
        f"continuously: {RATE:g} a second), tokens out of the way; `synaptic batch` with "
        f"`limits.requests_per_minute = {RPM}` in the profile. A: a first job of {RPM} lines "
        f"(each client runs its own; synaptic's second job starts from what the first left in `$SYNAPTIC_HOME/budgets.json`; \"after a first job by the SDK\": a budget another tool spent), then at once a second of {SECOND}; B: {KILLED} lines, SIGKILL once the output has "
        f"{KILLED // 2}, then at once the same job resumed; C: {OUTAGE} lines split by "
        f"`--shard 1/2` and `2/2` on one Redis budget, `redis-server` SIGKILLed once the "
        f"outputs hold {OUTAGE_AT:.0%} of them.",
        "",
        "| case | client | lines run | wall time | ideal | wall / ideal | requests | answered 429 | 429 share | lost | duplicated |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for row in rows:
        ran = {"A": row["lines"], "B": row.get("rerun"), "C": row["lines"]}[row["case"]]
        ratio = f"{row['wall'] / row['ideal']:.3f}" if row["wall"] and row["ideal"] else "-"
        lines.append(
            f"| {CASE_NAMES[row['case']]} | {CLIENT_NAMES[row['client']]} | {ran:,} | "
            f"{seconds(row['wall'])} | {seconds(row['ideal'])} | {ratio} | {row['requests']:,} | "
            f"{row['answered_429']:,} | {row['share_429']:.1%} | {row['lost']:,} | "
            f"{row['duplicated']:,} |"
        )
    lines += [
        "",
        "Wall time: A, from the first job's last line to the second job's last line; B, from "
        "the kill to the resumed job's last line; C, from the first line to the last. Ideal: "
        "what the emulator's bucket allows from that moment (its room then, estimated from "
        "its own arithmetic, at once; the rest at the rate); C's is the whole job's (the full "
        "bucket, then the rate). Requests and 429s: A, the second job's; B and C, every "
        "request of the case. Lines run, B: the lines the resume had to run (those the "
        "killed run had not written). The SDK loop gives a line up when its request still "
        "fails after its retries: lost.",
        "",
        "Targets (on `synaptic batch`; the SDK's figures beside them):",
        "",
        "| case | target | synaptic | holds | official `groq` SDK |",
        "|---|---|---|---|---|",
    ]
    by_case: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["client"]] = row
    for case, clients in by_case.items():
        ours = clients.get("synaptic")
        if ours is None:
            continue
        peer = clients.get("sdk")
        theirs = {t: v for t, v, _ in verdicts(peer)} if peer else {}
        for target, value, holds in verdicts(ours):
            lines.append(
                f"| {case} | {target} | {value} | {yes(holds)} | {theirs.get(target, '-')} |"
            )
        other = clients.get("after-sdk")
        for target, value, holds in verdicts(other) if other else []:
            lines.append(
                f"| {case}, spent by another tool (information) | {target} | {value} | "
                f"{yes(holds)} | - |"
            )
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def main(cases: Iterable[str] = ("A", "B", "C")) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    wanted = [c.upper() for c in cases]
    rows: list[dict[str, Any]] = []
    notes = [
        "Not run: LiteLLM and the OpenAI cookbook's parallel request processor (neither is "
        "installed in the bench environment). Case C has no peer: the SDK keeps no shared "
        "budget to lose. The SDK loop cannot resume: in B it is re-run on the lines its "
        "output lacks (a filter added to the script, after cutting a torn last line)."
    ]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        for case in ("A", "B"):
            if case not in wanted:
                continue
            clients = ("synaptic", "sdk", "after-sdk") if case == "A" else ("synaptic", "sdk")
            for client in clients:
                run = case_a if case == "A" else case_b
                (where / f"{case}-{client}").mkdir()
                rows.append(run(where / f"{case}-{client}", client))
                print(
                    f"spent: {case} {client} done ({time.monotonic() - started:.0f}s)",
                    file=sys.stderr,
                )
        if "C" in wanted:
            if shutil.which("redis-server") is None:
                notes.append("Case C not run: no `redis-server` on this machine.")
            else:
                (where / "C").mkdir()
                rows.append(case_c(where / "C"))
                print(f"spent: C done ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    for row in rows:
        if row["case"] == "C" and row["exit"] != [0, 0]:
            notes.append(f"Case C: the shards exited with {row['exit']} (0: every line answered).")
        if row["client"] == "synaptic" and row["case"] in ("A", "B") and row["exit"] != 0:
            notes.append(f"Case {row['case']}: `synaptic batch` exited with {row['exit']}.")
    if os.environ.get("BENCH_SPENT_DEBUG"):
        print(json.dumps(rows, indent=1), file=sys.stderr)
    table = render(rows, notes)
    print(table)
    (RESULTS / "spent.md").write_text(table + "\n", encoding="utf-8")
    for row in rows:
        row.pop("stderr_tail", None)
    return {"rows": rows, "table": table}


if __name__ == "__main__":
    main(sys.argv[1:] or ("A", "B", "C"))
