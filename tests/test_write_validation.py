"""A change that cannot succeed is refused before the person is asked, with what to do instead, and nothing of it
is stored; the tool list and the questions never send the model round in circles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from agent.app import AgentApp
from agent.config import Settings
from agent.graphs.profile_update import API_NAMES, ProfileFields
from agent.server import build_server
from tests.conftest import ISV, PRM_READY

POC = {"opportunity_id": "O4000001", "program": "proof-of-concept"}
GOOD_POC = {
    "SuccessCriteria": "Answers 90% of clause questions correctly",
    "StartDate": "2030-03-01",
    "EndDate": "2030-04-01",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"approval_port": 0})


async def refused(settings: Settings, tool: str, arguments: dict[str, Any]) -> str:
    """The error text of a refused call; checks nothing was asked or stored for it."""
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = result.content[0].text
    app = AgentApp(settings)
    assert not app.approvals.has_pending() and app.gate.checkpoints.flows() == []
    return text


async def asks(settings: Settings, tool: str, arguments: dict[str, Any]) -> dict:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


# The profile


@pytest.mark.parametrize(
    ("headquarters", "message"),
    [
        ({"CountryCode": "XX", "SubdivisionCode": "ZZ"}, "'XX' is not an ISO 3166-1 country code"),
        ({"CountryCode": "US", "SubdivisionCode": "ZZ"}, "'ZZ' is not an ISO 3166-2 subdivision of US"),
    ],
)
async def test_headquarters_must_be_real_iso_codes(settings: Settings, headquarters: dict, message: str) -> None:
    assert message in await refused(settings, "update_profile", {"profile": {"headquarters": headquarters}})


async def test_real_headquarters_are_asked_about(settings: Settings) -> None:
    asked = await asks(
        settings, "update_profile", {"profile": {"headquarters": {"CountryCode": "DE", "SubdivisionCode": "BE"}}}
    )
    assert asked["status"] == "requires_approval" and "Headquarters: US-WA -> DE-BE" in asked["approval"]["preview"]


# Training domains and connections


async def test_a_public_email_provider_is_not_a_company_training_domain(settings: Settings) -> None:
    text = await refused(
        settings, "manage_training_domains", {"email": "someone@gmail.com", "email_verification_code": "123456"}
    )
    assert "gmail.com is a public email provider" in text


async def test_an_account_cannot_invite_itself(settings: Settings) -> None:
    isv = settings.model_copy(update={"partner_id": ISV})
    text = await refused(
        isv,
        "manage_account_connections",
        {
            "receiver_account_ids": ["210987654321"],
            "inviter_name": "Lena Vogel",
            "inviter_email": "lena@cirrus-secure.example",
        },
    )
    assert "cannot invite itself" in text and "210987654321" in text


# Fund requests


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"RequestedAmount": -5000}, "RequestedAmount: must be more than 0"),
        ({"RequestedAmount": "NaN"}, "RequestedAmount must be a number"),
        ({"RequestedAmount": "Infinity"}, "RequestedAmount must be a number"),
        ({"RequestedAmount": 9500.005}, "a positive amount to the cent"),
        ({"RequestedAmount": 1e12}, "above Proof of Concept (POC)'s limit of USD 25,000.00"),
        ({"RequestedAmount": 30000}, "above Proof of Concept (POC)'s limit of USD 25,000.00"),
        ({"StartDate": "2024-03-01", "EndDate": "2024-04-01"}, "StartDate 2024-03-01 is in the past"),
        ({"EndDate": "2027-02-30"}, "EndDate: must be a valid date"),
        ({"ActivityDescription": "short"}, "ActivityDescription: must be at least 20 characters"),
        ({"AwsAccountId": "abc"}, "AwsAccountId: must match"),
        ({"SuccessCriteria": "ok\x00hidden"}, "control character U+0000"),
        ({"SuccessCriteria": "x" * 1_000_000}, "an answer is at most 2,000 characters"),
        ({"SuccessCriteria": "x" * 1500}, "SuccessCriteria: must be at most 1000 characters"),
        ({"SuccessCriteria": ["x" * 100] * 100}, "a list or object answer is at most 8,000 characters"),
        ({"Bonus": "yes"}, "Bonus is not a field of this application"),
    ],
)
async def test_a_draft_that_cannot_be_submitted_is_refused_before_asking(
    settings: Settings, answers: dict, message: str
) -> None:
    text = await refused(settings, "draft_funding_request", {**POC, "answers": {**GOOD_POC, **answers}})
    assert message in text
    assert len(text) < 2_000  # a megabyte of input is not echoed back


async def test_amount_limits_hold_for_drafts_and_edits(settings: Settings) -> None:
    from agent.backends.local.sandbox import LocalSandbox
    from agent.backends.local.seed import example_details

    mdf = {
        "opportunity_id": "O4000001",
        "program": "mdf",
        "answers": {
            "CampaignStartDate": "2030-03-01",
            "CampaignEndDate": "2030-04-01",
            "CampaignChannels": "Email",
            "FundingAmount": 40000,
        },
    }
    assert "more than the USD 35,000.00 left in your MDF wallet" in await refused(
        settings, "draft_funding_request", mdf
    )
    above_arr = {**POC, "answers": {**GOOD_POC, "RequestedAmount": 9000, "ExpectedArr": 5000}}
    assert "more than the expected annual AWS revenue USD 5,000.00" in await refused(
        settings, "draft_funding_request", above_arr
    )
    draft = (
        LocalSandbox(settings.sandbox_db)
        .client(PRM_READY)
        .create_benefit_application(
            client_token="edit-me",
            benefit_id="ben-pocfunding0001",
            name="Pilot",
            description="A pilot",
            fulfillment_types=["CASH"],
            details=example_details("ben-pocfunding0001", RequestedAmount=9000),
        )
    )
    edit = {"funding_request_id": draft.Id, "action": "edit", "answers": {"RequestedAmount": 999_999_999_999.99}}
    assert "above Proof of Concept (POC)'s limit of USD 25,000.00" in await refused(
        settings, "manage_funding_request", edit
    )


async def test_a_valid_draft_is_asked_about(settings: Settings) -> None:
    asked = await asks(settings, "draft_funding_request", {**POC, "answers": {**GOOD_POC, "RequestedAmount": "$9,500"}})
    assert asked["status"] == "requires_approval" and "RequestedAmount: USD 9,500.00" in asked["approval"]["preview"]


# Limits


async def test_a_principal_has_at_most_so_many_changes_waiting(settings: Settings) -> None:
    limited = settings.model_copy(update={"max_pending_approvals": 2})
    async with Client(build_server(limited)) as client:
        for visibility in ("PRIVATE", "PRIVATE"):
            assert (await client.call_tool("update_profile", {"visibility": visibility})).structured_content[
                "status"
            ] == "requires_approval"
        third = await client.call_tool("update_profile", {"visibility": "PRIVATE"})
    assert third.is_error and "2 changes already wait for the person's decision" in third.content[0].text


def test_a_megabyte_of_answers_grows_nothing(settings: Settings, tmp_path: Path) -> None:
    """Twenty refused drafts of a megabyte each leave the data folder as it was."""
    import anyio

    async def twenty() -> None:
        async with Client(build_server(settings)) as client:
            await client.call_tool("get_session", {})
            before = sum(p.stat().st_size for p in settings.data_dir.rglob("*") if p.is_file())
            for _ in range(20):
                result = await client.call_tool(
                    "draft_funding_request", {**POC, "answers": {"SuccessCriteria": "x" * 1_000_000}}
                )
                assert result.is_error
            after = sum(p.stat().st_size for p in settings.data_dir.rglob("*") if p.is_file())
        assert after - before < 200_000

    anyio.run(twenty)


# No loops


async def test_unknown_arguments_are_refused_with_the_valid_ones(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        result = await client.call_tool(
            "manage_training_domains", {"email": "a@nimbus-analytics.example", "answers": {"code": "123456"}}
        )
    assert result.is_error
    text = result.content[0].text
    assert "manage_training_domains has no parameter 'answers'" in text and "email_verification_code" in text


@pytest.mark.parametrize(
    ("partner", "tool", "arguments"),
    [
        (ISV, "manage_account_connections", {"receiver_account_ids": ["210987650000"]}),
        (ISV, "manage_account_connections", {"action": "accept"}),
        (PRM_READY, "manage_training_domains", {"email": "people@altocloud-labs.example"}),
        (PRM_READY, "manage_training_domains", {"action": "remove"}),
        (PRM_READY, "draft_funding_request", POC),
    ],
)
async def test_every_question_names_a_parameter_the_tool_has(
    settings: Settings, partner: str, tool: str, arguments: dict
) -> None:
    async with Client(build_server(settings.model_copy(update={"partner_id": partner}))) as client:
        schema = next(t for t in (await client.list_tools()).tools if t.name == tool).input_schema
        result = (await client.call_tool(tool, arguments)).structured_content
    assert result["status"] == "needs_input"
    fields = [question["field"] for question in result["questions"]]
    if "`answers`" in result["message"]:  # answers are keyed by the application's fields, as its schema names them
        from agent.backends.local.sandbox import LocalSandbox

        answers = schema["properties"]["answers"]
        assert answers.get("additionalProperties") not in (None, False)
        benefit = LocalSandbox(settings.sandbox_db).client(partner).get_benefit("ben-pocfunding0001")
        names = set(benefit.BenefitRequestSchema["properties"])
    else:
        names = set(schema["properties"])
        assert all(field in result["message"] for field in fields)
    assert fields and set(fields) <= names, (fields, sorted(names))


async def test_the_draft_and_manage_descriptions_agree_on_submitting(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        tools = {tool.name: tool.description for tool in (await client.list_tools()).tools}
    assert (
        "never submits" in tools["draft_funding_request"] and "manage_funding_request" in tools["draft_funding_request"]
    )
    assert "submit" in tools["manage_funding_request"] and "NEVER" not in tools["draft_funding_request"]


def test_the_profile_tool_takes_exactly_the_fields_the_api_lets_a_partner_edit() -> None:
    assert set(API_NAMES) == set(ProfileFields.model_fields)
