"""``synaptic batch`` on a bad day: exit codes that say how a job ended, a 429 asking for
days that writes nothing for unsent lines, a wrong key or model that stops after a few
requests, ``--resume`` / ``--retry-failed``, ``--api -m PROFILE``, and ``-o -``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import read_batch_output

from .batch_cli import clean, lines, new_key, rows, run


def statuses(emulator: GroqEmulator) -> dict[str, int]:
    return dict(emulator.stats.snapshot()["requests_by_status"])


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean(monkeypatch, tmp_path)
    (tmp_path / "in.jsonl").write_text(lines(5))


@pytest.fixture
def groq(monkeypatch: pytest.MonkeyPatch) -> Any:
    with GroqEmulator(api_keys=None) as emulator:
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        monkeypatch.setenv("GROQ_API_KEY", new_key())
        yield emulator


def test_a_429_asking_for_days_exits_4_writes_nothing_and_resume_finishes(
    groq: GroqEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(3))
    groq.add_fault("rate_limit", retry_after=999999)
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl"], capsys)
    assert code == 4, err
    out = tmp_path / "out.jsonl"
    assert not out.exists() or out.read_text() == ""  # no line was answered: none written
    assert statuses(groq) == {"429": 1}  # and the other two were never sent
    assert "stopped: 0 ok, 0 failed in " in err
    assert "3 not run" in err
    assert "the server's rate limit is spent for 277h46m (until " in err
    assert "synaptic batch in.jsonl -o out.jsonl --resume" in err
    assert "Traceback" not in err

    monkeypatch.setenv("GROQ_API_KEY", new_key())  # a new process: a fresh budget
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "--resume"], capsys)
    assert code == 0, err
    assert "resuming" not in err  # nothing was done before
    assert sorted(read_batch_output(out)) == ["row-0", "row-1", "row-2"]
    assert all(r.ok for r in read_batch_output(out).values())


def test_a_wrong_key_exits_3_after_five_requests_and_retry_failed_finishes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(200))
    with GroqEmulator(api_keys=["the-right-key"]) as emulator:
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        monkeypatch.setenv("GROQ_API_KEY", "a-wrong-key")
        code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl"], capsys)
        assert code == 3, err
        assert statuses(emulator) == {"401": 5}  # not 200
        assert "stopped: 0 ok, 5 failed in " in err
        assert "195 not sent" in err
        assert "the API key was refused" in err
        assert "synaptic batch in.jsonl -o out.jsonl --retry-failed" in err
        assert len(rows(tmp_path / "out.jsonl")) == 5

        monkeypatch.setenv("GROQ_API_KEY", "the-right-key")
        code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "--retry-failed"], capsys)
    assert code == 0, err
    assert (
        "resuming: 0 of 200 lines already done; running 5 failed line(s) again and 195 not run yet"
        in err
    )
    final = read_batch_output(tmp_path / "out.jsonl")
    assert len(final) == 200
    assert all(r.ok for r in final.values())


def test_a_model_that_does_not_exist_exits_3_after_a_few_requests(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(200))
    code, _, err = run(["batch", "in.jsonl", "-o", "o.jsonl", "-m", "groq:nonexistent"], capsys)
    assert code == 3, err
    assert statuses(groq) == {"404": 5}
    assert "the model does not exist or this key cannot use it" in err
    assert "`nonexistent`" in err
    # The hint to run again repeats the options that chose the model and its budget.
    assert "synaptic batch in.jsonl -m groq:nonexistent -o o.jsonl --retry-failed" in err


def test_some_lines_failed_exits_1_and_says_what_to_run(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(4) + lines(1, model="acme/no-such-model", start=4))
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl"], capsys)
    assert code == 1, err
    assert err.startswith("done: 4 ok, 1 failed in ")
    assert "note: 1 line(s) failed (their error is in out.jsonl): " in err
    assert "--retry-failed runs every failed line again" in err


def test_every_line_failing_its_own_way_exits_1_not_0(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    groq.add_fault("json_validate_failed", times=5)  # a 400 for each line, not the key's
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl"], capsys)
    assert code == 1, err
    assert err.startswith("done: 0 ok, 5 failed in ")
    assert len(rows(tmp_path / "out.jsonl")) == 5


def test_lines_that_failed_in_a_retryable_way_run_again_on_resume(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "synaptic.toml"
    config.write_text(
        '[profiles.once]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        "[profiles.once.retry]\nmax_attempts = 1\n"  # the 500 is the answer: no waiting
    )
    groq.add_fault("server_error", every=2)
    args = ["batch", "in.jsonl", "-o", "out.jsonl", "-m", "once", "-c", str(config)]
    code, _, err = run(args, capsys)
    assert code == 1, err
    assert "--resume runs the 2 that may pass again" in err
    groq.faults.clear()
    code, _, err = run([*args, "--resume"], capsys)
    assert code == 0, err
    assert "resuming: 3 of 5 lines already done; running 2 failed line(s) again" in err
    assert "not run yet" not in err
    assert err.splitlines()[-1].startswith("done: 2 ok, 0 failed, 3 done before in ")
    assert len(rows(tmp_path / "out.jsonl")) == 7
    final = read_batch_output(tmp_path / "out.jsonl")  # one answer per custom_id
    assert sorted(final) == [f"row-{i}" for i in range(5)]
    assert all(r.ok for r in final.values())


def test_api_with_a_profile_sends_the_profiles_model_id(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "synaptic.toml"
    config.write_text(
        '[profiles.paced]\nprovider = "groq"\nmodel = "openai/gpt-oss-120b"\n'
        "[profiles.paced.limits]\nrequests_per_minute = 30\n"
    )
    args = ["batch", "in.jsonl", "-o", "api.jsonl", "--api", "--poll-interval", "0"]
    code, _, err = run([*args, "-m", "paced", "-c", str(config)], capsys)
    assert code == 0, err
    uploaded = [f for f in groq.batches.files.values() if f.purpose == "batch"]
    sent = [json.loads(x) for f in uploaded for x in f.content.splitlines()]
    assert [line["body"]["model"] for line in sent] == ["openai/gpt-oss-120b"] * 5
    assert all(r.ok for r in read_batch_output(tmp_path / "api.jsonl").values())


def test_api_refuses_a_model_that_does_not_exist_before_uploading(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["batch", "in.jsonl", "-o", "api.jsonl", "--api", "-m", "groq:openai/gpt-oss-2b"]
    code, _, err = run(args, capsys)
    assert code == 1, err
    assert err.startswith("error: model 'openai/gpt-oss-2b' is not one this key can use on Groq")
    assert "did you mean 'openai/gpt-oss-20b'" in err
    assert "nothing was uploaded" in err
    assert [f for f in groq.batches.files.values() if f.purpose == "batch"] == []
    assert not (tmp_path / "api.jsonl").exists()


def test_api_failed_lines_exit_1(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(2) + lines(1, model="acme/no-such-model", start=2))
    args = ["batch", "in.jsonl", "-o", "api.jsonl", "--api", "--poll-interval", "0"]
    code, _, err = run(args, capsys)
    assert code == 1, err
    assert "note: 1 line(s) failed" in err


def test_output_dash_writes_to_standard_output(
    groq: GroqEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(["batch", "in.jsonl", "-o", "-"], capsys)
    assert code == 0, err
    answers = [json.loads(x) for x in out.splitlines()]
    assert sorted(a["custom_id"] for a in answers) == [f"row-{i}" for i in range(5)]
    assert all(a["response"]["status_code"] == 200 for a in answers)
    assert err.startswith("done: 5 ok, 0 failed in ")  # the summary stays on stderr
    assert err.rstrip().endswith("-> standard output")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("extra", [["--resume"], ["--retry-failed"], ["--api"]])
def test_output_dash_cannot_resume(capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    code, out, err = run(["batch", "in.jsonl", "-o", "-", "-m", "fake:echo", *extra], capsys)
    assert code == 2
    assert out == ""
    assert "not '-'" in err


def test_the_exit_codes_are_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["batch", "--help"], capsys)
    assert code == 0
    assert "Exit codes:" in out
    for line in (
        "0    every line answered",
        "1    some lines failed",
        "2    usage error",
        "3    stopped early",
        "4    stopped, nothing lost",
        "130  interrupted",
    ):
        assert line in out
    assert "--retry-failed" in out
