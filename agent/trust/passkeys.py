"""Passkeys: what a person alone can produce to decide an approval, enrolled once from the command line.

An approver is a person bound to what they may approve: one principal's writes (``local:dana``,
``token:<id>``), or, by delegation, the writes in one partner account that their managed policies allow.
The command line creates an approver and a one-time enrollment secret (only its SHA-256 is stored); the
person opens the enrollment page with it and creates a passkey with user verification (PIN, fingerprint,
face). Later an approval page asks for that passkey: `authentication_options` issues a single-use challenge
bound to a caller's ``subject`` (e.g. an approval id) and `verify_authentication` checks the answer.

The relying-party id is the page's host name: a passkey made at ``http://localhost:8766`` works on any
localhost port, but not at ``https://agent.example.com``. Every refusal is a `PasskeyError` whose message
is safe to show the person; the details go to the log (never a secret).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from agent.models.account import PARTNER_ID_PATTERN
from agent.storage import Connection, Database, PostgresDatabase, utcnow
from agent.trust.permissions import check_policy_names, missing_actions

log = logging.getLogger(__name__)

RP_NAME = "Partner Central agent"
ENROLLMENT_TTL = timedelta(minutes=10)
CHALLENGE_TTL = timedelta(minutes=2)
MAX_LIVE_CHALLENGES = 5
"""Unanswered challenges one subject may have at once: enough for a person's retries, bounded for a script."""

_NOT_ENROLLABLE = (
    "This enrollment link is wrong, already used or expired. Run `partner-agent approver enroll` for a new one."
)
_NOT_ORIGIN = "This page's address is not a web origin (scheme://host[:port])."
_NOT_VERIFIED = (
    "Your authenticator did not verify you (PIN, fingerprint or face). Use a passkey that does; "
    "user verification is required."
)


def enroll_hint(name: str) -> str:
    """What to tell a person nobody may approve for yet: how to enroll a passkey."""
    return (
        f"No passkey is enrolled yet for anyone who may approve this change: {name} runs "
        f'`partner-agent approver enroll --name "{name}"` once in a terminal on the server\'s machine and opens '
        "the link it prints."
    )


class PasskeyError(Exception):
    """A passkey step was refused; the message is short and safe to show the person."""


class Approver(BaseModel):
    """A person who may decide approvals: for one principal, or by delegation for one partner account."""

    model_config = ConfigDict(frozen=True)

    approver_id: str
    name: str
    principal: str | None = None
    partner_id: str | None = None
    policies: tuple[str, ...] = ()
    created_at: datetime
    passkeys: int = 0

    @property
    def approves_for(self) -> str:
        """Whose approvals this approver decides, in words: the principal key, or the delegation."""
        return self.principal or f"{self.partner_id} ({', '.join(self.policies)})"


class VerifiedApprover(BaseModel):
    """Who answered a challenge, with which passkey, and whether the authenticator verified them."""

    approver: Approver
    credential_id: str
    user_verified: bool


