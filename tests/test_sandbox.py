"""The local sandbox behaves like the Partner Central APIs where it matters."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.backends import errors
from agent.backends.base import OpportunityQuery
from agent.backends.local import store
from agent.backends.local.sandbox import LocalSandbox
from agent.backends.local.seed import example_details
from tests.conftest import ISV, NEWCOMER, PRM_READY, SERVICES


def create_mdf_request(client, token: str = "token-1", name: str = "Spring webinar") -> object:
    return client.create_benefit_application(
        client_token=token,
        benefit_id="ben-mdfcampaign001",
        name=name,
        description="Two webinars on warehouse migration.",
        fulfillment_types=["CASH"],
        details=example_details("ben-mdfcampaign001", CampaignName=name),
    )


# Seeded world


def test_first_use_creates_and_seeds_four_partners_in_distinct_states(sandbox: LocalSandbox) -> None:
    partners = {p.Id: p for p in sandbox.list_partners()}
    assert set(partners) == {NEWCOMER, SERVICES, ISV, PRM_READY}

    newcomer = sandbox.client(NEWCOMER)
    assert newcomer.get_profile_visibility().Visibility == "PRIVATE"
    assert newcomer.list_opportunities(OpportunityQuery()).OpportunitySummaries == []
    assert newcomer.get_seller_setup().SellerRegistration == "NOT_STARTED"

    services = sandbox.client(SERVICES)
    stages = {o.LifeCycle.Stage for o in services.list_opportunities(OpportunityQuery()).OpportunitySummaries}
    assert {"Qualified", "Technical Validation", "Prospect"} <= stages
    use_cases = {services.get_opportunity(o).Project.CustomerUseCase for o in ("O2000001", "O2000002")}
    assert use_cases == {"Migration/Database Migration", "Containers & Serverless"}

    isv = sandbox.client(ISV)
    setup = isv.get_seller_setup()
    assert any(listing.ProductCode for account in setup.SellerAccounts for listing in account.Listings)
    assert [a.IsPrimary for a in setup.SellerAccounts].count(False) == 1  # a subsidiary seller account
    assert isv.get_prm_evidence().Signals == []  # listed, but no tagging or user-agent evidence

    ready = sandbox.client(PRM_READY)
    methods = {s.Method for s in ready.get_prm_evidence().Signals}
    assert {"RESOURCE_TAGGING", "USER_AGENT"} <= methods
    budgets = {a.Name: a for a in ready.list_benefit_allocations()}
    assert any("Strategic Collaboration" in name for name in budgets) and "MDF wallet" in budgets


def test_reset_discards_changes(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    client.put_profile_visibility("PRIVATE")
    sandbox.reset()
    assert sandbox.client(PRM_READY).get_profile_visibility().Visibility == "PUBLIC"


def test_half_created_database_is_rebuilt(settings) -> None:
    settings.data_dir.mkdir(parents=True)
    with store.Store(settings.sandbox_db).transaction() as conn:  # a file with tables but no schema version
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    sandbox = LocalSandbox(settings.sandbox_db)
    assert len(sandbox.list_partners()) == 4


# Tenant isolation and ids


def test_unknown_partner_is_refused(sandbox: LocalSandbox) -> None:
    with pytest.raises(errors.AccessDeniedException, match="sandbox list"):
        sandbox.client("partner-doesnotexist1")
    with pytest.raises(errors.ValidationException, match="malformed"):
        sandbox.client("acme")


def test_a_partner_cannot_read_or_change_another_partners_data(sandbox: LocalSandbox) -> None:
    stranger = sandbox.client(SERVICES)
    with pytest.raises(errors.ResourceNotFoundException):
        stranger.get_opportunity("O4000001")  # AltoCloud's, guessed
    with pytest.raises(errors.ResourceNotFoundException):
        stranger.get_benefit_application("benappl-alto0mdf000001")
    with pytest.raises(errors.ResourceNotFoundException):
        stranger.submit_benefit_application("benappl-alto0mdf000001")
    listed = stranger.list_opportunities(OpportunityQuery(Identifier=["O4000001", "O2000001"])).OpportunitySummaries
    assert [o.Id for o in listed] == ["O2000001"]
    assert stranger.list_benefit_allocations() == []
    assert sandbox.client(PRM_READY).get_benefit_application("benappl-alto0mdf000001").Status == "IN_REVIEW"


@pytest.mark.parametrize("bad_id", ["4000001", "O", "o4000001", "O12345678901234567890", "O1 OR 1=1"])
def test_malformed_opportunity_ids_are_validation_errors(sandbox: LocalSandbox, bad_id: str) -> None:
    with pytest.raises(errors.ValidationException) as raised:
        sandbox.client(PRM_READY).get_opportunity(bad_id)
    assert raised.value.field_errors[0].FieldName == "Identifier"


def test_new_ids_have_the_api_format(sandbox: LocalSandbox) -> None:
    application = create_mdf_request(sandbox.client(PRM_READY))
    assert len(application.Id) == len("benappl-") + 14 and application.Id.startswith("benappl-")
    assert application.Status == "PENDING_SUBMISSION" and application.Revision == "1"


# Listing, filtering, paging


def test_filters_sorting_and_paging_walk_every_match_once(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    seen, token = [], None
    while True:
        page = client.list_opportunities(
            OpportunityQuery(MaxResults=3, NextToken=token, SortBy="Identifier", SortOrder="ASCENDING")
        )
        seen += [o.Id for o in page.OpportunitySummaries]
        token = page.NextToken
        if token is None:
            break
    assert seen == ["O4000001", "O4000002", "O4000003", "O4000004"]

    qualified = client.list_opportunities(OpportunityQuery(LifeCycleStage=["Business Validation", "Launched"]))
    assert {o.Id for o in qualified.OpportunitySummaries} == {"O4000001", "O4000003"}
    by_name = client.list_opportunities(OpportunityQuery(CustomerCompanyName=["northwind"]))
    assert [o.Id for o in by_name.OpportunitySummaries] == ["O4000001"]


def test_a_token_from_other_filters_or_garbage_is_refused(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    token = client.list_opportunities(OpportunityQuery(MaxResults=1)).NextToken
    with pytest.raises(errors.ValidationException, match="different filters"):
        client.list_opportunities(OpportunityQuery(MaxResults=1, NextToken=token, LifeCycleStage=["Prospect"]))
    with pytest.raises(errors.ValidationException, match="NextToken is not valid"):
        client.list_opportunities(OpportunityQuery(NextToken="not-a-token"))


# Idempotency, optimistic locking, transitions


def test_client_token_replay_returns_the_same_application_once(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    before = len(client.list_benefit_applications())
    first = create_mdf_request(client, token="same-token")
    again = create_mdf_request(client, token="same-token")
    assert again.Id == first.Id
    assert len(client.list_benefit_applications()) == before + 1


def test_client_token_reused_for_a_different_request_is_a_conflict(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    create_mdf_request(client, token="t-2", name="Webinar A")
    count = len(client.list_benefit_applications())
    with pytest.raises(errors.ConflictException, match="different"):
        create_mdf_request(client, token="t-2", name="Webinar B")
    assert len(client.list_benefit_applications()) == count


def test_client_tokens_are_per_partner(sandbox: LocalSandbox) -> None:
    ours = create_mdf_request(sandbox.client(PRM_READY), token="shared")
    # Another partner using the same token string gets its own result, not ours.
    with pytest.raises(errors.ValidationException, match="offers"):
        sandbox.client(ISV).create_benefit_application(
            client_token="shared",
            benefit_id="ben-mdfcampaign001",
            name="x",
            description="y",
            fulfillment_types=["CREDITS"],
            details={},
        )
    assert sandbox.client(PRM_READY).get_benefit_application(ours.Id).Name == "Spring webinar"


def test_stale_revision_is_refused_and_nothing_changes(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = create_mdf_request(client)
    updated = client.update_benefit_application(draft.Id, revision=draft.Revision, name="Renamed once")
    assert updated.Revision == "2"
    with pytest.raises(errors.ConflictException, match="revision 2, not 1"):
        client.update_benefit_application(draft.Id, revision=draft.Revision, name="Lost update")
    assert client.get_benefit_application(draft.Id).Name == "Renamed once"


def test_invalid_transitions_are_refused(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = create_mdf_request(client)
    with pytest.raises(
        errors.ConflictException, match="RecallBenefitApplication is not allowed .* it is PENDING_SUBMISSION"
    ):
        client.recall_benefit_application(draft.Id, reason="oops")
    assert client.submit_benefit_application(draft.Id).Status == "IN_REVIEW"
    with pytest.raises(errors.ConflictException, match="SubmitBenefitApplication"):
        client.submit_benefit_application(draft.Id)
    with pytest.raises(errors.ConflictException):
        client.update_benefit_application(draft.Id, revision="2", name="edit while in review")
    assert client.recall_benefit_application(draft.Id, reason="fix dates").Status == "PENDING_SUBMISSION"
    canceled = client.cancel_benefit_application(draft.Id, reason="no longer needed")
    assert (canceled.Status, canceled.Stage) == ("CANCELED", "Created")  # status changes, stage does not
    with pytest.raises(errors.ConflictException):
        client.cancel_benefit_application(draft.Id)


def test_unknown_benefit_and_unsupported_fulfillment_are_refused(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    with pytest.raises(errors.ResourceNotFoundException):
        client.create_benefit_application(
            client_token="a",
            benefit_id="ben-doesnotexist00",
            name="n",
            description="d",
            fulfillment_types=["CASH"],
            details={},
        )
    with pytest.raises(errors.ValidationException, match="offers CASH, not CREDITS"):
        client.create_benefit_application(
            client_token="b",
            benefit_id="ben-mdfcampaign001",
            name="n",
            description="d",
            fulfillment_types=["CREDITS"],
            details={},
        )


def test_details_must_satisfy_the_benefits_request_schema_on_create_and_update(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    before = len(client.list_benefit_applications())
    wrong = example_details("ben-mdfcampaign001", FundingAmount="lots", StartDate="2030-03-01")
    with pytest.raises(errors.ValidationException) as refused:
        client.create_benefit_application(
            client_token="c",
            benefit_id="ben-mdfcampaign001",
            name="n",
            description="d",
            fulfillment_types=["CASH"],
            details=wrong,
        )
    assert {f.FieldName for f in refused.value.field_errors} == {
        "BenefitApplicationDetails.FundingAmount",
        "BenefitApplicationDetails",
    }  # and StartDate: unknown
    assert len(client.list_benefit_applications()) == before
    draft = create_mdf_request(client)
    with pytest.raises(errors.ValidationException, match="request schema"):
        client.update_benefit_application(
            draft.Id, revision=draft.Revision, details={**draft.BenefitApplicationDetails, "CampaignChannels": []}
        )
    assert client.get_benefit_application(draft.Id).Revision == draft.Revision


def test_alliance_lead_change_needs_the_emailed_code_once(sandbox: LocalSandbox) -> None:
    from agent.models.account import AllianceLeadContact

    client = sandbox.client(SERVICES)
    new_lead = AllianceLeadContact(
        FirstName="Ana", LastName="Silva", Email="ana@stratus-migration.example", BusinessTitle="Alliance Director"
    )
    with pytest.raises(errors.ValidationException, match="missing, wrong or expired"):
        client.put_alliance_lead_contact(new_lead, "123456")
    client.send_email_verification_code(new_lead.Email)
    code = client.outbox()[0]["Code"]
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(errors.ValidationException):
        client.put_alliance_lead_contact(new_lead, wrong)
    assert client.get_alliance_lead_contact().FirstName == "Marcus"
    client.put_alliance_lead_contact(new_lead, code)
    assert client.get_alliance_lead_contact().Email == "ana@stratus-migration.example"
    assert client.put_alliance_lead_contact(new_lead, None) == new_lead  # a replay changes nothing
    retitled = new_lead.model_copy(update={"BusinessTitle": "VP Alliances"})
    client.put_alliance_lead_contact(retitled, None)  # same address: no code needed
    client.send_email_verification_code("bob@stratus-migration.example")
    with pytest.raises(errors.ValidationException):  # codes are single use and per address
        client.put_alliance_lead_contact(retitled.model_copy(update={"Email": "ana2@stratus-migration.example"}), code)


# Transactions


def test_a_write_that_fails_midway_leaves_nothing_behind(
    sandbox: LocalSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sandbox.client(PRM_READY)
    before = len(client.list_benefit_applications())

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "record_response", fail)  # after the row insert, before commit
    with pytest.raises(RuntimeError):
        create_mdf_request(client, token="doomed")
    monkeypatch.undo()
    assert len(client.list_benefit_applications()) == before
    again = create_mdf_request(client, token="doomed")  # the token was not burnt either
    assert again.Status == "PENDING_SUBMISSION"


def test_kill_9_keeps_committed_writes_and_drops_the_uncommitted_one(sandbox: LocalSandbox, settings) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from agent.backends.local.sandbox import LocalSandbox
        from agent.backends.local import store
        from agent.backends.local.seed import example_details
        client = LocalSandbox(__import__("pathlib").Path({str(settings.sandbox_db)!r})).client({PRM_READY!r})
        client.create_benefit_application(client_token="committed", benefit_id="ben-mdfcampaign001",
            name="Committed", description="d", fulfillment_types=["CASH"], details=example_details("ben-mdfcampaign001"))
        def die(*a, **k):
            print("dying", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        store.record_response = die
        client.create_benefit_application(client_token="in-flight", benefit_id="ben-mdfcampaign001",
            name="In flight", description="d", fulfillment_types=["CASH"], details=example_details("ben-mdfcampaign001"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert "dying" in result.stdout
    names = [a.Name for a in sandbox.client(PRM_READY).list_benefit_applications()]
    assert "Committed" in names and "In flight" not in names


def test_reviews_move_through_the_programs_stages(sandbox: LocalSandbox) -> None:
    """MDF: Created -> Business Approval -> Finance Approval -> Pre-Approved -> Cash Claim -> Completed."""
    client = sandbox.client(PRM_READY)
    draft = create_mdf_request(client)
    seen = [(client.submit_benefit_application(draft.Id).Stage)]
    for _ in range(4):
        advanced = sandbox.advance(draft.Id)
        seen.append((advanced.Stage, advanced.Status))
    assert seen == [
        "Business Approval",
        ("Finance Approval", "IN_REVIEW"),
        ("Pre-Approved", "APPROVED"),
        ("Cash Claim", "APPROVED"),
        ("Completed", "APPROVED"),
    ]
    with pytest.raises(errors.ConflictException, match="completed"):
        client.cancel_benefit_application(draft.Id)
    with pytest.raises(errors.ConflictException):
        sandbox.advance(draft.Id)


def test_a_rejection_comes_back_to_created_with_its_reason(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = create_mdf_request(client)
    client.submit_benefit_application(draft.Id)
    rejected = sandbox.advance(draft.Id, reject_reason="Budget exceeds the wallet")
    assert (rejected.Stage, rejected.Status, rejected.StatusReason) == (
        "Created",
        "REJECTED",
        "Budget exceeds the wallet",
    )
    client.delete_benefit_application(draft.Id)  # a rejected request can be deleted
    with pytest.raises(errors.ResourceNotFoundException):
        client.get_benefit_application(draft.Id)


# send: one write exactly as given

BENEFITS = "partnercentral-benefits"
MDF_DRAFT = {
    "Catalog": "Sandbox",
    "ClientToken": "draft-1",
    "BenefitIdentifier": "ben-mdfcampaign001",
    "Name": "Spring webinar",
    "Description": "Two webinars on warehouse migration.",
    "FulfillmentTypes": ["CASH"],
    "BenefitApplicationDetails": example_details("ben-mdfcampaign001", CampaignName="Spring webinar"),
}
POC_APPROVED = "benappl-alto0poc000002"
MDF_IN_REVIEW = "benappl-alto0mdf000001"


def on(application_id: str, **members: object) -> dict:
    return {"Catalog": "Sandbox", "Identifier": application_id, **members}


def test_a_fund_request_goes_through_its_api_writes_and_each_answers_in_its_output_shape(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    created = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)
    draft = created["Id"]
    assert created == {"Id": draft, "Arn": client.get_benefit_application(draft).Arn, "Revision": "1"}
    updated = client.send(
        BENEFITS, "UpdateBenefitApplication", on(draft, ClientToken="edit-1", Revision="1", Name="Renamed")
    )
    assert updated == {"Id": draft, "Arn": created["Arn"], "Revision": "2"}
    assert client.send(BENEFITS, "SubmitBenefitApplication", on(draft)) == {}
    assert client.get_benefit_application(draft).Status == "IN_REVIEW"
    assert client.send(BENEFITS, "RecallBenefitApplication", on(draft, Reason="Fix the dates")) == {}
    assert client.get_benefit_application(draft).Status == "PENDING_SUBMISSION"
    assert (
        client.send(BENEFITS, "CancelBenefitApplication", on(draft, ClientToken="cancel-1", Reason="Not needed")) == {}
    )
    canceled = client.get_benefit_application(draft)
    assert (canceled.Name, canceled.Status, canceled.StatusReason) == ("Renamed", "CANCELED", "Not needed")


def test_an_amendment_through_send_changes_the_approved_request_once(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    amend = on(
        POC_APPROVED,
        ClientToken="extend-1",
        Revision="1",
        AmendmentReason="Customer asked for two more weeks",
        Amendments=[{"FieldPath": "$.EndDate", "NewValue": "2031-03-31"}],
    )
    assert client.send(BENEFITS, "AmendBenefitApplication", amend) == {}
    assert client.send(BENEFITS, "AmendBenefitApplication", amend) == {}  # a replay, not a stale Revision
    amended = client.get_benefit_application(POC_APPROVED)
    assert (amended.BenefitApplicationDetails["EndDate"], amended.Revision) == ("2031-03-31", "2")
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        client.send(BENEFITS, "AmendBenefitApplication", {**amend, "AmendmentReason": "Something else"})


def test_a_replay_returns_the_first_response_and_writes_nothing(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    first = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)
    client.send(
        BENEFITS, "UpdateBenefitApplication", on(first["Id"], ClientToken="edit-1", Revision="1", Name="Renamed")
    )
    count = len(client.list_benefit_applications())
    assert client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT) == first  # Revision "1", as answered first
    assert len(client.list_benefit_applications()) == count
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        client.send(BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "Name": "Autumn webinar"})
    assert len(client.list_benefit_applications()) == count


@pytest.mark.parametrize(
    ("operation", "members", "changed"),
    [
        ("UpdateBenefitApplication", {"Revision": "1", "Name": "Renamed"}, {"Name": "Renamed twice"}),
        ("RecallBenefitApplication", {"Reason": "Fix the dates"}, {"Reason": "Another reason"}),
        ("CancelBenefitApplication", {"Reason": "Not needed"}, {"Reason": "Another reason"}),
    ],
)
def test_update_recall_and_cancel_replay_their_client_token(
    sandbox: LocalSandbox, operation: str, members: dict, changed: dict
) -> None:
    """Without the replay the second call would fail: a stale Revision, or a request no longer in review."""
    client = sandbox.client(PRM_READY)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    if operation == "RecallBenefitApplication":
        client.send(BENEFITS, "SubmitBenefitApplication", on(draft))
    request = on(draft, ClientToken="once", **members)
    first = client.send(BENEFITS, operation, request)
    revision = client.get_benefit_application(draft).Revision
    assert client.send(BENEFITS, operation, request) == first
    assert client.get_benefit_application(draft).Revision == revision
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        client.send(BENEFITS, operation, {**request, **changed})


def test_the_typed_methods_replay_a_client_token_too(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = create_mdf_request(client)
    first = client.update_benefit_application(draft.Id, revision="1", name="Renamed", client_token="edit-1")
    assert client.update_benefit_application(draft.Id, revision="1", name="Renamed", client_token="edit-1") == first
    client.submit_benefit_application(draft.Id)
    recalled = client.recall_benefit_application(draft.Id, "Fix the dates", client_token="recall-1")
    assert client.recall_benefit_application(draft.Id, "Fix the dates", client_token="recall-1") == recalled
    canceled = client.cancel_benefit_application(draft.Id, "Not needed", client_token="cancel-1")
    assert client.cancel_benefit_application(draft.Id, "Not needed", client_token="cancel-1") == canceled
    approved = client.get_benefit_application(POC_APPROVED)
    change = dict(
        revision=approved.Revision,
        reason="Two more weeks",
        amendments=[{"FieldPath": "$.EndDate", "NewValue": "2031-03-31"}],
    )
    amended = client.amend_benefit_application(POC_APPROVED, **change, client_token="amend-1")
    assert client.amend_benefit_application(POC_APPROVED, **change, client_token="amend-1") == amended
    other = create_mdf_request(client, token="token-2")
    client.delete_benefit_application(other.Id, client_token="delete-1")
    client.delete_benefit_application(other.Id, client_token="delete-1")  # a replay, not "not found"


def test_without_a_client_token_there_is_no_replay(sandbox: LocalSandbox) -> None:
    """RecallBenefitApplication's ClientToken is optional: botocore sends none, so a second recall is refused."""
    client = sandbox.client(PRM_READY)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    client.send(BENEFITS, "SubmitBenefitApplication", on(draft))
    client.send(BENEFITS, "RecallBenefitApplication", on(draft, Reason="Fix the dates"))
    with pytest.raises(errors.ConflictException, match="it is PENDING_SUBMISSION"):
        client.send(BENEFITS, "RecallBenefitApplication", on(draft, Reason="Fix the dates"))


