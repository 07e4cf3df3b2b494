"""How far a live job is, and how long the rest will take.

The time left is the budget's, not the past's: a job's first second drains a full
bucket (30 lines at once), after which it goes at the refill rate (one line every 2 s),
so the rate seen so far promises the end far too soon ("<00:00" with a minute to go).
``estimate_eta`` takes the paced rate instead: each limit's refill rate (configured,
or learned from the headers and 429s), what its bucket holds now, the tokens a line
has been using; the rate seen so far only when no limit is known, or when it is slower
(the budget is not what holds the job back: latency or ``max_in_flight`` is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from synaptic_openai.batch._stops import duration


@dataclass(frozen=True)
class BudgetRate:
    """One limit of the budget a job is paced by: ``kind`` (requests or tokens),
    ``per_second`` (its refill rate), ``available`` (units it holds now; negative: in
    debt to requests already waiting)."""

    kind: Literal["requests", "tokens"]
    per_second: float
    available: float = 0.0


def estimate_eta(
    unstarted: int,
    rates: Iterable[BudgetRate],
    *,
    tokens_per_line: float | None = None,
    remaining: int | None = None,
    observed_rate: float | None = None,
    not_before: float = 0.0,
) -> float | None:
    """Seconds until the last line is done, or None when nothing is known yet.

    ``unstarted``: lines that have not taken their place in the budget yet; ``rates``:
    the budget's limits; ``tokens_per_line``: what a line has used (a token limit counts
    only once it is known); ``remaining``: lines not finished (the unstarted and those
    in flight), for the ``observed_rate`` in lines per second; ``not_before``: seconds
    until a 429's pause ends."""
    remaining = unstarted if remaining is None else remaining
    if remaining <= 0:
        return 0.0
    budget: float | None = None
    for rate in rates:
        if rate.per_second <= 0:
            continue
        if rate.kind == "tokens":
            if not tokens_per_line:
                continue
            need = unstarted * tokens_per_line
        else:
            need = float(unstarted)
        wait = max(0.0, (need - rate.available) / rate.per_second)
        budget = wait if budget is None else max(budget, wait)
    if budget is not None:
        budget = max(budget, not_before)
    observed = remaining / observed_rate if observed_rate else None
    if budget is None:
        return observed
    return budget if observed is None else max(budget, observed)


@dataclass(frozen=True)
class BatchProgress:
    """A snapshot of a live job: ``done`` lines finished this run (``failed`` of them
    failed) of ``total`` to run, ``elapsed`` seconds, ``rate`` lines per second so far,
    ``eta`` seconds left (None: not known yet)."""

    done: int
    failed: int
    total: int
    elapsed: float
    rate: float
    eta: float | None

    def line(self) -> str:
        """``progress: 120/500 lines (3 failed), 2.0 lines/s, about 3m10s left``: one
        line for a log (the job's stderr under nohup or CI)."""
        left = "time left unknown" if self.eta is None else f"about {duration(self.eta)} left"
        return (
            f"progress: {self.done}/{self.total} lines ({self.failed} failed), "
            f"{self.rate:,.1f} lines/s, {left}"
        )
