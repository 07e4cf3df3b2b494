"""``StoreLink``: the connection to the Redis store and what an outage does to it, shared
by the chat budgets (``RedisRateLimiter``) and the audio budgets (``RedisAudioBudget``).

One script call at a time (``call`` blocking, ``acall`` on the event loop), loaded by
``EVAL`` when Redis does not know it yet. Any store error is an outage: ``on_outage=
"raise"`` raises ``NetworkError``; ``"local"`` (the default) warns once, answers None
(the caller's local budget takes over), and tries Redis again after
``retry_interval`` seconds. ``outages`` counts outages begun, so a caller can restart
its local budget once per outage.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, Literal

from synaptic_core import ConfigError, NetworkError
from synaptic_redis._resp import (
    Arg,
    AsyncClient,
    Endpoint,
    ReplyError,
    StoreError,
    SyncClient,
    TlsHandshakeError,
    parse_url,
    public_url,
)


def _diagnosis(error: StoreError, *, has_password: bool) -> tuple[str, str, bool]:
    """What the store did, what to check, and whether it is a setting (a wrong URL or
    password: it will not pass by itself, unlike an outage)."""
    text = str(error)
    if isinstance(error, TlsHandshakeError):
        return (
            f"did not complete a TLS handshake ({error})",
            "rediss:// is Redis over TLS: for a server without TLS use redis://",
            True,
        )
    if isinstance(error, ReplyError) and (
        error.code in ("NOAUTH", "WRONGPASS") or "unauthenticated" in text
    ):
        what = "refused the password in the store URL" if has_password else "needs a password"
        return (
            f"{what} ({error.code if error.code != 'ERR' else 'NOAUTH'})",
            "give it in the store URL as redis://:PASSWORD@HOST:PORT/0 or "
            "redis://USER:PASSWORD@HOST:PORT/0",
            True,
        )
    if isinstance(error, ReplyError):
        return (
            f"refused the update ({error})",
            "a replica after a failover? point the store at the primary",
            False,
        )
    return f"is unreachable ({error})", "check that Redis runs there", False


class StoreLink:
    """The store at ``url`` (``redis://``, ``rediss://``, ``unix://``), reached lazily."""

    def __init__(
        self,
        url: str,
        *,
        on_outage: Literal["local", "raise"] = "local",
        retry_interval: float = 1.0,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        try:
            self.endpoint: Endpoint = parse_url(url, timeout=timeout)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        self.on_outage = on_outage
        self.retry_interval = retry_interval
        self.sync = SyncClient(self.endpoint)
        self.async_ = AsyncClient(self.endpoint)
        self.clock = clock
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._warned = False
        self.outages = 0
        self._worker = (os.getpid(), secrets.token_hex(6))

    def public_url(self) -> str:
        return public_url(self.url)  # never a password

    @property
    def worker(self) -> str:
        """This process's id among a budget's workers (a fork gets its own)."""
        pid, token = self._worker
        if pid != os.getpid():
            self._worker = pid, token = os.getpid(), secrets.token_hex(6)
        return f"{pid}-{token}"

    def close(self) -> None:
        """Close the idle connections (sync and async); the link stays usable."""
        self.sync.close()
        self.async_.close()

    def available(self) -> bool:
        with self._lock:
            return self._down_until is None or self.clock() >= self._down_until

    def call(self, script: str, sha: str, args: list[Arg]) -> list[str] | None:
        """Run ``script`` (blocking); None when Redis is away."""
        if not self.available():
            return None
        try:
            try:
                reply = self.sync.call("EVALSHA", sha, *args)
            except ReplyError as error:
                if error.code != "NOSCRIPT":
                    raise
                reply = self.sync.call("EVAL", script, *args)  # loads it too
        except StoreError as error:
            self.outage(error)
            return None
        return self.recovered(reply)

    async def acall(self, script: str, sha: str, args: list[Arg]) -> list[str] | None:
        """``call`` without blocking the event loop."""
        if not self.available():
            return None
        try:
            try:
                reply = await self.async_.call("EVALSHA", sha, *args)
            except ReplyError as error:
                if error.code != "NOSCRIPT":
                    raise
                reply = await self.async_.call("EVAL", script, *args)
        except StoreError as error:
            self.outage(error)
            return None
        return self.recovered(reply)

    def outage(self, error: StoreError) -> None:
        """Fall back (warning once per outage), or raise ``NetworkError``."""
        public = self.public_url()
        what, hint, setting = _diagnosis(error, has_password=bool(self.endpoint.password))
        if self.on_outage == "raise":
            msg = (
                f"the rate-limit store {public} {what}; {hint}, or pace with this "
                "process's share of the budget meanwhile (on_outage='local')"
            )
            raise NetworkError(msg) from None
        with self._lock:
            if self._down_until is None:
                self.outages += 1
            self._down_until = self.clock() + self.retry_interval
            first = not self._warned
            self._warned = True
        if first:
            then = (
                f"pacing in this process alone, other processes not counted (fix it: {hint})"
                if setting
                else f"pacing with this process's share of the budget until it is back ({hint})"
            )
            warnings.warn(
                f"the rate-limit store {public} {what}; {then}",
                RuntimeWarning,
                stacklevel=5,
            )

    def recovered(self, reply: Any) -> list[str]:
        with self._lock:
            if self._down_until is not None:
                self._down_until = None
                self._warned = False  # warn again at the next outage
        items = reply if isinstance(reply, list) else [reply]
        return [item.decode() if isinstance(item, bytes) else str(item) for item in items]