# send: console actions (ours, sandbox only)


def test_deleting_a_draft_through_send_replays_its_client_token(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    request = on(draft, ClientToken="delete-1")
    assert client.send(BENEFITS, "DeleteBenefitApplication", request) == {"Id": draft, "Status": "DELETED"}
    with pytest.raises(errors.ResourceNotFoundException):
        client.get_benefit_application(draft)
    assert client.send(BENEFITS, "DeleteBenefitApplication", request) == {"Id": draft, "Status": "DELETED"}
    other = client.send(BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "ClientToken": "draft-2"})["Id"]
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        client.send(BENEFITS, "DeleteBenefitApplication", on(other, ClientToken="delete-1"))
    assert client.get_benefit_application(other).Status == "PENDING_SUBMISSION"


def test_attaching_a_file_through_send_answers_with_its_file_details(sandbox: LocalSandbox, tmp_path: Path) -> None:
    client = sandbox.client(PRM_READY)
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(b"%PDF-1.4 webinar agenda")
    request = on(
        MDF_IN_REVIEW, ClientToken="attach-1", FileDetails=[{"FileURI": str(brief), "BusinessUseCase": "Agenda"}]
    )
    attached = client.send(BENEFITS, "AttachFile", request)
    assert attached["FileURI"] == f"s3://partner-agent-sandbox/{MDF_IN_REVIEW}/brief.pdf"
    assert (attached["FileName"], attached["BusinessUseCase"], attached["FileStatus"]) == (
        "brief.pdf",
        "Agenda",
        "ScannedClean",
    )
    assert client.send(BENEFITS, "AttachFile", request) == attached
    assert [f.FileName for f in client.get_benefit_application(MDF_IN_REVIEW).FileDetails] == ["brief.pdf"]
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        client.send(
            BENEFITS, "AttachFile", {**request, "FileDetails": [{"FileURI": str(brief), "BusinessUseCase": "Budget"}]}
        )


