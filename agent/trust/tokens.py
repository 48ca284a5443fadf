"""Bearer tokens for the HTTP transport: issued by the CLI, stored hashed, checked by the server.

A token looks like ``pca_<id>_<secret>``. The id (8 hex characters) is public and names the
token in listings and revocations; the secret is 32 random bytes. Only the SHA-256 of the whole
token is written to disk: the token is high-entropy random, so a slow password hash buys nothing.

By default the store is one JSON file, ``{"version": 1, "tokens": [...]}``, rewritten atomically under an
exclusive lock. Readers re-parse it whenever it changes on disk, so a token revoked from the CLI
stops working in a running server at its next request. With PARTNER_AGENT_DATABASE_URL the tokens are
rows of the shared database instead (`DatabaseTokenStore`), so every worker on every machine sees them.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio.to_thread
from mcp.server.auth.provider import AccessToken, TokenVerifier
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from agent.trust.db import open_database

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.storage import Database, PostgresDatabase

TOKEN_SCOPE = "partner-agent"
"""The one scope every valid token carries; the server requires it."""

_TOKEN_PATTERN = re.compile(r"pca_(?P<id>[0-9a-f]{8})_[A-Za-z0-9_-]{43}", re.ASCII)
_FILE_VERSION = 1

UtcDatetime = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(UTC))]


class TokenFileError(Exception):
    """The token file exists but cannot be read as a token store."""


class UnknownToken(KeyError):
    """No token with the given id exists."""

    def __str__(self) -> str:
        # KeyError's own __str__ would print the repr of the message, quotes and all.
        return str(self.args[0])


class TokenRecord(BaseModel):
    """What the store knows about one issued token: everything except the token itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}$")]
    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9.\-_@ ]+$"),
    ]
    partner_id: Annotated[str, StringConstraints(pattern=r"^partner-[A-Za-z0-9]{13}$")]
    catalog: Literal["Sandbox", "AWS"]
    policies: Annotated[list[Annotated[str, StringConstraints(min_length=1)]], Field(min_length=1)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$"), Field(repr=False)]
    created_at: UtcDatetime
    expires_at: UtcDatetime | None = None
    revoked_at: UtcDatetime | None = None

    def active(self, now: datetime | None = None) -> bool:
        """Whether the token is usable at ``now`` (default: the current time): not revoked, not expired."""
        if now is None:
            now = datetime.now(UTC)
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class _TokenFile(BaseModel):
    """The on-disk layout of the store."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = _FILE_VERSION
    tokens: list[TokenRecord]

    @model_validator(mode="after")
    def _ids_are_unique(self) -> _TokenFile:
        ids = [record.id for record in self.tokens]
        if len(ids) != len(set(ids)):
            raise ValueError("token ids are not unique")
        return self


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _Tokens:
    """What both stores share: how a token is made, and how one presented is checked against its record."""

    verifies_in_place = False
    """Whether `verify` is quick enough to run on the event loop (no network, no waiting on a lock)."""

    def get(self, token_id: str) -> TokenRecord | None:
        raise NotImplementedError

    @staticmethod
    def _issue(
        name: str,
        partner_id: str,
        catalog: Literal["Sandbox", "AWS"],
        policies: list[str],
        expires_in: timedelta | None,
        taken: Iterable[str],
    ) -> tuple[str, TokenRecord]:
        """A new token and its record, with an id not in ``taken``."""
        if expires_in is not None and expires_in <= timedelta(0):
            raise ValueError("expires_in must be positive")
        taken = set(taken)
        token_id = secrets.token_hex(4)
        while token_id in taken:
            token_id = secrets.token_hex(4)
        token = f"pca_{token_id}_{secrets.token_urlsafe(32)}"
        now = datetime.now(UTC)
        return token, TokenRecord(
            id=token_id,
            name=name,
            partner_id=partner_id,
            catalog=catalog,
            policies=policies,
            sha256=_digest(token),
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
        )

    def verify(self, token: str) -> TokenRecord | None:
        """The record of an active token; None if the token is malformed, unknown, revoked or expired."""
        match = _TOKEN_PATTERN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            return None
        record = self.get(match["id"])
        if record is None or not hmac.compare_digest(record.sha256, _digest(token)):
            return None
        return record if record.active() else None


class TokenStore(_Tokens):
    """Issued tokens, kept in one JSON file (for example ``DATA_DIR / "tokens.json"``).

    Several processes may use the same file at once: the CLI issuing and revoking, the server
    verifying. Writes are serialized with ``flock`` on a sibling ``.lock`` file and land atomically.
    A missing file is an empty store; a corrupt one raises ``TokenFileError``.
    """

    verifies_in_place = True  # a stat, and a parse only when the file changed

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._cache: tuple[tuple[int, int, int], Mapping[str, TokenRecord]] | None = None

    def create(
        self,
        name: str,
        partner_id: str,
        catalog: Literal["Sandbox", "AWS"],
        policies: list[str],
        expires_in: timedelta | None = None,
    ) -> tuple[str, TokenRecord]:
        """Issue a token. Returns the plaintext token, which is not stored and cannot be shown again."""
        with self._locked():
            records = dict(self._records())
            token, record = self._issue(name, partner_id, catalog, policies, expires_in, records)
            records[record.id] = record
            self._write(records.values())
        return token, record

    def list(self) -> list[TokenRecord]:
        """Every issued token, revoked and expired ones included, oldest first."""
        return sorted(self._records().values(), key=lambda record: record.created_at)

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token by id. Revoking it again is harmless and keeps the first revocation time."""
        with self._locked():
            records = dict(self._records())
            record = records.get(token_id)
            if record is None:
                raise UnknownToken(f"no token with id {token_id!r} in {self.path}")
            if record.revoked_at is None:
                record = records[token_id] = record.model_copy(update={"revoked_at": datetime.now(UTC)})
                self._write(records.values())
        return record

    def get(self, token_id: str) -> TokenRecord | None:
        """The record of token ``token_id`` (revoked and expired ones too), or None."""
        return self._records().get(token_id)

    def _records(self) -> Mapping[str, TokenRecord]:
        """The tokens by id, re-parsed only when the file on disk has changed. Do not mutate."""
        try:
            file = self.path.open("rb")
        except FileNotFoundError:
            return {}
        with file:
            stat = os.fstat(file.fileno())
            # Every write replaces the file, so a new inode, mtime or size means new contents.
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            cache = self._cache
            if cache is not None and cache[0] == key:
                return cache[1]
            data = file.read()
        try:
            parsed = _TokenFile.model_validate_json(data)
        except ValidationError as error:
            # Describe the problem without echoing the file's contents, which hold token hashes.
            problems = "; ".join(
                f"{'.'.join(map(str, problem['loc'])) or 'file'}: {problem['msg']}"
                for problem in error.errors(include_input=False, include_url=False)
            )
            raise TokenFileError(f"token file {self.path} is corrupt: {problems}") from None
        records = {record.id: record for record in parsed.tokens}
        self._cache = (key, records)
        return records

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the store's exclusive write lock, creating the folder (mode 0700) if needed."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _write(self, records: Iterable[TokenRecord]) -> None:
        """Replace the file with ``records``: temp file (mode 0600) in the same folder, fsync, rename."""
        payload = _TokenFile(tokens=list(records)).model_dump_json(indent=2)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, self.path)
        except BaseException:
            os.unlink(temp)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # make the rename itself durable
        finally:
            os.close(folder)


