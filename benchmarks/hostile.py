"""Reliability against hostile loopback servers: synaptic and the official ``groq`` SDK.

Each case starts a hostile server on 127.0.0.1 (the fixtures of
``tests/reliability/hostile.py``, plus a few handlers defined here), then runs each
client once in a FRESH interpreter, so a hang or a memory blow-up stays in that process:

- the call gets a hard wall limit (``LIMIT`` seconds, from the moment the child is
  ready to call); past it the child is killed (SIGKILL) and the row says so;
- outcome: the exception's class name, or ``returned``;
- wall seconds of the call (the child's own clock; the limit when killed), CPU seconds
  of the call (the child's ``getrusage``, from ``os.wait4``, minus what it had used
  before the call: interpreter start and imports), peak RSS of the child, imports
  included (its own ``VmHWM``: ``ru_maxrss`` of a child starts at the parent's peak
  on Linux, see ``wait_for``);
- whether the API key could be seen: in the exception (``str``, ``repr`` and the
  traceback of the exception and of every cause/context), in its attributes, in any log
  record (every logger at DEBUG, written to a file as it happens, so a killed child
  still tells), on stderr, or in what the call returned (``repr``). The key is looked
  for plain and JSON-escaped (``\\u0067sk_...``).

Same settings for both clients: a per-call timeout of 3 s (synaptic: ``timeout=`` of
``chat_sync``/``stream_chat_sync``, one deadline for the whole call; the SDK:
``Groq(timeout=3)``, httpx's per-operation timeouts), no retries (a synaptic model built
directly does not retry; the SDK with ``max_retries=0``). The child's address space is
capped at ``MEMORY_CAP`` so a runaway allocation ends as ``MemoryError``, not as the
machine's trouble. No proxy variables reach the children: only 127.0.0.1 is ever called.

``python -m benchmarks.hostile`` prints a markdown table and writes it to
``benchmarks/results/hostile.md``; ``run.py`` includes it in ``nox -s bench``.
"""

from __future__ import annotations

