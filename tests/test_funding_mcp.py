"""Funding through a real MCP client on the seeded sandbox."""

from __future__ import annotations

import csv
import io

import pytest
from mcp import Client

from agent.config import Settings
from agent.server import build_server
from tests.conftest import SERVICES
from tests.mcp_checks import approving


async def call(settings: Settings, tool: str, arguments: dict) -> dict:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_fund_requests_with_the_dashboards_filters_and_csv(settings: Settings) -> None:
    every = (await call(settings, "list_funding_requests", {}))["funding_requests"]
    assert {r["funding_request_id"] for r in every} == {"benappl-alto0mdf000001", "benappl-alto0poc000002"}
    poc = (await call(settings, "list_funding_requests", {"opportunity_id": "O4000002"}))["funding_requests"]
    assert [(r["program"], r["status"], r["stage"]) for r in poc] == [("POC", "APPROVED", "Pre-Approved")]
    assert (await call(settings, "list_funding_requests", {"status": "IN_REVIEW", "program": "MDF"}))[
        "funding_requests"
    ]
    assert not (await call(settings, "list_funding_requests", {"fulfillment_type": "CREDITS"}))["funding_requests"]
    exported = await call(settings, "list_funding_requests", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported["csv"])))
    assert {row["funding_request_id"] for row in rows} == {"benappl-alto0mdf000001", "benappl-alto0poc000002"}
    assert rows[0].keys() >= {"stage", "status", "program", "opportunity_id", "budget_year", "requested_amount"}


async def test_get_funding_request_and_isolation(settings: Settings) -> None:
    detail = await call(settings, "get_funding_request", {"funding_request_id": "benappl-alto0poc000002"})
    assert detail["funding_request"]["BenefitApplicationDetails"]["OpportunityId"] == "O4000002"
    async with Client(build_server(settings.model_copy(update={"partner_id": SERVICES}))) as client:
        foreign = await client.call_tool("get_funding_request", {"funding_request_id": "benappl-alto0poc000002"})
        assert foreign.is_error and "not found" in foreign.content[0].text
        assert (await client.call_tool("list_funding_requests", {})).structured_content["funding_requests"] == []


@pytest.mark.parametrize("bad", ["benappl-123", "O4000001"])
async def test_malformed_fund_request_ids_are_explained(settings: Settings, bad: str) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("get_funding_request", {"funding_request_id": bad})
    assert result.is_error and "benappl-" in result.content[0].text


async def test_recommendations_explain_themselves_and_show_the_sca_budget(settings: Settings) -> None:
    result = await call(settings, "recommend_funding", {"opportunity_id": "O4000001"})
    assert result["opportunity"]["expected_arr_usd"] == 720000  # 12 x 60,000 monthly
    recommendations = {r["program"]: r for r in result["recommendations"]}
    assert {"map-assess", "map-mobilize"} <= set(recommendations)
    mobilize = recommendations["map-mobilize"]
    assert "stage 'Business Validation'" in mobilize["reason"]
    assert "expected ARR $720,000 (12 x $60,000 monthly)" in mobilize["reason"]
    assert "Migration/Database Migration" in mobilize["reason"]
    assert mobilize["estimate"]["is_estimate"] and "% of expected ARR $720,000" in mobilize["estimate"]["formula"]
    [sca] = mobilize["budgets"]
    # the approved $10,000 POC request (an SCA benefit) is taken from the $500,000 allocation
    assert (sca["allocated"], sca["committed"], sca["remaining"]) == (500000, 10000, 490000)
    amounts = [r["estimate"].get("amount", 0) for r in result["recommendations"]]
    assert amounts == sorted(amounts, reverse=True)  # ranked, largest estimate first
    assert any(
        n["program"] == "map-migrate-modernize" and "Committed" in n["missing"][0] for n in result["near_misses"]
    )
    assert "estimate" in result["disclaimer"].lower()


@pytest.mark.parametrize(
    ("partner", "opportunity"),
    [
        ("partner-altocloud0004", "O4000003"),  # launched flat renewal, $1,500 a month
        ("partner-altocloud0004", "O4000004"),  # prospect without expected spend
        ("partner-stratus000002", "O2000004"),  # closed lost
    ],
)
async def test_no_match_is_explicit_with_next_steps(settings: Settings, partner: str, opportunity: str) -> None:
    result = await call(
        settings.model_copy(update={"partner_id": partner}), "recommend_funding", {"opportunity_id": opportunity}
    )
    assert result["recommendations"] == []
    assert result["next_steps"][0].startswith("No program fits this opportunity today")


