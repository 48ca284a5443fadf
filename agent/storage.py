"""SQLite files the agent keeps in its data folder: one transaction per write.

WAL mode with ``synchronous=FULL``: a committed write survives a crash and an interrupted one leaves
nothing behind. Each thread keeps its own connection (SQLite connections are not shared between
threads), so a database is safe to use from any thread or process without paying a connect per read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def utcnow() -> datetime:
    """The current time in UTC, to the millisecond (what the APIs return)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Database:
    """One SQLite file. ``schema`` is a script of idempotent ``CREATE ... IF NOT EXISTS`` statements; ``migrations``
    are scripts that bring an older file up to date, the i-th one run once when the file's ``user_version`` is
    below i (before the schema script, so a migration may drop what the schema then creates anew)."""

    def __init__(self, path: Path, schema: str = "", migrations: Sequence[str] = ()) -> None:
        self.path = path
        self.schema = schema
        self.migrations = tuple(migrations)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or not self.path.exists():  # first use in this thread, or the file was removed
            if conn is not None:
                conn.close()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._migrate(conn)
            if self.schema:
                conn.executescript(self.schema)
            self._local.conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] >= len(self.migrations):
            return
        conn.execute("BEGIN IMMEDIATE")  # one process or thread migrates; the others see the new version
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for script in self.migrations[version:]:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version={max(version, len(self.migrations))}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: everything inside commits together or not at all."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot."""
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")
