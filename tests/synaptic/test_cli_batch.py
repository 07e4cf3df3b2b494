"""``synaptic batch``: live and --api, errors, Ctrl-C, and the progress bar on a terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synaptic_groq.emulator import GroqEmulator

from .batch_cli import clean, lines, run

ROOT = Path(__file__).resolve().parents[2]


def ids(path: Path) -> list[str]:
    return [json.loads(x)["custom_id"] for x in path.read_text().splitlines()]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean(monkeypatch, tmp_path)
    (tmp_path / "in.jsonl").write_text(lines(5))


def test_a_live_job_writes_every_line_and_one_summary_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"], capsys)
    assert code == 0
    assert out == ""
    assert err.count("\n") == 1  # piped: no bar, one line
    assert err.startswith("done: 5 ok, 0 failed in ")
    assert err.rstrip().endswith("-> out.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sorted(r["custom_id"] for r in rows) == [f"row-{i}" for i in range(5)]
    answer = next(r for r in rows if r["custom_id"] == "row-3")
    assert answer["response"]["status_code"] == 200
    assert answer["response"]["body"]["choices"][0]["message"]["content"] == "q3"
    assert answer["error"] is None


def test_bad_input_lists_every_problem_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(2) + "{oops\n" + lines(1))
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"], capsys)
    assert code == 1
    assert err == (
        "error: in.jsonl: 2 problems, nothing was sent:\n"
        "  line 3: not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))\n"
        "  line 4: duplicate custom_id 'row-0' (first on line 1)\n"
    )
    assert not (tmp_path / "out.jsonl").exists()


def test_an_existing_output_needs_resume(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"], capsys)[0] == 0
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"], capsys)
    assert code == 1
    assert "out.jsonl already has results; resume it (--resume" in err
    code, _, err = run(
        ["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo", "--resume"], capsys
    )
    assert code == 0
    assert "resuming: 5 of 5 lines already done" in err
    assert err.splitlines()[-1].startswith("done: 0 ok, 0 failed, 5 done before in ")
    assert len(ids(tmp_path / "out.jsonl")) == 5


@pytest.mark.parametrize("shard", ["0/2", "3/2", "x", "1/"])
def test_a_bad_shard_is_a_usage_error(capsys: pytest.CaptureFixture[str], shard: str) -> None:
    code, _, err = run(["batch", "in.jsonl", "-o", "o.jsonl", "--shard", shard], capsys)
    assert code == 2
    assert "--shard" in err


def test_shards_on_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for k in (1, 2):
        args = ["batch", "in.jsonl", "-o", f"o{k}.jsonl", "-m", "fake:echo", "--shard", f"{k}/2"]
        assert run(args, capsys)[0] == 0
    assert sorted(ids(tmp_path / "o1.jsonl")) == ["row-0", "row-2", "row-4"]
    assert sorted(ids(tmp_path / "o2.jsonl")) == ["row-1", "row-3"]


def test_each_lines_model_on_groq_live_and_through_the_batch_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with GroqEmulator() as emulator:
        monkeypatch.setenv("GROQ_API_KEY", "k")
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        code, _, err = run(["batch", "in.jsonl", "-o", "live.jsonl"], capsys)
        assert (code, err.split(" in ")[0]) == (0, "done: 5 ok, 0 failed")
        args = ["batch", "in.jsonl", "-o", "api.jsonl", "--api", "--poll-interval", "0"]
        code, _, err = run(args, capsys)
        assert code == 0
        assert err.startswith("done: batch batch_")
        assert err.rstrip().endswith("completed: 5 ok, 0 failed, 5 lines written -> api.jsonl")
        emulator.add_fault("not_available_for_plan")
        code, _, err = run([*args[:3], "api2.jsonl", *args[4:]], capsys)
    assert ids(tmp_path / "api.jsonl") == [f"row-{i}" for i in range(5)]  # input order
    live = {
        r["custom_id"]: r
        for r in map(json.loads, (tmp_path / "live.jsonl").read_text().splitlines())
    }
    api = {
        r["custom_id"]: r
        for r in map(json.loads, (tmp_path / "api.jsonl").read_text().splitlines())
    }
    for custom_id, row in live.items():  # the same format whichever way the lines ran
        assert set(row) == set(api[custom_id])
        assert (
            row["response"]["body"]["choices"][0]["message"]
            == api[custom_id]["response"]["body"]["choices"][0]["message"]
        )
    assert code == 1
    assert err == (
        "error: Groq's Batch API is not available on this plan (HTTP 403 "
        "not_available_for_plan): run the job live instead (without --api)\n"
    )


def test_api_mode_takes_only_groq_models(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["batch", "in.jsonl", "-o", "o.jsonl", "--api", "-m", "fake:echo"], capsys)
    assert code == 2
    assert "give a Groq model (groq:MODEL), not 'fake:echo'" in err


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_stops_cleanly_and_resume_finishes(
    tmp_path: Path, signum: int, code: int
) -> None:
    (tmp_path / "in.jsonl").write_text(lines(60))
    with GroqEmulator(requests_per_minute=10) as emulator:
        env = {**os.environ, "GROQ_API_KEY": "k", "GROQ_BASE_URL": emulator.base_url}
        command = [sys.executable, "-m", "synaptic", "batch", "in.jsonl", "-o", "out.jsonl"]
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        out = tmp_path / "out.jsonl"
        deadline = time.monotonic() + 60
        while not (out.exists() and len(out.read_bytes().splitlines()) >= 10):
            assert time.monotonic() < deadline, "no progress"
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        process.send_signal(signum)  # the budget now holds the rest back
        _, err = process.communicate(timeout=30)
        assert process.returncode == code, err
        text = err.decode()
        assert text.startswith("stopped: 10 ok, 0 failed in ")
        assert "50 not run: finish with synaptic batch in.jsonl -o out.jsonl --resume" in text
        written = ids(out)
        assert len(written) == len(set(written)) == 10
    with GroqEmulator() as roomy:  # a budget with room for the rest
        env["GROQ_BASE_URL"] = roomy.base_url
        env["GROQ_API_KEY"] = "k2"  # its own: the first key's budget is remembered as spent
        resumed = subprocess.run(
            [*command, "--resume"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert len(roomy.requests) == 50  # nothing redone
    assert resumed.returncode == 0, resumed.stderr
    assert b"resuming: 10 of 60 lines already done" in resumed.stderr
    assert sorted(ids(out)) == sorted(f"row-{i}" for i in range(60))


def test_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    import select

    (tmp_path / "in.jsonl").write_text(lines(20))
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command on an 80-column pseudo-terminal
        import fcntl
        import struct
        import termios

        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.chdir(tmp_path)
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "synaptic",
                "batch",
                "in.jsonl",
                "-o",
                "o.jsonl",
                "-m",
                "fake:echo",
            ],
        )
    output = b""
    try:
        while b"done: " not in output or not output.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, output
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"20/20" in output  # tqdm's count
    assert b"failed=0" in output
    assert b"line/s" in output
    assert b"done: 20 ok, 0 failed" in output


def test_a_missing_api_key_is_one_error_not_one_per_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(["batch", "in.jsonl", "-o", "out.jsonl"], capsys)
    assert code == 1
    assert err == (
        "error: provider 'groq' (groq:openai/gpt-oss-20b) needs an API key: set the "
        "environment variable GROQ_API_KEY (or name another one with api_key_env)\n"
    )
