"""Counters since start (``GET /emulator/stats``): what benchmarks and tests read back."""

from __future__ import annotations

import threading
from typing import Any


class Stats:
    """Requests by status code, tokens in and out, open, refused and timed-out
    connections. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_status: dict[int, int] = {}
        self.tokens_in = 0
        self.tokens_out = 0
        self.open_connections = 0  # changed only on the server's loop
        self.connections_refused = 0  # past the connection cap (503), on the loop
        self.connections_timed_out = 0  # closed by a header, body or idle timeout
        self.audio_seconds = 0.0  # heard (transcriptions, translations) and spoken

    def count_audio(self, seconds: float) -> None:
        with self._lock:
            self.audio_seconds += seconds

    def count(self, status: int, tokens_in: int = 0, tokens_out: int = 0) -> None:
        with self._lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1
            self.tokens_in += tokens_in
            self.tokens_out += tokens_out

    def reset(self) -> None:
        with self._lock:
            self.by_status.clear()
            self.tokens_in = self.tokens_out = 0
            self.connections_refused = self.connections_timed_out = 0
            self.audio_seconds = 0.0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": sum(self.by_status.values()),
                "requests_by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "tokens_in": self.tokens_in,
                "tokens_out": self.tokens_out,
                "open_connections": self.open_connections,
                "connections_refused": self.connections_refused,
                "connections_timed_out": self.connections_timed_out,
                "audio_seconds": round(self.audio_seconds, 3),
            }
