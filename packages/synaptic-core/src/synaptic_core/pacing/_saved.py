"""What the last process on this machine left of a budget: a small JSON file.

Why: a fresh process's in-process budget believes it is full, but the server's may have
been spent a moment ago by the job before it on the same machine (a second ``synaptic
batch`` right after a first, ``--resume`` after a kill). Groq's headers never say how
many requests per minute are left, so the only way to know is to remember: each budget's
levels are written here (at most every 0.1 s, at once after a 429, and at exit), with the
wall clock, and a new process starts from them, refilled by the time since. A process
killed with ``kill -9`` left a view at most 0.1 s old.

It is a hint, not a shared store: processes running at the same time each write their
own view (the last write wins); ``store = "redis://..."`` shares a budget for real. Only
what is owed now counts: a debt (requests queued for later) is saved as empty, because a
dead process's queue will never be sent. Keys are ``budget_key``'s (a hash of the API
key, never the key). A file that cannot be read or written is ignored: it only ever
lowers a starting view, so losing it costs what not having it costs.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from synaptic_core.pacing._buckets import Bucket

VERSION = 1
EVERY = 0.1  # seconds between writes of one file (a 429 writes at once; ~50 µs a write)
FORGET = 86_400.0  # entries older than this are dropped: every bucket has refilled

Levels = tuple[Mapping[float, Bucket], Mapping[float, Bucket], float]


class SavedBudgets:
    """The budgets file ``path`` (JSON: ``{"version": 1, "budgets": {key: {...}}}``).

    ``wall`` is the clock written to the file (seconds since the epoch, shared by
    processes; tests inject it); the limiter passes its own clock's ``now``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        wall: Callable[[], float] = time.time,
        every: float = EVERY,
    ) -> None:
        self.path = Path(path)
        self._wall = wall
        self._every = every
        self._lock = threading.Lock()
        self._written = float("-inf")

    def __repr__(self) -> str:
        return f"SavedBudgets({str(self.path)!r})"

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return {}
        budgets = data.get("budgets")
        if not isinstance(budgets, dict):
            return {}
        return {k: v for k, v in budgets.items() if isinstance(k, str) and isinstance(v, dict)}

    def restore(
        self, key: str, requests: dict[float, Bucket], tokens: dict[float, Bucket], now: float
    ) -> tuple[float, bool]:
        """Lower the fresh buckets of ``key`` to what was saved, refilled since; add the
        buckets it had learned. Returns the saved "not before" time on ``now``'s clock
        (0.0 when none is pending), and whether anything was saved for ``key``."""
        entry = self._read().get(key)
        if entry is None:
            return 0.0, False
        elapsed = max(0.0, self._wall() - _number(entry.get("saved")))
        for name, buckets in (("requests", requests), ("tokens", tokens)):
            saved = entry.get(name)
            if not isinstance(saved, dict):
                continue
            for period_text, pair in saved.items():
                try:
                    period = float(period_text)
                    level, capacity = (float(x) for x in pair)
                except (TypeError, ValueError):
                    continue
                if not all(map(math.isfinite, (period, level, capacity))):
                    continue  # NaN or infinity: not something this module wrote
                if not (period > 0 and capacity > 0):
                    continue
                bucket = buckets.get(period)
                if bucket is None:  # learned from headers or a 429 last time
                    bucket = buckets[period] = Bucket.full(capacity, period, now)
                refilled = max(0.0, level) + elapsed * bucket.rate
                bucket.level = min(bucket.level, refilled)
                bucket.stamp = now
        # A pause longer than a day is not a 429's (Groq's longest is a day's limit).
        not_before = min(_number(entry.get("not_before")) - self._wall(), FORGET)
        return (now + not_before if not_before > 0 else 0.0), True

    def due(self, now: float) -> bool:
        """Whether a write is due (``every`` seconds since the last)."""
        return now - self._written >= self._every

    def save(self, budgets: Mapping[str, Levels], now: float) -> None:
        """Write these budgets' levels now (``Levels``: request buckets, token buckets,
        "not before" on ``now``'s clock), keeping the file's other entries."""
        with self._lock:
            self._written = now
            wall = self._wall()
            entries = {
                k: v for k, v in self._read().items() if wall - _number(v.get("saved")) < FORGET
            }
            for key, (requests, tokens, not_before) in budgets.items():
                entry: dict[str, Any] = {"saved": wall}
                for name, buckets in (("requests", requests), ("tokens", tokens)):
                    levels: dict[str, list[float]] = {}
                    for period, bucket in buckets.items():
                        bucket.refill(now)
                        levels[repr(period)] = [max(0.0, bucket.level), bucket.capacity]
                    entry[name] = levels
                if not_before > now:
                    entry["not_before"] = wall + (not_before - now)
                entries[key] = entry
            _write(self.path, {"version": VERSION, "budgets": entries})


def _number(value: object) -> float:
    """A finite number from the file, else 0.0 (a string, NaN, infinity, 1e300 as a time
    are not something this module wrote)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and abs(number) < 1e12 else 0.0


def _write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file whole (a reader never sees half of it); errors are ignored."""
    import tempfile  # noqa: PLC0415 (only a process that remembers budgets pays for it)

    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".budgets-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, separators=(",", ":"))
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