import json
import os
import platform
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.reliability.hostile import (
    Handler,
    HostileServer,
    chat_body,
    drip_body,
    drip_headers,
    endless_continue,
    json_escaped,
    nested,
    nested_error,
    reply,
    response,
    sse,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
KEY = "gsk_HOSTILE_secret_key_0123456789abcdef"
TIMEOUT = 3.0  # the per-call timeout both clients get
LIMIT = float(os.environ.get("BENCH_HOSTILE_LIMIT", "20"))  # hard wall limit per call
READY_LIMIT = 60.0  # interpreter start and imports, on a busy machine
MEMORY_CAP = 8 << 30  # RLIMIT_AS of each child
CLIENTS = ("groq SDK", "synaptic")
KEY_FORMS = (KEY, json_escaped(KEY), json_escaped(KEY).upper())

LONG_LINE = 16 << 20  # the SSE line
WRITE = 512  # bytes per write when trickling it
TRICKLE_SECONDS = 4.0  # the trickle's schedule (a write every ~120 µs)
LONG_TIMEOUT = 15.0  # the per-call timeout of that case: the point is CPU, not the deadline
BOMB = 1 << 30  # bytes the gzip body inflates to

CHILD = r"""
import json, logging, os, resource, sys, time, traceback
client, mode, base_url, timeout, key, log_path, memory_cap = sys.argv[1:8]
timeout = float(timeout)
resource.setrlimit(resource.RLIMIT_AS, (int(memory_cap), int(memory_cap)))
handler = logging.FileHandler(log_path, encoding="utf-8")
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
root = logging.getLogger()
root.addHandler(handler)
root.setLevel(logging.DEBUG)
MODEL = "openai/gpt-oss-20b"
escaped = "".join(f"\\u{ord(c):04x}" for c in key)
forms = (key, escaped, escaped.upper())
seen_in_result = []

def look(chunk):
    text = repr(chunk)
    if any(form in text for form in forms):
        seen_in_result.append(key)

if client == "groq SDK":
    import groq
    sdk = groq.Groq(api_key=key, base_url=base_url.removesuffix("/openai/v1"), timeout=timeout, max_retries=0)
    messages = [{"role": "user", "content": "hi"}]

    def call():
        if mode == "stream":
            for chunk in sdk.chat.completions.create(model=MODEL, messages=messages, stream=True):
                look(chunk)
            return None
        return sdk.chat.completions.create(model=MODEL, messages=messages, stream=False)
else:
    from synaptic.groq import GroqChatModel, GroqConfig
    model = GroqChatModel(GroqConfig(key, MODEL, base_url=base_url))

    def call():
        if mode == "stream":
            for chunk in model.stream_chat_sync("hi", timeout=timeout):
                look(chunk)
            return None
        return model.chat_sync("hi", timeout=timeout)

for logger in list(logging.Logger.manager.loggerDict.values()):
    if isinstance(logger, logging.Logger):  # every logger at DEBUG, none silenced
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(handler)

def chain(error):
    # (exception, hidden) for the error and every cause/context; hidden once a context
    # suppressed by `raise ... from None` is passed (no traceback shows it).
    found, hidden = [], False
    while error is not None and all(error is not e for e, _ in found):
        found.append((error, hidden))
        if error.__cause__ is not None:
            error = error.__cause__
        else:
            hidden = hidden or error.__suppress_context__
            error = error.__context__
    return found

def hwm_kib():
    # This process's own peak RSS (VmHWM). ru_maxrss is not: Linux starts it at the
    # parent's high-water mark across fork+exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None

usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "hwm_kib": hwm_kib()}), flush=True)
texts = {}
started = time.perf_counter()
try:
    result = call()
    wall = time.perf_counter() - started
    outcome = "returned"
    texts["result"] = repr(result) + " ".join(seen_in_result)
except BaseException as error:
    wall = time.perf_counter() - started
    outcome = type(error).__name__
    texts["result"] = " ".join(seen_in_result)
    try:
        shown = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        shown += " ".join(str(e) + " " + repr(e) for e, hidden in chain(error) if not hidden)
    except BaseException as failed:
        shown = f"(could not format the error: {type(failed).__name__})"
    texts["error"] = shown
    for label, want in (("error attrs", False), ("suppressed context", True)):
        try:
            texts[label] = " ".join(
                str(e) + " " + repr(e) + " " + " ".join(str(v) for v in vars(e).values())
                for e, hidden in chain(error)
                if hidden == want
            )
        except BaseException:
            texts[label] = ""
where = [place for place, text in texts.items() if any(form in text for form in forms)]
print(json.dumps({"outcome": outcome, "wall": wall, "where": where, "hwm_kib": hwm_kib()}), flush=True)
sys.stdout.flush()
os._exit(0)
"""


# --- extra hostile handlers -----------------------------------------------------------------


def long_sse_line(size: int = LONG_LINE, write: int = WRITE) -> Handler:
    """A 200 SSE stream whose first event is one ``size``-byte line, sent in ``write``-byte
    writes on a schedule of ``TRICKLE_SECONDS`` (so the client reads it in small pieces),
    then a finishing event and ``[DONE]``."""
    chunk = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "x" * size}}]}
    done = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    data = (
        b"data: " + json.dumps(chunk).encode() + b"\n\n"
        b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n"
    )

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
        )
        view = memoryview(data)
        writes = (len(data) + write - 1) // write
        started = time.monotonic()
        for index in range(writes):
            if server.stop.is_set():
                return
            conn.sendall(view[index * write : (index + 1) * write])
            ahead = started + TRICKLE_SECONDS * (index + 1) / writes - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    return handle


_BOMB: list[bytes] = []


