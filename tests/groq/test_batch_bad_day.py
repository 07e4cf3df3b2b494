"""Live bulk jobs on a bad day, against the emulator on virtual time: a budget that
refuses, a key that is wrong, a model that does not exist, a provider that is down.
A line is written as failed only when its request was sent and answered so; what
failed in a way that may pass runs again on resume; the first lines failing the same
permanent way stop the job after a few requests; progress and the time left come from
the budget."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import InputError, NetworkError, RetryChatModel, RetryConfig
from synaptic_core.pacing import Limits, LocalRateLimiter, RateLimitedChatModel, Reservation
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import (
    BatchJob,
    BatchProgress,
    BatchStoppedEarlyError,
    BatchStoppedError,
    BudgetRate,
    estimate_eta,
    read_batch_output,
    scan_output,
)

from .test_batch_live import Clock, batch_lines, output_ids


def paced(
    emulator: GroqEmulator,
    clock: Clock,
    *,
    key: str = "k",
    model: str = "openai/gpt-oss-20b",
    limits: Limits | None = None,
    limiter: Any = None,
    attempts: int = 3,
) -> RetryChatModel:
    """The emulator's model as a bulk job runs it: paced, retried, on virtual time."""
    base = GroqChatModel(GroqConfig(key, model, base_url=emulator.base_url))
    budget = limiter or LocalRateLimiter(limits or Limits(), clock=clock)
    rate_limited = RateLimitedChatModel(base, budget, asleep=clock.asleep)
    config = RetryConfig(max_attempts=attempts)
    return RetryChatModel(rate_limited, config, sleep=clock.asleep, clock=clock)


def job(source: Any, model: Any, clock: Clock, **options: Any) -> BatchJob:
    return BatchJob(source, model, clock=clock, asleep=clock.asleep, **options)


def statuses(emulator: GroqEmulator) -> dict[str, int]:
    return dict(emulator.stats.snapshot()["requests_by_status"])


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- refused locally: never a failed line --------------------------------------------


async def test_a_429_asking_for_days_stops_the_job_and_writes_no_unsent_line(
    tmp_path: Path,
) -> None:
    """The reported case: one 429 with retry-after 999999 wrote all 3 lines as failed
    (2 never sent), and --resume then called them done."""
    clock = Clock()
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(batch_lines(3)) + "\n")
    out = tmp_path / "out.jsonl"
    with GroqEmulator(clock=clock) as emulator:
        emulator.add_fault("rate_limit", retry_after=999999)
        model = paced(emulator, clock)
        async with model, job(source, model, clock, output=out) as first:
            with pytest.raises(BatchStoppedError) as caught:
                _ = [r async for r in first]
        sent = statuses(emulator)
        assert not out.exists() or out.read_text() == ""  # nothing written: nothing answered
        assert sent == {"429": 1}  # the other two were never sent
        assert caught.value.resume_after == pytest.approx(999999)
        assert "--resume" in str(caught.value)
        assert "until" in str(caught.value)

        # A new process starts with a fresh budget: resume runs every line, once.
        fresh = paced(emulator, clock)
        async with fresh, job(source, fresh, clock, output=out, resume=True) as again:
            plan = again.prepare()
            done = [r async for r in again]
    assert (plan.done, plan.to_run) == (0, 3)
    assert all(r.ok for r in done)
    assert sorted(output_ids(out)) == ["row-0", "row-1", "row-2"]


async def test_a_budget_that_would_wait_past_max_wait_stops_instead_of_failing_lines(
    tmp_path: Path,
) -> None:
    clock = Clock()
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(batch_lines(6)) + "\n")
    out = tmp_path / "out.jsonl"
    limits = Limits(requests_per_minute=2, max_wait=5, headroom=0)  # the 3rd waits 30 s
    with GroqEmulator(clock=clock) as emulator:
        model = paced(emulator, clock, limits=limits)
        async with model, job(source, model, clock, output=out) as first:
            with pytest.raises(BatchStoppedError, match="budget has no room"):
                _ = [r async for r in first]
        written = rows(out)
        assert 1 <= len(written) <= 2
        assert all(r["error"] is None for r in written)  # no "local_budget" failed lines
        for _ in range(6):  # each run goes as far as the budget allows, then stops
            clock.now += 120  # the budget has room again
            try:
                async with job(source, model, clock, output=out, resume=True) as again:
                    _ = [r async for r in again]
                break
            except BatchStoppedError:
                continue
        await model.aclose()
    assert sorted(output_ids(out)) == [f"row-{i}" for i in range(6)]  # each once
    assert all(r.ok for r in read_batch_output(out).values())


