"""The bearer-token store and the MCP token verifier, against real files in a temporary folder."""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.trust.tokens import (
    TOKEN_SCOPE,
    StoreTokenVerifier,
    TokenFileError,
    TokenRecord,
    TokenStore,
    UnknownToken,
)

PARTNER = "partner-altocloud0004"


@pytest.fixture
def path(data_dir: Path) -> Path:
    return data_dir / "tokens.json"


@pytest.fixture
def store(path: Path) -> TokenStore:
    return TokenStore(path)


def issue(store: TokenStore, name: str = "ci bot", expires_in: timedelta | None = None) -> tuple[str, TokenRecord]:
    return store.create(name, PARTNER, "Sandbox", ["read-only"], expires_in=expires_in)


def test_create_then_verify_round_trip(store: TokenStore) -> None:
    token, record = store.create("alice@example.com", PARTNER, "AWS", ["read-only", "submit"])

    assert re.fullmatch(r"pca_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", token)
    assert token.startswith(f"pca_{record.id}_")
    assert record.name == "alice@example.com"
    assert record.partner_id == PARTNER
    assert record.catalog == "AWS"
    assert record.policies == ["read-only", "submit"]
    assert record.created_at.tzinfo is not None and record.created_at.utcoffset() == timedelta(0)
    assert record.expires_at is None and record.revoked_at is None
    assert store.verify(token) == record
    assert store.list() == [record]


def test_list_is_oldest_first_and_empty_without_a_file(store: TokenStore, path: Path) -> None:
    assert store.list() == []
    assert not path.exists()
    first = issue(store, "first")[1]
    second = issue(store, "second")[1]
    assert store.list() == [first, second]


def test_file_holds_only_the_hash(store: TokenStore, path: Path) -> None:
    token, record = issue(store)
    text = path.read_text()
    secret = token.removeprefix(f"pca_{record.id}_")

    assert token not in text and secret not in text
    assert json.loads(text)["version"] == 1
    assert json.loads(text)["tokens"][0]["sha256"] == record.sha256


def test_file_and_folder_are_private(store: TokenStore, path: Path) -> None:
    assert not path.parent.exists()
    issue(store)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # Nothing but the store and its lock file is left behind by the atomic write.
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_secrets_stay_out_of_reprs(store: TokenStore) -> None:
    token, record = issue(store)
    assert record.sha256 not in repr(record) and token not in repr(record)
    assert record.sha256 not in str(record)


def test_wrong_secret_with_a_known_id_is_rejected(store: TokenStore) -> None:
    token, record = issue(store)
    forged = f"pca_{record.id}_{'A' * 43}"
    assert len(forged) == len(token)
    assert store.verify(forged) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "pca_",
        "pca__",
        "not a token at all",
        "Bearer pca_0123abcd_" + "A" * 43,
        "pca_0123ABCD_" + "A" * 43,
        "pca_0123abcd_" + "A" * 42,
        "pca_0123abcd_" + "A" * 44,
        "pca_0123abcd_" + "A" * 43 + "\n",
        "pca_0123abcd_" + "é" * 43,
        "pca_" + "x" * 1_000_000,
        "\x00" * 10_000,
    ],
    ids=lambda value: repr(value[:24]),
)
def test_malformed_tokens_are_rejected(store: TokenStore, garbage: str) -> None:
    issue(store)
    assert store.verify(garbage) is None


def test_a_token_with_a_trailing_newline_is_rejected(store: TokenStore) -> None:
    token, _ = issue(store)
    assert store.verify(token + "\n") is None
    assert store.verify(" " + token) is None


def test_revoked_token_is_rejected(store: TokenStore) -> None:
    token, record = issue(store)
    other_token, _ = issue(store, "other")

    revoked = store.revoke(record.id)

    assert revoked.id == record.id and revoked.revoked_at is not None
    assert not revoked.active()
    assert store.verify(token) is None
    assert store.verify(other_token) is not None
    assert store.list()[0].revoked_at == revoked.revoked_at


def test_revoking_twice_keeps_the_first_time(store: TokenStore) -> None:
    _, record = issue(store)
    first = store.revoke(record.id)
    assert store.revoke(record.id).revoked_at == first.revoked_at


def test_revoking_an_unknown_id_raises(store: TokenStore) -> None:
    issue(store)
    with pytest.raises(UnknownToken, match="0badc0de") as raised:
        store.revoke("0badc0de")
    assert isinstance(raised.value, KeyError)


def test_expired_token_is_rejected(store: TokenStore) -> None:
    token, record = issue(store, expires_in=timedelta(milliseconds=1))
    assert record.expires_at == record.created_at + timedelta(milliseconds=1)
    time.sleep(0.01)
    assert store.verify(token) is None


def test_token_with_time_left_is_accepted(store: TokenStore) -> None:
    token, record = issue(store, expires_in=timedelta(days=30))
    assert store.verify(token) == record
    assert record.expires_at is not None
    assert not record.active(record.expires_at)
    assert record.active(record.expires_at - timedelta(seconds=1))


@pytest.mark.parametrize("expires_in", [timedelta(0), timedelta(seconds=-5)])
def test_non_positive_lifetime_is_refused(store: TokenStore, expires_in: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        issue(store, expires_in=expires_in)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 65),
        ("name", "robert'); drop table"),
        ("partner_id", "partner-short"),
        ("partner_id", "altocloud0004"),
        ("catalog", "Prod"),
        ("policies", []),
    ],
)
def test_invalid_fields_are_refused(store: TokenStore, path: Path, field: str, value: object) -> None:
    arguments: dict[str, object] = {
        "name": "ci bot",
        "partner_id": PARTNER,
        "catalog": "Sandbox",
        "policies": ["read-only"],
        field: value,
    }
    with pytest.raises(ValidationError):
        store.create(**arguments)  # type: ignore[arg-type]
    assert not path.exists()


