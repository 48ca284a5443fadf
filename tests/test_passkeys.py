"""Approvers and the passkey layer's refusals, against the real agent database (the browser parts are in
test_passkeys_browser.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.config import Settings
from agent.storage import PostgresDatabase
from agent.trust.db import POSTGRES_MIGRATIONS, open_database
from agent.trust.passkeys import PasskeyError, Passkeys, relying_party
from agent.trust.tokens import DatabaseTokenStore
from tests.conftest import ISV, PRM_READY

UPDATE_OPPORTUNITY = "partnercentral:UpdateOpportunity"
CREATE_FUND_REQUEST = "partnercentral:CreateBenefitApplication"


@pytest.fixture
def passkeys(settings: Settings) -> Passkeys:
    return Passkeys(open_database(settings))


def names(approvers) -> list[str]:
    return [approver.name for approver in approvers]


def test_approvers_for_a_change_are_the_principals_own_and_the_delegates_whose_policies_grant_it(
    passkeys: Passkeys,
) -> None:
    passkeys.enroll("Dana", principal="local:dana")
    passkeys.enroll("Sam", principal="local:sam")
    passkeys.enroll("Sales lead", partner_id=PRM_READY, policies=["AWSPartnerCentralOpportunityManagement"])
    passkeys.enroll("Funding lead", partner_id=PRM_READY, policies=["PartnerCentralIncentiveBenefitManagement"])
    passkeys.enroll("Other partner", partner_id=ISV, policies=["AWSPartnerCentralFullAccess"])

    assert names(passkeys.approvers_for("local:dana", PRM_READY, "Sandbox", [UPDATE_OPPORTUNITY])) == [
        "Dana",
        "Sales lead",
    ]
    assert names(passkeys.approvers_for("local:dana", PRM_READY, "Sandbox", [CREATE_FUND_REQUEST])) == [
        "Dana",
        "Funding lead",
    ]
    # A delegate must be granted every action of the change, not just one of them.
    assert (
        names(passkeys.approvers_for("token:0badc0de", PRM_READY, "Sandbox", [UPDATE_OPPORTUNITY, CREATE_FUND_REQUEST]))
        == []
    )


def test_a_delegate_for_the_sandbox_catalog_only_does_not_approve_in_aws(passkeys: Passkeys) -> None:
    passkeys.enroll("Tester", partner_id=PRM_READY, policies=["AWSPartnerCentralSandboxFullAccess"])
    assert names(passkeys.approvers_for("local:dana", PRM_READY, "Sandbox", [UPDATE_OPPORTUNITY])) == ["Tester"]
    assert passkeys.approvers_for("local:dana", PRM_READY, "AWS", [UPDATE_OPPORTUNITY]) == []


def test_list_and_remove(passkeys: Passkeys) -> None:
    dana, _ = passkeys.enroll("  Dana  ", principal="local:dana")
    lead, _ = passkeys.enroll("Lead", partner_id=PRM_READY, policies=["AWSPartnerCentralFullAccess"])
    assert [(a.name, a.passkeys, a.approves_for) for a in passkeys.list()] == [
        ("Dana", 0, "local:dana"),
        ("Lead", 0, f"{PRM_READY} (AWSPartnerCentralFullAccess)"),
    ]
    assert passkeys.remove(dana.approver_id) and not passkeys.remove(dana.approver_id)
    assert [a.approver_id for a in passkeys.list()] == [lead.approver_id]


def test_approvers_created_in_the_same_millisecond_are_listed_in_the_order_they_were_created(
    passkeys: Passkeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("agent.trust.passkeys.utcnow", lambda: datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    created = [f"Approver {n}" for n in range(8)]
    for name in created:
        passkeys.enroll(name, partner_id=PRM_READY, policies=["AWSPartnerCentralFullAccess"])
    assert names(passkeys.list()) == created
    assert names(passkeys.approvers_for("local:dana", PRM_READY, "Sandbox", [UPDATE_OPPORTUNITY])) == created


def test_a_postgresql_database_of_the_previous_schema_keeps_its_approvers_and_tokens(postgres_url: str) -> None:
    """Migration 3 (the insertion order of approvers and tokens) on a database that already has rows."""
    previous = PostgresDatabase(postgres_url, POSTGRES_MIGRATIONS[:2])
    Passkeys(previous).enroll("Dana", principal="local:dana")
    DatabaseTokenStore(previous).create("ci bot", PRM_READY, "Sandbox", ["AWSPartnerCentralFullAccess"])
    previous.close()

    current = PostgresDatabase(postgres_url, POSTGRES_MIGRATIONS)
    Passkeys(current).enroll("Lead", partner_id=PRM_READY, policies=["AWSPartnerCentralFullAccess"])
    DatabaseTokenStore(current).create("second", PRM_READY, "Sandbox", ["AWSPartnerCentralFullAccess"])
    assert names(Passkeys(current).list()) == ["Dana", "Lead"]
    assert [token.name for token in DatabaseTokenStore(current).list()] == ["ci bot", "second"]
    current.close()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"name": "Dana"}, "one of the two"),
        (
            {
                "name": "Dana",
                "principal": "local:dana",
                "partner_id": PRM_READY,
                "policies": ["AWSPartnerCentralFullAccess"],
            },
            "one of the two",
        ),
        ({"name": "Dana", "principal": "local:dana", "policies": ["AWSPartnerCentralFullAccess"]}, "has none"),
        ({"name": "Dana", "partner_id": PRM_READY}, "at least one managed policy"),
        ({"name": "Dana", "partner_id": PRM_READY, "policies": ["AdministratorAccess"]}, "Unknown AWS managed policy"),
        ({"name": "Dana", "partner_id": "acme", "policies": ["AWSPartnerCentralFullAccess"]}, "is not a partner id"),
        ({"name": " ", "principal": "local:dana"}, "1 to 64 printable characters"),
        ({"name": "Dana\u202e", "principal": "local:dana"}, "1 to 64 printable characters"),
    ],
)
def test_enroll_refuses_a_binding_that_cannot_work(passkeys: Passkeys, arguments: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        passkeys.enroll(**arguments)
    assert passkeys.list() == []


def test_the_enrollment_secret_is_one_time_and_never_stored(passkeys: Passkeys, data_dir: Path) -> None:
    approver, secret = passkeys.enroll("Dana", principal="local:dana")
    assert len(secret) >= 43 and passkeys.enrollment_state(secret) == "pending"
    with passkeys.db.reading() as conn:  # no column of any table holds it
        stored = [
            str(dict(row)) for table in ("approvers", "enrollments") for row in conn.execute(f"SELECT * FROM {table}")
        ]  # noqa: S608 - fixed table names
    assert stored and secret not in "".join(stored)
    assert secret.encode() not in b"".join(path.read_bytes() for path in data_dir.glob("agent.db*"))
    with pytest.raises(PasskeyError, match="wrong, already used or expired"):
        passkeys.registration_options(secret + "x", "http://localhost:8766")
    with pytest.raises(PasskeyError, match="wrong, already used or expired"):
        passkeys.enrollment_state(secret + "x")
    options = passkeys.registration_options(secret, "http://localhost:8766")
    assert options["rp"] == {"name": "Partner Central agent", "id": "localhost"}
    assert options["user"]["name"] == "Dana" and options["excludeCredentials"] == []
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"


def test_a_registration_without_a_challenge_is_refused(passkeys: Passkeys) -> None:
    approver, secret = passkeys.enroll("Dana", principal="local:dana")
    with pytest.raises(PasskeyError, match="This enrollment attempt is over"):
        passkeys.finish_registration(secret, {"id": "x"}, "http://localhost:8766")
    passkeys.registration_options(secret, "http://localhost:8766")
    with pytest.raises(PasskeyError, match="This passkey could not be verified"):  # malformed: one short refusal
        passkeys.finish_registration(secret, {"id": "x"}, "http://localhost:8766")
    with pytest.raises(PasskeyError, match="This enrollment attempt is over"):  # and its challenge is used up
        passkeys.finish_registration(secret, {"id": "x"}, "http://localhost:8766")


def test_a_challenge_needs_someone_with_a_passkey_and_a_known_id(passkeys: Passkeys) -> None:
    dana, _ = passkeys.enroll("Dana", principal="local:dana")
    for approvers in ([], [dana]):
        with pytest.raises(PasskeyError, match="Nobody who may decide this has a passkey for localhost"):
            passkeys.authentication_options("appr-1", approvers, "http://localhost:8766")
    with pytest.raises(PasskeyError, match="already used or has expired"):
        passkeys.verify_authentication("chl-0000", "appr-1", {"id": "x"}, "http://localhost:8766")


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("http://localhost:8766", ("http://localhost:8766", "localhost")),
        ("HTTP://LocalHost:8766/", ("http://localhost:8766", "localhost")),
        ("http://agent.localhost", ("http://agent.localhost", "agent.localhost")),
        ("https://agent.example.com:443", ("https://agent.example.com", "agent.example.com")),
        ("https://agent.example.com:8443", ("https://agent.example.com:8443", "agent.example.com")),
    ],
)
def test_the_relying_party_is_the_pages_host_name(origin: str, expected: tuple[str, str]) -> None:
    assert relying_party(origin) == expected


@pytest.mark.parametrize(
    ("origin", "error"),
    [
        ("http://127.0.0.1:8766", "not an IP address. Open the page at http://localhost:8766 instead."),
        ("http://[::1]:8766", "not an IP address. Open the page at http://localhost:8766 instead."),
        ("https://10.0.0.5", "not an IP address. Open the page at http://localhost instead."),
        ("http://agent.example.com", "Passkeys need HTTPS (or http://localhost)"),
        ("null", "not a web origin"),
        ("http://localhost:8766/enroll", "not a web origin"),
        ("http://localhost:99999", "not a web origin"),
        ("ftp://localhost", "not a web origin"),
    ],
)
def test_passkeys_refuse_a_page_they_cannot_work_on(origin: str, error: str) -> None:
    with pytest.raises(PasskeyError, match=re.escape(error)):
        relying_party(origin)