class Passkeys:
    """Approvers, their passkeys, enrollments and WebAuthn challenges, in the agent database."""

    def __init__(
        self,
        db: Database | PostgresDatabase,
        *,
        rp_name: str = RP_NAME,
        enrollment_ttl: timedelta = ENROLLMENT_TTL,
        challenge_ttl: timedelta = CHALLENGE_TTL,
    ) -> None:
        self.db = db
        self.rp_name = rp_name
        self.enrollment_ttl = enrollment_ttl
        self.challenge_ttl = challenge_ttl

    # Approvers -------------------------------------------------------------------------------------------

    def enroll(
        self, name: str, *, principal: str | None = None, partner_id: str | None = None, policies: Sequence[str] = ()
    ) -> tuple[Approver, str]:
        """A new approver and its one-time enrollment secret (shown once; only its SHA-256 is kept).

        Bind it to ``principal`` (a `Principal.key`), or delegate: ``partner_id`` with the managed ``policies``
        whose actions it may approve. Raises ValueError for a binding that cannot work.
        """
        name = name.strip()
        if not 1 <= len(name) <= 64 or not name.isprintable():
            raise ValueError("An approver's name is 1 to 64 printable characters.")
        if (principal is None) == (partner_id is None):
            raise ValueError("Bind an approver to a principal or delegate it for a partner account: one of the two.")
        if principal is not None and policies:
            raise ValueError("Policies belong to a delegation (partner_id); an approver bound to a principal has none.")
        if partner_id is not None:
            if not re.fullmatch(PARTNER_ID_PATTERN, partner_id):
                raise ValueError(f"{partner_id!r} is not a partner id (partner- and 13 letters or digits).")
            if not policies:
                raise ValueError("A delegation needs at least one managed policy.")
            policies = check_policy_names(policies)
        now = utcnow()
        approver = Approver(
            approver_id=f"apr-{secrets.token_hex(8)}",
            name=name,
            principal=principal,
            partner_id=partner_id,
            policies=tuple(policies),
            created_at=now,
        )
        secret = secrets.token_urlsafe(32)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO approvers(id, name, principal, partner_id, policies, created_at) VALUES (?,?,?,?,?,?)",
                (approver.approver_id, name, principal, partner_id, json.dumps(approver.policies), now.isoformat()),
            )
            conn.execute(
                "INSERT INTO enrollments(secret_sha256, approver_id, expires_at) VALUES (?,?,?)",
                (_digest(secret), approver.approver_id, (now + self.enrollment_ttl).isoformat()),
            )
        log.info("approver %s created for %s", approver.approver_id, approver.approves_for)
        return approver, secret

    def list(self) -> list[Approver]:
        """Every approver, oldest first, with how many passkeys each has."""
        with self.db.reading() as conn:
            return [_approver(row) for row in conn.execute(f"{_APPROVERS} ORDER BY a.{self.db.insertion_order}")]

    def get(self, approver_id: str) -> Approver | None:
        with self.db.reading() as conn:
            row = conn.execute(_APPROVERS + " WHERE a.id=?", (approver_id,)).fetchone()
        return _approver(row) if row else None

    def remove(self, approver_id: str) -> bool:
        """Remove an approver with its passkeys and enrollments; False if there was none."""
        with self.db.transaction() as conn:
            removed = conn.execute("DELETE FROM approvers WHERE id=?", (approver_id,)).rowcount
            conn.execute("DELETE FROM passkeys WHERE approver_id=?", (approver_id,))
            conn.execute("DELETE FROM enrollments WHERE approver_id=?", (approver_id,))
        if removed:
            log.info("approver %s removed", approver_id)
        return bool(removed)

    def approvers_for(
        self, principal_key: str, partner_id: str, catalog: str, actions: Sequence[str]
    ) -> list[Approver]:
        """Who may decide a change that ``principal_key`` asked for: the approvers bound to that principal, and
        those delegated for ``partner_id`` whose managed policies grant every one of ``actions`` in ``catalog``."""
        with self.db.reading() as conn:
            rows = conn.execute(
                f"{_APPROVERS} WHERE a.principal=? OR a.partner_id=? ORDER BY a.{self.db.insertion_order}",
                (principal_key, partner_id),
            ).fetchall()
        approvers = [_approver(row) for row in rows]
        return [a for a in approvers if a.principal == principal_key or _grants(a.policies, actions, catalog)]

    # Enrollment ------------------------------------------------------------------------------------------

    def enrollment_state(self, secret: str) -> Literal["pending", "enrolled", "expired"]:
        """Whether the enrollment of ``secret`` is still open, done, or over. "expired" is final: this runs
        serialized with `finish_registration`, which refuses once the time is up. PasskeyError if unknown."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM enrollments WHERE secret_sha256=?", (_digest(secret),)).fetchone()
            now = utcnow().isoformat()
        if row is None:
            raise PasskeyError(_NOT_ENROLLABLE)
        if row["used_at"]:
            return "enrolled"
        return "pending" if row["expires_at"] > now else "expired"

    def registration_options(self, secret: str, origin: str) -> dict[str, Any]:
        """JSON-ready PublicKeyCredentialCreationOptions for the enrollment of ``secret`` on a page at ``origin``
        (user verification required; the approver's passkeys excluded). Replaces an earlier unfinished attempt."""
        origin, rp_id = relying_party(origin)
        digest = _digest(secret)
        with self.db.transaction() as conn:
            now = utcnow()
            row = conn.execute(
                "SELECT a.* FROM enrollments e JOIN approvers a ON a.id = e.approver_id"
                " WHERE e.secret_sha256=? AND e.used_at IS NULL AND e.expires_at > ?",
                (digest, now.isoformat()),
            ).fetchone()
            if row is None:
                raise PasskeyError(_NOT_ENROLLABLE)
            options = generate_registration_options(
                rp_id=rp_id,
                rp_name=self.rp_name,
                user_name=row["name"],
                user_id=row["id"].encode(),
                timeout=int(self.challenge_ttl.total_seconds() * 1000),
                authenticator_selection=AuthenticatorSelectionCriteria(
                    resident_key=ResidentKeyRequirement.PREFERRED,
                    user_verification=UserVerificationRequirement.REQUIRED,
                ),
                exclude_credentials=_descriptors(conn, [row["id"]], rp_id),
            )
            conn.execute(
                "DELETE FROM webauthn_challenges WHERE (purpose='register' AND subject=?) OR expires_at <= ?",
                (_enrollment_subject(digest), now.isoformat()),
            )
            self._store_challenge(
                conn, "register", _enrollment_subject(digest), [row["id"]], options.challenge, rp_id, origin, now
            )
        return options_to_json_dict(options)

    def finish_registration(self, secret: str, credential: dict[str, Any], origin: str) -> Approver:
        """Verify the new passkey (``credential`` as the browser's ``toJSON()`` gives it) and store it; the
        enrollment is then used up. Raises PasskeyError for anything that does not check out."""
        origin, rp_id = relying_party(origin)
        digest = _digest(secret)
        challenge = self._consume(purpose="register", subject=_enrollment_subject(digest))
        if challenge is None or challenge["origin"] != origin:
            raise PasskeyError("This enrollment attempt is over. Reload the page and try again.")
        try:
            parsed = parse_registration_credential_json(credential)
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=challenge["challenge"],
                expected_rp_id=rp_id,
                expected_origin=origin,
                require_user_verification=True,
            )
        except Exception as exc:  # noqa: BLE001 - untrusted input: every failure is one refusal, logged
            raise _refusal("registration", exc) from None
        credential_id = bytes_to_base64url(verified.credential_id)
        transports = [t.value for t in parsed.response.transports or []]
        with self.db.transaction() as conn:
            now = utcnow().isoformat()
            used = conn.execute(
                "UPDATE enrollments SET used_at=? WHERE secret_sha256=? AND used_at IS NULL AND expires_at > ?",
                (now, digest, now),
            ).rowcount
            if not used:
                raise PasskeyError(_NOT_ENROLLABLE)
            stored = conn.execute(
                "INSERT INTO passkeys(credential_id, approver_id, public_key, sign_count, transports,"
                " rp_id, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                (
                    credential_id,
                    challenge["approver_ids"][0],
                    verified.credential_public_key,
                    verified.sign_count,
                    json.dumps(transports),
                    rp_id,
                    now,
                ),
            ).rowcount
            if not stored:
                raise PasskeyError("This passkey is already enrolled.")
        approver = self.get(challenge["approver_ids"][0])
        if approver is None:  # removed while the person was enrolling
            raise PasskeyError(_NOT_ENROLLABLE)
        log.info("passkey enrolled for approver %s", approver.approver_id)
        return approver

    # Authentication ---------------------------------------------------------------------------------------

    def authentication_options(self, subject: str, approvers: Sequence[Approver], origin: str) -> dict[str, Any]:
        """A single-use challenge bound to ``subject`` (e.g. an approval id) that only the passkeys of
        ``approvers`` may answer, on a page at ``origin``: ``{"challenge_id", "options"}`` with the JSON-ready
        PublicKeyCredentialRequestOptions (user verification required)."""
        origin, rp_id = relying_party(origin)
        ids = [approver.approver_id for approver in approvers]
        with self.db.transaction() as conn:
            now = utcnow()
            allowed = _descriptors(conn, ids, rp_id)
            if not allowed:
                raise PasskeyError(
                    f"Nobody who may decide this has a passkey for {rp_id}. "
                    "Enroll one with `partner-agent approver enroll`."
                )
            conn.execute("DELETE FROM webauthn_challenges WHERE expires_at <= ?", (now.isoformat(),))
            live = conn.execute(
                "SELECT COUNT(*) AS n FROM webauthn_challenges WHERE purpose='authenticate' AND subject=?", (subject,)
            ).fetchone()["n"]
            if live >= MAX_LIVE_CHALLENGES:
                raise PasskeyError("Too many passkey requests for this at once. Wait two minutes, then try again.")
            options = generate_authentication_options(
                rp_id=rp_id,
                timeout=int(self.challenge_ttl.total_seconds() * 1000),
                allow_credentials=allowed,
                user_verification=UserVerificationRequirement.REQUIRED,
            )
            challenge_id = self._store_challenge(
                conn, "authenticate", subject, ids, options.challenge, rp_id, origin, now
            )
        return {"challenge_id": challenge_id, "options": options_to_json_dict(options)}

    def verify_authentication(
        self, challenge_id: str, subject: str, credential: dict[str, Any], origin: str
    ) -> VerifiedApprover:
        """Check a browser's answer (``credential.toJSON()``) to challenge ``challenge_id``: unused, unexpired,
        issued for ``subject`` at ``origin``, signed with user verification by a passkey of an allowed approver.
        The challenge is used up whatever the outcome. Raises PasskeyError when anything does not check out."""
        origin, _ = relying_party(origin)
        challenge = self._consume(purpose="authenticate", challenge_id=challenge_id)
        if challenge is None:
            raise PasskeyError("This passkey request was already used or has expired. Reload the page and try again.")
        if challenge["subject"] != subject or challenge["origin"] != origin:
            raise PasskeyError("This passkey request was made for something else. Reload the page and try again.")
        try:
            parsed = parse_authentication_credential_json(credential)
        except Exception as exc:  # noqa: BLE001 - untrusted input
            raise _refusal("authentication", exc) from None
        with self.db.reading() as conn:
            passkey = conn.execute("SELECT * FROM passkeys WHERE credential_id=?", (parsed.id,)).fetchone()
        if (
            passkey is None
            or passkey["approver_id"] not in challenge["approver_ids"]
            or passkey["rp_id"] != challenge["rp_id"]
        ):
            log.info("passkey refused: credential not enrolled for an allowed approver")
            raise PasskeyError("This passkey is not enrolled for anyone who may decide this.")
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge["challenge"],
                expected_rp_id=challenge["rp_id"],
                expected_origin=origin,
                credential_public_key=passkey["public_key"],
                credential_current_sign_count=passkey["sign_count"],
                require_user_verification=True,
            )
        except Exception as exc:  # noqa: BLE001 - untrusted input
            raise _refusal("authentication", exc) from None
        with self.db.transaction() as conn:
            counted = conn.execute(
                "UPDATE passkeys SET sign_count=?, last_used_at=? WHERE credential_id=? AND sign_count=?",
                (verified.new_sign_count, utcnow().isoformat(), parsed.id, passkey["sign_count"]),
            ).rowcount
        approver = self.get(passkey["approver_id"])
        if not counted or approver is None:  # the same passkey was used at the same moment, or removed meanwhile
            raise PasskeyError("This passkey was used for something else at the same moment. Try again.")
        return VerifiedApprover(approver=approver, credential_id=parsed.id, user_verified=verified.user_verified)

    # Challenges -------------------------------------------------------------------------------------------

    def _store_challenge(
        self,
        conn: Connection,
        purpose: str,
        subject: str,
        approver_ids: list[str],
        challenge: bytes,
        rp_id: str,
        origin: str,
        now: datetime,
    ) -> str:
        challenge_id = f"chl-{secrets.token_hex(16)}"
        conn.execute(
            "INSERT INTO webauthn_challenges(id, purpose, subject, approvers, challenge, rp_id, origin, expires_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                challenge_id,
                purpose,
                subject,
                json.dumps(approver_ids),
                challenge,
                rp_id,
                origin,
                (now + self.challenge_ttl).isoformat(),
            ),
        )
        return challenge_id

    def _consume(self, *, purpose: str, subject: str | None = None, challenge_id: str | None = None) -> dict | None:
        """Take a challenge out of the database (by id, or the one of ``subject``): None if absent or expired."""
        column, value = ("id", challenge_id) if challenge_id is not None else ("subject", subject)
        with self.db.transaction() as conn:
            row = conn.execute(
                f"SELECT * FROM webauthn_challenges WHERE purpose=? AND {column}=?", (purpose, value)
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM webauthn_challenges WHERE id=?", (row["id"],))
            now = utcnow().isoformat()
        if row["expires_at"] <= now:
            return None
        return {**dict(row), "approver_ids": json.loads(row["approvers"])}


def relying_party(origin: str) -> tuple[str, str]:
    """The canonical form of a page's ``origin`` and its relying-party id (the host name). PasskeyError when
    passkeys cannot work there: not a web origin, an IP address, or plain HTTP beyond localhost."""
    parts = urlsplit(origin.strip())
    try:
        port = parts.port
    except ValueError:
        raise PasskeyError(_NOT_ORIGIN) from None
    host = (parts.hostname or "").rstrip(".")
    if (
        parts.scheme not in ("http", "https")
        or not host
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise PasskeyError(_NOT_ORIGIN)
    localhost = f"http://localhost{f':{port}' if port else ''}"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise PasskeyError(f"Passkeys need a host name, not an IP address. Open the page at {localhost} instead.")
    is_localhost = host == "localhost" or host.endswith(".localhost")
    if parts.scheme == "http" and not is_localhost:
        raise PasskeyError("Passkeys need HTTPS (or http://localhost). Open the page over HTTPS.")
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}{f':{port}' if port and port != default else ''}", host


_APPROVERS = (
    "SELECT a.*, (SELECT COUNT(*) FROM passkeys p WHERE p.approver_id = a.id) AS passkey_count FROM approvers a"
)


def _approver(row: Any) -> Approver:
    return Approver(
        approver_id=row["id"],
        name=row["name"],
        principal=row["principal"],
        partner_id=row["partner_id"],
        policies=tuple(json.loads(row["policies"])),
        created_at=row["created_at"],
        passkeys=row["passkey_count"],
    )


def _grants(policies: Sequence[str], actions: Sequence[str], catalog: str) -> bool:
    """Whether ``policies`` grant every one of ``actions`` in ``catalog``; a name the policies file no longer
    knows grants nothing."""
    try:
        return not missing_actions(policies, actions, catalog)
    except ValueError:
        return False


def _descriptors(conn: Connection, approver_ids: Sequence[str], rp_id: str) -> list[PublicKeyCredentialDescriptor]:
    """The passkeys of ``approver_ids`` made for ``rp_id``, as credential descriptors."""
    if not approver_ids:
        return []
    marks = ",".join("?" * len(approver_ids))
    rows = conn.execute(
        f"SELECT credential_id, transports FROM passkeys WHERE rp_id=? AND approver_id IN ({marks})"
        " ORDER BY created_at",
        (rp_id, *approver_ids),
    ).fetchall()
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(row["credential_id"]),
            transports=[AuthenticatorTransport(t) for t in json.loads(row["transports"])],
        )
        for row in rows
    ]


def _refusal(ceremony: str, exc: Exception) -> PasskeyError:
    """What the person is told when the library refuses a credential; the library's reason goes to the log."""
    log.info("passkey %s refused: %s", ceremony, exc)
    if "user verification" in str(exc).lower():
        return PasskeyError(_NOT_VERIFIED)
    return PasskeyError("This passkey could not be verified. Try again, or use another passkey.")


def _enrollment_subject(digest: str) -> str:
    return f"enroll:{digest}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
