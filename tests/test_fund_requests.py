"""Fund requests through a real MCP client on the sandbox, true to the Benefits API and the guide's lifecycle:
applications built from each benefit's own schema, expiry, cash claims, resubmission, history-aware
recommendations, budgets that move with requests, and attachments from the person."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client

from agent.backends.local.sandbox import LocalSandbox
from agent.backends.local.seed import example_details
from agent.config import Settings
from agent.funding.dates import in_year_end_blackout
from agent.server import build_server
from tests.conftest import PRM_READY, SERVICES
from tests.conftest import poc_request as shared_poc_request
from tests.mcp_checks import approving

TODAY = datetime.now(UTC).date()
PDF = base64.b64encode(b"%PDF-1.4 the activity's brief").decode()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"approval_port": 0, "tool_approvals": True})


def sandbox(settings: Settings) -> LocalSandbox:
    box = LocalSandbox(settings.sandbox_db)
    box.ensure_ready()
    return box


def poc_request(settings: Settings, **request) -> str:
    return shared_poc_request(sandbox(settings), **request)


async def manage(client: Client, **arguments) -> dict:
    result = await client.call_tool("manage_funding_request", arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def refused(client: Client, **arguments) -> str:
    result = await client.call_tool("manage_funding_request", arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text


# Applications from the benefit's own schema


def person_filling(answers: dict) -> object:
    """An elicitation callback playing the person: fills a details form from ``answers``, approves approvals."""
    from mcp.types import ElicitResult

    async def callback(context, params) -> ElicitResult:
        fields = params.requested_schema["properties"]
        callback.forms.append(sorted(fields))
        if "approve" in fields:
            return ElicitResult(action="accept", content={"approve": True})
        return ElicitResult(action="accept", content={name: answers[name] for name in fields})

    callback.forms = []
    return callback


async def test_a_draft_follows_its_benefits_schema_whatever_it_names_its_fields(settings: Settings) -> None:
    """MDF's schema calls the dates CampaignStartDate/CampaignEndDate and the amount FundingAmount: the draft asks
    in those names (with the schema's titles), proposes dates and the wallet's balance, and validates them."""
    async with Client(build_server(settings)) as client:  # no forms: the questions come back as needs_input
        asked = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "mdf"})
        ).structured_content
    assert asked["status"] == "needs_input"
    questions = {q["field"]: q["question"] for q in asked["questions"]}
    assert "CampaignChannels" in questions and questions["CampaignChannels"].startswith(
        "Channels: "
    )  # title: description
    assert not {"CampaignName", "CampaignStartDate", "FundingAmount", "StartDate"} & set(questions)  # proposed
    person = person_filling({"CampaignChannels": "Email, Virtual Event"})
    async with Client(build_server(settings), elicitation_callback=person) as client:  # forms: asked in one form
        done = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "mdf"})
        ).structured_content
    assert done["status"] == "applied", done
    assert person.forms == [["CampaignChannels"], ["approve"]]
    draft = sandbox(settings).application(done["results"][0]["Id"])
    assert draft.BenefitApplicationDetails["CampaignChannels"] == ["Email", "Virtual Event"]
    assert draft.BenefitApplicationDetails["FundingAmount"] == 35000  # the MDF wallet's balance, proposed
    assert "StartDate" not in draft.BenefitApplicationDetails and "CampaignStartDate" in draft.BenefitApplicationDetails
    assert "console.aws.amazon.com/partnercentral" in done["message"]  # where the person reviews and submits it


async def test_answers_the_schema_refuses_are_named_before_anyone_is_asked(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        unknown = await client.call_tool(
            "draft_funding_request",
            {"opportunity_id": "O4000001", "program": "mdf", "answers": {"StartDate": "2030-01-01"}},
        )
        assert unknown.is_error and "StartDate is not a field of this application" in unknown.content[0].text
        assert "CampaignStartDate" in unknown.content[0].text  # the fields it has
        too_long = await client.call_tool(
            "draft_funding_request",
            {"opportunity_id": "O4000001", "program": "proof-of-concept", "answers": {"SuccessCriteria": "x" * 1500}},
        )
        assert too_long.is_error and "SuccessCriteria: must be at most 1000 characters" in too_long.content[0].text
        assert "x" * 100 not in too_long.content[0].text


# The lifecycle


async def test_a_request_past_its_expiry_is_shown_expired_and_takes_no_action(settings: Settings) -> None:
    ended = TODAY - timedelta(days=60)
    expired = poc_request(settings, start=ended - timedelta(days=30), end=ended, stage="Pre-Approved")
    async with Client(build_server(settings)) as client:
        rows = (await client.call_tool("list_funding_requests", {"funding_request_id": expired})).structured_content
        [row] = rows["funding_requests"]
        assert row["status"] == "EXPIRED" and date.fromisoformat(row["expires_on"]) < TODAY
        detail = (await client.call_tool("get_funding_request", {"funding_request_id": expired})).structured_content
        assert detail["shown_status"] == "EXPIRED" and detail["funding_request"]["Status"] == "APPROVED"
        for action, extra in (
            ("extend", {"new_end_date": (TODAY + timedelta(days=10)).isoformat()}),
            ("cancel", {}),
            ("claim", {"claim_amount": 100}),
        ):
            assert "expired on" in await refused(client, funding_request_id=expired, action=action, **extra)


async def test_cash_claims_follow_the_guide(settings: Settings) -> None:
    """Only once the activity ended; never more in total than approved; one in review at a time; AWS rejects
    one, the partner edits and resubmits it; approved claims reaching the amount complete the request."""
    box = sandbox(settings)
    future = poc_request(settings, start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=20), stage="Cash Claim")
    request = poc_request(settings, start=TODAY - timedelta(days=40), end=TODAY - timedelta(days=5), stage="Cash Claim")
    async with Client(build_server(settings), elicitation_callback=approving()) as client:
        assert "once the activity has ended" in await refused(
            client, funding_request_id=future, action="claim", claim_amount=100
        )
        assert "at most the approved 10,000.00" in await refused(
            client, funding_request_id=request, action="claim", claim_amount=12000
        )
        first = await manage(client, funding_request_id=request, action="claim", claim_amount=6000)
        claim_id = first["results"][0]["ClaimId"]
        assert first["status"] == "applied" and first["results"][0]["Status"] == "IN_REVIEW"
        assert "already in review" in await refused(client, funding_request_id=request, action="claim", claim_amount=10)
        box.review_claim(request, reject_reason="Receipts for week 3 are missing")
        edited = await manage(
            client, funding_request_id=request, action="edit_claim", claim_id=claim_id, claim_amount=5500
        )
        assert edited["status"] == "applied" and edited["results"][0]["Status"] == "IN_REVIEW"
        box.review_claim(request)  # approved: 5,500 of 10,000
        assert box.application(request).Stage == "Cash Claim"
        assert "at most 4,500.00 is left" in await refused(
            client, funding_request_id=request, action="claim", claim_amount=4600
        )
        await manage(client, funding_request_id=request, action="claim", claim_amount=4500)
        box.review_claim(request)
        detail = (await client.call_tool("get_funding_request", {"funding_request_id": request})).structured_content
    assert box.application(request).Stage == "Completed"
    assert [(c["amount"], c["status"]) for c in detail["cash_claims"]] == [(5500, "APPROVED"), (4500, "APPROVED")]


def approved_mdf_request(settings: Settings, *, start: date, end: date) -> str:
    box = sandbox(settings)
    backend = box.client(PRM_READY)
    created = backend.create_benefit_application(
        client_token=f"mdf-{end}",
        benefit_id="ben-mdfcampaign001",
        name="Webinar",
        description="d",
        fulfillment_types=["CASH"],
        details=example_details(
            "ben-mdfcampaign001", CampaignStartDate=start.isoformat(), CampaignEndDate=end.isoformat()
        ),
    )
    backend.submit_benefit_application(created.Id)
    while box.application(created.Id).Stage != "Pre-Approved":
        box.advance(created.Id)
    return created.Id


async def test_an_extension_amends_the_end_date_the_schema_names(settings: Settings) -> None:
    year = TODAY.year + 1
    request = approved_mdf_request(settings, start=date(year, 3, 1), end=date(year, 4, 1))
    new_end = date(year, 4, 20)
    person = approving()
    async with Client(build_server(settings), elicitation_callback=person) as client:
        extended = await manage(client, funding_request_id=request, action="extend", new_end_date=new_end.isoformat())
    assert extended["status"] == "applied"
    assert 'FieldPath: "$.CampaignEndDate"' in person.asked[0]
    assert sandbox(settings).application(request).BenefitApplicationDetails["CampaignEndDate"] == new_end.isoformat()


async def test_a_benefit_whose_schema_names_no_end_date_gets_unknown_not_a_crash(settings: Settings) -> None:
    import json
    import sqlite3

    request = poc_request(settings, start=TODAY - timedelta(days=40), end=TODAY - timedelta(days=5), stage="Cash Claim")
    with sqlite3.connect(settings.sandbox_db) as db:  # the POC benefit's schema, as a benefit naming no end date
        [body] = db.execute(
            "SELECT body FROM resources WHERE kind = 'benefit' AND id = 'ben-pocfunding0001'"
        ).fetchone()
        benefit = json.loads(body)
        schema = benefit["BenefitRequestSchema"]
        schema["properties"]["Wrap"] = schema["properties"].pop("EndDate") | {"title": "Wrap", "description": ""}
        schema["required"] = ["Wrap" if name == "EndDate" else name for name in schema["required"]]
        db.execute(
            "UPDATE resources SET body = ? WHERE kind = 'benefit' AND id = 'ben-pocfunding0001'", (json.dumps(benefit),)
        )
    async with Client(build_server(settings)) as client:
        claim = await refused(client, funding_request_id=request, action="claim", claim_amount=100)
        extend = await refused(
            client, funding_request_id=request, action="extend", new_end_date=(TODAY + timedelta(days=20)).isoformat()
        )
        shown = (await client.call_tool("get_funding_request", {"funding_request_id": request})).structured_content
    assert "end date is unknown" in claim and "end date is unknown" in extend
    assert "expires_on" not in shown and shown["shown_status"] == "APPROVED"


async def test_a_rejected_request_is_reopened_fixed_and_resubmitted_14_days_out(settings: Settings) -> None:
    box = sandbox(settings)
    end = TODAY + timedelta(days=60)
    while in_year_end_blackout(end):
        end += timedelta(days=1)
    request = poc_request(settings, start=TODAY + timedelta(days=3), end=end)
    async with Client(build_server(settings), elicitation_callback=approving()) as client:
        await manage(client, funding_request_id=request, action="submit")
        box.advance(request, reject_reason="Start too early for the technical review")
        assert "recall a request in review first" in await refused(
            client, funding_request_id=request, action="edit", answers={"EndDate": end.isoformat()}
        )
        assert "14 days from today" in await refused(client, funding_request_id=request, action="resubmit")
        reopened = await manage(client, funding_request_id=request, action="recall", reason="fix the start date")
        assert reopened["results"][0]["Status"] == "PENDING_SUBMISSION"
        assert "14 days from today" in await refused(
            client, funding_request_id=request, action="submit"
        )  # submitted before
        new_start = (TODAY + timedelta(days=15)).isoformat()
        await manage(client, funding_request_id=request, action="edit", answers={"StartDate": new_start})
        resubmitted = await manage(client, funding_request_id=request, action="submit")
    assert resubmitted["results"][0]["Stage"] == "AWS Review"  # POC starts in AWS Review
    assert box.application(request).BenefitApplicationDetails["StartDate"] == new_start


async def test_submission_rechecks_the_rules_a_request_made_elsewhere_breaks(settings: Settings) -> None:
    """An MDF request made in the console (here: straight in the sandbox) that spans two calendar years, which the
    guide forbids, is neither submitted nor, once rejected, resubmitted unchanged."""
    box = sandbox(settings)
    year = TODAY.year + 1
    spanning = example_details(
        "ben-mdfcampaign001", CampaignStartDate=f"{year}-12-01", CampaignEndDate=f"{year + 1}-01-10"
    )
    backend = box.client(PRM_READY)
    drafted = backend.create_benefit_application(
        client_token="spanning-draft",
        benefit_id="ben-mdfcampaign001",
        name="Year-end",
        description="d",
        fulfillment_types=["CASH"],
        details=spanning,
    )
    rejected = backend.create_benefit_application(
        client_token="spanning-rejected",
        benefit_id="ben-mdfcampaign001",
        name="Year-end",
        description="d",
        fulfillment_types=["CASH"],
        details=spanning,
    )
    backend.submit_benefit_application(rejected.Id)
    box.advance(rejected.Id, reject_reason="Budget unclear")
    async with Client(build_server(settings)) as client:
        not_submitted = await refused(client, funding_request_id=drafted.Id, action="submit")
        not_resubmitted = await refused(client, funding_request_id=rejected.Id, action="resubmit")
    assert "cannot span calendar years" in not_submitted and "cannot span calendar years" in not_resubmitted
    assert (
        box.application(drafted.Id).Status == "PENDING_SUBMISSION" and box.application(rejected.Id).Status == "REJECTED"
    )


async def test_a_program_that_requires_attachments_is_submitted_only_with_them(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.funding.catalog import load_catalog

    monkeypatch.setattr(load_catalog().get("mdf"), "required_attachments", ["Campaign plan"])
    backend = sandbox(settings).client(PRM_READY)
    draft = backend.create_benefit_application(
        client_token="needs-plan",
        benefit_id="ben-mdfcampaign001",
        name="Webinar",
        description="d",
        fulfillment_types=["CASH"],
        details=example_details("ben-mdfcampaign001"),
    ).Id
    async with Client(build_server(settings), elicitation_callback=approving()) as client:
        assert "needs these attachments first: Campaign plan" in await refused(
            client, funding_request_id=draft, action="submit"
        )
        await manage(
            client,
            funding_request_id=draft,
            action="attach",
            files=[{"name": "plan.pdf", "content_base64": PDF, "business_use": "Campaign plan"}],
        )
        submitted = await manage(client, funding_request_id=draft, action="submit")
    assert submitted["status"] == "applied" and backend.get_benefit_application(draft).Status == "IN_REVIEW"


# Recommendations that know the partner's history


async def test_a_program_already_requested_is_marked_not_recommended_again(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        result = (await client.call_tool("recommend_funding", {"opportunity_id": "O4000002"})).structured_content
        drafted = await client.call_tool(
            "draft_funding_request", {"opportunity_id": "O4000002", "program": "proof-of-concept"}
        )
    assert "proof-of-concept" not in {r["program"] for r in result["recommendations"]}
    assert {
        "program": "proof-of-concept",
        "name": "Proof of Concept (POC)",
        "funding_request_id": "benappl-alto0poc000002",
        "status": "APPROVED",
    } in result["already_requested"]
    assert drafted.is_error and "already requested for O4000002: benappl-alto0poc000002" in drafted.content[0].text


async def test_budgets_left_move_with_requests(settings: Settings) -> None:
    async with Client(build_server(settings), elicitation_callback=approving()) as client:
        before = (
            await client.call_tool("estimate_funding", {"opportunity_id": "O4000001", "program": "map-mobilize"})
        ).structured_content
        draft = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        ).structured_content
        drafted = (
            await client.call_tool("estimate_funding", {"opportunity_id": "O4000001", "program": "map-mobilize"})
        ).structured_content
        await manage(client, funding_request_id=draft["results"][0]["Id"], action="submit")
        submitted = (
            await client.call_tool("estimate_funding", {"opportunity_id": "O4000001", "program": "map-mobilize"})
        ).structured_content
    [sca_before], [sca_drafted], [sca_submitted] = before["budgets"], drafted["budgets"], submitted["budgets"]
    assert sca_before["remaining"] == sca_drafted["remaining"] == 490000  # a draft is not a request yet
    assert sca_submitted["remaining"] == 454000 and sca_submitted["committed"] == 46000  # 36,000 MAP Assess in review


async def test_an_unreadable_allocation_amount_is_unknown_not_a_failure(settings: Settings) -> None:
    import json
    import sqlite3

    sandbox(settings)
    with sqlite3.connect(settings.sandbox_db) as db:
        [body] = db.execute("SELECT body FROM resources WHERE id = 'benalloc-alto0sca000001'").fetchone()
        allocation = json.loads(body)
        amounts = allocation["FulfillmentDetail"]["ConsumableDetails"]
        amounts["AllocatedAmount"]["Amount"], amounts["RemainingAmount"]["Amount"] = "n/a", "320000.005"
        db.execute("UPDATE resources SET body = ? WHERE id = 'benalloc-alto0sca000001'", (json.dumps(allocation),))
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("estimate_funding", {"opportunity_id": "O4000001", "program": "map-mobilize"})
    assert not result.is_error, result.content[0].text
    [budget] = result.structured_content["budgets"]
    assert "allocated" not in budget and budget["remaining"] == 320000.005  # the API's own figure, read exactly


# Attachments from the person


async def test_files_come_from_the_client_or_the_operators_folder_and_nowhere_else(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "attachments"
    folder.mkdir()
    (folder / "plan.pdf").write_bytes(b"%PDF-1.4 campaign plan")
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not for attaching")
    allowed = settings.model_copy(update={"attachments_dir": folder})
    mdf = "benappl-alto0mdf000001"
    async with Client(build_server(allowed), elicitation_callback=approving()) as client:
        attached = await manage(
            client,
            funding_request_id=mdf,
            action="attach",
            files=[
                {"name": "brief.pdf", "content_base64": PDF, "business_use": "Activity brief"},
                {"name": "plan.pdf", "path": "plan.pdf", "business_use": "Campaign plan"},
            ],
        )
        assert [r["FileStatus"] for r in attached["results"]] == ["ScannedClean", "ScannedClean"]
        outside = await refused(
            client, funding_request_id=mdf, action="attach", files=[{"name": "secret.pdf", "path": "../secret.pdf"}]
        )
        missing = await refused(
            client, funding_request_id=mdf, action="attach", files=[{"name": "gone.pdf", "path": "gone.pdf"}]
        )
        absolute = await refused(
            client, funding_request_id=mdf, action="attach", files=[{"name": "secret.pdf", "path": str(secret)}]
        )
        too_many = await client.call_tool(
            "manage_funding_request",
            {
                "funding_request_id": mdf,
                "action": "attach",
                "files": [{"name": f"{i}.pdf", "content_base64": PDF} for i in range(4)],
            },
        )
        big = await refused(
            client,
            funding_request_id=mdf,
            action="attach",
            files=[{"name": "big.pdf", "content_base64": base64.b64encode(b"%PDF" + b"0" * 4_800_000).decode()}],
        )
        wrong_type = await refused(
            client, funding_request_id=mdf, action="attach", files=[{"name": "tool.exe", "content_base64": PDF}]
        )
    assert (
        outside.split(":", 1)[1].replace("secret.pdf", "X")
        == missing.split(":", 1)[1].replace("gone.pdf", "X")
        == absolute.split(":", 1)[1].replace("secret.pdf", "X")
    )  # the same words whether a file exists or not
    assert str(tmp_path) not in outside + missing + absolute
    assert too_many.is_error and "files" in too_many.content[0].text
    assert "larger than 4.5 MB" in big and "cannot be attached" in wrong_type
    names = [f.FileName for f in sandbox(settings).application(mdf).FileDetails]
    assert "brief.pdf" in names and "plan.pdf" in names and "secret.pdf" not in names


async def test_without_an_attachments_folder_only_the_clients_content_is_taken(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    async with Client(build_server(settings)) as client:
        text = await refused(
            client,
            funding_request_id="benappl-alto0mdf000001",
            action="attach",
            files=[{"name": "plan.pdf", "path": str(tmp_path / "plan.pdf")}],
        )
    assert "none is open to this connection" in text and str(tmp_path) not in text


async def test_spreadsheets_with_formulas_are_quarantined_and_the_person_is_warned(
    settings: Settings, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([10])
    book.active.append(["=SUM(A1:A1)"])
    book.save(tmp_path / "budget.xlsx")
    person = approving()
    async with Client(build_server(settings), elicitation_callback=person) as client:
        result = await manage(
            client,
            funding_request_id="benappl-alto0mdf000001",
            action="attach",
            files=[
                {
                    "name": "budget.xlsx",
                    "content_base64": base64.b64encode((tmp_path / "budget.xlsx").read_bytes()).decode(),
                    "business_use": "Campaign budget",
                }
            ],
        )
    assert (
        result["results"][0]["FileStatus"] == "Quarantined" and "formulas" in result["results"][0]["FileStatusReason"]
    )
    assert "will quarantine budget.xlsx" in person.asked[-1]


async def test_a_kept_file_altered_after_approval_is_not_uploaded(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        asked = await manage(
            client,
            funding_request_id="benappl-alto0mdf000001",
            action="attach",
            files=[{"name": "brief.pdf", "content_base64": PDF}],
        )
        assert asked["status"] == "requires_approval"
        [kept] = list((settings.data_dir / "attachments" / PRM_READY).rglob("brief.pdf"))
        kept.write_bytes(b"%PDF-1.4 something else")  # tampered with on disk while the approval waits
        decided = (
            await client.call_tool(
                "decide_approval",
                {"approval_id": asked["approval"]["approval_id"], "approve": True, "session_id": asked["session_id"]},
            )
        ).structured_content
    assert decided["status"] == "failed" and "changed after the person approved" in decided["message"]
    assert "brief.pdf" not in [f.FileName for f in sandbox(settings).application("benappl-alto0mdf000001").FileDetails]


async def test_another_partner_cannot_reach_a_request_or_its_files(settings: Settings) -> None:
    async with Client(build_server(settings.model_copy(update={"partner_id": SERVICES}))) as client:
        text = await refused(
            client,
            funding_request_id="benappl-alto0mdf000001",
            action="attach",
            files=[{"name": "brief.pdf", "content_base64": PDF}],
        )
    assert "not found" in text
    assert not (settings.data_dir / "attachments" / PRM_READY).exists()


# Every action waits for the person


@pytest.mark.parametrize("action", ["submit", "delete", "recall", "cancel", "attach", "claim", "extend"])
async def test_every_fund_request_action_waits_for_approval(settings: Settings, action: str) -> None:
    ended = TODAY - timedelta(days=5)
    target, extra = {
        "submit": (lambda: poc_request(settings, start=TODAY + timedelta(days=20), end=TODAY + timedelta(days=40)), {}),
        "delete": (lambda: poc_request(settings, start=TODAY + timedelta(days=20), end=TODAY + timedelta(days=40)), {}),
        "recall": (lambda: "benappl-alto0mdf000001", {}),
        "cancel": (lambda: "benappl-alto0mdf000001", {}),
        "attach": (lambda: "benappl-alto0mdf000001", {"files": [{"name": "brief.pdf", "content_base64": PDF}]}),
        "claim": (
            lambda: poc_request(settings, start=ended - timedelta(days=30), end=ended, stage="Cash Claim"),
            {"claim_amount": 9000},
        ),
        "extend": (lambda: "benappl-alto0poc000002", {}),
    }[action]
    request = target()
    if action == "extend":
        end = date.fromisoformat(sandbox(settings).application(request).BenefitApplicationDetails["EndDate"])
        extra = {
            "new_end_date": next(
                d for d in (end + timedelta(days=n) for n in range(10, 60)) if not in_year_end_blackout(d)
            ).isoformat()
        }
    before = sandbox(settings).application(request)
    async with Client(build_server(settings)) as client:  # no form: the change waits for the page
        result = await manage(client, funding_request_id=request, action=action, **extra)
    assert result["status"] == "requires_approval", result
    assert sandbox(settings).application(request) == before  # nothing changed


async def test_actions_a_backend_cannot_do_are_refused_before_the_person_is_asked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.backends.aws import CONSOLE_ONLY
    from agent.backends.local.sandbox import LocalPartnerCentral

    monkeypatch.setattr(
        LocalPartnerCentral, "unsupported", lambda self, operation: CONSOLE_ONLY.get(operation)
    )  # as aws
    person = approving()
    async with Client(build_server(settings), elicitation_callback=person) as client:
        text = await refused(
            client,
            funding_request_id="benappl-alto0mdf000001",
            action="attach",
            files=[{"name": "brief.pdf", "content_base64": PDF}],
        )
    assert "upload the file in the funding portal" in text and person.asked == []