def test_console_actions_check_their_members(sandbox: LocalSandbox, tmp_path: Path) -> None:
    client = sandbox.client(PRM_READY)
    file = {"FileURI": str(tmp_path / "a.pdf"), "BusinessUseCase": "Agenda"}
    with pytest.raises(errors.ValidationException) as raised:
        client.send(BENEFITS, "AttachFile", on(MDF_IN_REVIEW, ClientToken="t", FileDetails=[file, file], Force=True))
    assert {(e.FieldName, e.Code) for e in raised.value.field_errors} == {
        ("Force", "INVALID_VALUE"),
        ("FileDetails", "TOO_MANY_VALUES"),
    }
    with pytest.raises(errors.ValidationException) as raised:
        client.send(BENEFITS, "SubmitCashClaim", on(POC_APPROVED, Amount="9500"))
    assert {(e.FieldName, e.Code) for e in raised.value.field_errors} == {
        ("ClientToken", "REQUIRED_FIELD_MISSING"),
        ("Amount", "INVALID_VALUE"),
    }
    with pytest.raises(
        errors.UnsupportedOperationException, match="does not make partnercentral-account DeleteBenefitApplication"
    ):
        client.send("partnercentral-account", "DeleteBenefitApplication", on(MDF_IN_REVIEW, ClientToken="t"))