async def test_every_recommendation_is_what_estimate_funding_says_of_that_program(settings: Settings) -> None:
    """The two tools agree for every sandbox opportunity: a recommended program is eligible with the same amount,
    and a near miss is not eligible and says what is missing."""
    checked = {"recommended": 0, "near misses": 0}
    for partner, opportunities in {
        "partner-altocloud0004": ["O4000001", "O4000002", "O4000003", "O4000004"],
        "partner-stratus000002": ["O2000001", "O2000002", "O2000003", "O2000004"],
        "partner-cirrus0000003": ["O3000001"],
    }.items():
        partner_settings = settings.model_copy(update={"partner_id": partner})
        for opportunity in opportunities:
            result = await call(partner_settings, "recommend_funding", {"opportunity_id": opportunity})
            for recommended in result["recommendations"]:
                estimate = await call(
                    partner_settings,
                    "estimate_funding",
                    {"opportunity_id": opportunity, "program": recommended["program"]},
                )
                assert estimate["eligible"] and recommended["reason"], (opportunity, recommended["program"])
                assert estimate["estimate"].get("amount") == recommended["estimate"].get("amount")
                checked["recommended"] += 1
            for near_miss in result["near_misses"]:
                estimate = await call(
                    partner_settings,
                    "estimate_funding",
                    {"opportunity_id": opportunity, "program": near_miss["program"]},
                )
                assert not estimate["eligible"] and near_miss["missing"], (opportunity, near_miss["program"])
                checked["near misses"] += 1
    assert checked["recommended"] >= 5 and checked["near misses"] >= 5, checked


async def test_estimate_funding_and_the_catalog(settings: Settings) -> None:
    estimate = await call(
        settings, "estimate_funding", {"opportunity_id": "O4000001", "program": "map-assess", "detail": "full"}
    )
    assert estimate["eligible"] and estimate["estimate"]["currency"] == "USD"
    assert estimate["estimate"]["inputs"]["expected_arr_usd"] == 720000 and estimate["sources"]
    catalog = await call(settings, "list_funding_programs", {"detail": "full"})
    assert len(catalog["programs"]) >= 8 and all(p["details"]["sources"] for p in catalog["programs"])
    async with Client(build_server(settings)) as client:
        unknown = await client.call_tool("estimate_funding", {"opportunity_id": "O4000001", "program": "free-money"})
    assert unknown.is_error and "map-assess" in unknown.content[0].text


def test_every_catalog_number_has_a_source() -> None:
    from agent.funding.catalog import load_catalog

    for program in load_catalog().programs:
        numeric = {
            f"eligibility.{k}"
            for k, v in program.eligibility.model_dump().items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        numeric |= {f"estimate.{k}" for k, v in program.estimate.model_dump().items() if isinstance(v, (int, float))}
        sourced = {n.path for n in program.numbers}
        assert numeric <= sourced, f"{program.id}: unsourced {numeric - sourced}"
        assert all(0 <= n.source_index < len(program.sources) for n in program.numbers)


def applications(settings: Settings) -> list:
    from agent.backends.local.sandbox import LocalSandbox

    return LocalSandbox(settings.sandbox_db).client("partner-altocloud0004").list_benefit_applications()


async def test_a_complete_opportunity_is_drafted_once_after_approval_and_never_submitted(settings: Settings) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    before = len(applications(settings))
    approve = approving()
    async with Client(build_server(settings), elicitation_callback=approve) as client:
        first = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        ).structured_content
        again = await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        assert first["status"] == "applied" and len(approve.asked) == 1
        assert (
            again.is_error and f"already requested for O4000001: {first['results'][0]['Id']}" in again.content[0].text
        )
        await client.call_tool(
            "manage_funding_request", {"funding_request_id": first["results"][0]["Id"], "action": "delete"}
        )
        recreated = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        ).structured_content
    assert recreated["status"] == "applied" and recreated["results"][0]["Id"] != first["results"][0]["Id"]  # a real one
    assert "DRAFT" in approve.asked[0] and "RequestedAmount: USD 36,000.00" in approve.asked[0]
    assert "Proposed by the assistant, check them: RequestedAmount, StartDate, EndDate." in approve.asked[0]
    drafts = applications(settings)
    assert len(drafts) == before + 1  # the first was deleted, the one asked for again is there
    [draft] = [a for a in drafts if a.Id == recreated["results"][0]["Id"]]
    assert draft.Status == "PENDING_SUBMISSION" and draft.BenefitId == "ben-mapassess00001"
    assert any(arn.endswith("/opportunity/O4000001") for arn in draft.AssociatedResources)


