"""The agent's own database (DATA_DIR/agent.db): sessions, approvals and the audit trail."""

from __future__ import annotations

from pathlib import Path

from agent.storage import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,
    principal  TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS approvals (
    id             TEXT PRIMARY KEY,
    flow_id        TEXT NOT NULL UNIQUE,
    principal      TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    tool           TEXT NOT NULL,
    parameters     TEXT NOT NULL,
    preview        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    decided_at     TEXT,
    channel        TEXT,
    reason         TEXT,
    result         TEXT
);
CREATE INDEX IF NOT EXISTS approvals_by_session ON approvals (session_id);
CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (status, expires_at);
CREATE TABLE IF NOT EXISTS audit_events (
    event_id    TEXT PRIMARY KEY,
    event_time  TEXT NOT NULL,
    principal   TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    session_id  TEXT,
    approval_id TEXT,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_principal ON audit_events (principal, event_time);
"""


def agent_database(data_dir: Path) -> Database:
    return Database(data_dir / "agent.db", SCHEMA)
