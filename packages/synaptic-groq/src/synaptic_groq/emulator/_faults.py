"""Scripted failures: what Groq (or the network in front of it) does on a bad day.

A ``Fault`` applies to the next request(s) (``times``), or to every n-th request
(``every``). Faults come from ``GroqEmulator.add_fault``, from a scenario file, or per
request from the ``x-emulator-fault`` header (a kind name). Kinds:

=================  ==========================================================
``rate_limit``     429 with ``retry-after`` (``retry_after`` seconds)
``capacity``       498 flex tier capacity exceeded
``server_error``   500 (or ``status``)
``unavailable``    503
``bad_gateway``    502 with an HTML body, as a gateway sends it
``error_frame``    a 200 stream that sends an ``{"error": ...}`` frame after
                   ``after_chunks`` chunks (non-streaming: a 200 with an error body)
``truncate``       the body ends cleanly after ``after_chunks`` chunks, without a
                   finish reason or ``[DONE]``
``reset``          the connection is dropped mid-body
``slow_first_byte`` waits ``delay`` seconds before answering
``stall``          sends ``after_chunks`` chunks, then nothing for ``delay`` seconds
``json_validate_failed``  400 ``json_validate_failed`` with ``failed_generation``
``tool_use_failed``  400 ``tool_use_failed``; in a stream, the reasoning deltas
                   and then section 9's ``event: error`` frame (status 400)
``not_available_for_plan``  403 (a feature the plan does not include)
=================  ==========================================================
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover (exercised on 3.10 only)
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

FaultKind = Literal[
    "rate_limit",
    "capacity",
    "server_error",
    "unavailable",
    "bad_gateway",
    "error_frame",
    "truncate",
    "reset",
    "slow_first_byte",
    "stall",
    "json_validate_failed",
    "tool_use_failed",
    "not_available_for_plan",
]
KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted failure. See the module docstring for the kinds."""

    kind: FaultKind
    times: int = 1
    every: int | None = None
    status: int | None = None
    retry_after: float = 1.0
    delay: float = 1.0
    after_chunks: int = 2
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            msg = f"unknown fault kind {self.kind!r}; kinds: {', '.join(KINDS)}"
            raise ValueError(msg)
        if self.times < 1 or (self.every is not None and self.every < 1):
            msg = "a fault's times and every must be at least 1"
            raise ValueError(msg)


@dataclass
class Scenario:
    """Faults and a rate budget, e.g. from a TOML/JSON file::

    requests_per_minute = 30
    tokens_per_minute = 6000

    [[faults]]
    kind = "rate_limit"
    retry_after = 2

    [[faults]]
    kind = "server_error"
    every = 10
    """

    faults: list[Fault] = field(default_factory=list)
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    requests_per_day: int | None = None
    tokens_per_day: int | None = None
    cached_tokens: int | None = None
    api_keys: list[str] | None = None
    max_body_bytes: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Build from parsed TOML/JSON; unknown keys are errors."""
        allowed = {f.name for f in fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            msg = f"unknown scenario keys: {sorted(unknown)}; allowed: {sorted(allowed)}"
            raise ValueError(msg)
        known = {f.name for f in fields(Fault)}
        faults = []
        for raw in data.get("faults", []):
            extra = set(raw) - known
            if extra:
                msg = f"unknown fault keys: {sorted(extra)}; allowed: {sorted(known)}"
                raise ValueError(msg)
            faults.append(Fault(**raw))
        return cls(faults, **{k: v for k, v in data.items() if k != "faults"})

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        return cls.from_dict(data)


class FaultPlan:
    """Decides which fault, if any, the n-th request gets. Thread-safe."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._queue: list[list[Any]] = []  # [fault, remaining] for one-shot faults
        self._periodic: list[Fault] = []
        self._count = 0
        for fault in faults or []:
            self.add(fault)

    def add(self, fault: Fault) -> None:
        """Queue a fault (or register a periodic one)."""
        with self._lock:
            if fault.every is not None:
                self._periodic.append(fault)
            else:
                self._queue.append([fault, fault.times])

    def clear(self) -> None:
        """Forget every scripted fault."""
        with self._lock:
            self._queue.clear()
            self._periodic.clear()

    def take(self, kind: str) -> Fault | None:
        """The queued fault of ``kind`` at the head of the queue, consumed (else None)."""
        with self._lock:
            if self._queue and self._queue[0][0].kind == kind:
                slot = self._queue[0]
                slot[1] -= 1
                if slot[1] <= 0:
                    self._queue.pop(0)
                return slot[0]  # type: ignore[no-any-return]
            return None

    def next(self, requested: str | None = None) -> Fault | None:
        """The fault for this request: the header's kind, a queued one, or a periodic one."""
        with self._lock:
            self._count += 1
            if requested:
                return Fault(requested)  # type: ignore[arg-type]
            if self._queue:
                slot = self._queue[0]
                slot[1] -= 1
                if slot[1] <= 0:
                    self._queue.pop(0)
                return slot[0]  # type: ignore[no-any-return]
            for fault in self._periodic:
                if fault.every and self._count % fault.every == 0:
                    return fault
            return None