async def test_missing_answers_are_asked_then_used(settings: Settings) -> None:
    from mcp.types import ElicitResult

    async def approves_but_will_not_fill_forms(context, params) -> ElicitResult:
        if set(params.requested_schema["properties"]) == {"approve"}:
            return ElicitResult(action="accept", content={"approve": True})
        return ElicitResult(action="decline")

    settings = settings.model_copy(update={"approval_port": 0})
    async with Client(build_server(settings), elicitation_callback=approves_but_will_not_fill_forms) as client:
        asked = (
            await client.call_tool(
                "draft_funding_request", {"opportunity_id": "O4000001", "program": "proof-of-concept"}
            )
        ).structured_content
        assert asked["status"] == "needs_input" and [q["field"] for q in asked["questions"]] == ["SuccessCriteria"]
        bad = await client.call_tool(
            "draft_funding_request",
            {
                "opportunity_id": "O4000001",
                "program": "proof-of-concept",
                "answers": {"StartDate": "next Tuesday", "SuccessCriteria": "x"},
            },
        )
        assert bad.is_error and "StartDate: must be a valid date" in bad.content[0].text
        done = (
            await client.call_tool(
                "draft_funding_request",
                {
                    "opportunity_id": "O4000001",
                    "program": "proof-of-concept",
                    "session_id": asked["session_id"],
                    "answers": {"SuccessCriteria": "90% of clause questions answered with a correct citation"},
                },
            )
        ).structured_content
    assert done["status"] == "applied"


@pytest.mark.parametrize("callback", [None, approving("decline")], ids=["no channel answered", "declined"])
async def test_no_draft_without_approval(settings: Settings, callback) -> None:
    settings = settings.model_copy(update={"approval_port": 0})
    before = len(applications(settings))
    kwargs = {"elicitation_callback": callback} if callback else {}
    async with Client(build_server(settings), **kwargs) as client:
        result = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        ).structured_content
    assert result["status"] in ("requires_approval", "rejected")
    assert len(applications(settings)) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"opportunity_id": "O4000001", "program": "free-money"}, "Unknown program"),
        ({"opportunity_id": "O4000001", "program": "business-value-realization"}, "no application in Partner Central"),
        (
            {
                "opportunity_id": "O4000001",
                "program": "mdf",
                "answers": {
                    "CampaignStartDate": "2026-12-02",
                    "CampaignEndDate": "2027-01-10",
                    "CampaignChannels": "Email",
                    "FundingAmount": 5000,
                },
            },
            "cannot span calendar years",
        ),
        (
            {
                "opportunity_id": "O4000001",
                "program": "map-assess",
                "answers": {"StartDate": "2030-12-01", "EndDate": "2030-12-24"},
            },
            "December 16 and January 1",
        ),
    ],
)
async def test_drafts_that_cannot_be_made_are_explained(settings: Settings, arguments: dict, message: str) -> None:
    async with Client(build_server(settings.model_copy(update={"approval_port": 0}))) as client:
        result = await client.call_tool("draft_funding_request", arguments)
    assert result.is_error and message in result.content[0].text


