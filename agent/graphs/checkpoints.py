"""Where paused and running write flows keep their LangGraph checkpoints: a SQLite file (the default) or the
shared PostgreSQL database. Each store makes the saver (one per process), lists the flows it holds without
loading LangGraph, and wipes what a forgotten flow left behind.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.storage import PostgresDatabase

logger = logging.getLogger(__name__)


class SqliteCheckpoints:
    """DATA_DIR/checkpoints.db: forgotten flows (verification codes...) are overwritten, not just unlinked."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def saver(self) -> Any:
        from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: PLC0415 - only the checkpointer of the storage in use

        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False)
        conn.execute("PRAGMA secure_delete=ON")
        return SqliteSaver(conn)

    def flows(self) -> list[str]:
        """The flows with a checkpoint."""
        return list(self.flows_with_times())

    def flows_with_times(self) -> dict[str, datetime]:
        """The flows with a checkpoint, and when each wrote its newest (the saver's own table, read without
        loading LangGraph)."""
        if not self.path.exists():
            return {}
        conn = sqlite3.connect(self.path, timeout=5)
        try:
            return {flow: written_at(newest) for flow, newest in conn.execute(NEWEST)}
        except sqlite3.OperationalError:  # created but never written
            return {}
        finally:
            conn.close()

    def after_forget(self) -> None:
        """Leave no copy of forgotten flows in the write-ahead log. Best effort, never blocking: another reader of
        the file (a second worker on the same DATA_DIR) makes it wait for the next forget."""
        conn = sqlite3.connect(self.path, timeout=0.2)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                logger.debug("checkpoint WAL busy; truncated at a later forget")
        except sqlite3.OperationalError as exc:
            logger.debug("checkpoint WAL not truncated: %s", exc)
        finally:
            conn.close()


class PostgresCheckpoints:
    """The checkpoint tables of ``langgraph-checkpoint-postgres`` in the shared database, through its pool."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def saver(self) -> Any:
        from langgraph.checkpoint.postgres import PostgresSaver  # noqa: PLC0415 - only the checkpointer of the storage in use

        saver = PostgresSaver(self.db.pool)
        with self.db.migrating():  # its migrations are not safe to run from two workers at once
            saver.setup()
        return saver

    def flows(self) -> list[str]:
        """The flows with a checkpoint."""
        return list(self.flows_with_times())

    def flows_with_times(self) -> dict[str, datetime]:
        """The flows with a checkpoint, and when each wrote its newest."""
        with self.db.pool.connection() as conn:
            if conn.execute("SELECT to_regclass('checkpoints') AS t").fetchone()["t"] is None:
                return {}
            return {row["thread_id"]: written_at(row["newest"]) for row in conn.execute(NEWEST)}

    def after_forget(self) -> None:
        """Nothing to do: deleted rows are PostgreSQL's to vacuum (encrypt the database's storage at rest)."""


NEWEST = "SELECT thread_id, MAX(checkpoint_id) AS newest FROM checkpoints GROUP BY thread_id"


def written_at(checkpoint_id: str) -> datetime:
    """When a checkpoint was written: LangGraph's checkpoint ids are version-6 UUIDs, which carry their time."""
    digits = uuid.UUID(checkpoint_id).hex
    ticks = int(digits[:12] + digits[13:16], 16)  # 100 ns since the Gregorian calendar began
    return datetime.fromtimestamp(ticks / 10_000_000 - 12_219_292_800, UTC)