class DownStore(LocalRateLimiter):
    """A budget store that cannot be reached (Redis down with on_outage="raise")."""

    def reserve(self, key: str, tokens: int) -> Reservation:
        msg = "the rate-limit store redis://budget:6379/0 is unreachable: connection refused"
        raise NetworkError(msg)


async def test_a_budget_store_that_fails_stops_the_job_and_sends_nothing(tmp_path: Path) -> None:
    clock = Clock()
    out = tmp_path / "out.jsonl"
    with GroqEmulator(clock=clock) as emulator:
        model = paced(emulator, clock, limiter=DownStore(Limits(), clock=clock))
        async with model, job(batch_lines(4), model, clock, output=out) as run:
            with pytest.raises(BatchStoppedError, match="store failed") as caught:
                _ = [r async for r in run]
        assert statuses(emulator) == {}
    assert isinstance(caught.value.cause, NetworkError)
    assert not out.exists() or out.read_text() == ""


async def test_a_network_error_in_transit_is_the_lines_not_the_budgets(tmp_path: Path) -> None:
    """The same ``NetworkError`` a store raises, coming from the connection instead:
    the request left, so the line is written as failed (retryable), and a provider
    that refuses every connection stops the job as an outage, not as a budget."""
    clock = Clock()
    out = tmp_path / "out.jsonl"
    base = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url="http://127.0.0.1:9/v1"))
    budget = LocalRateLimiter(Limits(), clock=clock)
    rate_limited = RateLimitedChatModel(base, budget, asleep=clock.asleep)
    model = RetryChatModel(rate_limited, RetryConfig(max_attempts=1), clock=clock)
    async with model, job(batch_lines(30), model, clock, output=out) as run:
        with pytest.raises(BatchStoppedError, match="provider looks down"):
            _ = [r async for r in run]
    written = rows(out)
    assert len(written) == 5  # the first five, one at a time; the other 25 not sent
    assert all(row["error"]["code"] == "network_error" for row in written)
    assert rate_limited.model is base  # the job's watch is gone with it


# --- failed after being sent: written, and resume runs the retryable ones -------------


async def test_lines_that_failed_in_a_retryable_way_run_again_on_resume(tmp_path: Path) -> None:
    clock = Clock()
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(batch_lines(6)) + "\n")
    out = tmp_path / "out.jsonl"
    with GroqEmulator(clock=clock) as emulator:
        emulator.add_fault("server_error", every=2)  # every second request: a 500
        model = paced(emulator, clock, attempts=1)  # no retries: the 500 is the answer
        async with model, job(source, model, clock, output=out) as first:
            results = [r async for r in first]
        assert sorted(r.ok for r in results) == [False] * 3 + [True] * 3
        assert all(r.retryable for r in results if not r.ok)
        assert first.summary.retryable == 3
        emulator.faults.clear()
        async with model, job(source, model, clock, output=out, resume=True) as again:
            plan = again.prepare()
            rerun = [r async for r in again]
    assert (plan.done, plan.rerun, plan.to_run) == (3, 3, 3)
    assert sorted(r.custom_id for r in rerun) == sorted(r.custom_id for r in results if not r.ok)
    assert len(rows(out)) == 9  # the failed lines stay; the reruns come after them
    final = read_batch_output(out)  # the last line of a custom_id wins
    assert sorted(final) == [f"row-{i}" for i in range(6)]
    assert all(r.ok for r in final.values())
    scan = scan_output(out, repair=False)
    assert (scan.lines, scan.failed, len(scan.done), scan.rerun) == (6, 0, 6, 0)  # no twice


