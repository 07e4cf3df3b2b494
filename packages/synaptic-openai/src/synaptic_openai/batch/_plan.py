"""What a bulk job will do and has done: its plan (lines, done, to run), its running
counts (answered, failed, tokens, rates), and the lines still to start. Plain state,
kept apart from ``_run``'s scheduling so each reads on its own."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from synaptic_openai.batch._lines import BatchLine


@dataclass
class BatchPlan:
    """What a job will do: ``lines`` in the input, ``in_shard`` of them this machine's,
    ``done`` already in the output (resume), ``to_run`` the rest, ``torn`` bytes of a
    torn last output line that was cut off, ``rerun`` how many of ``to_run`` are in the
    output as failed lines and run again (a retryable failure, or any with
    ``retry_failed``)."""

    lines: int
    in_shard: int
    done: int
    to_run: int
    torn: int = 0
    rerun: int = 0


@dataclass
class BatchSummary:
    """Counts and rates of a run (so far): ``failed`` lines, ``retryable`` of them
    failed in a way that may pass another time (resuming runs them again)."""

    ok: int = 0
    failed: int = 0
    retryable: int = 0
    skipped: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    started: float = 0.0
    ended: float | None = None
    stopped: bool = False
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @property
    def finished(self) -> int:
        return self.ok + self.failed

    @property
    def elapsed(self) -> float:
        return (self.ended if self.ended is not None else self.clock()) - self.started

    @property
    def tokens_per_second(self) -> float:
        elapsed = self.elapsed
        return (self.input_tokens + self.output_tokens) / elapsed if elapsed > 0 else 0.0


class Todo:
    """Lines still to start: those a 429 sent back first, then the input's."""

    def __init__(self, fresh: Iterator[BatchLine]) -> None:
        self.again: deque[BatchLine] = deque()
        self._fresh = fresh
        self._exhausted = False

    def __bool__(self) -> bool:
        return bool(self.again) or not self._exhausted

    def next(self) -> BatchLine | None:
        if self.again:
            return self.again.popleft()
        line = next(self._fresh, None)
        if line is None:
            self._exhausted = True
        return line