# send: requests checked against the input shape before anything is written


def test_an_invalid_request_names_each_problem_and_changes_nothing(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    request = {**MDF_DRAFT, "ClientToken": "", "FulfillmentTypes": "CASH", "Name": "x" * 256, "Budget": 5000}
    del request["BenefitIdentifier"]
    count = len(client.list_benefit_applications())
    with pytest.raises(errors.ValidationException) as raised:
        client.send(BENEFITS, "CreateBenefitApplication", request)
    problems = {e.FieldName: e for e in raised.value.field_errors}
    assert set(problems) == {"Budget", "BenefitIdentifier", "FulfillmentTypes", "ClientToken", "Name"}
    assert problems["BenefitIdentifier"].Code == "REQUIRED_FIELD_MISSING"
    assert "Unknown parameter" in problems["Budget"].Message and "must be one of" in problems["Budget"].Message
    assert "Invalid type" in problems["FulfillmentTypes"].Message
    assert "min length: 1" in problems["ClientToken"].Message and "at most 255" in problems["Name"].Message
    assert raised.value.reason == "fieldValidationFailed"  # benefits' Reason for it
    assert len(client.list_benefit_applications()) == count


def test_an_enum_value_the_api_does_not_have_is_refused(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    with pytest.raises(errors.ValidationException) as raised:
        client.send(
            "partnercentral-account",
            "PutProfileVisibility",
            {"Catalog": "Sandbox", "Identifier": PRM_READY, "Visibility": "HIDDEN"},
        )
    [problem] = raised.value.field_errors
    assert (problem.FieldName, problem.Code) == ("Visibility", "INVALID_ENUM_VALUE") and "PRIVATE" in problem.Message
    assert client.get_profile_visibility().Visibility == "PUBLIC"


def test_another_catalog_or_partner_is_refused(sandbox: LocalSandbox) -> None:
    client, stranger = sandbox.client(PRM_READY), sandbox.client(SERVICES)
    count, theirs = len(client.list_benefit_applications()), stranger.get_profile_visibility()
    with pytest.raises(errors.ValidationException, match="works in the 'Sandbox' catalog"):
        client.send(BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "Catalog": "AWS"})
    assert len(client.list_benefit_applications()) == count
    flipped = "PUBLIC" if theirs.Visibility == "PRIVATE" else "PRIVATE"
    with pytest.raises(errors.ResourceNotFoundException, match=SERVICES):
        client.send(
            "partnercentral-account",
            "PutProfileVisibility",
            {"Catalog": "Sandbox", "Identifier": SERVICES, "Visibility": flipped},
        )
    assert stranger.get_profile_visibility() == theirs
    assert client.get_profile_visibility().Visibility == "PUBLIC"


def test_members_and_operations_the_sandbox_does_not_model_are_refused_not_dropped(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    with pytest.raises(errors.UnsupportedOperationException, match="does not model Tags of CreateBenefitApplication"):
        client.send(
            BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "Tags": [{"Key": "team", "Value": "alliances"}]}
        )
    with pytest.raises(errors.UnsupportedOperationException, match="CreateBenefitApplication, "):
        client.send(BENEFITS, "AssociateBenefitApplicationResource", on(MDF_IN_REVIEW))


def test_the_resale_authorization_role_through_send(sandbox: LocalSandbox) -> None:
    client = sandbox.client(ISV)
    request = {"AWSServiceName": "resale-authorization.marketplace.amazonaws.com"}
    assert client.resale_authorization_role_exists() is False
    assert client.send("iam", "CreateServiceLinkedRole", request) == {}
    assert client.resale_authorization_role_exists() is True
    assert client.send("iam", "CreateServiceLinkedRole", request) == {}  # it exists: still a success
    with pytest.raises(errors.UnsupportedOperationException, match="one service-linked role"):
        client.send("iam", "CreateServiceLinkedRole", {"AWSServiceName": "ecs.amazonaws.com"})


# Benefits: ListBenefits and GetBenefit, request schemas


def test_list_benefits_filters_by_program_and_fulfillment_type(sandbox: LocalSandbox) -> None:
    client = sandbox.client(SERVICES)
    every = client.list_benefits()
    assert len(every) == 8 and all(b.Id and b.Name for b in every)
    assert [b.Name for b in client.list_benefits(program="MDF")] == ["Marketing Development Funds (MDF)"]
    assert {b.Id for b in client.list_benefits(program="MAP")} == {
        "ben-mapassess00001",
        "ben-mapmobilize001",
        "ben-mapmigrate0001",
    }
    assert [b.Id for b in client.list_benefits(program="MAP", fulfillment_types=["CASH"])] == [
        "ben-mapassess00001",
        "ben-mapmobilize001",
    ]  # Migrate and Modernize offers credits only
    credits = client.list_benefits(fulfillment_types=["CREDITS", "ACCESS"])
    assert "ben-sandboxcred001" in {b.Id for b in credits} and "ben-mdfcampaign001" not in {b.Id for b in credits}
    assert client.list_benefits(program="No such program") == []
    with pytest.raises(errors.ValidationException) as raised:
        client.list_benefits(fulfillment_types=["CASH", "CREDITS", "ACCESS"])
    assert [(e.FieldName, e.Code) for e in raised.value.field_errors] == [("FulfillmentTypes", "TOO_MANY_VALUES")]


def test_get_benefit_by_id_or_arn_returns_its_request_schema(sandbox: LocalSandbox) -> None:
    from jsonschema import Draft202012Validator

    client = sandbox.client(PRM_READY)
    poc = client.get_benefit("ben-pocfunding0001")
    assert client.get_benefit(poc.Arn) == poc
    schema = poc.BenefitRequestSchema
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert (schema["type"], schema["additionalProperties"]) == ("object", False)
    assert {"StartDate", "EndDate", "RequestedAmount", "SuccessCriteria"} <= set(schema["required"])
    assert all(p["title"] and p["description"] for p in schema["properties"].values())
    assert schema["properties"]["EndDate"]["format"] == "date"
    amount = schema["properties"]["RequestedAmount"]
    assert (amount["type"], amount["exclusiveMinimum"]) == ("number", 0)
    with pytest.raises(errors.ResourceNotFoundException):
        client.get_benefit(poc.Arn.replace("000000000000", "111111111111"))
    with pytest.raises(errors.ValidationException):
        client.get_benefit("mdf")


def test_the_mdf_benefit_names_the_same_roles_differently(sandbox: LocalSandbox) -> None:
    """Code that hard-codes StartDate or RequestedAmount breaks on this benefit, as it would on AWS."""
    schema = sandbox.client(PRM_READY).get_benefit("ben-mdfcampaign001").BenefitRequestSchema
    names = set(schema["properties"])
    assert {"CampaignName", "CampaignStartDate", "CampaignEndDate", "FundingAmount", "FundingCurrency"} <= names
    assert not names & {"ActivityName", "StartDate", "EndDate", "RequestedAmount", "CurrencyCode"}
    assert schema["properties"]["CampaignEndDate"]["title"] == "Campaign end date"


def test_every_seeded_request_satisfies_its_benefits_schema(sandbox: LocalSandbox) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    client = sandbox.client(PRM_READY)
    applications = [client.get_benefit_application(a.Id) for a in client.list_benefit_applications()]
    assert len(applications) == 2
    for application in applications:
        schema = client.get_benefit(application.BenefitId).BenefitRequestSchema
        Draft202012Validator(schema, format_checker=FormatChecker()).validate(application.BenefitApplicationDetails)


def test_seeding_refuses_a_request_its_schema_does_not_allow(
    sandbox: LocalSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.backends.local import seed

    seeded = seed._applications

    def with_a_bad_date(now, today):
        applications = seeded(now, today)
        applications[1][1]["BenefitApplicationDetails"]["EndDate"] = "2026-02-30"
        return applications

    monkeypatch.setattr(seed, "_applications", with_a_bad_date)
    with pytest.raises(ValueError, match=r"benappl-alto0poc000002 .* at \$\.EndDate: '2026-02-30' is not a 'date'"):
        sandbox.reset()
    monkeypatch.undo()
    assert sandbox.client(PRM_READY).get_benefit_application(POC_APPROVED).Status == "APPROVED"  # the reset rolled back


# Transitions as the API documentation states them


def test_update_is_refused_outside_pending_submission_and_says_what_to_do(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    for application_id, hint in ((MDF_IN_REVIEW, "recall it first"), (POC_APPROVED, "amend it instead")):
        before = client.get_benefit_application(application_id)
        with pytest.raises(errors.ConflictException, match="UpdateBenefitApplication is not allowed") as raised:
            client.send(
                BENEFITS,
                "UpdateBenefitApplication",
                on(application_id, ClientToken="edit-1", Revision=before.Revision, Name="Renamed"),
            )
        assert hint in raised.value.message
        assert client.get_benefit_application(application_id) == before


def test_a_rejected_request_is_recalled_updated_and_submitted_again(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    client.send(BENEFITS, "SubmitBenefitApplication", on(draft))
    sandbox.advance(draft, reject_reason="Start too soon")
    for operation, members in (
        ("UpdateBenefitApplication", {"ClientToken": "e-1", "Revision": "3", "Name": "Fixed"}),
        ("SubmitBenefitApplication", {}),
    ):
        with pytest.raises(errors.ConflictException, match="it is REJECTED; .* recall it first"):
            client.send(BENEFITS, operation, on(draft, **members))
    client.send(BENEFITS, "RecallBenefitApplication", on(draft, Reason="Move the start date"))
    recalled = client.get_benefit_application(draft)
    assert (recalled.Status, recalled.Stage) == ("PENDING_SUBMISSION", "Created")
    client.send(
        BENEFITS, "UpdateBenefitApplication", on(draft, ClientToken="e-2", Revision=recalled.Revision, Name="Fixed")
    )
    client.send(BENEFITS, "SubmitBenefitApplication", on(draft))
    resubmitted = client.get_benefit_application(draft)
    assert (resubmitted.Name, resubmitted.Status, resubmitted.Stage) == ("Fixed", "IN_REVIEW", "Business Approval")


def amend(client, application_id: str, token: str, *changes: tuple[str, str]) -> dict:
    revision = client.get_benefit_application(application_id).Revision
    return client.send(
        BENEFITS,
        "AmendBenefitApplication",
        on(
            application_id,
            ClientToken=token,
            Revision=revision,
            AmendmentReason="Correction asked by the reviewer",
            Amendments=[{"FieldPath": path, "NewValue": value} for path, value in changes],
        ),
    )


def test_amendments_during_review_take_jsonpath_field_paths_and_the_members_types(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    before = client.get_benefit_application(MDF_IN_REVIEW)
    assert (
        amend(
            client,
            MDF_IN_REVIEW,
            "amend-1",
            ("$.CampaignEndDate", "2031-03-31"),
            ("$.Audience.Region", "EMEA"),
            ("$.FundingAmount", "12000.50"),
            ("$.CampaignChannels", '["Email"]'),
        )
        == {}
    )
    after = client.get_benefit_application(MDF_IN_REVIEW)
    details = after.BenefitApplicationDetails
    assert (details["CampaignEndDate"], details["Audience"], details["FundingAmount"], details["CampaignChannels"]) == (
        "2031-03-31",
        {"Industries": ["Retail"], "Region": "EMEA"},
        12000.5,
        ["Email"],
    )
    assert (after.Status, after.Stage, int(after.Revision)) == ("IN_REVIEW", before.Stage, int(before.Revision) + 1)


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (
            "$.EndDate",
            "2031-03-31",
            "Amendments[0].FieldPath",
            "names no member",
        ),  # the MDF schema says CampaignEndDate
        ("BenefitApplicationDetails.CampaignEndDate", "2031-03-31", "Amendments[0].FieldPath", "names no member"),
        ("$.Audience.Country", "DE", "Amendments[0].FieldPath", "names no member"),
        ("$.CampaignName.First", "x", "Amendments[0].FieldPath", "names no member"),
        (
            "$.CampaignEndDate",
            "2031-02-30",
            "Amendments[0].NewValue",
            "$.CampaignEndDate: '2031-02-30' is not a 'date'",
        ),
        ("$.Audience.Region", "Mars", "Amendments[0].NewValue", "$.Audience.Region: 'Mars' is not one of"),
        ("$.FundingAmount", "lots", "Amendments[0].NewValue", "$.FundingAmount: 'lots' is not of type 'number'"),
        ("$.FundingAmount", "0", "Amendments[0].NewValue", "less than or equal to the minimum of 0"),
        ("$.FundingAmount", "NaN", "Amendments[0].NewValue", "$.FundingAmount: 'NaN' is not of type 'number'"),
    ],
)
def test_an_amendment_the_schema_does_not_allow_is_refused_and_changes_nothing(
    sandbox: LocalSandbox, path: str, value: str, field: str, message: str
) -> None:
    client = sandbox.client(PRM_READY)
    before = client.get_benefit_application(MDF_IN_REVIEW)
    with pytest.raises(errors.ValidationException) as raised:
        amend(client, MDF_IN_REVIEW, "amend-1", ("$.CampaignName", "Retail webinars"), (path, value))
    [problem] = raised.value.field_errors
    assert problem.FieldName == field.replace("[0]", "[1]") and message in problem.Message
    assert client.get_benefit_application(MDF_IN_REVIEW) == before


def test_amendments_are_refused_before_review_and_after_completion(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    with pytest.raises(
        errors.ConflictException, match="it is PENDING_SUBMISSION; it needs one of: APPROVED, IN_REVIEW"
    ):
        amend(client, draft, "amend-1", ("$.CampaignName", "Renamed"))
    assert amend(client, POC_APPROVED, "amend-2", ("$.EndDate", "2031-03-31")) == {}  # approved: allowed
    sandbox.advance(POC_APPROVED)  # Cash Claim
    sandbox.advance(POC_APPROVED)  # Completed
    with pytest.raises(errors.ConflictException, match="it is completed"):
        amend(client, POC_APPROVED, "amend-3", ("$.EndDate", "2031-04-30"))


def test_identifiers_may_be_the_sandboxs_arns(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    arn = client.get_benefit_application(MDF_IN_REVIEW).Arn
    assert client.get_benefit_application(arn).Id == MDF_IN_REVIEW
    client.send(BENEFITS, "RecallBenefitApplication", on(arn, Reason="Fix the audience"))
    assert client.get_benefit_application(MDF_IN_REVIEW).Status == "PENDING_SUBMISSION"
    created = client.send(
        BENEFITS,
        "CreateBenefitApplication",
        {**MDF_DRAFT, "BenefitIdentifier": client.get_benefit("ben-mdfcampaign001").Arn},
    )
    assert client.get_benefit_application(created["Id"]).BenefitId == "ben-mdfcampaign001"
    with pytest.raises(errors.ResourceNotFoundException):
        sandbox.client(SERVICES).get_benefit_application(arn)  # another partner's


# Cash claims (console actions, sandbox only)


def claim(client, application_id: str, token: str, amount: float, claim_id: str | None = None) -> dict:
    if claim_id:
        return client.send(
            BENEFITS, "UpdateCashClaim", on(application_id, ClaimId=claim_id, ClientToken=token, Amount=amount)
        )
    return client.send(BENEFITS, "SubmitCashClaim", on(application_id, ClientToken=token, Amount=amount))


def test_a_claim_is_made_in_the_cash_claim_stage_and_reviewed_one_at_a_time(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    with pytest.raises(errors.ConflictException, match="in stage Pre-Approved .* Cash Claim stage"):
        claim(client, POC_APPROVED, "claim-1", 9500.0)
    sandbox.advance(POC_APPROVED)  # Pre-Approved -> Cash Claim
    first = claim(client, POC_APPROVED, "claim-1", 9500.25)
    assert re.fullmatch(r"claim-[0-9a-z]{13}", first["Id"])
    assert (first["BenefitApplicationId"], first["Amount"], first["Status"]) == (POC_APPROVED, "9500.25", "IN_REVIEW")
    with pytest.raises(errors.ConflictException, match=f"{first['Id']} .* is still in review"):
        claim(client, POC_APPROVED, "claim-2", 100.0)
    assert [(c.Id, c.Status) for c in client.list_cash_claims(POC_APPROVED)] == [(first["Id"], "IN_REVIEW")]
    assert client.get_benefit_application(POC_APPROVED).BenefitApplicationDetails.get("CashClaims") is None


def test_claims_never_total_more_than_the_approved_amount(sandbox: LocalSandbox) -> None:
    """The seeded POC was approved for 10,000: 9,500 approved leaves 500, and a rejected claim does not count."""
    client = sandbox.client(PRM_READY)
    sandbox.advance(POC_APPROVED)
    for amount in (10_000.01, 1e300):
        with pytest.raises(errors.ValidationException, match="at most 10,000.00 can still be claimed") as raised:
            claim(client, POC_APPROVED, f"too-much-{amount}", amount)
        assert [(e.FieldName, e.Code) for e in raised.value.field_errors] == [("Amount", "VALUE_OUT_OF_RANGE")]
    first = claim(client, POC_APPROVED, "claim-1", 9500.0)
    approved = sandbox.advance(POC_APPROVED)
    assert approved.Stage == "Cash Claim"  # 9,500 of 10,000 approved: the request stays open for the rest
    with pytest.raises(errors.ValidationException, match="9,500.00 is claimed already, so at most 500.00"):
        claim(client, POC_APPROVED, "claim-2", 9500.0)
    second = claim(client, POC_APPROVED, "claim-2", 500.0)
    assert [(c.Id, c.Status) for c in client.list_cash_claims(POC_APPROVED)] == [
        (first["Id"], "APPROVED"),
        (second["Id"], "IN_REVIEW"),
    ]


def test_a_rejected_claim_is_edited_resubmitted_and_approved_to_completion(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    sandbox.advance(POC_APPROVED)
    submitted = claim(client, POC_APPROVED, "claim-1", 10_000.0)
    with pytest.raises(errors.ConflictException, match="is IN_REVIEW; only a rejected claim"):
        claim(client, POC_APPROVED, "edit-0", 9000.0, claim_id=submitted["Id"])
    rejected = sandbox.review_claim(POC_APPROVED, reject_reason="Invoices do not match the amount")
    assert (rejected.Id, rejected.Status, rejected.StatusReason) == (
        submitted["Id"],
        "REJECTED",
        "Invoices do not match the amount",
    )
    with pytest.raises(errors.ValidationException, match="at most 10,000.00"):
        claim(client, POC_APPROVED, "edit-1", 10_000_000.0, claim_id=submitted["Id"])
    with pytest.raises(errors.ResourceNotFoundException):
        claim(client, POC_APPROVED, "edit-1", 9800.0, claim_id="claim-0000000000000")
    edited = claim(client, POC_APPROVED, "edit-2", 9800.0, claim_id=submitted["Id"])
    assert (edited["Id"], edited["Amount"], edited["Status"]) == (submitted["Id"], "9800.0", "IN_REVIEW")
    assert "StatusReason" not in edited
    assert sandbox.advance(POC_APPROVED).Stage == "Cash Claim"  # 9,800 approved, 200 left
    claim(client, POC_APPROVED, "claim-2", 200.0)
    completed = sandbox.advance(POC_APPROVED)
    assert (completed.Stage, completed.Status) == ("Completed", "APPROVED")
    assert [c.Status for c in client.list_cash_claims(POC_APPROVED)] == ["APPROVED", "APPROVED"]
    with pytest.raises(errors.ConflictException, match="in stage Completed"):
        claim(client, POC_APPROVED, "claim-3", 1.0)


def test_rejecting_a_claim_needs_one_in_review(sandbox: LocalSandbox) -> None:
    sandbox.advance(POC_APPROVED)
    with pytest.raises(errors.ConflictException, match="No cash claim .* is in review"):
        sandbox.review_claim(POC_APPROVED, reject_reason="Missing receipts")


def test_an_mdf_claim_is_checked_against_the_mdf_amount_member(sandbox: LocalSandbox) -> None:
    """The MDF schema calls the requested amount FundingAmount; the seeded request asks for 15,000."""
    client = sandbox.client(PRM_READY)
    for _ in range(3):  # Business Approval -> Finance Approval -> Pre-Approved -> Cash Claim
        sandbox.advance(MDF_IN_REVIEW)
    with pytest.raises(errors.ValidationException, match="at most its approved 15,000.00"):
        claim(client, MDF_IN_REVIEW, "claim-1", 15_000.01)
    claim(client, MDF_IN_REVIEW, "claim-2", 15_000.0)
    assert sandbox.advance(MDF_IN_REVIEW).Stage == "Completed"


def test_claim_writes_replay_their_client_token(sandbox: LocalSandbox) -> None:
    client = sandbox.client(PRM_READY)
    sandbox.advance(POC_APPROVED)
    first = claim(client, POC_APPROVED, "claim-1", 9500.0)
    assert claim(client, POC_APPROVED, "claim-1", 9500.0) == first  # not "still in review"
    with pytest.raises(errors.ConflictException, match="already used for a different"):
        claim(client, POC_APPROVED, "claim-1", 9900.0)
    sandbox.review_claim(POC_APPROVED, reject_reason="Wrong amount")
    edited = claim(client, POC_APPROVED, "edit-1", 9000.0, claim_id=first["Id"])
    assert claim(client, POC_APPROVED, "edit-1", 9000.0, claim_id=first["Id"]) == edited
    assert len(client.list_cash_claims(POC_APPROVED)) == 1


def test_claims_are_the_owners_only(sandbox: LocalSandbox) -> None:
    sandbox.advance(POC_APPROVED)
    stranger = sandbox.client(SERVICES)
    with pytest.raises(errors.ResourceNotFoundException):
        stranger.list_cash_claims(POC_APPROVED)
    with pytest.raises(errors.ResourceNotFoundException):
        claim(stranger, POC_APPROVED, "claim-1", 100.0)
    assert sandbox.client(PRM_READY).list_cash_claims(POC_APPROVED) == []
