"""The emulator's Batch API (files and batches), driven by the official ``groq`` SDK."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

import groq as official
from synaptic_groq.emulator import GroqEmulator


def lines(count: int, *, bad: int | None = None) -> bytes:
    rows = []
    for i in range(count):
        body: dict[str, Any] = {
            "model": "openai/gpt-oss-20b",
            "messages": [{"role": "user", "content": f"row {i}"}],
        }
        if bad == i:
            body["model"] = "no-such-model"
        rows.append(
            json.dumps(
                {
                    "custom_id": f"req-{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": body,
                }
            )
        )
    return ("\n".join(rows) + "\n").encode()


def client(emulator: GroqEmulator) -> official.Groq:
    return official.Groq(api_key="k", base_url=emulator.host_url, max_retries=0)


def wait_for(sdk: official.Groq, batch_id: str, statuses: set[str]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        batch = sdk.batches.retrieve(batch_id)
        if batch.status in statuses:
            return batch
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.01)


def test_a_batch_runs_to_completion_with_an_error_file() -> None:
    with GroqEmulator() as emulator:
        sdk = client(emulator)
        uploaded = sdk.files.create(file=("in.jsonl", lines(5, bad=3)), purpose="batch")
        assert uploaded.purpose == "batch"
        assert uploaded.bytes == len(lines(5, bad=3))
        batch = sdk.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        done = wait_for(sdk, batch.id, {"completed"})
        assert done.request_counts is not None
        assert (
            done.request_counts.total,
            done.request_counts.completed,
            done.request_counts.failed,
        ) == (5, 4, 1)
        output = [json.loads(x) for x in sdk.files.content(done.output_file_id).text().splitlines()]
        errors = [json.loads(x) for x in sdk.files.content(done.error_file_id).text().splitlines()]
        assert sorted(o["custom_id"] for o in output) == ["req-0", "req-1", "req-2", "req-4"]
        assert [o["custom_id"] for o in output] != sorted(
            o["custom_id"] for o in output
        )  # unordered
        first = next(o for o in output if o["custom_id"] == "req-0")
        assert first["response"]["status_code"] == 200
        assert first["response"]["body"]["choices"][0]["message"]["content"].endswith("to: row 0")
        assert first["error"] is None
        assert [e["custom_id"] for e in errors] == ["req-3"]
        assert errors[0]["error"]["code"] == "model_not_found"
        assert {b.id for b in sdk.batches.list().data} == {batch.id}
        sdk.close()


def test_batches_do_not_count_against_the_rate_limits() -> None:
    with GroqEmulator(requests_per_minute=1) as emulator:
        sdk = client(emulator)
        uploaded = sdk.files.create(file=("in.jsonl", lines(10)), purpose="batch")
        batch = sdk.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert wait_for(sdk, batch.id, {"completed"}).request_counts.completed == 10  # type: ignore[union-attr]
        sdk.close()


def test_every_status_and_cancel() -> None:
    with GroqEmulator(hold_batches=True) as emulator:
        sdk = client(emulator)
        uploaded = sdk.files.create(file=("in.jsonl", lines(3)), purpose="batch")
        batch = sdk.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert sdk.batches.retrieve(batch.id).status == "validating"
        cancelled = sdk.batches.cancel(batch.id)
        assert cancelled.status == "cancelling"
        emulator.release_batches()
        done = wait_for(sdk, batch.id, {"cancelled"})
        assert done.request_counts.completed == 0  # type: ignore[union-attr]
        with pytest.raises(official.BadRequestError):
            sdk.batches.cancel(batch.id)
        sdk.close()


def test_a_batch_expires_on_the_emulators_clock() -> None:
    now = [1000.0]
    with GroqEmulator(hold_batches=True, clock=lambda: now[0]) as emulator:
        sdk = client(emulator)
        uploaded = sdk.files.create(file=("in.jsonl", lines(2)), purpose="batch")
        batch = sdk.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        now[0] += 86_401
        assert sdk.batches.retrieve(batch.id).status == "expired"
        sdk.close()


def test_refusals() -> None:
    with GroqEmulator() as emulator:
        sdk = client(emulator)
        with pytest.raises(official.BadRequestError):
            sdk.files.create(file=("in.jsonl", lines(1)), purpose="fine-tune")  # type: ignore[arg-type]
        uploaded = sdk.files.create(file=("in.jsonl", lines(1)), purpose="batch")
        with pytest.raises(official.BadRequestError, match="between 24h and 7d"):
            sdk.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="1h"
            )  # type: ignore[arg-type]
        with pytest.raises(official.NotFoundError):
            sdk.batches.retrieve("batch_nope")
        emulator.add_fault("not_available_for_plan")
        with pytest.raises(official.PermissionDeniedError) as info:
            sdk.batches.create(
                input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        assert info.value.status_code == 403
        assert sdk.files.delete(uploaded.id).deleted is True
        with pytest.raises(official.NotFoundError):
            sdk.files.info(uploaded.id)
        sdk.close()


# --- synaptic's own client ------------------------------------------------------------


def test_the_batch_client_runs_a_batch_sync() -> None:
    from synaptic_groq import GroqBatchClient, GroqConfig

    with (
        GroqEmulator() as emulator,
        GroqBatchClient(GroqConfig("k", "openai/gpt-oss-20b", base_url=emulator.base_url)) as api,
    ):
        uploaded = api.upload_sync(lines(3), filename="rows.jsonl")
        assert (uploaded.filename, uploaded.purpose, uploaded.bytes) == (
            "rows.jsonl",
            "batch",
            len(lines(3)),
        )
        batch = api.create_sync(uploaded.id, metadata={"job": "nightly"})
        assert batch.status == "validating"
        assert batch.metadata == {"job": "nightly"}
        deadline = time.monotonic() + 30
        while not (batch := api.get_sync(batch.id)).finished:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert batch.status == "completed"
        assert batch.request_counts.completed == 3
        assert batch.output_file_id is not None
        rows = [json.loads(x) for x in api.download_sync(batch.output_file_id).splitlines()]
        assert sorted(r["custom_id"] for r in rows) == ["req-0", "req-1", "req-2"]
        assert [b.id for b in api.list_sync()] == [batch.id]


async def test_the_batch_client_async_and_its_errors() -> None:
    from synaptic_core import NotFoundError, PermissionDeniedError
    from synaptic_groq import GroqBatchClient, GroqConfig

    with GroqEmulator(hold_batches=True) as emulator:
        api = GroqBatchClient(
            GroqConfig("gsk_batch_SECRET", "openai/gpt-oss-20b", base_url=emulator.base_url)
        )
        uploaded = await api.upload(lines(2))
        batch = await api.create(uploaded.id)
        assert (await api.cancel(batch.id)).status == "cancelling"
        emulator.release_batches()
        deadline = time.monotonic() + 30
        while not (batch := await api.get(batch.id)).finished:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        assert batch.status == "cancelled"
        emulator.add_fault("not_available_for_plan")
        with pytest.raises(PermissionDeniedError) as info:
            await api.create(uploaded.id)
        assert info.value.code == "not_available_for_plan"
        assert "gsk_batch_SECRET" not in str(info.value) + repr(api)
        with pytest.raises(NotFoundError):
            await api.get("batch_nope")
        assert await api.download(uploaded.id) == lines(2)
        assert len(await api.list()) == 1
        await api.aclose()
