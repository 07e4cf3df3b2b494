"""``kill -9`` a live batch job at random points, then ``--resume``: the output equals an
uninterrupted run's (``custom_id`` -> answer), every line valid JSON, none twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synaptic_groq.emulator import GroqEmulator

LINES = 300


def write_input(path: Path) -> None:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "custom_id": f"row-{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {
                        "model": "openai/gpt-oss-20b",
                        "messages": [{"role": "user", "content": f"question {i}"}],
                    },
                }
            )
            + "\n"
            for i in range(LINES)
        )
    )


def answers(path: Path) -> dict[str, str]:
    """``custom_id`` -> answer text; fails on a line that is not JSON or a repeated id."""
    found: dict[str, str] = {}
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        row = json.loads(raw)  # every line valid JSON
        assert row["custom_id"] not in found, f"line {number} repeats {row['custom_id']}"
        found[row["custom_id"]] = row["response"]["body"]["choices"][0]["message"]["content"]
    return found


def batch(tmp_path: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "synaptic", "batch", "in.jsonl", "-o", "out.jsonl", *extra]
    return subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    where = tmp_path_factory.mktemp("whole")
    write_input(where / "in.jsonl")
    with GroqEmulator(requests_per_minute=100_000, requests_per_day=None) as emulator:
        env = {**os.environ, "GROQ_API_KEY": "k", "GROQ_BASE_URL": emulator.base_url}
        process = batch(where, env)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    result = answers(where / "out.jsonl")
    assert len(result) == LINES
    return result


@pytest.mark.parametrize("seed", range(5))
def test_kill_9_at_a_random_point_then_resume(
    tmp_path: Path, seed: int, uninterrupted: dict[str, str]
) -> None:
    chance = random.Random(seed)
    write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    kill_after = chance.randrange(0, LINES - 20)  # lines written before the kill
    with GroqEmulator(requests_per_minute=100_000, requests_per_day=None) as emulator:
        env = {**os.environ, "GROQ_API_KEY": "k", "GROQ_BASE_URL": emulator.base_url}
        process = batch(tmp_path, env)
        deadline = time.monotonic() + 60
        while kill_after and not (out.exists() and out.read_bytes().count(b"\n") >= kill_after):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.001)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        assert process.returncode == -signal.SIGKILL
        if seed == 3 and out.exists() and out.stat().st_size:
            with out.open("r+b") as file:  # a write torn by the kill
                file.truncate(out.stat().st_size - 7)
        before = answers_tolerating_a_torn_end(out)
        sent_before = len(emulator.requests)
        process = batch(tmp_path, env, "--resume")
        _, err = process.communicate(timeout=120)
        asked = [
            int(body["messages"][0]["content"].split()[-1])
            for body in emulator.requests[sent_before:]
        ]  # the resume's requests, and any the killed process still had on the wire
    assert process.returncode == 0, err
    assert answers(out) == uninterrupted
    torn = seed == 3 and bool(before)
    assert (b"ended in a torn line" in err) == torn
    # the resume asked for every line the output lacked, and for none it had
    done_before = {int(custom_id.split("-")[1]) for custom_id in before}
    assert not done_before & set(asked)
    assert set(range(LINES)) - done_before <= set(asked)


def answers_tolerating_a_torn_end(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    complete = path.read_bytes()
    if not complete.endswith(b"\n"):
        complete = complete[: complete.rfind(b"\n") + 1]
    found = {}
    for raw in complete.splitlines():
        row = json.loads(raw)
        found[row["custom_id"]] = row["response"]["body"]["choices"][0]["message"]["content"]
    return found
