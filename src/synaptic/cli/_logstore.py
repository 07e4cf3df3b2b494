"""The conversation log: every exchange of ``synaptic chat``, in SQLite at
``$SYNAPTIC_HOME/logs.db`` (DESIGN section 18).

Why SQLite through the standard library: one file, nothing to install, readable with
any SQLite tool, and safe with two terminals writing at once (WAL mode, a busy timeout,
each exchange one short transaction). The schema has a version table; ``MIGRATIONS``
brings any older file up to date when it is opened (inside one ``BEGIN IMMEDIATE``, so
two processes opening an old file at once migrate it once), and a file written by a
newer synaptic is refused with a clear error instead of being damaged.

What is stored: the prompt, the system prompt, the answer (and reasoning), provider,
model, usage, timings, the conversation id and the time; what was on screen, with every
key the process knows scrubbed. Never an API key. An exchange that failed is kept with
its error (and whatever part of the answer was shown), and is left out of the history a
continued conversation sends.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from synaptic.cli._home import home

LOGS_OFF_ENV = "SYNAPTIC_NO_LOG"
"""Set (to anything but ``0``/``false``/empty) to log nothing, like ``--no-log``."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # version 1
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            started TEXT NOT NULL
        )""",
        """CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            time TEXT NOT NULL,
            provider TEXT,
            model TEXT,
            system TEXT,
            prompt TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            reasoning TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            time_to_first_token REAL,
            seconds REAL,
            finish_reason TEXT,
            request_id TEXT,
            error TEXT
        )""",
        "CREATE INDEX exchanges_by_conversation ON exchanges(conversation_id, id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
BUSY_SECONDS = 10.0  # how long a write waits for another process holding the file
COLUMNS = ("id", "conversation_id", "time", "provider", "model", "system", "prompt", "answer",
           "reasoning", "input_tokens", "output_tokens", "time_to_first_token", "seconds",
           "finish_reason", "request_id", "error")  # fmt: skip


class LogError(Exception):
    """The log cannot be used (a newer schema, a damaged file): the message says what to do."""


def logs_path() -> Path:
    return home() / "logs.db"


def off_marker() -> Path:
    """Present when ``synaptic logs off`` turned logging off for good."""
    return home() / "logs-off"


def logging_wanted(no_log: bool) -> bool:
    """Log unless ``--no-log``, ``$SYNAPTIC_NO_LOG`` or ``synaptic logs off`` says not to."""
    flag = os.environ.get(LOGS_OFF_ENV, "").strip().lower()
    if no_log or (flag and flag not in ("0", "false", "no")):
        return False
    return not off_marker().exists()


def new_conversation_id() -> str:
    """Sortable by time (milliseconds, hex), then random: ``0193a4f2c1d7-5e8b2a10``."""
    return f"{int(time.time() * 1000):012x}-{secrets.token_hex(4)}"


@dataclass
class Exchange:
    """One prompt and its answer (or the error that ended it)."""

    conversation_id: str
    prompt: str
    answer: str = ""
    system: str | None = None
    provider: str | None = None
    model: str | None = None
    reasoning: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    time_to_first_token: float | None = None
    seconds: float | None = None
    finish_reason: str | None = None
    request_id: str | None = None
    error: str | None = None
    time: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )
    id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


class LogStore:
    """The log file, opened (created and migrated when needed) on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = logs_path() if path is None else path
        self._db: sqlite3.Connection | None = None
        self.read_only = False

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        """The file, created and migrated when needed. Two processes creating it at once
        may meet SQLite's "locked" while one switches it to WAL: that is waited out.
        A file that can be read but not written (a read-only folder) is read as it is."""
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                return self._connect()
            except sqlite3.OperationalError as error:
                if "locked" in str(error) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                if self.path.exists() and not os.access(self.path.parent, os.W_OK):
                    return self._read_only()
                raise LogError(self._why(error)) from None
            except sqlite3.DatabaseError as error:
                raise LogError(self._why(error)) from None

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _read_only(self) -> sqlite3.Connection:
        """The log opened for reading only (``immutable``: WAL needs no side files then)."""
        try:
            db = sqlite3.connect(f"{self.path.as_uri()}?immutable=1", uri=True)
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise LogError(self._why(error)) from None
        if (row[0] or 0) != SCHEMA_VERSION:
            db.close()
            msg = f"the log {self.path} is read-only and has another schema ({row[0]})"
            raise LogError(msg)
        self.read_only = True
        return db

    def _why(self, error: sqlite3.Error) -> str:
        """What went wrong, and what to do: a damaged file is not a missing permission."""
        text = str(error)
        if "not a database" in text or "malformed" in text:
            return (
                f"the log {self.path} is damaged ({text}); move it away to start a new one "
                "(synaptic chat --no-log skips logging meanwhile)"
            )
        return (
            f"cannot open the log {self.path} ({text}); check that its folder can be written "
            "(SYNAPTIC_HOME chooses another; synaptic chat --no-log skips logging)"
        )

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")  # one process migrates; another waits, then sees it
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] or 0
            if version > SCHEMA_VERSION:
                msg = (
                    f"the log {self.path} was written by a newer synaptic (schema {version}, "
                    f"this one knows {SCHEMA_VERSION}); upgrade synaptic (synaptic chat "
                    "--no-log skips logging meanwhile)"
                )
                raise LogError(msg)
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (number + 1,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # --- writing ----------------------------------------------------------------------

    def add(self, exchange: Exchange) -> int:
        """Store ``exchange`` (its conversation too, the first time); its row id."""
        from synaptic_core._secrets import scrub  # noqa: PLC0415

        if self.db is not None and self.read_only:
            raise LogError(f"the log {self.path} is read-only: its folder cannot be written")

        values = exchange.as_dict()
        for name in ("prompt", "answer", "system", "reasoning", "error"):
            if isinstance(values[name], str):
                values[name] = scrub(values[name])
        del values["id"]
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT OR IGNORE INTO conversations (id, started) VALUES (?, ?)",
                (exchange.conversation_id, exchange.time),
            )
            cursor = db.execute(
                f"INSERT INTO exchanges ({', '.join(values)}) "  # noqa: S608 (our own column names)
                f"VALUES ({', '.join('?' for _ in values)})",
                tuple(values.values()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        exchange.id = cursor.lastrowid
        return int(cursor.lastrowid or 0)

    # --- reading ----------------------------------------------------------------------

    def _rows(
        self, where: str, args: Sequence[Any], order: str, limit: int | None
    ) -> list[Exchange]:
        sql = f"SELECT {', '.join(COLUMNS)} FROM exchanges {where} ORDER BY {order}"  # noqa: S608
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [
            Exchange(**dict(zip(COLUMNS, row, strict=True))) for row in self.db.execute(sql, args)
        ]

    def recent(self, count: int | None, conversation_id: str | None = None) -> list[Exchange]:
        """The latest ``count`` exchanges (all with None or 0), oldest first."""
        where, args = (
            ("WHERE conversation_id = ?", [conversation_id]) if conversation_id else ("", [])
        )
        return list(reversed(self._rows(where, args, "id DESC", count)))

    def latest_conversation(self) -> str | None:
        row = self.db.execute(
            "SELECT conversation_id FROM exchanges ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def conversation(self, conversation_id: str) -> list[Exchange]:
        """Every exchange of a conversation, oldest first (``LogError`` if there is none)."""
        found = self._rows("WHERE conversation_id = ?", [conversation_id], "id", None)
        if not found:
            known = self.db.execute(
                "SELECT id FROM conversations WHERE id LIKE ? ORDER BY id DESC LIMIT 3",
                (f"{conversation_id[:6]}%",),
            ).fetchall()
            hint = f" (did you mean {', '.join(repr(r[0]) for r in known)}?)" if known else ""
            msg = f"no conversation {conversation_id!r} in the log {self.path}{hint}; " \
                  "`synaptic logs` lists the latest exchanges with their ids"  # fmt: skip
            raise LogError(msg)
        return found


def history(exchanges: Sequence[Exchange]) -> list[Any]:
    """The messages a continued conversation sends: its system prompt (the latest one
    given), then each exchange that was answered; failed ones are left out."""
    from synaptic_core import AIMessage, HumanMessage, SystemMessage  # noqa: PLC0415

    answered = [e for e in exchanges if e.error is None]
    system = next((e.system for e in reversed(exchanges) if e.system), None)
    messages: list[Any] = [SystemMessage(system)] if system else []
    for exchange in answered:
        messages += [HumanMessage(exchange.prompt), AIMessage(exchange.answer)]
    return messages


@contextlib.contextmanager
def maybe_store(wanted: bool) -> Iterator[LogStore | None]:
    """A store when logging is wanted, else None; closed on the way out."""
    if not wanted:
        yield None
        return
    store = LogStore()
    try:
        yield store
    finally:
        store.close()


def to_json(exchanges: Sequence[Exchange]) -> str:
    return json.dumps([e.as_dict() for e in exchanges], indent=2, ensure_ascii=False)
