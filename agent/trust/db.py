"""The agent's own database (DATA_DIR/agent.db): sessions, approvals, approvers and their passkeys, and the audit trail."""

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
    requester      TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    partner_id     TEXT NOT NULL,
    catalog        TEXT NOT NULL,
    actions        TEXT NOT NULL,
    tool           TEXT NOT NULL,
    parameters     TEXT NOT NULL,
    preview        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT,
    decision_id    TEXT,
    reason         TEXT,
    result         TEXT,
    closed_at      TEXT,
    runner         TEXT,
    lease_until    TEXT,
    failed_checks  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS approvals_by_session ON approvals (session_id);
CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (status, expires_at);
CREATE INDEX IF NOT EXISTS approvals_by_principal ON approvals (principal, status);
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
CREATE TABLE IF NOT EXISTS approvers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    principal  TEXT,
    partner_id TEXT,
    policies   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((principal IS NULL) <> (partner_id IS NULL))
);
CREATE INDEX IF NOT EXISTS approvers_by_principal ON approvers (principal);
CREATE INDEX IF NOT EXISTS approvers_by_partner ON approvers (partner_id);
CREATE TABLE IF NOT EXISTS passkeys (
    credential_id TEXT PRIMARY KEY,
    approver_id   TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    sign_count    INTEGER NOT NULL,
    transports    TEXT NOT NULL,
    rp_id         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE INDEX IF NOT EXISTS passkeys_by_approver ON passkeys (approver_id);
CREATE TABLE IF NOT EXISTS enrollments (
    secret_sha256 TEXT PRIMARY KEY,
    approver_id   TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE TABLE IF NOT EXISTS webauthn_challenges (
    id         TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
    subject    TEXT NOT NULL,
    approvers  TEXT NOT NULL,
    challenge  BLOB NOT NULL,
    rp_id      TEXT NOT NULL,
    origin     TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS challenges_by_subject ON webauthn_challenges (purpose, subject);
"""


MIGRATIONS = (
    # 1: approvals record who asked (for the audit of expiries), the partner account and IAM actions they need
    # (for delegated approvers), who decided and how, and when their flow ended. Approvals live 15 minutes:
    # those of the older layout are dropped rather than converted (a pending one is asked for again).
    "DROP TABLE IF EXISTS approvals",
)


def agent_database(data_dir: Path) -> Database:
    return Database(data_dir / "agent.db", SCHEMA, MIGRATIONS)
