"""The agent's own database: sessions and their events, approvals, approvers and their passkeys, and the audit trail.

By default the SQLite file DATA_DIR/agent.db; with ``PARTNER_AGENT_DATABASE_URL`` a PostgreSQL database that
several workers share, which also holds the bearer tokens, the server secret and the flow checkpoints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent.storage import Database, PostgresDatabase

if TYPE_CHECKING:
    from agent.config import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,
    principal  TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS session_memory (
    session_id TEXT PRIMARY KEY,
    principal  TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    next_seq   INTEGER NOT NULL,
    state      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_memory_by_principal ON session_memory (principal, updated_at);
CREATE INDEX IF NOT EXISTS session_memory_by_expiry ON session_memory (expires_at);
CREATE TABLE IF NOT EXISTS session_events (
    session_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE INDEX IF NOT EXISTS session_events_by_expiry ON session_events (expires_at);
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


POSTGRES_MIGRATIONS = (
    # 1: the tables of SCHEMA above, plus what lives in files under SQLite: the server secret and the bearer
    # tokens. Times are ISO 8601 text in UTC, compared as text: the "C" collation keeps that order byte-wise.
    """
    CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        principal  TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    CREATE TABLE approvals (
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
        created_at     TEXT COLLATE "C" NOT NULL,
        expires_at     TEXT COLLATE "C" NOT NULL,
        decided_at     TEXT COLLATE "C",
        decided_by     TEXT,
        decision_id    TEXT,
        reason         TEXT,
        result         TEXT,
        closed_at      TEXT COLLATE "C",
        runner         TEXT,
        lease_until    TEXT COLLATE "C",
        failed_checks  INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX approvals_by_session ON approvals (session_id);
    CREATE INDEX approvals_by_status ON approvals (status, expires_at);
    CREATE INDEX approvals_by_principal ON approvals (principal, status);
    CREATE TABLE audit_events (
        event_id    TEXT PRIMARY KEY,
        event_time  TEXT COLLATE "C" NOT NULL,
        principal   TEXT NOT NULL,
        partner_id  TEXT NOT NULL,
        session_id  TEXT,
        approval_id TEXT,
        body        TEXT NOT NULL
    );
    CREATE INDEX audit_by_principal ON audit_events (principal, event_time);
    CREATE TABLE approvers (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        principal  TEXT,
        partner_id TEXT,
        policies   TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        CHECK ((principal IS NULL) <> (partner_id IS NULL))
    );
    CREATE INDEX approvers_by_principal ON approvers (principal);
    CREATE INDEX approvers_by_partner ON approvers (partner_id);
    CREATE TABLE passkeys (
        credential_id TEXT PRIMARY KEY,
        approver_id   TEXT NOT NULL,
        public_key    BYTEA NOT NULL,
        sign_count    BIGINT NOT NULL,
        transports    TEXT NOT NULL,
        rp_id         TEXT NOT NULL,
        created_at    TEXT COLLATE "C" NOT NULL,
        last_used_at  TEXT COLLATE "C"
    );
    CREATE INDEX passkeys_by_approver ON passkeys (approver_id);
    CREATE TABLE enrollments (
        secret_sha256 TEXT PRIMARY KEY,
        approver_id   TEXT NOT NULL,
        expires_at    TEXT COLLATE "C" NOT NULL,
        used_at       TEXT COLLATE "C"
    );
    CREATE TABLE webauthn_challenges (
        id         TEXT PRIMARY KEY,
        purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
        subject    TEXT NOT NULL,
        approvers  TEXT NOT NULL,
        challenge  BYTEA NOT NULL,
        rp_id      TEXT NOT NULL,
        origin     TEXT NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX challenges_by_subject ON webauthn_challenges (purpose, subject);
    CREATE TABLE server_secrets (
        name  TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );
    CREATE TABLE tokens (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        catalog    TEXT NOT NULL,
        policies   TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C",
        revoked_at TEXT COLLATE "C"
    );
    """,
    # 2: what happened in a session (agent.trust.memory): its events, answers and open questions.
    """
    CREATE TABLE session_memory (
        session_id TEXT PRIMARY KEY,
        principal  TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL,
        next_seq   INTEGER NOT NULL,
        state      TEXT NOT NULL
    );
    CREATE INDEX session_memory_by_principal ON session_memory (principal, updated_at);
    CREATE INDEX session_memory_by_expiry ON session_memory (expires_at);
    CREATE TABLE session_events (
        session_id TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        expires_at TEXT COLLATE "C" NOT NULL,
        body       TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    );
    CREATE INDEX session_events_by_expiry ON session_events (expires_at);
    """,
    # 3: approvals, approvers, tokens and audit events are listed oldest first; two of the same millisecond keep
    # the order they were written in.
    """
    ALTER TABLE approvals ADD COLUMN seq BIGSERIAL;
    ALTER TABLE approvers ADD COLUMN seq BIGSERIAL;
    ALTER TABLE tokens ADD COLUMN seq BIGSERIAL;
    ALTER TABLE audit_events ADD COLUMN seq BIGSERIAL;
    """,
)


def agent_database(data_dir: Path) -> Database:
    """The embedded default: DATA_DIR/agent.db."""
    return Database(data_dir / "agent.db", SCHEMA, MIGRATIONS)


def open_database(settings: Settings) -> Database | PostgresDatabase:
    """The agent database the settings name: PostgreSQL when PARTNER_AGENT_DATABASE_URL is set, else agent.db."""
    if settings.database_url is None:
        return agent_database(settings.data_dir)
    return PostgresDatabase(
        settings.database_url.get_secret_value(), POSTGRES_MIGRATIONS, pool_size=settings.database_pool_size
    )