def test_retry_failed_runs_permanent_failures_again_once_fixed(tmp_path: Path) -> None:
    clock = Clock()
    lines = [*batch_lines(3), *batch_lines(1, model="acme/new-model", start=3)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"

    def models(emulator: GroqEmulator) -> Any:
        return lambda name: paced(emulator, clock, model=name)

    with GroqEmulator(clock=clock) as emulator:
        with job(source, models(emulator), clock, output=out, owns_models=True) as first:
            assert sorted(r.ok for r in first.results_sync()) == [False, True, True, True]
        resumed = job(source, models(emulator), clock, output=out, resume=True, owns_models=True)
        with resumed:
            assert resumed.prepare().to_run == 0  # a 404 is not retried by --resume
    with GroqEmulator(clock=clock, extra_models=["acme/new-model"]) as fixed:
        retried = job(source, models(fixed), clock, output=out, retry_failed=True, owns_models=True)
        with retried:
            plan = retried.prepare()
            assert (plan.done, plan.rerun, plan.to_run) == (3, 1, 1)
            assert [r.custom_id for r in retried.results_sync()] == ["row-3"]
    final = read_batch_output(out)
    assert final["row-3"].ok
    assert final["row-3"].content == "Emulated answer from acme/new-model to: question 3"


# --- the first lines fail the same permanent way: stop after a few requests -----------


async def test_a_wrong_key_stops_after_five_requests_not_two_hundred(tmp_path: Path) -> None:
    clock = Clock()
    out = tmp_path / "out.jsonl"
    with GroqEmulator(clock=clock, api_keys=["the-right-key"]) as emulator:
        model = paced(emulator, clock, key="a-wrong-key")
        async with model, job(batch_lines(200), model, clock, output=out) as run:
            with pytest.raises(BatchStoppedEarlyError) as caught:
                _ = [r async for r in run]
        sent = statuses(emulator)
    assert sent == {"401": 5}
    assert caught.value.failed == 5
    assert caught.value.status_code == 401
    message = str(caught.value)
    assert "the API key was refused" in message
    assert "the other 195 line(s) were not sent" in message
    assert "--retry-failed" in message
    assert len(rows(out)) == 5  # the answers that came are written, as failed lines


async def test_a_model_that_does_not_exist_stops_after_the_first_lines(tmp_path: Path) -> None:
    clock = Clock()
    with GroqEmulator(clock=clock) as emulator:
        model = paced(emulator, clock, model="nonexistent")
        async with model, job(batch_lines(200), model, clock) as run:
            with pytest.raises(BatchStoppedEarlyError, match="model does not exist") as caught:
                _ = [r async for r in run]
        sent = statuses(emulator)
    assert sent == {"404": 5}
    assert caught.value.error.code == "model_not_found"


async def test_a_few_lines_all_refused_stop_early_too(tmp_path: Path) -> None:
    clock = Clock()
    with GroqEmulator(clock=clock, api_keys=["the-right-key"]) as emulator:
        model = paced(emulator, clock, key="a-wrong-key")
        async with model, job(batch_lines(2), model, clock) as run:
            with pytest.raises(BatchStoppedEarlyError, match="no line was left to send"):
                _ = [r async for r in run]


async def test_a_provider_outage_stops_resumably_and_resume_finishes(tmp_path: Path) -> None:
    clock = Clock()
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(batch_lines(30)) + "\n")
    out = tmp_path / "out.jsonl"
    with GroqEmulator(clock=clock) as emulator:
        emulator.add_fault("unavailable", every=1)  # every request: 503
        model = paced(emulator, clock, attempts=2)
        async with model, job(source, model, clock, output=out) as down:
            with pytest.raises(BatchStoppedError, match="provider looks down"):
                _ = [r async for r in down]
        assert statuses(emulator) == {"503": 10}  # 5 lines, 2 attempts each, one at a time
        assert len(rows(out)) == 5
        emulator.faults.clear()
        async with model, job(source, model, clock, output=out, resume=True) as back:
            assert back.prepare().to_run == 30
            _ = [r async for r in back]
    final = read_batch_output(out)
    assert len(final) == 30
    assert all(r.ok for r in final.values())


