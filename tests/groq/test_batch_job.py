"""Batch API jobs (``GroqBatchJob``) against the emulator's files and batches."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import FakeBackend, PermissionDeniedError
from synaptic_groq import (
    BatchCancelledError,
    BatchExpiredError,
    BatchFailedError,
    BatchNotAvailableError,
    GroqBatchClient,
    GroqBatchJob,
    GroqChatModel,
    GroqConfig,
)
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import BatchJob, read_batch_output

from .test_batch_live import batch_lines, output_ids, write


async def tick(_seconds: float) -> None:
    await asyncio.sleep(0)  # the emulator works in its own thread; polls cost no time


def client(emulator: GroqEmulator) -> GroqBatchClient:
    return GroqBatchClient(GroqConfig("k", "(batch)", base_url=emulator.base_url))


def job(api: GroqBatchClient, source: Any, out: Path, **options: Any) -> GroqBatchJob:
    return GroqBatchJob(api, source, out, poll_interval=1.0, sleep=tick, **options)


def uploaded_lines(emulator: GroqEmulator) -> list[dict[str, Any]]:
    inputs = [f for f in emulator.batches.files.values() if f.purpose == "batch"]
    return [json.loads(x) for f in inputs for x in f.content.splitlines()]


async def test_a_job_uploads_creates_polls_and_writes_the_output_in_input_order(
    tmp_path: Path,
) -> None:
    lines = [*batch_lines(11), *batch_lines(1, model="acme/no-such-model", start=11)]
    source = write(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    seen: list[str] = []
    with GroqEmulator() as emulator:
        async with client(emulator) as api:
            runner = job(api, source, out, on_progress=lambda info: seen.append(info.status))
            info = await runner.run()
    assert info is not None
    assert info.status == "completed"
    assert (info.request_counts.completed, info.request_counts.failed) == (11, 1)
    assert output_ids(out) == [f"row-{i}" for i in range(12)]  # Groq's order is not
    results = read_batch_output(out)
    assert results["row-4"].content == "Emulated answer from openai/gpt-oss-20b to: question 4"
    assert results["row-11"].error is not None
    assert results["row-11"].error.code == "model_not_found"  # type: ignore[attr-defined]
    assert seen[-1] == "completed"
    assert runner.written == 12
    assert not (tmp_path / "out.jsonl.batch.json").exists()


async def test_the_model_option_rewrites_every_body(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator:
        async with client(emulator) as api:
            await job(api, batch_lines(3), out, model="openai/gpt-oss-120b").run()
        sent = uploaded_lines(emulator)
    assert [line["body"]["model"] for line in sent] == ["openai/gpt-oss-120b"] * 3
    assert [line["custom_id"] for line in sent] == ["row-0", "row-1", "row-2"]


async def test_resume_polls_the_saved_batch_instead_of_creating_another(tmp_path: Path) -> None:
    source = write(tmp_path / "in.jsonl", batch_lines(5))
    out = tmp_path / "out.jsonl"
    with GroqEmulator(hold_batches=True) as emulator:
        async with client(emulator) as api:
            with job(api, source, out) as crashed:
                first = await crashed.submit()  # then the process dies
            assert first is not None
            saved = json.loads((tmp_path / "out.jsonl.batch.json").read_text())
            assert saved["batch_id"] == first.id
            emulator.release_batches()
            info = await job(api, source, out, resume=True).run()
            assert [b.id for b in await api.list()] == [first.id]
    assert info is not None
    assert info.id == first.id
    assert output_ids(out) == [f"row-{i}" for i in range(5)]


async def test_not_on_the_plan_is_a_typed_error_that_says_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator:
        emulator.add_fault("not_available_for_plan")
        async with client(emulator) as api:
            with pytest.raises(BatchNotAvailableError) as caught:
                await job(api, batch_lines(2), out).run()
    assert isinstance(caught.value, PermissionDeniedError)
    assert (caught.value.status_code, caught.value.code) == (403, "not_available_for_plan")
    assert "run the job live instead (without --api)" in str(caught.value)
    assert not out.exists()
    assert not (tmp_path / "out.jsonl.batch.json").exists()


async def test_an_expired_batch_is_typed_and_a_live_resume_finishes_the_file(
    tmp_path: Path,
) -> None:
    now = [1000.0]
    source = write(tmp_path / "in.jsonl", batch_lines(4))
    out = tmp_path / "out.jsonl"
    with GroqEmulator(hold_batches=True, clock=lambda: now[0]) as emulator:
        async with client(emulator) as api:
            with job(api, source, out) as runner:
                submitted = await runner.submit()
            assert submitted is not None
            now[0] += 86_401  # the 24h window passes before Groq gets to it
            resumed = job(api, source, out, resume=True)
            with pytest.raises(BatchExpiredError) as caught:
                await resumed.run()
        assert caught.value.missing == 4
        assert caught.value.batch.status == "expired"
        assert "finish them live with --resume" in str(caught.value)
        # the same output, finished live: a file moves between modes
        model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=emulator.base_url))
        async with model, BatchJob(source, model, output=out, resume=True) as live:
            assert live.prepare().to_run == 4
            assert len([r async for r in live]) == 4
    assert sorted(output_ids(out)) == sorted(f"row-{i}" for i in range(4))


async def test_a_live_partial_output_is_finished_through_the_batch_api(tmp_path: Path) -> None:
    lines = batch_lines(6)
    out = tmp_path / "out.jsonl"
    with GroqEmulator() as emulator:
        model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=emulator.base_url))
        async with model, BatchJob(lines[:2], model, output=out) as live:
            assert len([r async for r in live]) == 2
        async with client(emulator) as api:
            await job(api, lines, out, resume=True).run()
        sent = uploaded_lines(emulator)
    assert [line["custom_id"] for line in sent] == [f"row-{i}" for i in range(2, 6)]
    assert output_ids(out) == [f"row-{i}" for i in range(6)]


async def test_a_cancelled_batch_is_typed(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with GroqEmulator(hold_batches=True) as emulator:
        async with client(emulator) as api:
            runner = job(api, batch_lines(3), out)
            submitted = await runner.submit()
            assert submitted is not None
            await api.cancel(submitted.id)
            emulator.release_batches()
            with pytest.raises(BatchCancelledError, match="was cancelled; 3 line"):
                await runner.run(submitted.id)


async def test_a_failed_batch_names_groqs_reasons(tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.add_response({"id": "file_1", "purpose": "batch"})
    backend.add_response({"id": "batch_1", "status": "validating"})
    backend.add_response(
        {
            "id": "batch_1",
            "status": "failed",
            "errors": {"data": [{"code": "invalid_json", "line": 2, "message": "bad line"}]},
        }
    )
    api = GroqBatchClient(GroqConfig("k", "(batch)"), backend=backend)
    with pytest.raises(BatchFailedError) as caught:
        await job(api, batch_lines(2), tmp_path / "out.jsonl").run()
    assert str(caught.value) == "batch batch_1 failed: line 2: bad line"
    assert caught.value.batch.status == "failed"
    assert [r.url.rsplit("/", 2)[-2:] for r in backend.requests] == [
        ["v1", "files"],
        ["v1", "batches"],
        ["batches", "batch_1"],
    ]