def gzip_bomb_body(size: int = BOMB) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1 MB for 1 GiB), made once with zlib."""
    if not _BOMB:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip format
        block = bytes(1 << 20)
        parts = [compressor.compress(block) for _ in range(size // len(block))]
        _BOMB.append(b"".join(parts) + compressor.flush())
    return _BOMB[0]


def gzip_bomb() -> Handler:
    """A 200 ``application/json`` answer with ``content-encoding: gzip`` that inflates
    to ~1 GiB of zeros, streamed to the client in 64 KiB writes."""
    body = gzip_bomb_body()

    def handle(conn: socket.socket, request: bytes, server: HostileServer) -> None:
        conn.sendall(
            (
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                f"content-encoding: gzip\r\ncontent-length: {len(body)}\r\n"
                "connection: close\r\n\r\n"
            ).encode()
        )
        view = memoryview(body)
        for start in range(0, len(body), 65536):
            if server.stop.is_set():
                return
            conn.sendall(view[start : start + 65536])

    return handle


# --- the cases ----------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    handler: Callable[[], Handler]
    mode: str = "chat"  # or "stream"
    timeout: float = TIMEOUT
    redirect: bool = False  # the handler answers 302 to a second server (see run_case)


def error_frame() -> bytes:
    return sse(
        json.dumps(
            {"error": {"message": f"bad key {KEY}", "type": "invalid_request_error"}}
        ).encode()
    )


CASES = [
    Case("headers dripped, 1 byte / 0.2 s", lambda: drip_headers(0.2)),
    Case("endless `HTTP/1.1 100 Continue`", endless_continue),
    Case("SSE body dripped, 1 byte / 0.2 s (stream)", lambda: drip_body(0.2), "stream"),
    Case(
        f"one 16 MiB SSE line in 512-byte writes over ~{TRICKLE_SECONDS:g} s "
        f"(stream, timeout {LONG_TIMEOUT:g} s)",
        long_sse_line,
        "stream",
        LONG_TIMEOUT,
    ),
    Case("gzip bomb: 1 MB inflating to 1 GiB", gzip_bomb),
    Case(
        "200, body not JSON, echoes the key",
        lambda: reply(
            response("200 OK", f"<html>your key {KEY}</html>".encode(), content_type="text/html")
        ),
    ),
    Case(
        "401, JSON body with the key JSON-escaped",
        lambda: reply(
            response(
                "401 Unauthorized",
                ('{"error": {"message": "Invalid API Key: ' + json_escaped(KEY) + '"}}').encode(),
            )
        ),
    ),
    Case(
        "500, key in `x-request-id`",
        lambda: reply(
            response(
                "500 Internal Server Error",
                b'{"error": {"message": "oops"}}',
                headers=f"x-request-id: {KEY}\r\n",
            )
        ),
    ),
    Case("SSE error frame echoing the key (stream)", lambda: reply(error_frame()), "stream"),
    Case("302 to another loopback port", lambda: reply(b""), redirect=True),
    Case("200, JSON nested 100,000 levels", lambda: reply(response("200 OK", nested()))),
    Case(
        "500, JSON nested 100,000 levels",
        lambda: reply(response("500 Internal Server Error", nested_error())),
    ),
]


# --- running one client -------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The parent's environment without proxies, GROQ_* settings or a disabled bytecode
    cache: every request goes straight to 127.0.0.1."""
    drop = {"PYTHONDONTWRITEBYTECODE", "NO_PROXY", "no_proxy"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.lower().endswith("_proxy") and not k.startswith("GROQ_")
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_client(client: str, case: Case, base_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        log_path = Path(tmp) / "log.txt"
        err_path = Path(tmp) / "stderr.txt"
        with err_path.open("w") as err:
            process = subprocess.Popen(
                [sys.executable, "-c", CHILD, client, case.mode, base_url, str(case.timeout),
                 KEY, str(log_path), str(MEMORY_CAP)],
                cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=err,
            )  # fmt: skip
            row = wait_for(process)
        shown = text_of(log_path)
        where = list(row.pop("where", []))
        if any(form in shown for form in KEY_FORMS):
            where.append("log")
        if any(form in text_of(err_path) for form in KEY_FORMS):
            where.append("stderr")
        row["where"] = where
        if row["outcome"].startswith("crashed"):
            row["stderr_tail"] = text_of(err_path)[-1500:]
    return row


def text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def wait_for(process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The child's ready line, then its exit (or a SIGKILL at ``LIMIT``), with its rusage.

    Peak RSS is the child's own ``VmHWM``: reported by the child at the end, or read
    here just before a kill. ``ru_maxrss`` is only the fallback (a crash): Linux carries
    the parent's high-water mark over fork+exec into it, so it is never below the
    parent's peak (this process holds a 16 MiB payload for one case)."""
    assert process.stdout is not None
    ready: dict[str, Any] | None = None
    if select.select([process.stdout], [], [], READY_LIMIT)[0]:
        line = process.stdout.readline()
        if line:
            ready = json.loads(line)
    if ready is None:  # died or stuck before the call
        why, usage = kill_and_reap(process)
        return {"outcome": f"crashed before the call ({why})", "wall": float("nan"),
                "cpu": float("nan"), "rss_mib": usage.ru_maxrss / 1024}  # fmt: skip
    ends = time.monotonic() + LIMIT
    hwm_at_kill: int | None = None
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= ends:
            os.kill(process.pid, signal.SIGSTOP)  # frozen, so its peak is read as final
            hwm_at_kill = proc_hwm_kib(process.pid)
            os.kill(process.pid, signal.SIGKILL)
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    rest = process.stdout.read().decode(errors="replace").strip().splitlines()
    process.stdout.close()
    row: dict[str, Any] = {
        "cpu": usage.ru_utime + usage.ru_stime - ready["cpu"],
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
        "rss_before_mib": ready["hwm_kib"] / 1024,
    }
    if hwm_at_kill is not None:
        row.update(outcome=f"hung (killed at {LIMIT:g} s)", wall=LIMIT, hwm_kib=hwm_at_kill)
    elif rest and process.returncode == 0:
        row.update(json.loads(rest[-1]))
    else:
        code = process.returncode
        why = f"signal {-code}" if code < 0 else f"exit {code}"
        row.update(outcome=f"crashed ({why})", wall=float("nan"))
    hwm = row.pop("hwm_kib", None)
    row["rss_mib"] = hwm / 1024 if hwm else row["ru_maxrss_mib"]
    return row


def proc_hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def kill_and_reap(process: subprocess.Popen[bytes]) -> tuple[str, Any]:
    # os.kill, not Popen.send_signal: that one polls, which would reap the child before
    # wait4 could read its rusage (a zombie takes the signal harmlessly).
    os.kill(process.pid, signal.SIGKILL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return f"exit {process.returncode}", usage


def describe_requests(requests: list[bytes], *, second: bool) -> str:
    """What a server received, for the outcome cell: retries on the hostile server; for
    a redirect's target, whether anything arrived and whether it carried the key."""
    if not second:
        return "" if len(requests) <= 1 else f" ({len(requests)} requests: retried)"
    if not requests:
        return "; 2nd server: no request"
    parts = []
    for request in requests:
        head = request.partition(b"\r\n\r\n")[0]
        method = head.split(b" ", 1)[0].decode(errors="replace")
        auth = [
            line for line in head.split(b"\r\n")[1:] if line.lower().startswith(b"authorization:")
        ]
        if not auth:
            parts.append(f"{method}, no Authorization")
        elif any(form.encode() in auth[0] for form in KEY_FORMS):
            parts.append(f"{method}, **Authorization with the key**")
        else:
            parts.append(f"{method}, an Authorization header without the key")
    return f"; 2nd server got {len(requests)} request(s): " + "; ".join(parts)


def run_case(case: Case, client: str) -> dict[str, Any]:
    with ExitStack() as stack:
        handler = case.handler()
        target: HostileServer | None = None
        if case.redirect:
            target = stack.enter_context(HostileServer(reply(response("200 OK", chat_body()))))
            location = f"http://127.0.0.1:{target.port}/openai/v1/chat/completions"
            handler = reply(response("302 Found", b"", headers=f"location: {location}\r\n"))
        server = stack.enter_context(HostileServer(handler))
        row = run_client(client, case, server.base_url)
        row["outcome"] += describe_requests(server.requests, second=False)
        if target is not None:
            row["outcome"] += describe_requests(target.requests, second=True)
            row["second_server_requests"] = len(target.requests)
    return row


# --- the table ----------------------------------------------------------------------------


def cell(row: dict[str, Any], key: str, digits: int) -> str:
    value = row.get(key)
    if value is None or value != value:  # noqa: PLR0124 (NaN)
        return "-"
    return f"{value:.{digits}f}"


def main() -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    gzip_bomb_body()  # made once, before any client's clock runs
    rows: list[dict[str, Any]] = []
    for index, case in enumerate(CASES):
        order = CLIENTS if index % 2 == 0 else tuple(reversed(CLIENTS))
        results = {client: run_case(case, client) for client in order}
        for client in CLIENTS:
            rows.append({"case": case.name, "client": client, **results[client]})
        print(f"hostile: {case.name}: done ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    import groq  # the version, for the header (the children did the work)

    baseline = {
        client: min(r["rss_before_mib"] for r in rows if r["client"] == client and "rss_before_mib" in r)
        for client in CLIENTS
    }  # fmt: skip
    lines = [
        f"Hostile loopback servers: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores; groq SDK {groq.__version__}. Each client, each case, in a "
        f"fresh process; per-call timeout {TIMEOUT:g} s for both (synaptic: one deadline "
        "for the call; the SDK: httpx's per-operation timeouts), no retries; hard wall limit "
        f"{LIMIT:g} s per call; address space capped at {MEMORY_CAP >> 30} GiB.",
        "",
        "| case | client | outcome | wall s | CPU s | peak RSS MiB | key shown |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        where = ", ".join(row["where"])
        lines.append(
            f"| {row['case']} | {row['client']} | {row['outcome']} | {cell(row, 'wall', 2)} | "
            f"{cell(row, 'cpu', 2)} | {cell(row, 'rss_mib', 0)} | "
            f"{f'**yes**: {where}' if where else 'no'} |"
        )
    lines += [
        "",
        "CPU s: the call's own (the child's total minus what start-up and imports used). "
        "Peak RSS: the child's own peak (VmHWM), imports included (before the call: "
        + ", ".join(f"{c} {baseline[c]:.0f} MiB" for c in CLIENTS)
        + "). Key shown: where the API key (plain or JSON-escaped) could be seen: `error` "
        "(str, repr, traceback of the exception and its causes), `error attrs` (their "
        "attributes), `suppressed context` (an exception kept as `__context__` under "
        "`raise ... from None`: no traceback shows it, its attributes hold it), `log` (any logger at DEBUG), `stderr`, `result` (repr of what the "
        "call returned or streamed).",
    ]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "hostile.md").write_text(table + "\n", encoding="utf-8")
    return {"rows": rows, "table": table}


if __name__ == "__main__":
    main()
