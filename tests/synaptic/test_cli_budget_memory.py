"""The CLI remembers budgets between runs (issue 21, item 1): a job started right after
another on the same budget knows it is spent (``$SYNAPTIC_HOME/budgets.json``), so it
paces from what is left instead of meeting a storm of 429s; the file holds no key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_core.pacing import _shared
from synaptic_groq.emulator import GroqEmulator

from .batch_cli import clean, lines, new_key, rows, run

PROFILE = (
    '[profiles.paced]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
    "[profiles.paced.limits]\nrequests_per_minute = 60\nheadroom = 0\nmax_wait = 0.5\n"
)


@pytest.fixture
def groq(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    clean(monkeypatch, tmp_path)
    (tmp_path / "synaptic.toml").write_text(PROFILE)
    with GroqEmulator(api_keys=None, requests_per_minute=60) as emulator:
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        yield emulator


def new_process() -> None:
    """What a new ``synaptic`` process has: no budget in memory."""
    _shared._LIMITERS.clear()


def test_a_job_right_after_another_paces_from_what_it_left(
    groq: GroqEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = new_key()
    monkeypatch.setenv("GROQ_API_KEY", key)
    (tmp_path / "first.jsonl").write_text(lines(50))
    (tmp_path / "second.jsonl").write_text(lines(30))
    args = ["-m", "paced", "--config", "synaptic.toml"]

    new_process()
    code, _, err = run(["batch", "first.jsonl", "-o", "first.out", *args], capsys)
    assert code == 0, err
    home = Path(__import__("os").environ["SYNAPTIC_HOME"])
    text = (home / "budgets.json").read_text()
    assert key not in text
    (entry,) = json.loads(text)["budgets"].values()
    level, capacity = entry["requests"]["60.0"]
    assert capacity == 60.0
    assert 9.0 <= level < 12.0  # 60 less 50, and what refilled meanwhile

    new_process()
    code, _, err = run(["batch", "second.jsonl", "-o", "second.out", *args], capsys)
    assert code == 4, err  # what is left runs; the next line would wait past max_wait
    assert "as an earlier run on this machine left it, in " in err
    assert "budgets.json" in err
    stats = groq.stats.snapshot()
    assert stats["requests_by_status"] == {"200": stats["requests"]}  # no 429 at all
    done = len(rows(tmp_path / "second.out"))
    assert 5 <= done <= 12  # (requests in flight at the stop are cancelled, not written)
    assert stats["requests"] <= 50 + 12  # nothing sent past what the budget had


def test_with_a_home_of_its_own_a_job_starts_full(
    groq: GroqEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another $SYNAPTIC_HOME is another machine's memory: the budget starts full."""
    monkeypatch.setenv("GROQ_API_KEY", new_key())
    (tmp_path / "first.jsonl").write_text(lines(20))
    args = ["-m", "paced", "--config", "synaptic.toml"]
    new_process()
    code, _, err = run(["batch", "first.jsonl", "-o", "first.out", *args], capsys)
    assert code == 0, err
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "elsewhere"))
    new_process()
    code, _, err = run(["batch", "first.jsonl", "-o", "again.out", *args], capsys)
    assert code == 0, err
    assert len(rows(tmp_path / "again.out")) == 20
    assert (tmp_path / "elsewhere" / "budgets.json").exists()
