"""The sandbox's account operations behave like the API: idempotency, roles, expiry, one task at a time; and
the onboarding status when a backend cannot show the seller setup."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from agent.backends import errors
from agent.backends.local import account
from agent.backends.local.sandbox import LocalSandbox
from agent.models.account import ProfileDetails
from agent.onboarding.status import onboarding_status, read_snapshot
from agent.storage import utcnow
from tests.conftest import ISV, NEWCOMER

ALTO = "partner-altocloud0004"
INVITE = dict(connection_type="SUBSIDIARY", receiver="210987650000", email="lena.vogt@cirrus-secure.example",
              name="Lena Vogt", message="Please connect")


def test_a_replayed_client_token_returns_the_same_invitation_and_a_different_request_conflicts(sandbox: LocalSandbox) -> None:
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
    details = ProfileDetails.model_validate({**alto.get_partner().Profile.model_dump(exclude={"ProfileId"}),
                                             "Description": "A new description that is long enough to read well."})
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
    assert tasks["tax_interview"].status == "unknown" and "Marketplace Management Portal" in tasks["tax_interview"].next_step
    assert tasks["prm"].status == "unknown"
    # nothing readable is left to do, so the next step is to check the first unreadable task by hand
    assert (status.next_action.id, status.next_action.status) == ("seller_registration", "unknown")


def test_a_verification_waiting_for_the_person_comes_first_with_its_completion_link(sandbox: LocalSandbox) -> None:
    from dataclasses import replace

    from agent.models.account import Verification

    snapshot = read_snapshot(sandbox.client(NEWCOMER), utcnow())
    waiting = Verification.model_validate({
        "VerificationType": "BUSINESS_VERIFICATION", "VerificationStatus": "PENDING_CUSTOMER_ACTION",
        "StartedAt": utcnow(), "VerificationResponseDetails": {"BusinessVerificationResponse": {
            "CompletionUrl": "https://verify.example/session/abc", "CompletionUrlExpiresAt": utcnow() + timedelta(days=2)}},
    })
    status = onboarding_status(replace(snapshot, verifications={**snapshot.verifications, "BUSINESS_VERIFICATION": waiting}))
    assert status.next_action.id == "business_verification"
    assert "https://verify.example/session/abc" in status.next_action.next_step
    assert "never in this chat" in status.next_action.next_step


def test_replaying_an_older_task_token_returns_that_task_as_it_started(sandbox: LocalSandbox) -> None:
    alto = sandbox.client(ALTO)
    profile = alto.get_partner().Profile.model_dump(exclude={"ProfileId"})
    first = alto.start_profile_update_task(ProfileDetails.model_validate({**profile, "Description": "First description, long enough."}), "tok-a")
    time.sleep(account.PROFILE_TASK_SECONDS + 0.1)
    second = alto.start_profile_update_task(ProfileDetails.model_validate({**profile, "Description": "Second description, long enough."}), "tok-b")
    replayed = alto.start_profile_update_task(ProfileDetails.model_validate({**profile, "Description": "First description, long enough."}), "tok-a")
    assert replayed.TaskId == first.TaskId != second.TaskId
    assert replayed == first and replayed.Status == "IN_PROGRESS"  # the first call's response, not a new task
    assert alto.get_profile_update_task().TaskId == second.TaskId
