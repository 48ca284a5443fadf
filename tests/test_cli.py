"""The `partner-agent` command as a person types it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN

CLI = str(VENV_BIN / "partner-agent")


def run(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ["PATH"], "PARTNER_AGENT_DATA_DIR": str(data_dir), **env}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=environment, timeout=60)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["sandbox"],
        ["sandbox", "list"],
        ["sandbox", "reset"],
        ["sandbox", "outbox"],
        ["sandbox", "advance"],
        ["sandbox", "respond"],
        ["token"],
        ["token", "create"],
        ["token", "list"],
        ["token", "revoke"],
        ["audit"],
        ["audit", "export"],
        ["index"],
        ["index", "build"],
        ["index", "status"],
        ["index", "add"],
        ["approver"],
        ["approver", "enroll"],
        ["approver", "list"],
        ["approver", "remove"],
    ],
    ids=" ".join,
)
def test_every_command_has_help(command: list[str], data_dir: Path) -> None:
    result = run(*command, "--help", data_dir=data_dir)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: partner-agent")


def test_sandbox_list_shows_the_seeded_partners(data_dir: Path) -> None:
    result = run("sandbox", "list", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    for partner_id in (
        "partner-nimbus0000001",
        "partner-stratus000002",
        "partner-cirrus0000003",
        "partner-altocloud0004",
    ):
        assert partner_id in result.stdout
    assert "partner-altocloud0004   AltoCloud Data" in result.stdout
    assert "(default)" in result.stdout


def test_sandbox_reset_needs_confirmation_then_restores_the_seed(data_dir: Path) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    sandbox = LocalSandbox(data_dir / "sandbox.db")
    sandbox.client("partner-altocloud0004").put_profile_visibility("PRIVATE")

    refused = run("sandbox", "reset", data_dir=data_dir)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert sandbox.client("partner-altocloud0004").get_profile_visibility().Visibility == "PRIVATE"

    done = run("sandbox", "reset", "--yes", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert sandbox.client("partner-altocloud0004").get_profile_visibility().Visibility == "PUBLIC"


def test_invalid_settings_stop_the_start_naming_the_setting(data_dir: Path) -> None:
    result = run("serve", data_dir=data_dir, PARTNER_AGENT_BACKEND="dynamo")
    assert result.returncode == 2
    assert "PARTNER_AGENT_BACKEND" in result.stderr and "'local' or 'aws'" in result.stderr
    assert result.stdout == ""


def test_unknown_command_is_a_usage_error(data_dir: Path) -> None:
    result = run("launch", data_dir=data_dir)
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_tokens_are_shown_once_and_stored_hashed(data_dir: Path) -> None:
    created = run(
        "token", "create", "--name", "dana", "--policy", "AWSPartnerCentralOpportunityManagement", data_dir=data_dir
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("pca_") and "Shown once" in created.stderr
    listed = run("token", "list", data_dir=data_dir)
    assert "dana" in listed.stdout and "AWSPartnerCentralOpportunityManagement" in listed.stdout
    assert token not in listed.stdout and token not in (data_dir / "tokens.json").read_text()
    token_id = token.split("_")[1]
    assert run("token", "revoke", token_id, data_dir=data_dir).returncode == 0
    assert "revoked" in run("token", "list", data_dir=data_dir).stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--policy", "AdministratorAccess"], "Unknown AWS managed policy"),
        (["--partner-id", "partner-doesnotexist1"], "not a partner of the sandbox"),
    ],
)
def test_token_create_refuses_what_cannot_work(data_dir: Path, args: list[str], error: str) -> None:
    result = run("token", "create", "--name", "x", *args, data_dir=data_dir)
    assert result.returncode == 2 and error in result.stderr and result.stdout == ""


def test_audit_export_prints_json_lines(data_dir: Path) -> None:
    import json

    from agent.app import AgentApp
    from agent.config import Settings
    from agent.trust.audit import AuditEvent, UserIdentity

    app = AgentApp(Settings(data_dir=data_dir))
    with app.db.transaction() as conn:
        app.audit.insert(
            conn,
            AuditEvent(
                eventSource="account.partnercentral.amazonaws.com",
                eventName="PutProfileVisibility",
                awsRegion="us-east-1",
                userIdentity=UserIdentity(
                    type="PartnerAgentUser",
                    principalId="local:dana",
                    userName="dana",
                    partnerId="partner-altocloud0004",
                    catalog="Sandbox",
                    policies=[],
                ),
                requestParameters={"Visibility": "PRIVATE"},
                requestID="flow-1",
                decision="applied",
                tool="update_profile",
            ),
        )
    result = run("audit", "export", data_dir=data_dir)
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert {
        "eventTime",
        "eventSource",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "sessionId",
        "approvalId",
        "decision",
    } <= set(event)


def test_sandbox_outbox_shows_sent_codes(data_dir: Path) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    LocalSandbox(data_dir / "sandbox.db").client("partner-altocloud0004").send_email_verification_code("new@x.example")
    result = run("sandbox", "outbox", data_dir=data_dir)
    assert result.returncode == 0 and "new@x.example: verification code" in result.stdout


def test_sandbox_advance_plays_the_reviewer(data_dir: Path) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    client = LocalSandbox(data_dir / "sandbox.db").client("partner-altocloud0004")
    moved = run("sandbox", "advance", "benappl-alto0mdf000001", data_dir=data_dir)
    assert moved.returncode == 0 and "stage Finance Approval, status IN_REVIEW" in moved.stdout
    rejected = run("sandbox", "advance", "benappl-alto0mdf000001", "--reject", "Wallet exhausted", data_dir=data_dir)
    assert "status REJECTED (Wallet exhausted)" in rejected.stdout
    assert client.get_benefit_application("benappl-alto0mdf000001").Stage == "Created"
    unknown = run("sandbox", "advance", "benappl-00000000000000", data_dir=data_dir)
    assert unknown.returncode == 2 and "not found" in unknown.stderr


def test_sandbox_advance_reviews_cash_claims(data_dir: Path) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    poc = "benappl-alto0poc000002"
    sandbox = LocalSandbox(data_dir / "sandbox.db")
    sandbox.advance(poc)  # Pre-Approved -> Cash Claim
    client = sandbox.client("partner-altocloud0004")
    request = {"Catalog": "Sandbox", "Identifier": poc, "ClientToken": "claim-1", "Amount": 4000.0}
    first = client.send("partnercentral-benefits", "SubmitCashClaim", request)["Id"]
    rejected = run("sandbox", "advance", poc, "--reject-claim", "Receipts missing", data_dir=data_dir)
    assert rejected.returncode == 0, rejected.stderr
    assert f"cash claim {first}: 4,000.00, REJECTED (Receipts missing)" in rejected.stdout
    client.send("partnercentral-benefits", "UpdateCashClaim", {**request, "ClaimId": first, "ClientToken": "edit-1"})
    approved = run("sandbox", "advance", poc, data_dir=data_dir)
    assert "stage Cash Claim, status APPROVED" in approved.stdout  # 4,000 of 10,000: still open
    assert f"cash claim {first}: 4,000.00, APPROVED" in approved.stdout
    client.send("partnercentral-benefits", "SubmitCashClaim", {**request, "ClientToken": "claim-2", "Amount": 6000.0})
    completed = run("sandbox", "advance", poc, data_dir=data_dir)
    assert "stage Completed, status APPROVED" in completed.stdout and completed.stdout.count("APPROVED") == 3
    nothing = run("sandbox", "advance", poc, "--reject-claim", "Late", data_dir=data_dir)
    assert nothing.returncode == 2 and "in stage Completed" in nothing.stderr


def test_sandbox_respond_plays_the_invited_account(data_dir: Path) -> None:
    accepted = run("sandbox", "respond", "pacinv-cirrus2alto01", "accept", data_dir=data_dir)
    assert accepted.returncode == 0, accepted.stderr
    assert "OPPORTUNITY_COLLABORATION invitation from 210987654321 ACCEPTED (connection pac-" in accepted.stdout
    again = run("sandbox", "respond", "pacinv-cirrus2alto01", "reject", data_dir=data_dir)
    assert again.returncode == 2 and "not pending" in again.stderr
    unknown = run("sandbox", "respond", "pacinv-0000000000000", "accept", data_dir=data_dir)
    assert unknown.returncode == 2 and "not found" in unknown.stderr


def test_approvers_are_enrolled_for_a_deployment_listed_and_removed(data_dir: Path) -> None:
    """With --url the command only prints the deployment's one-time link; the passkey is made there."""
    from agent.trust.tokens import TokenStore

    _, record = TokenStore(data_dir / "tokens.json").create(
        "ci-bot", "partner-altocloud0004", "Sandbox", ["AWSPartnerCentralOpportunityManagement"]
    )
    first = run(
        "approver",
        "enroll",
        "--name",
        "Dana",
        "--url",
        "https://agent.example.com/",
        data_dir=data_dir,
        PARTNER_AGENT_USER="dana",
    )
    assert first.returncode == 0, first.stderr
    link = first.stdout.strip()
    assert link.startswith("https://agent.example.com/enroll#") and len(link.split("#")[1]) >= 43
    assert "within 10 minutes" in first.stderr and link not in first.stderr
    assert (
        run(
            "approver",
            "enroll",
            "--name",
            "CI owner",
            "--token-id",
            record.id,
            "--url",
            "https://agent.example.com",
            data_dir=data_dir,
        ).returncode
        == 0
    )
    assert (
        run(
            "approver",
            "enroll",
            "--name",
            "Sales lead",
            "--partner-id",
            "partner-altocloud0004",
            "--policy",
            "AWSPartnerCentralOpportunityManagement",
            "--url",
            "https://agent.example.com",
            data_dir=data_dir,
        ).returncode
        == 0
    )
    listed = run("approver", "list", data_dir=data_dir).stdout.splitlines()
    assert listed[0].split() == ["ID", "NAME", "PASSKEYS", "CREATED", "APPROVES", "FOR"]
    assert " Dana " in listed[1] and listed[1].endswith(" local:dana")
    assert " CI owner " in listed[2] and listed[2].endswith(f" token:{record.id}")
    assert " Sales lead " in listed[3] and listed[3].endswith(
        " partner-altocloud0004 (AWSPartnerCentralOpportunityManagement)"
    )
    approver_id = listed[1].split()[0]
    removed = run("approver", "remove", approver_id, data_dir=data_dir)
    assert removed.returncode == 0 and removed.stdout == f"Removed {approver_id} (Dana) and 0 passkey(s).\n"
    again = run("approver", "remove", approver_id, data_dir=data_dir)
    assert again.returncode == 2 and "no approver with id" in again.stderr
    assert approver_id not in run("approver", "list", data_dir=data_dir).stdout


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--url", "http://127.0.0.1:8765"], "not an IP address. Open the page at http://localhost:8765 instead."),
        (["--url", "http://agent.example.com"], "Passkeys need HTTPS"),
        (["--token-id", "0badc0de"], "no active token with id '0badc0de'"),
        (["--policy", "AWSPartnerCentralFullAccess"], "--policy belongs to a delegation; add --partner-id."),
        (["--partner-id", "partner-altocloud0004"], "a delegation needs at least one --policy"),
        (
            ["--partner-id", "partner-doesnotexist1", "--policy", "AWSPartnerCentralFullAccess"],
            "not a partner of the sandbox",
        ),
        (["--partner-id", "partner-altocloud0004", "--policy", "AdministratorAccess"], "Unknown AWS managed policy"),
        (["--token-id", "0badc0de", "--partner-id", "partner-altocloud0004"], "not allowed with argument"),
    ],
)
def test_approver_enroll_refuses_what_cannot_work(data_dir: Path, args: list[str], error: str) -> None:
    result = run("approver", "enroll", "--name", "Dana", *args, data_dir=data_dir)
    assert result.returncode == 2 and error in result.stderr and result.stdout == ""
    assert "No approvers" in run("approver", "list", data_dir=data_dir).stdout
