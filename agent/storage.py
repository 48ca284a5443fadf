"""The agent's databases: SQLite files in its data folder (the default), or PostgreSQL for several workers.

Both engines offer the same small seam, so the code that uses them does not care which it has:

- ``transaction()``: a write transaction, serialized with every other write to the same database (SQLite's
  ``BEGIN IMMEDIATE``; on PostgreSQL a transaction-level advisory lock), so read-check-update code is safe;
- ``reading()``: a consistent read snapshot;
- ``conn.execute(sql, params)`` with ``?`` placeholders, rows readable by column name;
- ``runner_alive(runner)``: whether the process that claimed a job (`RUNNER`) still runs;
- ``json_text(column, *path)``: an SQL expression for a text field inside a JSON column;
- ``insertion_order``: a column that orders a table's rows as they were inserted (times tie within a millisecond).

SQLite: WAL mode with ``synchronous=FULL``: a committed write survives a crash and an interrupted one leaves
nothing behind. Each thread keeps its own connection (SQLite connections are not shared between threads), so
a database is safe to use from any thread or process without paying a connect per read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)


class Connection(Protocol):
    """What a transaction or read snapshot hands out, whichever the engine: ``execute`` with ``?`` placeholders,
    returning a cursor whose rows are read by column name."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


RUNNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
"""This process, as the runner of the jobs (write flows) it claims."""


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

    engine = "sqlite"
    insertion_order = "rowid"

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

    def announce(self) -> None:
        """Nothing to do: a runner's pid tells whether it still runs (`runner_alive`)."""

    @staticmethod
    def runner_alive(runner: str) -> bool:
        """Whether the process named by ``runner`` may still be running: on this host, whether its pid exists;
        elsewhere there is no way to tell, so yes (a lease decides)."""
        host, _, rest = runner.partition(":")
        pid = rest.partition(":")[0]
        if host != socket.gethostname() or not pid.isdigit():
            return True
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    @staticmethod
    def json_text(column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"


class PostgresDatabase:
    """The agent's tables in PostgreSQL, shared by every worker: a psycopg connection pool, migrations applied
    (once, whoever starts first) when it opens.

    ``migrations`` are scripts; the i-th runs once when the database's recorded version is below i. Every write
    transaction takes one advisory lock, so writes are serialized across workers exactly as SQLite serializes
    them (they are few and short: decisions, approvals, audit events). A process that claims jobs holds an
    advisory lock named after itself for as long as it lives (`announce`), so any worker on any machine can tell
    whether a job's runner died: its lock is gone with its connection.
    """

    engine = "postgresql"
    insertion_order = "seq"  # a bigserial column of the tables listed in insertion order (migration 3)

    def __init__(
        self, url: str, migrations: Sequence[str], *, pool_size: int = 10, name: str = "partner-agent"
    ) -> None:
        from psycopg.rows import dict_row  # noqa: PLC0415 - only with PARTNER_AGENT_DATABASE_URL
        from psycopg_pool import ConnectionPool  # noqa: PLC0415 - only with PARTNER_AGENT_DATABASE_URL

        self.url = url
        self.migrations = tuple(migrations)
        # autocommit: transactions are explicit (below); the LangGraph checkpointer needs it too, and dict rows.
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            name=name,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": None},
        )
        try:
            self.pool.open(wait=True, timeout=15)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is one clear start-up error
            self.pool.close()
            raise DatabaseUnavailable(
                f"Cannot connect to PostgreSQL at {redacted_url(url)} ({type(exc).__name__}). "
                "Check PARTNER_AGENT_DATABASE_URL and that the server accepts connections."
            ) from None
        self._presence: Any = None
        self._presence_lock = threading.Lock()
        with self.migrating():
            self._migrate()

    @contextmanager
    def migrating(self) -> Iterator[None]:
        """Hold the migration lock: one process at a time changes the schema, the others wait and then see it."""
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (advisory_key("migrations"),))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (advisory_key("migrations"),))

    def _migrate(self) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            version = conn.execute("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").fetchone()["v"]
            for number, script in enumerate(self.migrations[version:], start=version + 1):
                with conn.transaction():
                    conn.execute(script)
                    conn.execute(
                        "INSERT INTO schema_migrations(version, applied_at) VALUES (%s, %s)",
                        (number, utcnow().isoformat()),
                    )
                log.info("database migrated to version %d", number)

    @contextmanager
    def transaction(self) -> Iterator[_PostgresConnection]:
        """A write transaction, serialized with every other write transaction of every worker."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("writes"),))
            yield _PostgresConnection(conn)

    @contextmanager
    def reading(self) -> Iterator[_PostgresConnection]:
        """A consistent read snapshot."""
        with self.pool.connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield _PostgresConnection(conn)
            finally:
                conn.execute("ROLLBACK")

    def announce(self) -> None:
        """Hold this process's presence lock (see `runner_alive`) from now until the process ends."""
        with self._presence_lock:
            if self._presence is None or self._presence.closed:
                import psycopg  # noqa: PLC0415 - only with PARTNER_AGENT_DATABASE_URL

                self._presence = psycopg.connect(self.url, autocommit=True)
                self._presence.execute("SELECT pg_advisory_lock(%s)", (advisory_key(f"runner:{RUNNER}"),))

    def runner_alive(self, runner: str) -> bool:
        """Whether ``runner``'s process still holds its presence lock, on whatever machine it runs."""
        key = advisory_key(f"runner:{runner}") & 0xFFFFFFFFFFFFFFFF
        with self.pool.connection() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM pg_locks WHERE locktype='advisory' AND classid=%s::oid AND objid=%s::oid AND objsubid=1"
                    " AND granted LIMIT 1",
                    (key >> 32, key & 0xFFFFFFFF),
                ).fetchone()
                is not None
            )

    @staticmethod
    def json_text(column: str, *path: str) -> str:
        return f"({column}::jsonb #>> '{{{','.join(path)}}}')"

    def close(self) -> None:
        self.pool.close()
        if self._presence is not None:
            self._presence.close()


class _PostgresConnection:
    """A pooled connection that takes the SQL the SQLite code writes (``?`` placeholders)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(_postgres_sql(sql), params)


@lru_cache(maxsize=512)
def _postgres_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"partner-agent:{name}".encode()).digest()[:8], "big", signed=True)


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message says what to check (never the password)."""


def redacted_url(url: str) -> str:
    """A database URL with its password hidden, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