def test_revocation_from_another_store_is_seen_without_restart(path: Path) -> None:
    server = TokenStore(path)
    token, record = issue(server)
    assert server.verify(token) == record  # the server has now parsed and cached the file

    TokenStore(path).revoke(record.id)  # as the CLI would, in another process

    assert server.verify(token) is None


def test_tokens_issued_elsewhere_are_seen_without_restart(path: Path) -> None:
    server = TokenStore(path)
    assert server.list() == []
    token, record = issue(TokenStore(path))
    assert server.verify(token) == record


def test_concurrent_creates_all_persist(path: Path) -> None:
    writers, per_writer = 8, 5
    start = threading.Barrier(writers)

    def write(n: int) -> list[str]:
        store = TokenStore(path)  # one instance per writer, like separate CLI processes
        start.wait()
        return [issue(store, f"writer {n} token {i}")[0] for i in range(per_writer)]

    with ThreadPoolExecutor(writers) as pool:
        tokens = [token for batch in pool.map(write, range(writers)) for token in batch]

    reader = TokenStore(path)
    assert len(reader.list()) == writers * per_writer
    assert len({record.id for record in reader.list()}) == writers * per_writer
    assert all(reader.verify(token) is not None for token in tokens)


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        '{"version": 1, "tokens": [',
        "[]",
        '{"version": 2, "tokens": []}',
        '{"version": 1}',
        '{"version": 1, "tokens": [{"id": "nope"}]}',
    ],
)
def test_corrupt_file_raises(store: TokenStore, path: Path, content: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(content)

    for operation in (store.list, lambda: store.verify("pca_0123abcd_" + "A" * 43), lambda: issue(store)):
        with pytest.raises(TokenFileError, match=re.escape(str(path))):
            operation()
    assert path.read_text() == content  # never overwritten with an empty store


def test_corrupt_file_error_does_not_echo_hashes(store: TokenStore, path: Path) -> None:
    _, record = issue(store)
    data = json.loads(path.read_text())
    data["tokens"][0]["name"] = "not/allowed"
    data["tokens"].append(data["tokens"][0])
    path.write_text(json.dumps(data))

    with pytest.raises(TokenFileError) as raised:
        TokenStore(path).list()
    assert record.sha256 not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_duplicate_ids_in_the_file_are_corruption(store: TokenStore, path: Path) -> None:
    issue(store)
    data = json.loads(path.read_text())
    data["tokens"].append(data["tokens"][0])
    path.write_text(json.dumps(data))

    with pytest.raises(TokenFileError, match="not unique"):
        TokenStore(path).list()


async def test_verifier_returns_an_access_token(store: TokenStore) -> None:
    token, record = store.create("alice", PARTNER, "AWS", ["read-only", "submit"], expires_in=timedelta(hours=1))

    access = await StoreTokenVerifier(store).verify_token(token)

    assert access is not None
    assert access.token == token
    assert access.client_id == record.id
    assert access.scopes == [TOKEN_SCOPE] == ["partner-agent"]
    assert access.subject == "alice"
    assert record.expires_at is not None
    assert access.expires_at == int(record.expires_at.timestamp())
    assert access.expires_at > datetime.now(UTC).timestamp()
    assert access.claims == {"partner_id": PARTNER, "catalog": "AWS", "policies": ["read-only", "submit"]}


async def test_verifier_without_expiry(store: TokenStore) -> None:
    token, _ = issue(store)
    access = await StoreTokenVerifier(store).verify_token(token)
    assert access is not None and access.expires_at is None


async def test_verifier_rejects_bad_tokens(store: TokenStore) -> None:
    token, record = issue(store)
    verifier = StoreTokenVerifier(store)

    assert await verifier.verify_token("") is None
    assert await verifier.verify_token("garbage") is None
    assert await verifier.verify_token(f"pca_{record.id}_{'A' * 43}") is None
    store.revoke(record.id)
    assert await verifier.verify_token(token) is None


# The same behaviour from the shared database's store (PARTNER_AGENT_DATABASE_URL)


@pytest.fixture
def any_store(settings):
    """The token store the settings name: the JSON file, or the PostgreSQL database's table."""
    from agent.trust.tokens import token_store

    return token_store(settings)


def test_any_store_issues_verifies_lists_and_revokes(any_store) -> None:
    token, record = issue(any_store)
    other, _ = issue(any_store, "second")
    assert any_store.verify(token) == record and any_store.get(record.id) == record
    assert [r.name for r in any_store.list()] == ["ci bot", "second"]
    assert any_store.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None  # wrong secret, same id
    revoked = any_store.revoke(record.id)
    assert revoked.revoked_at is not None and any_store.verify(token) is None and any_store.verify(other)
    assert any_store.revoke(record.id).revoked_at == revoked.revoked_at  # the first revocation time stays
    with pytest.raises(UnknownToken, match="no token with id 'ffffffff'"):
        any_store.revoke("ffffffff")


def test_any_store_refuses_an_expired_token(any_store) -> None:
    token, record = issue(any_store, expires_in=timedelta(seconds=1))  # long enough for a busy machine to verify
    assert any_store.verify(token) == record
    time.sleep((record.expires_at - datetime.now(UTC)).total_seconds() + 0.05)
    assert any_store.verify(token) is None and any_store.get(record.id) == record
