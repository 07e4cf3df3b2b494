"""Budgets remembered between runs on one machine (issue 21, item 1: a second job right
after a first, or a resumed one after a kill, must not start believing a spent budget is
full): ``SavedBudgets`` writes each budget's levels with the wall clock, a new process's
in-process budget starts from them, refilled by the time since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synaptic_core.pacing import Limits, LocalRateLimiter, SavedBudgets, remember_budgets


class Clocks:
    """A process's monotonic clock and the wall clock, moved together by tests."""

    def __init__(self, mono: float = 100.0, wall: float = 1_700_000_000.0) -> None:
        self.mono, self.wall = mono, wall

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


def process(clocks: Clocks, path: Path, **limits: int) -> LocalRateLimiter:
    """A new process's budget (its own monotonic clock origin, the shared wall clock)."""
    saved = SavedBudgets(path, wall=lambda: clocks.wall)
    chosen = Limits(headroom=0, **limits) if limits else Limits(requests_per_minute=60, headroom=0)
    return LocalRateLimiter(chosen, clock=lambda: clocks.mono, saved=saved)


def spend(limiter: LocalRateLimiter, key: str, count: int) -> None:
    for _ in range(count):
        reservation = limiter.reserve(key, 0)
        reservation.settle(0)


def test_a_new_process_starts_from_what_the_last_one_left_refilled_since(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    spend(first, "groq:abc:m", 60)  # the whole minute's 60 requests
    assert first.snapshot("groq:abc:m") == {"requests_per_minute": 0.0}
    first.flush()  # at exit

    clocks.advance(5.0)  # the next process starts 5 s later: 5 requests have refilled
    clocks.mono = 7.0  # (a new process: its monotonic clock has another origin)
    second = process(clocks, path)
    assert second.snapshot("groq:abc:m") == {"requests_per_minute": pytest.approx(5.0)}
    waits = [second.reserve("groq:abc:m", 0).wait for _ in range(7)]
    assert waits == pytest.approx([0, 0, 0, 0, 0, 1.0, 2.0])


def test_a_budget_untouched_for_a_minute_starts_full(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    spend(first, "k", 60)
    first.flush()
    clocks.advance(61.0)
    assert process(clocks, path).snapshot("k") == {"requests_per_minute": 60.0}


def test_a_debt_is_saved_as_empty_a_dead_processes_queue_is_never_sent(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    for _ in range(60 + 200):  # 200 queued for later, then the process is killed
        first.reserve("k", 0)
    clocks.advance(0.11)
    spend(first, "k", 1)  # one settles: the save that a kill -9 leaves behind
    saved = json.loads(path.read_text())["budgets"]["k"]
    assert saved["requests"] == {"60.0": [0.0, 60.0]}
    second = process(clocks, path)
    assert second.reserve("k", 0).wait == pytest.approx(1.0)  # not 200 s for nobody


def test_a_429s_pause_is_written_at_once_and_the_next_process_honours_it(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    spend(first, "k", 1)  # a write: the next within a second would be skipped...
    first.pause("k", 30.0)  # ...but a 429 is written at once
    clocks.advance(10.0)
    second = process(clocks, path)
    assert second.reserve("k", 0).wait == pytest.approx(20.0)  # the pause's 20 s left
    assert second.reserve("k", 0).wait == pytest.approx(21.0)  # then the rate: no burst


def test_writes_are_at_most_every_tenth_of_a_second(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    spend(first, "k", 1)
    clocks.advance(0.05)
    spend(first, "k", 9)  # within a tenth of a second: not written
    assert json.loads(path.read_text())["budgets"]["k"]["requests"] == {"60.0": [59.0, 60.0]}
    clocks.advance(0.06)
    spend(first, "k", 1)
    assert json.loads(path.read_text())["budgets"]["k"]["requests"] == {
        "60.0": [pytest.approx(49.11), 60.0]  # 11 taken, 0.11 s refilled
    }


def test_limits_learned_from_a_429_are_remembered(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path, tokens_per_minute=6000)
    first.learn("k", "requests", 60.0, 30)  # "Limit 30" requests per minute, used up
    clocks.advance(2.0)
    second = process(clocks, path, tokens_per_minute=6000)
    levels = second.snapshot("k")
    assert levels["requests_per_minute"] == pytest.approx(1.0)  # 2 s at 30 a minute
    assert levels["tokens_per_minute"] == 6000.0


def test_other_budgets_in_the_file_are_kept(tmp_path: Path) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    spend(first, "a", 10)
    first.flush()
    second = process(clocks, path)
    spend(second, "b", 20)
    second.flush()
    budgets = json.loads(path.read_text())["budgets"]
    assert budgets["a"]["requests"]["60.0"][0] == pytest.approx(50.0)
    assert budgets["b"]["requests"]["60.0"][0] == pytest.approx(40.0)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"version": 99, "budgets": {}}',
        '{"version": 1, "budgets": []}',
        '{"version": 1, "budgets": {"k": {"saved": "x", "requests": {"60.0": ["a", 1]}}}}',
        '{"version": 1, "budgets": {"k": {"requests": {"nan": [1, 60], "60.0": [1]}}}}',
        '{"version": 1, "budgets": {"k": {"requests": {"60.0": [1, -5]}}}}',
    ],
)
def test_a_broken_file_is_ignored_and_replaced(tmp_path: Path, content: str) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    path.write_text(content)
    limiter = process(clocks, path)
    assert limiter.snapshot("k") == {"requests_per_minute": 60.0}
    spend(limiter, "k", 1)
    assert json.loads(path.read_text())["budgets"]["k"]["requests"] == {"60.0": [59.0, 60.0]}


def test_a_file_that_cannot_be_written_costs_nothing_but_the_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    limiter = process(Clocks(), blocker / "budgets.json")
    spend(limiter, "k", 3)  # no error: pacing goes on in memory
    assert limiter.snapshot("k") == {"requests_per_minute": 57.0}


def test_remember_budgets_makes_pace_use_the_file_and_none_turns_it_off(tmp_path: Path) -> None:
    from synaptic_core.pacing import _shared

    path = tmp_path / "budgets.json"
    remember_budgets(path)
    saved = _shared._SAVED[0]
    assert isinstance(saved, SavedBudgets)
    assert saved.path == path
    remember_budgets(None)
    assert _shared._SAVED[0] is None


@pytest.mark.parametrize(
    "not_before", ["Infinity", "1e300", "NaN", '"soon"', "-1e300", "99999999999999"]
)
def test_an_absurd_pause_in_the_file_is_ignored_or_capped_at_a_day(
    tmp_path: Path, not_before: str
) -> None:
    clocks, path = Clocks(), tmp_path / "budgets.json"
    entry = (
        f'{{"saved": {clocks.wall!r}, "not_before": {not_before}, '
        '"requests": {"60.0": [Infinity, 60], "86400.0": [1, 1e400]}}'
    )
    path.write_text(f'{{"version": 1, "budgets": {{"k": {entry}}}}}')
    limiter = process(clocks, path)
    wait = limiter.reserve("k", 0).wait
    assert 0 <= wait <= 86_400.0
    assert limiter.snapshot("k") == {"requests_per_minute": pytest.approx(59.0)}


def test_a_burst_of_claims_is_written_before_any_answer(tmp_path: Path) -> None:
    """A kill -9 right after a burst leaves the burst spent in the file."""
    clocks, path = Clocks(), tmp_path / "budgets.json"
    first = process(clocks, path)
    for _ in range(50):
        first.reserve("k", 0)
        clocks.advance(0.01)  # 0.5 s of claims, no answer yet: then the process dies
    second = process(clocks, path)
    assert second.snapshot("k")["requests_per_minute"] < 20
