"""What keeps the emulator standing against hostile local clients: limits and bookkeeping.

The emulator is a test server, but it runs inside developers' test processes and CI
jobs, so a careless or hostile client (a fuzzer, a load test gone wrong, a port scan)
must not take the process with it. Everything here is O(1) per request:

- ``Guards``: the limits one emulator enforces (connection cap, in-flight body bytes,
  header / body / idle timeouts, how many requests are recorded), validated once.
- ``RequestLog``: ``GroqEmulator.requests``, a ring bounded by count and by bytes (oldest
  dropped first) that still reads like the list it used to be.
- ``QuietLog``: at most one log line per kind of trouble per interval, so a failure that
  repeats (``accept()`` out of file descriptors, the same internal bug on every request)
  never becomes a traceback loop on stderr.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import logging

MIB = 1024 * 1024
DEFAULT_MAX_CONNECTIONS = 2048
DEFAULT_MAX_PENDING_BODY_BYTES = 128 * MIB
DEFAULT_MAX_RECORDED_REQUESTS = 1000
DEFAULT_MAX_RECORDED_BYTES = 64 * MIB
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_IDLE_TIMEOUT = 60.0


def default_max_connections() -> int:
    """Half the process's file-descriptor limit, at most 2,048.

    Why half: the emulator usually shares its process with the clients under test, and
    each loopback connection costs a descriptor on both ends; staying well below the
    limit means ``accept()`` does not run out of descriptors before the cap says no
    (1,024 descriptors, the common default: 512 connections). 2,048 is above the 1,000
    idle connections the benchmarks hold.
    """
    try:
        import resource  # noqa: PLC0415 (POSIX only)

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return DEFAULT_MAX_CONNECTIONS
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return DEFAULT_MAX_CONNECTIONS
    return max(16, min(DEFAULT_MAX_CONNECTIONS, soft // 2))


@dataclass(frozen=True, slots=True)
class Guards:
    """One emulator's limits against its clients (see ``GroqEmulator`` for each)."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_pending_body_bytes: int = DEFAULT_MAX_PENDING_BODY_BYTES
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_connections < 1 or self.max_pending_body_bytes < 0:
            msg = "max_connections must be at least 1 and max_pending_body_bytes at least 0"
            raise ValueError(msg)
        for name in ("header_timeout", "body_timeout", "idle_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0 and not math.isnan(value)):
                msg = f"{name} must be a positive number of seconds, not {value!r}"
                raise ValueError(msg)

    @property
    def sweep_interval(self) -> float:
        """How often the server looks for connections past their deadline: a quarter of
        the shortest timeout (so a timeout fires within 125% of itself), at most 1 s."""
        shortest = min(self.header_timeout, self.body_timeout, self.idle_timeout)
        return max(0.005, min(1.0, shortest / 4))


class RequestLog(Sequence[dict[str, Any]]):
    """The chat bodies received, newest last: at most ``max_requests`` of them and at
    most ``max_bytes`` of their JSON, the oldest dropped first. Thread-safe.

    Why a ring: the emulator records what it was sent so tests can assert on it, but a
    long-running emulator (the CLI's, a benchmark's) or a client sending 19 MiB bodies
    would otherwise keep every body forever. ``size`` is the body's length on the wire
    (the parsed dict takes about as much for text-heavy chats, more for many small
    values). A body larger than ``max_bytes`` on its own is not recorded. ``enabled=False``
    records nothing. It reads like a list (``len``, indexing, slicing, iteration, ``==``
    with a list), which is what tests use; ``dropped`` counts the bodies not kept.
    """

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it stands for

    def __init__(
        self,
        max_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
        max_bytes: int = DEFAULT_MAX_RECORDED_BYTES,
        *,
        enabled: bool = True,
    ) -> None:
        if max_requests < 0 or max_bytes < 0:
            msg = "max_recorded_requests and max_recorded_bytes must be at least 0"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.enabled = enabled
        self.dropped = 0
        self._bytes = 0
        self._items: deque[tuple[dict[str, Any], int]] = deque()
        self._lock = threading.Lock()

    @property
    def recorded_bytes(self) -> int:
        """The wire size of the bodies held now (never above ``max_bytes``)."""
        return self._bytes

    def record(self, body: dict[str, Any], size: int) -> None:
        """Keep ``body`` (``size`` bytes on the wire), dropping the oldest to make room."""
        if not self.enabled or size > self.max_bytes or self.max_requests == 0:
            self.dropped += 1
            return
        with self._lock:
            items = self._items
            while items and (
                len(items) >= self.max_requests or self._bytes + size > self.max_bytes
            ):
                self._bytes -= items.popleft()[1]
                self.dropped += 1
            items.append((body, size))
            self._bytes += size

    def clear(self) -> None:
        """Forget every recorded body."""
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.dropped = 0

    def _snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [body for body, _ in self._items]

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return self._snapshot()[index]
        with self._lock:
            return self._items[index][0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._snapshot())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RequestLog):
            return self._snapshot() == other._snapshot()
        if isinstance(other, list | tuple):
            return self._snapshot() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return (
            f"RequestLog({len(self)} requests, {self._bytes} bytes; at most "
            f"{self.max_requests} and {self.max_bytes} bytes)"
        )


class QuietLog:
    """At most one warning per ``key`` per ``interval`` seconds, the first one with its
    traceback; later ones say how many were held back.

    Why: the same trouble tends to repeat at the rate of requests or of ``accept()``
    calls; logging each occurrence is how a server fills a disk (the outside check saw
    6 MB/s of tracebacks). Keys are a handful of fixed strings and exception class
    names, so the bookkeeping stays small.
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(
        self, key: str, message: str, *args: object, error: BaseException | None = None
    ) -> None:
        """Log ``message % args`` unless ``key`` was logged within the interval."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return
            held = self._held.pop(key, 0)
            self._last[key] = now
        if held:
            message += f" ({held} more like it since the last report)"
        self.logger.warning(message, *args, exc_info=error if last is None else None)
