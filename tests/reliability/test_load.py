"""Load: 1,000 concurrent requests (half streamed) through RetryChatModel against the
emulator with about 10% injected faults. Every request ends in a success or a typed
error, none hangs, no file descriptor leaks, memory stays flat across rounds, and
cancelled streams give their connections back. ``SYNAPTIC_SOAK=1`` runs a larger soak.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    HttpBackend,
    RetryChatModel,
    RetryConfig,
    RetryEvent,
    SynapticError,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqModel

from .badserver import open_fds

SOAK = os.environ.get("SYNAPTIC_SOAK") == "1"
REQUESTS = 5000 if SOAK else 1000
ROUNDS = 5 if SOAK else 3
# About 11% of requests get a fault: 5% 429, 3% 500, 2% cut streams, 1% error frames.
SCENARIO = {
    "faults": [
        {"kind": "rate_limit", "every": 20, "retry_after": 0},
        {"kind": "server_error", "every": 33},
        {"kind": "truncate", "every": 50, "after_chunks": 1},
        {"kind": "error_frame", "every": 100},
    ]
}
FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    scenario = tmp_path_factory.mktemp("load") / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synaptic",
            "emulator",
            "--port",
            "0",
            "--rpm",
            "1000000",
            "--scenario",
            str(scenario),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    match = re.search(r"listening on (\S+)", process.stdout.readline())
    assert match
    try:
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


async def one_round(url: str, retried: collections.Counter[str]) -> collections.Counter[str]:
    async def no_wait(seconds: float) -> None:
        pass

    def count(event: RetryEvent) -> None:
        retried[type(event.error).__name__] += 1

    # 1,000 requests in flight from the application's side, queued on a 32-connection pool:
    # the emulator (one thread per connection) serves a few dozen busy connections best.
    backend = HttpBackend(timeout=30, deadline=60, max_connections=32)
    model = RetryChatModel(
        GroqChatModel(GroqConfig("gsk_load_key", GroqModel.GPT_OSS_20B, base_url=url), backend),
        RetryConfig(max_attempts=4),
        sleep=no_wait,
        on_retry=count,
    )

    async def call(index: int) -> str:
        try:
            if index % 2:
                chunks = [c async for c in model.stream_chat(f"question {index}")]
                text = AIMessageChunk.merge(chunks).content
            else:
                text = (await model.chat(f"question {index}")).content
        except SynapticError as error:
            return type(error).__name__
        assert text == f"Emulated answer from openai/gpt-oss-20b to: question {index}"
        return "ok"

    outcomes = await asyncio.wait_for(asyncio.gather(*(call(i) for i in range(REQUESTS))), 120)
    await backend.aclose()
    return collections.Counter(outcomes)


async def test_load_with_faults_no_hangs_no_leaks(emulator_url: str) -> None:
    fds_before = open_fds()
    retried: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    memory = []
    for _ in range(ROUNDS):
        outcomes += await one_round(emulator_url, retried)
        gc.collect()
        memory.append(rss_kib())
    gc.collect()
    fds_after = open_fds()
    total = REQUESTS * ROUNDS
    assert sum(outcomes.values()) == total  # every request ended
    assert set(outcomes) <= {"ok", "StreamError", "ServerError", "RateLimitError", "NetworkError"}
    assert outcomes["ok"] >= total * 0.99  # four attempts absorb almost every fault
    assert sum(retried.values()) >= total * 0.08  # the faults really happened
    assert fds_after <= fds_before, f"file descriptors leaked: {fds_before} -> {fds_after}"
    growth = memory[-1] - memory[1]
    assert growth < 8 * 1024, f"memory grew {growth} KiB between rounds 2 and {ROUNDS}"
    FIGURES.update(
        requests=total,
        faults_retried=dict(retried),
        outcomes=dict(outcomes),
        fd_before=fds_before,
        fd_after=fds_after,
        rss_kib_by_round=memory,
    )
    print(f"\nload figures: {json.dumps(FIGURES)}")


async def test_cancelled_streams_release_their_connections(emulator_url: str) -> None:
    fds_before = open_fds()
    backend = HttpBackend(timeout=20)
    config = GroqConfig(
        "gsk_load_key",
        GroqModel.GPT_OSS_20B,
        base_url=emulator_url,
        headers={"x-emulator-fault": "stall"},
    )
    model = GroqChatModel(config, backend)
    started = asyncio.Semaphore(0)

    async def read() -> None:
        async for _ in model.stream_chat("stall me"):
            started.release()
            await asyncio.Event().wait()  # hold the stream open until cancelled

    tasks = [asyncio.create_task(read()) for _ in range(100)]
    for _ in tasks:
        await asyncio.wait_for(started.acquire(), 10)
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    for _ in range(5):
        await asyncio.sleep(0)  # let the loop finalise the abandoned generators
    await backend.aclose()
    gc.collect()
    assert open_fds() <= fds_before