# --- progress, the time left, standard output ------------------------------------------


def test_the_time_left_comes_from_the_budget_not_the_opening_burst() -> None:
    # 30 lines left at 30 requests per minute: 60 s, whatever the first second's burst
    # of 30 lines in 1 s promises (it promised "<00:00" with a minute to go).
    rpm = [BudgetRate("requests", 0.5, available=0.0)]
    assert estimate_eta(30, rpm, remaining=30, observed_rate=30.0) == pytest.approx(60.0)
    # what the bucket holds now goes at once; a debt (requests already waiting) adds
    assert estimate_eta(30, [BudgetRate("requests", 0.5, 10.0)]) == pytest.approx(40.0)
    assert estimate_eta(30, [BudgetRate("requests", 0.5, -5.0)]) == pytest.approx(70.0)
    # tokens per minute, with what a line has been using: 6,000 TPM, 200 tokens a line
    tpm = [BudgetRate("requests", 1000 / 60), BudgetRate("tokens", 100.0)]
    assert estimate_eta(30, tpm, tokens_per_line=200.0) == pytest.approx(60.0)
    assert estimate_eta(30, tpm) == pytest.approx(1.8)  # tokens a line: not known yet
    # a 429's pause is a floor; the rate seen so far when it is slower, or all there is
    assert estimate_eta(1, rpm, not_before=90.0) == pytest.approx(90.0)
    assert estimate_eta(10, [BudgetRate("requests", 100.0, 100.0)], observed_rate=2.0) == 5.0
    assert estimate_eta(10, [], observed_rate=2.0) == 5.0
    assert estimate_eta(10, []) is None
    assert estimate_eta(0, rpm) == 0.0


async def test_progress_is_reported_every_10_seconds_with_the_budgets_eta(tmp_path: Path) -> None:
    clock = Clock()
    reports: list[tuple[float, BatchProgress]] = []
    limits = Limits(requests_per_minute=12, headroom=0)  # 12 at once, then one per 5 s
    with GroqEmulator(clock=clock, requests_per_minute=12) as emulator:
        model = paced(emulator, clock, limits=limits)
        run = job(
            batch_lines(30),
            model,
            clock,
            on_progress=lambda progress: reports.append((clock.now, progress)),
        )
        async with model, run:
            _ = [r async for r in run]
        ended = clock.now - 1000.0
    assert statuses(emulator) == {"200": 30}
    assert ended == pytest.approx(90.0)  # 12 at once, then 18 more at one per 5 s
    times = [at - 1000.0 for at, _ in reports]
    assert len(times) >= 8
    assert times[0] <= 15.0
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(10.0 <= gap <= 15.0 for gap in gaps), gaps  # at most one per 10 s
    first = reports[0][1]
    assert (first.total, first.failed) == (30, 0)
    assert 0 < first.done < 30
    # the time left as the budget sees it: what really was left, give or take a line
    assert first.eta is not None
    assert first.eta == pytest.approx(ended - times[0], abs=10.0)
    assert first.line().startswith(f"progress: {first.done}/30 lines (0 failed), ")
    assert first.line().endswith(" left")


async def test_output_can_be_a_stream_but_a_stream_cannot_resume(tmp_path: Path) -> None:
    clock = Clock()
    stream = io.BytesIO()
    with GroqEmulator(clock=clock) as emulator:
        model = paced(emulator, clock)
        async with model, job(batch_lines(4), model, clock, output=stream) as run:
            _ = [r async for r in run]
    written = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(r["custom_id"] for r in written) == [f"row-{i}" for i in range(4)]
    assert not stream.closed  # the caller's
    with pytest.raises(InputError, match="cannot resume"):
        BatchJob(batch_lines(1), model, output=io.BytesIO(), resume=True)
