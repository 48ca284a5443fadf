"""SQLite storage for the local sandbox: JSON documents in API shape, one transaction per write.

Each resource is one row (kind, catalog, id) holding its API-shaped JSON body, the partner that owns it and
an integer revision for optimistic locking.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import string
from datetime import datetime
from typing import Any

from agent.backends import errors
from agent.storage import Database, utcnow

# Resource kinds stored in the `resources` table.
PARTNER = "partner"
VISIBILITY = "profile_visibility"
ALLIANCE_LEAD = "alliance_lead_contact"
OPPORTUNITY = "opportunity"
BENEFIT = "benefit"
APPLICATION = "benefit_application"
ALLOCATION = "benefit_allocation"
SELLER_SETUP = "seller_setup"
PRM_EVIDENCE = "prm_evidence"
EMAIL_CODE = "email_verification_code"

_LOWER_ALNUM = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int, alphabet: str = _LOWER_ALNUM) -> str:
    """A random id in the API's format, e.g. ``new_id("benappl-", 14)``."""
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def require(service: str, value: str, pattern: str, field: str, example: str) -> None:
    """An identifier in the format ``service`` requires; a ValidationException in that service's shape otherwise."""
    if not re.fullmatch(pattern.strip("^$"), value or ""):
        raise errors.invalid_request(
            service,
            f"{field} '{value[:80]}' is malformed; expected the format of '{example}'.",
            [errors.FieldError(FieldName=field, Message=f"must match {pattern}", Code="INVALID_STRING_FORMAT")],
        )


SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
    kind       TEXT    NOT NULL,
    catalog    TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    owner      TEXT,
    revision   INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (kind, catalog, id)
);
CREATE INDEX IF NOT EXISTS resources_by_owner ON resources (kind, catalog, owner, updated_at);
CREATE TABLE IF NOT EXISTS client_tokens (
    owner          TEXT NOT NULL,
    operation      TEXT NOT NULL,
    client_token   TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    response       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (owner, operation, client_token)
);
"""


def request_digest(payload: Any) -> str:
    """SHA-256 of a request's canonical JSON, to tell a ClientToken replay from a different request."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store(Database):
    """The sandbox database file. Its schema is created by `create_schema` inside the seeding transaction."""

    def schema_version(self) -> int | None:
        """The schema version recorded in the file, or None when the database is new or empty."""
        if not self.path.exists():
            return None
        with self.reading() as conn:
            has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            if not has_meta:
                return None
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            return int(row["value"]) if row else None

    @staticmethod
    def create_schema(conn: sqlite3.Connection) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @staticmethod
    def drop_all(conn: sqlite3.Connection) -> None:
        for table in ("client_tokens", "resources", "meta"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")


# Row helpers, used inside a transaction or a read snapshot.


def get_row(conn: sqlite3.Connection, kind: str, catalog: str, rid: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM resources WHERE kind=? AND catalog=? AND id=?", (kind, catalog, rid)).fetchone()


def list_rows(conn: sqlite3.Connection, kind: str, catalog: str, owner: str | None) -> list[sqlite3.Row]:
    """Rows of a kind owned by ``owner`` (or the shared ones when owner is None), newest first."""
    return conn.execute(
        "SELECT * FROM resources WHERE kind=? AND catalog=? AND owner IS ? ORDER BY updated_at DESC, id",
        (kind, catalog, owner),
    ).fetchall()


def insert_row(
    conn: sqlite3.Connection, kind: str, catalog: str, rid: str, owner: str | None, body: dict, when: datetime
) -> None:
    conn.execute(
        "INSERT INTO resources(kind, catalog, id, owner, revision, updated_at, body) VALUES (?,?,?,?,1,?,?)",
        (kind, catalog, rid, owner, when.isoformat(), json.dumps(body)),
    )


def update_row(
    conn: sqlite3.Connection, kind: str, catalog: str, rid: str, expected_revision: int, body: dict, when: datetime
) -> bool:
    """Replace a body if the row is still at ``expected_revision``; False when someone changed it first."""
    cur = conn.execute(
        "UPDATE resources SET body=?, revision=revision+1, updated_at=? "
        "WHERE kind=? AND catalog=? AND id=? AND revision=?",
        (json.dumps(body), when.isoformat(), kind, catalog, rid, expected_revision),
    )
    return cur.rowcount == 1


def delete_row(conn: sqlite3.Connection, kind: str, catalog: str, rid: str) -> None:
    conn.execute("DELETE FROM resources WHERE kind=? AND catalog=? AND id=?", (kind, catalog, rid))


def recorded_response(
    conn: sqlite3.Connection, owner: str, operation: str, client_token: str
) -> tuple[str, dict] | None:
    """The (request digest, response) stored for a ClientToken, if this token was used before."""
    row = conn.execute(
        "SELECT request_sha256, response FROM client_tokens WHERE owner=? AND operation=? AND client_token=?",
        (owner, operation, client_token),
    ).fetchone()
    return (row["request_sha256"], json.loads(row["response"])) if row else None


def record_response(
    conn: sqlite3.Connection, owner: str, operation: str, client_token: str, digest: str, response: dict
) -> None:
    conn.execute(
        "INSERT INTO client_tokens(owner, operation, client_token, request_sha256, response, created_at) "
        "VALUES (?,?,?,?,?,?)",
        (owner, operation, client_token, digest, json.dumps(response, default=str), utcnow().isoformat()),
    )