class DatabaseTokenStore(_Tokens):
    """Issued tokens as rows of the shared database (the same interface as `TokenStore`)."""

    def __init__(self, db: Database | PostgresDatabase) -> None:
        self.db = db

    def create(
        self,
        name: str,
        partner_id: str,
        catalog: Literal["Sandbox", "AWS"],
        policies: list[str],
        expires_in: timedelta | None = None,
    ) -> tuple[str, TokenRecord]:
        """Issue a token. Returns the plaintext token, which is not stored and cannot be shown again."""
        with self.db.transaction() as conn:
            taken = [row["id"] for row in conn.execute("SELECT id FROM tokens")]
            token, record = self._issue(name, partner_id, catalog, policies, expires_in, taken)
            conn.execute(
                "INSERT INTO tokens(id, name, partner_id, catalog, policies, sha256, created_at, expires_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (
                    record.id,
                    record.name,
                    record.partner_id,
                    record.catalog,
                    json.dumps(record.policies),
                    record.sha256,
                    record.created_at.isoformat(),
                    record.expires_at.isoformat() if record.expires_at else None,
                ),
            )
        return token, record

    def list(self) -> list[TokenRecord]:
        """Every issued token, revoked and expired ones included, oldest first."""
        with self.db.reading() as conn:
            return [
                _token_record(row) for row in conn.execute(f"SELECT * FROM tokens ORDER BY {self.db.insertion_order}")
            ]

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token by id. Revoking it again is harmless and keeps the first revocation time."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), token_id),
            )
            row = conn.execute("SELECT * FROM tokens WHERE id=?", (token_id,)).fetchone()
        if row is None:
            raise UnknownToken(f"no token with id {token_id!r} in the database")
        return _token_record(row)

    def get(self, token_id: str) -> TokenRecord | None:
        """The record of token ``token_id`` (revoked and expired ones too), or None."""
        with self.db.reading() as conn:
            row = conn.execute("SELECT * FROM tokens WHERE id=?", (token_id,)).fetchone()
        return _token_record(row) if row else None


def _token_record(row: Any) -> TokenRecord:
    return TokenRecord(
        id=row["id"],
        name=row["name"],
        partner_id=row["partner_id"],
        catalog=row["catalog"],
        policies=json.loads(row["policies"]),
        sha256=row["sha256"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def token_store(settings: Settings, db: Database | PostgresDatabase | None = None) -> TokenStore | DatabaseTokenStore:
    """Where the settings keep tokens: ``db`` (default: a new connection) when PARTNER_AGENT_DATABASE_URL is set,
    else DATA_DIR/tokens.json."""
    if settings.database_url is None:
        return TokenStore(settings.data_dir / "tokens.json")

    return DatabaseTokenStore(db or open_database(settings))


class StoreTokenVerifier(TokenVerifier):
    """The MCP SDK's bearer-token hook, backed by a token store."""

    def __init__(self, store: TokenStore | DatabaseTokenStore) -> None:
        self._store = store

    async def verify_token(self, token: str) -> AccessToken | None:
        """Check the token against the store: in place when that is quick, else in a worker thread (a database
        query). Every request is checked, so a revoked token stops working at once."""
        if self._store.verifies_in_place:
            record = self._store.verify(token)
        else:
            record = await anyio.to_thread.run_sync(self._store.verify, token)
        if record is None:
            return None
        return AccessToken(
            token=token,
            client_id=record.id,
            scopes=[TOKEN_SCOPE],
            subject=record.name,
            expires_at=int(record.expires_at.timestamp()) if record.expires_at is not None else None,
            claims={"partner_id": record.partner_id, "catalog": record.catalog, "policies": list(record.policies)},
        )
