"""Live batch jobs against the Groq emulator: every line once, paced, resumable."""

from __future__ import annotations

import asyncio
import functools
import json
import operator
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import InputError, RetryChatModel
from synaptic_core.pacing import Limits, LocalRateLimiter, RateLimitedChatModel
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import BatchJob, read_batch_output


def batch_lines(count: int, *, model: str = "openai/gpt-oss-20b", start: int = 0) -> list[str]:
    return [
        json.dumps(
            {
                "custom_id": f"row-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": model,
                    "messages": [{"role": "user", "content": f"question {i}"}],
                    "max_tokens": 16,
                },
            }
        )
        for i in range(start, start + count)
    ]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def groq(emulator: GroqEmulator, model: str = "openai/gpt-oss-20b") -> GroqChatModel:
    return GroqChatModel(GroqConfig("k", model, base_url=emulator.base_url))


def output_ids(path: Path) -> list[str]:
    return [json.loads(line)["custom_id"] for line in path.read_text().splitlines()]


class Clock:
    """Virtual time shared by the emulator, the budget, retries and the job."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def asleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


async def test_every_line_runs_once_and_is_written_as_a_groq_output_line(tmp_path: Path) -> None:
    source = write(tmp_path / "in.jsonl", batch_lines(40))
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator:
        async with groq(emulator) as model, BatchJob(source, model, output=out) as job:
            plan = job.prepare()
            yielded = [result async for result in job]
        sent = list(emulator.requests)
    assert (plan.lines, plan.to_run, plan.done) == (40, 40, 0)
    assert sorted(r.custom_id for r in yielded) == sorted(f"row-{i}" for i in range(40))
    assert all(r.ok for r in yielded)
    assert sorted(output_ids(out)) == sorted(f"row-{i}" for i in range(40))
    # exactly the lines' bodies went out (max_tokens under Groq's name)
    expected = [
        {
            "model": "openai/gpt-oss-20b",
            "messages": [{"role": "user", "content": f"question {i}"}],
            "max_completion_tokens": 16,
        }
        for i in range(40)
    ]
    assert sorted(sent, key=json.dumps) == sorted(expected, key=json.dumps)
    results = read_batch_output(out)
    assert results["row-7"].content == "Emulated answer from openai/gpt-oss-20b to: question 7"
    row = json.loads(out.read_text().splitlines()[0])
    assert row["response"]["status_code"] == 200
    assert row["response"]["request_id"].startswith("req_")
    assert row["response"]["body"]["object"] == "chat.completion"
    assert job.summary.ok == 40
    assert job.summary.failed == 0
    assert job.summary.input_tokens > 0


def test_a_line_that_fails_for_good_is_an_output_line_and_the_job_goes_on(
    tmp_path: Path,
) -> None:
    lines = [*batch_lines(3), *batch_lines(1, model="acme/no-such-model", start=3)]
    out = tmp_path / "out.jsonl"
    with (
        GroqEmulator() as emulator,
        BatchJob(lines, lambda name: groq(emulator, name), output=out, owns_models=True) as job,
    ):
        results = {r.custom_id: r for r in job.results_sync()}
    assert [results[f"row-{i}"].ok for i in range(4)] == [True, True, True, False]
    failed = read_batch_output(out)["row-3"]
    assert failed.error is not None
    assert failed.row["response"]["status_code"] == 404
    assert failed.row["error"]["code"] == "model_not_found"
    assert (job.summary.ok, job.summary.failed) == (3, 1)


async def test_at_the_limit_the_budget_paces_the_job_and_the_server_sees_no_429(
    tmp_path: Path,
) -> None:
    clock = Clock()
    with GroqEmulator(requests_per_minute=6, clock=clock) as emulator:
        limiter = LocalRateLimiter(Limits(requests_per_minute=6, headroom=0), clock=clock)
        paced = RateLimitedChatModel(groq(emulator), limiter, asleep=clock.asleep)
        model = RetryChatModel(paced, sleep=clock.asleep, clock=clock)
        job = BatchJob(batch_lines(20), model, clock=clock, asleep=clock.asleep)
        async with model, job:
            done = [r async for r in job]
        stats = emulator.stats.snapshot()
    assert len(done) == 20
    assert all(r.ok for r in done)
    assert stats["requests_by_status"] == {"200": 20}
    assert clock.now - 1000.0 == pytest.approx(140.0)  # 6 at once, then one every 10 s


async def test_an_unknown_limit_is_learned_from_the_429_and_no_line_is_lost(
    tmp_path: Path,
) -> None:
    clock = Clock()
    out = tmp_path / "out.jsonl"
    with GroqEmulator(requests_per_minute=5, clock=clock) as emulator:
        limiter = LocalRateLimiter(Limits(), clock=clock)  # nothing configured
        paced = RateLimitedChatModel(groq(emulator), limiter, asleep=clock.asleep)
        model = RetryChatModel(paced, sleep=clock.asleep, clock=clock)
        job = BatchJob(
            batch_lines(30), model, output=out, max_in_flight=16, clock=clock, asleep=clock.asleep
        )
        async with model, job:
            done = [r async for r in job]
        stats = emulator.stats.snapshot()
    assert sorted(r.custom_id for r in done) == sorted(f"row-{i}" for i in range(30))
    assert all(r.ok for r in done)
    assert Counter(output_ids(out)) == Counter(f"row-{i}" for i in range(30))
    assert stats["requests_by_status"]["200"] == 30
    # the first burst's 429 taught the budget Groq's requests per minute (from its text)
    learned: Any = limiter._states[paced.key].requests
    assert learned[60.0].capacity == 5
    assert stats["requests_by_status"].get("429", 0) < 30


async def test_stopping_loses_only_requests_in_flight_and_resume_finishes(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "in.jsonl", batch_lines(30))
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator:
        model = groq(emulator)
        job = BatchJob(source, model, output=out)
        seen = 0
        async for _ in job:
            seen += 1
            if seen == 5:
                break
        await job.aclose()
        assert job.summary.stopped
        first = output_ids(out)
        assert len(first) >= 5
        assert len(set(first)) == len(first)
        sent_before = len(emulator.requests)

        async with model, BatchJob(source, model, output=out, resume=True) as again:
            plan = again.prepare()
            rest = [r.custom_id async for r in again]
        asked = {
            body["messages"][0]["content"].replace("question ", "row-")
            for body in emulator.requests[sent_before:]
        }  # the resume's, and any cancelled request that had already left
    assert (plan.done, plan.to_run) == (len(first), 30 - len(first))
    assert sorted(rest) == sorted({f"row-{i}" for i in range(30)} - set(first))
    assert not asked & set(first)  # nothing finished ran again
    assert asked >= set(rest)
    assert Counter(output_ids(out)) == Counter(f"row-{i}" for i in range(30))


def test_an_existing_output_needs_resume_and_must_belong_to_the_input(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator, groq(emulator) as model:
        with BatchJob(batch_lines(3), model, output=out) as job:
            assert len(list(job.results_sync())) == 3
        with pytest.raises(InputError, match="already has results; resume it"):
            BatchJob(batch_lines(3), model, output=out).prepare()
        other = BatchJob(batch_lines(3, start=10), model, output=out, resume=True)
        with pytest.raises(InputError, match=re.escape("3 line(s) whose custom_id is not in")):
            other.prepare()
        with BatchJob(batch_lines(3), model, output=out, resume=True) as job:
            assert job.prepare().to_run == 0
            assert list(job.results_sync()) == []


def test_shards_split_the_lines_between_machines(tmp_path: Path) -> None:
    lines = batch_lines(10)
    ids: list[list[str]] = []
    with GroqEmulator() as emulator, groq(emulator) as model:
        for k in (1, 2, 3):
            with BatchJob(lines, model, shard=(k, 3)) as job:
                assert job.prepare().in_shard == [4, 3, 3][k - 1]
                ids.append(sorted(r.custom_id for r in job.results_sync()))
    assert ids[0] == sorted(["row-0", "row-3", "row-6", "row-9"])
    assert sorted(functools.reduce(operator.iadd, ids, [])) == sorted(f"row-{i}" for i in range(10))
    with pytest.raises(InputError, match="shard must be"):
        BatchJob(lines, model, shard=(4, 3))


def test_the_input_is_never_held_whole(tmp_path: Path) -> None:
    """A job reads its file line by line: what it keeps per line is a 64-bit digest."""
    source = write(tmp_path / "in.jsonl", batch_lines(2000))
    with GroqEmulator() as emulator, groq(emulator) as model, BatchJob(source, model) as job:
        job.prepare()
        assert not any(
            isinstance(v, list | bytes | str) and len(v) > 1000 for v in vars(job).values()
        )
        reader: Any = job._reader
        assert reader._spool is None  # a path is reopened, never copied
