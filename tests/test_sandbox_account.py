"""The sandbox's account operations behave like the API: idempotency, roles, expiry, one task at a time; and
the onboarding status when a backend cannot show the seller setup."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest

from agent.backends import errors, operations
from agent.backends.local import account
from agent.backends.local.sandbox import LocalSandbox
from agent.models.account import ProfileDetails
from agent.onboarding.status import onboarding_status, read_snapshot
from agent.storage import utcnow
from tests.conftest import ISV, NEWCOMER

ALTO = "partner-altocloud0004"
INVITE = dict(
    connection_type="SUBSIDIARY",
    receiver="210987650000",
    email="lena.vogt@cirrus-secure.example",
    name="Lena Vogt",
    message="Please connect",
)


def test_a_replayed_client_token_returns_the_same_invitation_and_a_different_request_conflicts(
    sandbox: LocalSandbox,
) -> None:
    cirrus = sandbox.client(ISV)
    first = cirrus.create_connection_invitation(client_token="tok-1", **INVITE)
    again = cirrus.create_connection_invitation(client_token="tok-1", **INVITE)
    assert again.Id == first.Id and len(cirrus.list_connection_invitations(connection_type="SUBSIDIARY")) == 1
    with pytest.raises(errors.ConflictException, match="already used"):
        cirrus.create_connection_invitation(client_token="tok-1", **{**INVITE, "message": "Something else"})


def test_only_the_receiver_answers_and_only_the_sender_cancels(sandbox: LocalSandbox) -> None:
    cirrus, alto = sandbox.client(ISV), sandbox.client(ALTO)
    with pytest.raises(errors.AccessDeniedException, match="receiving account"):
        cirrus.accept_connection_invitation("pacinv-cirrus2alto01", "t1")
    with pytest.raises(errors.AccessDeniedException, match="account that sent it"):
        alto.cancel_connection_invitation("pacinv-cirrus2alto01", "t2")
    assert cirrus.cancel_connection_invitation("pacinv-cirrus2alto01", "t3").Status == "CANCELED"
    with pytest.raises(errors.ConflictException, match="CANCELED"):
        alto.accept_connection_invitation("pacinv-cirrus2alto01", "t4")
    with pytest.raises(errors.ResourceNotFoundException):
        alto.reject_connection_invitation("pacinv-0000000000000", "t5")


def test_an_unanswered_invitation_expires(sandbox: LocalSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    cirrus = sandbox.client(ISV)
    sent = cirrus.create_connection_invitation(client_token="tok-exp", **INVITE)
    later = utcnow() + account.INVITATION_TTL + timedelta(minutes=1)
    monkeypatch.setattr(account, "utcnow", lambda: later)
    [seen] = cirrus.list_connection_invitations(connection_type="SUBSIDIARY")
    assert seen.Id == sent.Id and seen.Status == "EXPIRED"
    with pytest.raises(errors.ConflictException, match="EXPIRED"):
        cirrus.cancel_connection_invitation(sent.Id, "tok-cancel")


def test_partners_without_a_linked_account_cannot_connect(sandbox: LocalSandbox) -> None:
    newcomer = sandbox.client(NEWCOMER)
    assert newcomer.list_connection_invitations() == [] and newcomer.list_connections() == []
    with pytest.raises(errors.ValidationException, match="not linked to an AWS account"):
        newcomer.create_connection_invitation(client_token="t", **INVITE)


def test_one_profile_update_task_at_a_time_and_a_replay_returns_it(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    details = ProfileDetails.model_validate(
        {
            **alto.get_partner().Profile.model_dump(exclude={"ProfileId"}),
            "Description": "A new description that is long enough to read well.",
        }
    )
    started = alto.start_profile_update_task(details, "task-1")
    assert started.Status == "IN_PROGRESS"
    assert alto.start_profile_update_task(details, "task-1").TaskId == started.TaskId
    with pytest.raises(errors.ConflictException, match="still in progress"):
        alto.start_profile_update_task(details, "task-2")
    time.sleep(account.PROFILE_TASK_SECONDS + 0.1)
    ended = alto.get_profile_update_task()
    assert ended.TaskId == started.TaskId and ended.Status == "SUCCEEDED" and ended.EndedAt is not None
    assert alto.get_partner().Profile.Description == "A new description that is long enough to read well."


def test_status_says_unknown_rather_than_guessing_when_seller_data_is_unreadable(sandbox: LocalSandbox) -> None:
    client = sandbox.client(ISV)

    def unsupported():
        raise errors.UnsupportedOperationException("not readable here")

    client.get_seller_setup = unsupported  # as on the aws backend
    status = onboarding_status(read_snapshot(client, utcnow()))
    tasks = {t.id: t for stage in status.stages for t in stage.tasks}
    assert status.prm_ready is None
    assert (
        tasks["tax_interview"].status == "unknown"
        and "Marketplace Management Portal" in tasks["tax_interview"].next_step
    )
    assert tasks["prm"].status == "unknown"
    # nothing readable is left to do, so the next step is to check the first unreadable task by hand
    assert (status.next_action.id, status.next_action.status) == ("seller_registration", "unknown")


def test_a_verification_waiting_for_the_person_comes_first_with_its_completion_link(sandbox: LocalSandbox) -> None:
    from dataclasses import replace

    from agent.models.account import Verification

    snapshot = read_snapshot(sandbox.client(NEWCOMER), utcnow())
    waiting = Verification.model_validate(
        {
            "VerificationType": "BUSINESS_VERIFICATION",
            "VerificationStatus": "PENDING_CUSTOMER_ACTION",
            "StartedAt": utcnow(),
            "VerificationResponseDetails": {
                "BusinessVerificationResponse": {
                    "CompletionUrl": "https://verify.example/session/abc",
                    "CompletionUrlExpiresAt": utcnow() + timedelta(days=2),
                }
            },
        }
    )
    status = onboarding_status(
        replace(snapshot, verifications={**snapshot.verifications, "BUSINESS_VERIFICATION": waiting})
    )
    assert status.next_action.id == "business_verification"
    assert "https://verify.example/session/abc" in status.next_action.next_step
    assert "never in this chat" in status.next_action.next_step


def test_replaying_an_older_task_token_returns_that_task_as_it_started(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    profile = alto.get_partner().Profile.model_dump(exclude={"ProfileId"})
    first = alto.start_profile_update_task(
        ProfileDetails.model_validate({**profile, "Description": "First description, long enough."}), "tok-a"
    )
    time.sleep(account.PROFILE_TASK_SECONDS + 0.1)
    second = alto.start_profile_update_task(
        ProfileDetails.model_validate({**profile, "Description": "Second description, long enough."}), "tok-b"
    )
    replayed = alto.start_profile_update_task(
        ProfileDetails.model_validate({**profile, "Description": "First description, long enough."}), "tok-a"
    )
    assert replayed.TaskId == first.TaskId != second.TaskId
    assert replayed == first and replayed.Status == "IN_PROGRESS"  # the first call's response, not a new task
    assert alto.get_profile_update_task().TaskId == second.TaskId


# send: the account writes exactly as given

ACCOUNT = "partnercentral-account"
MINE = {"Catalog": "Sandbox", "Identifier": ALTO}


def output_members(operation: str) -> set[str]:
    return set(operations.operation_model(ACCOUNT, operation).output_shape.members)


def emailed_code(client, email: str) -> str:
    client.send_email_verification_code(email)
    return next(sent["Code"] for sent in client.outbox() if sent["Email"] == email)


def test_profile_visibility_and_alliance_lead_through_send(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    visibility = alto.send(ACCOUNT, "PutProfileVisibility", {**MINE, "Visibility": "PRIVATE"})
    assert visibility == alto.get_profile_visibility().model_dump() and visibility["Visibility"] == "PRIVATE"
    assert set(visibility) == output_members("PutProfileVisibility")
    contact = {
        "FirstName": "Ana",
        "LastName": "Silva",
        "Email": "ana@altocloud-data.example",
        "BusinessTitle": "Alliances",
    }
    code = emailed_code(alto, contact["Email"])
    lead = alto.send(
        ACCOUNT, "PutAllianceLeadContact", {**MINE, "AllianceLeadContact": contact, "EmailVerificationCode": code}
    )
    assert lead == {"Catalog": "Sandbox", "Arn": alto.get_partner().Arn, "Id": ALTO, "AllianceLeadContact": contact}
    assert alto.get_alliance_lead_contact().model_dump() == contact


def test_a_profile_update_task_through_send_replays_its_first_response(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    details = {**alto.get_partner().Profile.api_dict(), "Description": "Managed analytics and warehouses on AWS."}
    del details["ProfileId"]
    request = {**MINE, "ClientToken": "task-1", "TaskDetails": details}
    started = alto.send(ACCOUNT, "StartProfileUpdateTask", request)
    assert started["Status"] == "IN_PROGRESS" and started["TaskDetails"]["Description"] == details["Description"]
    assert isinstance(started["StartedAt"], datetime)  # timestamps as botocore returns them
    assert set(started) <= output_members("StartProfileUpdateTask")
    time.sleep(account.PROFILE_TASK_SECONDS + 0.1)
    assert alto.send(ACCOUNT, "StartProfileUpdateTask", request) == started  # though the task has ended since
    with pytest.raises(errors.ConflictException) as raised:
        alto.send(ACCOUNT, "StartProfileUpdateTask", {**request, "TaskDetails": {**details, "DisplayName": "Alto"}})
    assert raised.value.reason == "CONFLICT_CLIENT_TOKEN"
    untokened = {**MINE, "TaskDetails": details}  # botocore fills a fresh ClientToken: never a replay
    alto.send(ACCOUNT, "StartProfileUpdateTask", untokened)
    with pytest.raises(errors.ConflictException, match="still in progress"):
        alto.send(ACCOUNT, "StartProfileUpdateTask", untokened)


def test_a_nested_problem_names_its_path(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    details = alto.get_partner().Profile.api_dict()
    del details["DisplayName"]
    with pytest.raises(errors.ValidationException) as raised:
        alto.send(ACCOUNT, "StartProfileUpdateTask", {**MINE, "ClientToken": "task-1", "TaskDetails": details})
    assert {(e.FieldName, e.Code) for e in raised.value.field_errors} == {
        ("TaskDetails.DisplayName", "REQUIRED_FIELD_MISSING"),
        ("TaskDetails.ProfileId", "INVALID_VALUE"),
    }
    with pytest.raises(errors.ResourceNotFoundException):
        alto.get_profile_update_task()


def test_training_domains_through_send(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    email = "training@alto-academy.example"
    request = {**MINE, "ClientToken": "domain-1", "Email": email, "EmailVerificationCode": emailed_code(alto, email)}
    assert alto.send(ACCOUNT, "AssociateAwsTrainingCertificationEmailDomain", request) == {}
    assert (
        alto.send(ACCOUNT, "AssociateAwsTrainingCertificationEmailDomain", request) == {}
    )  # a replay, not "already associated"
    with pytest.raises(errors.ConflictException) as raised:
        alto.send(
            ACCOUNT, "AssociateAwsTrainingCertificationEmailDomain", {**request, "EmailVerificationCode": "000000"}
        )
    assert raised.value.reason == "CONFLICT_CLIENT_TOKEN"
    assert "alto-academy.example" in {d.DomainName for d in alto.get_partner().AwsTrainingCertificationEmailDomains}
    assert (
        alto.send(
            ACCOUNT,
            "DisassociateAwsTrainingCertificationEmailDomain",
            {**MINE, "ClientToken": "domain-2", "DomainName": "alto-academy.example"},
        )
        == {}
    )
    assert "alto-academy.example" not in {d.DomainName for d in alto.get_partner().AwsTrainingCertificationEmailDomains}


def test_connection_invitations_through_send(sandbox: LocalSandbox) -> None:
    cirrus, alto = sandbox.client(ISV), sandbox.client(ALTO)
    invite = {
        "Catalog": "Sandbox",
        "ClientToken": "invite-1",
        "ConnectionType": "SUBSIDIARY",
        "ReceiverIdentifier": "123456789012",
        "Email": "lena.vogt@cirrus-secure.example",
        "Name": "Lena Vogt",
        "Message": "Please connect",
    }
    sent = cirrus.send(ACCOUNT, "CreateConnectionInvitation", invite)
    assert (sent["ParticipantType"], sent["Status"], sent["OtherParticipantIdentifier"]) == (
        "SENDER",
        "PENDING",
        "123456789012",
    )
    assert isinstance(sent["ExpiresAt"], datetime) and set(sent) <= output_members("CreateConnectionInvitation")

    reject = {"Catalog": "Sandbox", "Identifier": sent["Id"], "ClientToken": "reject-1", "Reason": "Not our subsidiary"}
    rejected = alto.send(ACCOUNT, "RejectConnectionInvitation", reject)
    assert (rejected["Id"], rejected["ParticipantType"], rejected["Status"]) == (sent["Id"], "RECEIVER", "REJECTED")
    assert alto.send(ACCOUNT, "RejectConnectionInvitation", reject) == rejected
    with pytest.raises(errors.ConflictException) as raised:
        alto.send(ACCOUNT, "RejectConnectionInvitation", {**reject, "Reason": "Another reason"})
    assert raised.value.reason == "CONFLICT_CLIENT_TOKEN"
    assert cirrus.send(ACCOUNT, "CreateConnectionInvitation", invite) == sent  # as first answered: PENDING

    again = cirrus.send(ACCOUNT, "CreateConnectionInvitation", {**invite, "ClientToken": "invite-2"})
    cancel = {"Catalog": "Sandbox", "Identifier": again["Id"], "ClientToken": "cancel-1"}
    canceled = cirrus.send(ACCOUNT, "CancelConnectionInvitation", cancel)
    assert (canceled["Status"], canceled["ParticipantType"]) == ("CANCELED", "SENDER")
    assert cirrus.send(ACCOUNT, "CancelConnectionInvitation", cancel) == canceled

    accept = {"Catalog": "Sandbox", "Identifier": "pacinv-cirrus2alto01", "ClientToken": "accept-1"}
    accepted = alto.send(ACCOUNT, "AcceptConnectionInvitation", accept)
    connection = accepted["Connection"]
    assert set(accepted) == {"Connection"} and connection["OtherParticipantAccountId"] == "210987654321"
    assert connection["ConnectionTypes"]["OPPORTUNITY_COLLABORATION"]["Status"] == "ACTIVE"
    assert alto.send(ACCOUNT, "AcceptConnectionInvitation", accept) == accepted
    assert [c.Id for c in alto.list_connections()] == [connection["Id"]]


def test_connection_and_invitation_arns_have_the_apis_format(sandbox: LocalSandbox) -> None:
    """Unlike a partner's ARN, a connection's and an invitation's name no AWS account (botocore's patterns say)."""

    def pattern(operation: str, *members: str) -> str:
        shape = operations.operation_model(ACCOUNT, operation).output_shape
        for member in members:
            shape = shape.members[member]
        return shape.metadata["pattern"]

    cirrus, alto = sandbox.client(ISV), sandbox.client(ALTO)
    invite = {
        "Catalog": "Sandbox",
        "ClientToken": "invite-1",
        "ConnectionType": "SUBSIDIARY",
        "ReceiverIdentifier": "210987650000",
        "Email": "lena.vogt@cirrus-secure.example",
        "Name": "Lena Vogt",
        "Message": "Please connect",
    }
    sent = cirrus.send(ACCOUNT, "CreateConnectionInvitation", invite)
    [seeded] = alto.list_connection_invitations(participant_type="RECEIVER")
    connection = alto.send(ACCOUNT, "AcceptConnectionInvitation", {"Catalog": "Sandbox", "Identifier": seeded.Id})[
        "Connection"
    ]
    assert re.fullmatch(pattern("CreateConnectionInvitation", "Arn"), sent["Arn"])
    assert re.fullmatch(pattern("CreateConnectionInvitation", "Arn"), seeded.Arn)
    assert re.fullmatch(pattern("AcceptConnectionInvitation", "Connection", "Arn"), connection["Arn"])
    assert connection["Arn"] == f"arn:aws:partnercentral:us-east-1::catalog/Sandbox/connection/{connection['Id']}"
