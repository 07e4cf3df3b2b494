"""The pacing arithmetic: continuously refilled buckets that may go into debt.

Why not the ``limits`` or ``pyrate-limiter`` libraries: both answer "may I go now?" for a
fixed cost, but pacing an LLM API needs four more things they do not express: a
reservation whose real cost is only known afterwards (reconcile: refund or debit the
difference), correction of the local view from the server's ``x-ratelimit-*`` headers,
a shared "not before" time after a 429, and a start time handed out in arrival order so
waiting is FIFO without a queue. This module is that algorithm, as pure functions over
plain state, so the in-process store, the Redis store (a Lua script doing the same
steps with the server's clock) and the Groq emulator's limits share one definition.

A bucket holds ``capacity`` units and refills at ``capacity / period`` per second (Groq's
limits refill continuously). Reserving ``amount`` takes it now even if that drives the
level below zero; the caller then waits until the debt is repaid: ``wait = -level /
rate``. Later arrivals see a deeper debt and so a later start: first come, first served.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bucket:
    """One limit: ``capacity`` units per ``period`` seconds, refilled continuously."""

    capacity: float
    period: float
    level: float
    stamp: float

    @classmethod
    def full(cls, capacity: float, period: float, now: float) -> Bucket:
        return cls(capacity, period, capacity, now)

    @property
    def rate(self) -> float:
        return self.capacity / self.period

    def refill(self, now: float) -> None:
        if now > self.stamp:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def take(self, amount: float, now: float) -> float:
        """Take ``amount`` (into debt if need be); seconds until that debt is repaid."""
        self.refill(now)
        self.level -= amount
        return max(0.0, -self.level / self.rate)

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available, without taking it (0 if it is)."""
        return max(0.0, (amount - self.level) / self.rate)

    def until_full(self) -> float:
        """Seconds until the bucket is full again."""
        return max(0.0, (self.capacity - self.level) / self.rate)

    def give(self, amount: float, now: float) -> None:
        """Return ``amount`` (a refund, or a negative debit after reconciling)."""
        self.refill(now)
        self.level = min(self.capacity, self.level + amount)

    def empty_until(self, seconds: float, now: float, *, then: float = 0.0) -> None:
        """Hold ``then`` units at ``now + seconds`` (a 429's pause; 0: empty): in debt
        now by what refills meanwhile, so waits queue behind the pause and nothing
        bursts after it. Earlier claims are void (the caller re-queues them), so this
        sets the level, whatever debt the old queue had run up."""
        self.refill(now)
        self.level = min(self.capacity, then) - seconds * self.rate

    def correct(self, remaining: float, now: float, reserved: float) -> None:
        """The server says ``remaining`` units are left, not counting the ``reserved``
        units of requests still in flight here: trust it when it is lower than ours."""
        self.refill(now)
        seen = remaining - reserved
        self.level = min(self.level, seen)
