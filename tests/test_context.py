"""Context is a budget: every read tool answers the sandbox partners in short by default, what matters first, with
`detail="full"` for the rest; long texts say how to get them whole; guidance passages lead with their text and a
short citation, and only partner guidance is searchable."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from agent.backends.local.sandbox import LocalSandbox
from agent.backends.local.seed import example_details
from agent.config import Settings
from agent.server import build_server
from benchmarks.context import default_arguments
from tests.conftest import ISV, NEWCOMER, PRM_READY, SERVICES
from tests.mcp_checks import approving

BUDGET = 6000
PARTNERS = [NEWCOMER, SERVICES, ISV, PRM_READY]
NOT_CALLED = {"scan_company_website", "get_approval"}  # a public website; an approval id


def as_partner(settings: Settings, partner_id: str) -> Settings:
    return settings.model_copy(update={"partner_id": partner_id, "approval_port": 0})


def text_of(result) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def first_call_arguments(client: Client) -> dict[str, dict | None]:
    """What a model first passes to each read tool that needs arguments (None: the partner has nothing to pass)."""
    opportunities = (await client.call_tool("list_opportunities", {})).structured_content["opportunities"]
    requests = (await client.call_tool("list_funding_requests", {})).structured_content["funding_requests"]
    opportunity = opportunities[0]["Id"] if opportunities else None
    request = requests[0]["funding_request_id"] if requests else None
    return {tool.name: default_arguments(tool.name, opportunity, request) for tool in (await client.list_tools()).tools}


@pytest.mark.parametrize("partner_id", PARTNERS)
async def test_every_read_tool_answers_within_the_budget_by_default(
    guidance_settings: Settings, partner_id: str
) -> None:
    async with Client(build_server(as_partner(guidance_settings, partner_id))) as client:
        tools = [
            t for t in (await client.list_tools()).tools if t.annotations.read_only_hint and t.name not in NOT_CALLED
        ]
        arguments = await first_call_arguments(client)
        sizes = {}
        for tool in tools:
            given = arguments[tool.name]
            if given is None:
                continue
            result = await client.call_tool(tool.name, given)
            assert not result.is_error, (tool.name, text_of(result))
            sizes[tool.name] = len(text_of(result))
    assert len(sizes) >= 15
    too_big = {name: size for name, size in sizes.items() if size > BUDGET}
    assert not too_big, f"default results over {BUDGET} characters: {too_big}"


async def test_results_lead_with_the_verdict_the_next_step_or_the_amount(settings: Settings) -> None:
    async with Client(build_server(as_partner(settings, ISV))) as client:

        async def first_members(tool: str, arguments: dict | None = None) -> list[str]:
            return list(json.loads(text_of(await client.call_tool(tool, arguments or {}))))[:2]

        assert await first_members("get_onboarding_status") == ["next_action", "open_tasks"]
        assert await first_members("check_prm_compliance") == ["prm_ready", "summary"]
        assert await first_members("estimate_funding", {"opportunity_id": "O3000001", "program": "map-assess"}) == [
            "eligible",
            "estimate",
        ]
        assert await first_members("recommend_funding", {"opportunity_id": "O3000001"}) == [
            "opportunity_id",
            "recommendations",
        ]
        tax = json.loads(
            text_of(await client.call_tool("determine_tax_form", {"country": "DE", "entity_type": "business"}))
        )
        assert list(tax["guidance"])[:2] == ["form", "form_title"] and tax["guidance"]["form"] == "W-8BEN-E"
        prm = (await client.call_tool("check_prm_compliance", {})).structured_content
    # failing requirements first, each with its first remediation step
    assert [r["status"] for r in prm["requirements"][:2]] == ["not_met", "not_met"]
    assert "aws-apn-id-210987654321" in prm["requirements"][0]["first_step"]
    assert all("first_step" not in r for r in prm["requirements"] if r["status"] == "met")


async def test_onboarding_status_in_short_and_in_full(settings: Settings) -> None:
    async with Client(build_server(as_partner(settings, NEWCOMER))) as client:
        short = (await client.call_tool("get_onboarding_status", {})).structured_content
        full = (await client.call_tool("get_onboarding_status", {"detail": "full"})).structured_content
    assert short["next_action"]["id"] == "profile_details" and "stages" not in short
    assert short["progress"]["registration"] == "2 of 2 done"
    open_ids = [
        t["id"]
        for stage in full["stages"]
        for t in stage["tasks"]
        if t["status"] in ("action_required", "not_started", "in_progress", "unknown")
    ]
    assert len(short["open_tasks"]) == len(open_ids)
    assert all(f"({task})" in line for task, line in zip(open_ids, short["open_tasks"]))
    assert not any("(registrant_verification)" in line for line in short["open_tasks"])  # done tasks are left out
    assert sum(len(stage["tasks"]) for stage in full["stages"]) == 17 and full["stages"][0]["tasks"][0]["evidence"]


async def test_the_program_catalog_is_one_line_each_paged_with_full_detail_on_request(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        short = (await client.call_tool("list_funding_programs", {})).structured_content
        seen, offset = [], 0
        while offset is not None:
            page = (await client.call_tool("list_funding_programs", {"limit": 3, "offset": offset})).structured_content
            seen += [p["program"] for p in page["programs"]]
            offset = page.get("next_offset")
        one = (await client.call_tool("list_funding_programs", {"program": "map-assess"})).structured_content
        full = (await client.call_tool("list_funding_programs", {"detail": "full"})).structured_content
        unknown = await client.call_tool("list_funding_programs", {"program": "free-money"})
    assert seen == [p["program"] for p in short["programs"]] and len(seen) == short["total"] >= 8
    map_assess = short["programs"][0]
    assert map_assess["max_amount"] == "5% of expected ARR, up to $60,000" and "details" not in map_assess
    assert [p["program"] for p in one["programs"]] == ["map-assess"]
    assert one["programs"][0]["details"]["eligibility"]["min_arr_usd"] == 60000
    assert all(p["details"]["sources"] for p in full["programs"])
    assert unknown.is_error and "free-money" in unknown.content[0].text and "map-assess" in unknown.content[0].text


async def test_a_long_description_is_shortened_and_says_how_to_get_it_whole(
    settings: Settings, sandbox: LocalSandbox
) -> None:
    created = sandbox.client(PRM_READY).create_benefit_application(
        client_token="long",
        benefit_id="ben-pocfunding0001",
        name="Pilot",
        description="word " * 20000,
        fulfillment_types=["CASH"],
        associated_resources=[],
        details=example_details("ben-pocfunding0001"),
    )
    async with Client(build_server(as_partner(settings, PRM_READY))) as client:
        short = await client.call_tool("get_funding_request", {"funding_request_id": created.Id})
        full = await client.call_tool("get_funding_request", {"funding_request_id": created.Id, "detail": "full"})
    assert len(text_of(short)) < 3000
    description = short.structured_content["funding_request"]["Description"]
    assert description.startswith("word word") and description.endswith("more characters; detail='full')")
    assert full.structured_content["funding_request"]["Description"] == "word " * 20000


async def test_seller_guidance_in_short_keeps_the_answer_and_cites_urls(settings: Settings) -> None:
    async with Client(build_server(settings)) as client:
        short = (
            await client.call_tool("seller_compliance_requirements", {"seller_country": "DE", "bank_country": "DE"})
        ).structured_content["guidance"]
        full = (
            await client.call_tool(
                "seller_compliance_requirements", {"seller_country": "DE", "bank_country": "DE", "detail": "full"}
            )
        ).structured_content["guidance"]
        steps = (await client.call_tool("esc_catalog_steps", {"step": 5})).structured_content["guidance"]
        beyond = await client.call_tool("esc_catalog_steps", {"step": 99})
    assert short["kyc"]["applies"] == full["kyc"]["applies"] == "required" and short["kyc"]["next_steps"]
    assert "have_ready" not in short["kyc"] and full["kyc"]["have_ready"]
    assert all(url.startswith(("https://", "guidance://")) for url in short["sources"])
    assert {s["url"] for s in full["sources"] if s["url"].startswith("https://")} <= set(short["sources"])
    assert steps["step"]["number"] == 5 and steps["step"]["detail"] and "all_steps" not in steps
    assert steps["steps"][0].startswith("1. ") and len(steps["steps"]) >= 8
    assert beyond.is_error and "from 1 to" in beyond.content[0].text


async def test_search_passages_lead_with_the_text_and_a_short_citation(guidance_settings: Settings) -> None:
    async with Client(build_server(guidance_settings)) as client:
        result = await client.call_tool("search_guidance", {"query": "How do I recall a fund request?"})
        full = await client.call_tool("search_guidance", {"query": "How do I recall a fund request?", "detail": "full"})
    passages = json.loads(text_of(result))["passages"]
    assert len(passages) == 3 and list(passages[0])[:2] == ["text", "citation"]
    top = passages[0]
    assert " > " in top["citation"] and ".md" not in top["citation"] and top["resource_uri"].startswith("guidance://")
    assert "source" not in top and full.structured_content["passages"][0]["source"]


async def test_only_partner_guidance_is_indexed_and_searchable(guidance_settings: Settings) -> None:
    from agent.retrieval.index import KnowledgeIndex

    chunks, _, _ = KnowledgeIndex(guidance_settings.knowledge_dir).documents()
    docs = {chunk.doc for chunk in chunks}
    assert "funding/README.md" not in docs and not any(doc.lower().endswith("readme.md") for doc in docs)
    assert "seller/marketplace-seller-guide.md" in docs
    assert not [c.doc for c in chunks if "/work/" in c.text or "agent/" in c.text or ".py`" in c.text]
    async with Client(build_server(guidance_settings)) as client:
        found = (
            await client.call_tool(
                "search_guidance",
                {
                    "query": "funding program catalog programs.json source_index numbers line numbers",
                    "k": 20,
                },
            )
        ).structured_content["passages"]
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
    assert found and not any("README" in p["resource_uri"] for p in found)
    assert not any("README" in uri for uri in resources)
    assert "guidance://seller/marketplace-seller-guide.md" in resources


async def test_audit_events_page_one_line_each(settings: Settings) -> None:
    person = approving(approve=False)
    async with Client(build_server(as_partner(settings, NEWCOMER)), elicitation_callback=person) as client:
        for n in range(3):  # three changes the person declines: each is an audit event
            declined = await client.call_tool("update_profile", {"profile": {"display_name": f"Nimbus {n}"}})
            assert not declined.is_error and declined.structured_content["status"] == "rejected", text_of(declined)
        full = (await client.call_tool("list_audit_events", {"detail": "full"})).structured_content["events"]
        pages, offset = [], 0
        while offset is not None:
            page = (await client.call_tool("list_audit_events", {"limit": 2, "offset": offset})).structured_content
            pages.append(page["events"])
            offset = page.get("next_offset")
    assert len(full) >= 3 and all("requestParameters" in e for e in full)
    assert len(pages) == (len(full) + 1) // 2 and all(len(events) <= 2 for events in pages)
    assert not any("requestParameters" in e for events in pages for e in events)  # one line each
    oldest_first = [e for events in reversed(pages) for e in events]
    assert [(e["eventTime"], e["eventName"], e["decision"]) for e in oldest_first] == [
        (e["eventTime"], e["eventName"], e["decision"]) for e in full
    ]