async def manage(client: Client, **arguments) -> dict:
    result = await client.call_tool("manage_funding_request", arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_the_lifecycle_end_to_end_with_approvals(settings: Settings) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    settings = settings.model_copy(update={"approval_port": 0})
    sandbox = LocalSandbox(settings.sandbox_db)
    approve = approving()
    async with Client(build_server(settings), elicitation_callback=approve) as client:
        draft = (
            await client.call_tool("draft_funding_request", {"opportunity_id": "O4000001", "program": "map-assess"})
        ).structured_content
        request_id = draft["results"][0]["Id"]
        submitted = await manage(client, funding_request_id=request_id, action="submit")
        assert submitted["results"][0]["Stage"] == "Business Approval"  # MAP skips AWS Review
        recalled = await manage(client, funding_request_id=request_id, action="recall", reason="fix the dates")
        assert recalled["results"][0] == {"Id": request_id, "Stage": "Created", "Status": "PENDING_SUBMISSION"}
        await manage(client, funding_request_id=request_id, action="submit")
        for _ in range(2):
            sandbox.advance(request_id)  # Finance Approval, then Cash Claim (MAP has no Pre-Approved stage)
        assert sandbox.client("partner-altocloud0004").get_benefit_application(request_id).Stage == "Cash Claim"
        too_late = await client.call_tool(
            "manage_funding_request", {"funding_request_id": request_id, "action": "recall"}
        )
        assert too_late.is_error and "before Pre-Approved" in too_late.content[0].text
        end = (
            sandbox.client("partner-altocloud0004")
            .get_benefit_application(request_id)
            .BenefitApplicationDetails["EndDate"]
        )
        from datetime import date, timedelta

        new_end = date.fromisoformat(end) + timedelta(days=30)
        if not ((new_end.month == 12 and new_end.day >= 16) or (new_end.month == 1 and new_end.day == 1)):
            extended = await manage(
                client, funding_request_id=request_id, action="extend", new_end_date=new_end.isoformat()
            )
            assert extended["status"] == "applied"
            again = await client.call_tool(
                "manage_funding_request",
                {
                    "funding_request_id": request_id,
                    "action": "extend",
                    "new_end_date": (new_end + timedelta(days=5)).isoformat(),
                },
            )
            assert again.is_error and "only once" in again.content[0].text
        cancelled = await manage(client, funding_request_id=request_id, action="cancel", reason="customer paused")
        assert cancelled["results"][0]["Status"] == "CANCELED" and cancelled["results"][0]["Stage"] == "Cash Claim"
        events = (await client.call_tool("list_audit_events", {})).structured_content["events"]
    names = [e["eventName"] for e in events if e["decision"] == "applied"]
    assert names.count("CreateBenefitApplication") == 1 and "CancelBenefitApplication" in names


async def test_lifecycle_actions_wait_for_approval_and_follow_the_rules(settings: Settings) -> None:
    from agent.backends.local.sandbox import LocalSandbox

    settings = settings.model_copy(update={"approval_port": 0})
    backend = LocalSandbox(settings.sandbox_db).client("partner-altocloud0004")
    async with Client(build_server(settings)) as client:  # no elicitation: nothing changes without the page
        pending = await manage(client, funding_request_id="benappl-alto0mdf000001", action="cancel")
        assert pending["status"] == "requires_approval"
        assert backend.get_benefit_application("benappl-alto0mdf000001").Status == "IN_REVIEW"
        delete = await client.call_tool(
            "manage_funding_request", {"funding_request_id": "benappl-alto0mdf000001", "action": "delete"}
        )
        assert delete.is_error and "Created stage" in delete.content[0].text
        claim = await client.call_tool(
            "manage_funding_request",
            {"funding_request_id": "benappl-alto0poc000002", "action": "claim", "claim_amount": 9000},
        )
        assert claim.is_error and "Cash Claim stage" in claim.content[0].text
        extend = await client.call_tool(
            "manage_funding_request",
            {"funding_request_id": "benappl-alto0poc000002", "action": "extend", "new_end_date": "2099-01-01"},
        )
        assert extend.is_error and ("1-90 days" in extend.content[0].text or "December 16" in extend.content[0].text)


async def test_a_client_with_forms_is_asked_for_the_missing_fields(settings: Settings, protocol_mode: str) -> None:
    from mcp.types import ElicitResult

    forms = []

    async def person(context, params) -> ElicitResult:
        fields = set(params.requested_schema["properties"])
        forms.append(fields)
        if fields == {"approve"}:
            assert (
                'SuccessCriteria: "Answers 90% of clause questions correctly"' in params.message
            )  # the draft shows the answer
            return ElicitResult(action="accept", content={"approve": True})
        return ElicitResult(action="accept", content={"SuccessCriteria": "Answers 90% of clause questions correctly"})

    settings = settings.model_copy(update={"approval_port": 0})
    async with Client(build_server(settings), mode=protocol_mode, elicitation_callback=person) as client:
        result = (
            await client.call_tool(
                "draft_funding_request", {"opportunity_id": "O4000001", "program": "proof-of-concept"}
            )
        ).structured_content
    assert result["status"] == "applied", result
    assert forms == [{"SuccessCriteria"}, {"approve"}]
    [draft] = [a for a in applications(settings) if a.Id == result["results"][0]["Id"]]
    assert draft.BenefitApplicationDetails["SuccessCriteria"] == "Answers 90% of clause questions correctly"


async def test_declining_the_details_form_falls_back_to_questions(settings: Settings) -> None:
    from mcp.types import ElicitResult

    async def decline(context, params) -> ElicitResult:
        return ElicitResult(action="decline")

    async with Client(
        build_server(settings.model_copy(update={"approval_port": 0})), elicitation_callback=decline
    ) as client:
        result = (
            await client.call_tool(
                "draft_funding_request", {"opportunity_id": "O4000001", "program": "proof-of-concept"}
            )
        ).structured_content
    assert result["status"] == "needs_input" and result["questions"][0]["field"] == "SuccessCriteria"
