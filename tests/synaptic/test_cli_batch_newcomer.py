"""``synaptic batch`` as a newcomer tried it: an OUTPUT that is the input (or a copy of
it) is refused rather than counted as done, ``--timeout`` ends a request a server
drips forever, and an OUTPUT that cannot be opened is named in the error."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.reliability.hostile import HostileServer, drip_headers

from synaptic.batch import open_batch
from synaptic_core import InputError, ScriptedChatModel
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import BatchJob, outcome_of

from .batch_cli import clean, lines, new_key, rows, run

REFUSED = "is not a batch output line (no response or error): is OUTPUT"


def sent(emulator: GroqEmulator) -> int:
    return sum(emulator.stats.snapshot()["requests_by_status"].values())


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean(monkeypatch, tmp_path)
    (tmp_path / "good.jsonl").write_text(lines(20))


@pytest.fixture
def groq(monkeypatch: pytest.MonkeyPatch) -> Any:
    with GroqEmulator(api_keys=None) as emulator:
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        monkeypatch.setenv("GROQ_API_KEY", new_key())
        yield emulator


# --- 1. an OUTPUT that is the input, or a copy of it ---------------------------------


def test_resume_refuses_an_output_that_is_a_copy_of_the_input(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Before: "resuming: 20 of 20 lines already done", exit 0, nothing run.
    shutil.copy(tmp_path / "good.jsonl", tmp_path / "out.jsonl")
    code, _, err = run(["batch", "good.jsonl", "-o", "out.jsonl", "--resume"], capsys)
    assert code == 1, err
    assert f"OUTPUT line 1 {REFUSED} (out.jsonl) the input file?" in err
    assert "resuming" not in err
    assert sent(groq) == 0
    assert (tmp_path / "out.jsonl").read_text() == lines(20)  # untouched


def test_a_line_with_only_a_custom_id_is_not_done(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Before: row-1 counted as done, the other 19 run, exit 0.
    out = tmp_path / "out.jsonl"
    good = {"id": "batch_req_1", "custom_id": "row-0", "response": None, "error": None}
    out.write_text(json.dumps(good) + "\n" + '{"custom_id":"row-1"}\n')
    code, _, err = run(["batch", "good.jsonl", "-o", "out.jsonl", "--resume"], capsys)
    assert code == 1, err
    assert f"OUTPUT line 2 {REFUSED}" in err
    assert sent(groq) == 0


def test_an_input_line_without_its_newline_is_refused_not_cut_off_as_torn(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Before: taken for a torn last line and cut off (the copy emptied), then run.
    out = tmp_path / "out.jsonl"
    out.write_text(lines(1).rstrip("\n"))
    (tmp_path / "one.jsonl").write_text(lines(1))
    code, _, err = run(["batch", "one.jsonl", "-o", "out.jsonl", "--resume"], capsys)
    assert code == 1, err
    assert f"OUTPUT line 1 {REFUSED}" in err
    assert out.read_text() == lines(1).rstrip("\n")
    assert sent(groq) == 0


@pytest.mark.parametrize("how", ["same path", "another spelling", "hard link", "symlink"])
@pytest.mark.parametrize("resume", [True, False])
def test_output_naming_the_input_file_is_refused_before_anything_is_read(
    groq: GroqEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    how: str,
    resume: bool,
) -> None:
    # Before: with --resume, "resuming: 20 of 20 lines already done" and exit 0; without
    # it, "already has results": the input taken for an output either way.
    output = {"same path": "good.jsonl", "another spelling": f"{tmp_path}/./good.jsonl"}.get(how)
    if output is None:
        output = "link.jsonl"
        link = os.link if how == "hard link" else os.symlink
        link(tmp_path / "good.jsonl", tmp_path / output)
    args = ["batch", "good.jsonl", "-o", output, *(["--resume"] if resume else [])]
    code, _, err = run(args, capsys)
    assert code == 1, err
    assert f"OUTPUT {output} is the input file good.jsonl" in err
    assert "already has results" not in err
    assert sent(groq) == 0
    assert (tmp_path / "good.jsonl").read_text() == lines(20)


def test_batch_job_refuses_an_output_that_is_its_input(tmp_path: Path) -> None:
    model = ScriptedChatModel(echo=True)
    with pytest.raises(InputError, match="is the input file"):
        BatchJob(tmp_path / "good.jsonl", model, output=tmp_path / "good.jsonl", resume=True)
    assert model.requests == []


# --- 2. --timeout --------------------------------------------------------------------


def test_timeout_ends_a_request_whose_headers_drip_forever(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: no --timeout (a usage error); without it the job hung for good.
    (tmp_path / "one.jsonl").write_text(lines(1))
    config = tmp_path / "synaptic.toml"
    config.write_text(
        '[profiles.once]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        "[profiles.once.retry]\nmax_attempts = 1\n"
    )
    with HostileServer(drip_headers(0.05)) as server:
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        monkeypatch.setenv("GROQ_API_KEY", f"key-{uuid.uuid4().hex}")
        started = time.monotonic()
        args = ["batch", "one.jsonl", "-o", "out.jsonl", "-m", "once", "-c", str(config)]
        code, _, err = run([*args, "--timeout", "0.5", "--no-progress"], capsys)
        took = time.monotonic() - started
    assert took < 10, err
    assert code in (1, 4), err  # a failed line, or stopped resumably (the provider is "down")
    [row] = rows(tmp_path / "out.jsonl")
    assert row["custom_id"] == "row-0"
    assert row["error"]["code"] == "request_timeout_error", row
    assert outcome_of(row) == "retryable"  # --resume runs it again
    assert "--resume" in err


def test_timeout_is_set_on_every_request_the_job_sends(tmp_path: Path) -> None:
    job = open_batch(tmp_path / "good.jsonl", output=tmp_path / "out.jsonl", timeout=30)
    assert job.timeout == 30  # open_batch passes it on
    job.close()
    model = ScriptedChatModel(echo=True)
    with BatchJob(tmp_path / "good.jsonl", model, timeout=12.5) as job:
        results = list(job.results_sync())
    assert len(results) == 20
    assert all(r.ok for r in results)
    assert [r.timeout for r in model.requests] == [12.5] * 20
    untimed = ScriptedChatModel(echo=True)
    with BatchJob(tmp_path / "good.jsonl", untimed) as job:
        list(job.results_sync())
    assert {r.timeout for r in untimed.requests} == {None}  # none given: none set
    with pytest.raises(InputError, match="timeout"):
        BatchJob(tmp_path / "good.jsonl", model, timeout=0)


# --- 3. an OUTPUT that cannot be opened ----------------------------------------------


def _cannot_append(path: str) -> bool:
    try:
        with open(path, "ab"):
            return False
    except OSError:
        return True


@pytest.mark.skipif(
    not os.path.exists("/proc/version") or not _cannot_append("/proc/version"),
    reason="needs a /proc/version that refuses appends",
)
def test_an_output_that_cannot_be_opened_is_named(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: "error: [Errno 22] Invalid argument", the file not named.
    code, _, err = run(["batch", "good.jsonl", "-o", "/proc/version"], capsys)
    assert code == 1, err
    [line] = [x for x in err.splitlines() if x.startswith("error:")]
    assert "cannot open /proc/version to write the output" in line
    assert "give -o" in line
    assert sent(groq) == 0
