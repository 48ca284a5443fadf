"""Live smoke test: read-only calls to the real APIs in the ``Sandbox`` catalog, and our models read every answer.

Marked ``live`` and deselected by default (pyproject's addopts ``-m "not live"``), so CI never runs them and never
counts them as skipped. To run them, with credentials of the AWS account linked to a Partner Central Sandbox partner
in the standard AWS credential chain::

    PARTNER_AGENT_LIVE=1 scripts/test -m live

``PARTNER_AGENT_PARTNER_ID`` picks the partner (else the first ListPartners returns in the Sandbox catalog) and
``PARTNER_AGENT_AWS_REGION`` the region (us-east-1). Selected without ``PARTNER_AGENT_LIVE=1`` or without
credentials, they fail saying so: they never pass by not running.

Only reads are sent: every client of the backend refuses, before anything leaves, an operation that is not a Get,
List or Describe. A read by id takes the id its list returned; with nothing listed it is skipped, saying so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from mcp import Client

from agent.backends import errors
from agent.backends.aws import AwsPartnerCentral, UnreadableResponse
from agent.backends.base import OpportunityQuery, PartnerCentral
from agent.config import Settings
from tests.stubbed_aws import clients_of

LIVE = os.environ.get("PARTNER_AGENT_LIVE") == "1"
PARTNER_ID = os.environ.get("PARTNER_AGENT_PARTNER_ID")
REGION = os.environ.get("PARTNER_AGENT_AWS_REGION", "us-east-1")
CATALOG = "Sandbox"
"""Read when this module is imported: the tests' isolated environment removes every PARTNER_AGENT_ variable."""
READ = re.compile(r"(Get|List|Describe)[A-Z]\w*")
live = pytest.mark.live


class NotARead(Exception):
    """An operation the live tests must not send."""


def _reads_only(backend: AwsPartnerCentral, calls: list[str]) -> None:
    def check(model: Any, **_: Any) -> None:
        if not READ.fullmatch(model.name):
            raise NotARead(f"{model.name} is not a read: the live tests send reads only")
        calls.append(model.name)

    for client in clients_of(backend).values():
        client.meta.events.register_first("before-parameter-build.*.*", check)


def _partner_id(session: boto3.session.Session) -> str:
    if PARTNER_ID:
        return PARTNER_ID
    found = session.client("partnercentral-account").list_partners(Catalog=CATALOG).get("PartnerSummaryList", [])
    if not found:
        pytest.fail(f"ListPartners found no partner in the {CATALOG} catalog: set PARTNER_AGENT_PARTNER_ID")
    return found[0]["Id"]


@pytest.fixture(scope="session")
def calls() -> list[str]:
    """The operations sent so far."""
    return []


@pytest.fixture(scope="session")
def backend(calls: list[str]) -> AwsPartnerCentral:
    if not LIVE:
        pytest.fail("the live tests call AWS: set PARTNER_AGENT_LIVE=1 (and AWS credentials) to run them")
    session = boto3.session.Session(region_name=REGION)
    if session.get_credentials() is None:
        pytest.fail("PARTNER_AGENT_LIVE=1 but the AWS credential chain found no credentials")
    backend = AwsPartnerCentral(_partner_id(session), CATALOG, REGION, session=session)
    _reads_only(backend, calls)
    return backend


def _absent_or(read: Callable[[], Any]) -> Any:
    """``read()``; None when the API answers that the resource does not exist (never started, never set)."""
    try:
        return read()
    except errors.ResourceNotFoundException:
        return None


def _first_id(items: list[Any], what: str) -> str:
    if not items:
        pytest.skip(f"no {what} in the {CATALOG} catalog of this partner to read by id")
    return items[0].Id


def _aws_summary(backend: PartnerCentral) -> Any:
    """AWS's side of the first opportunity, or its ResourceNotFoundException when AWS has none (never shared)."""
    from agent.backends import errors

    try:
        return backend.get_aws_opportunity_summary(
            _first_id(backend.list_opportunities(OpportunityQuery(MaxResults=1)).OpportunitySummaries, "opportunity")
        )
    except errors.ResourceNotFoundException:
        return None


LIVE_READS: dict[str, Callable[[PartnerCentral], Any]] = {
    "get_partner": lambda b: b.get_partner(),
    "get_profile_visibility": lambda b: _absent_or(b.get_profile_visibility),
    "get_alliance_lead_contact": lambda b: _absent_or(b.get_alliance_lead_contact),
    "get_verification": lambda b: [
        _absent_or(lambda: b.get_verification(kind)) for kind in ("REGISTRANT_VERIFICATION", "BUSINESS_VERIFICATION")
    ],
    "get_profile_update_task": lambda b: _absent_or(b.get_profile_update_task),
    "list_connection_invitations": lambda b: b.list_connection_invitations(),
    "list_connections": lambda b: b.list_connections(),
    "list_opportunities": lambda b: b.list_opportunities(OpportunityQuery(MaxResults=5)),
    "list_solutions": lambda b: b.list_solutions(),
    "list_engagement_invitations": lambda b: b.list_engagement_invitations(),
    "get_engagement_invitation": lambda b: [
        b.get_engagement_invitation(i.Id) for i in b.list_engagement_invitations()[:1]
    ],
    "get_aws_opportunity_summary": lambda b: _aws_summary(b),
    "get_engagement_task": lambda b: None,  # needs a task this partner started: a write, which live tests do not make
    "get_opportunity": lambda b: b.get_opportunity(
        _first_id(b.list_opportunities(OpportunityQuery(MaxResults=1)).OpportunitySummaries, "opportunity")
    ),
    "list_benefits": lambda b: b.list_benefits(),
    "get_benefit": lambda b: b.get_benefit(_first_id(b.list_benefits(), "benefit")),
    "list_benefit_applications": lambda b: b.list_benefit_applications(),
    "get_benefit_application": lambda b: b.get_benefit_application(
        _first_id(b.list_benefit_applications(), "fund request")
    ),
    "list_benefit_allocations": lambda b: b.list_benefit_allocations(),
    "get_seller_setup": lambda b: b.get_seller_setup(),
    "get_prm_evidence": lambda b: b.get_prm_evidence(),
    "resale_authorization_role_exists": lambda b: b.resale_authorization_role_exists(),
}
"""How each read of the backend interface is made live. Not here: `send` and `send_email_verification_code`
(writes: the latter emails a code) and `list_cash_claims` (no API: the backend refuses without calling)."""
NOT_LIVE = {"send", "send_email_verification_code", "list_cash_claims"}


def test_every_read_of_the_backend_interface_has_a_live_check() -> None:
    """Runs in CI: a read added to the interface gets a live check, or is named as one that sends or calls nothing."""
    assert set(LIVE_READS) | NOT_LIVE == set(PartnerCentral.__abstractmethods__)


def test_the_live_tests_are_deselected_by_default() -> None:
    """Runs in CI: ``scripts/test`` alone never calls AWS, and reports the live tests deselected, not skipped."""
    import tomllib
    from pathlib import Path

    options = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    [selection] = re.findall(r'-m "([^"]*)"', options["addopts"])
    assert re.search(r"(^|\band )not live\b", selection), selection  # "not live", alone or with other exclusions
    assert any(marker.startswith("live:") for marker in options["markers"])


@live
@pytest.mark.parametrize("method", LIVE_READS)
def test_a_live_read_is_understood(backend: AwsPartnerCentral, calls: list[str], method: str) -> None:
    before = len(calls)
    try:
        result = LIVE_READS[method](backend)
    except UnreadableResponse as unread:  # the API answered in a shape our models do not read
        pytest.fail(unread.message)
    assert len(calls) > before, f"{method} sent nothing"
    for name, unknown in (getattr(result, "Unknown", None) or {}).items():  # evidence reads fail soft: not shapes
        assert "cannot read" not in unknown.Reason and "could not be called" not in unknown.Reason, (name, unknown)


@live
def test_an_id_that_does_not_exist_is_not_found(backend: AwsPartnerCentral) -> None:
    with pytest.raises(errors.ResourceNotFoundException):
        backend.get_opportunity("O0000000000000")


@pytest.fixture
def live_server(
    backend: AwsPartnerCentral, monkeypatch: pytest.MonkeyPatch, guidance_settings: Settings
) -> Iterator[Any]:
    from agent.app import AgentApp
    from agent.server import build_server

    monkeypatch.setattr(AgentApp, "partner_central", lambda self, principal: backend)
    yield build_server(
        guidance_settings.model_copy(
            update={"backend": "aws", "catalog": CATALOG, "partner_id": backend.partner_id, "aws_region": REGION}
        )
    )


@live
@pytest.mark.parametrize(
    "tool",
    [
        "get_partner_profile",
        "get_onboarding_status",
        "check_prm_compliance",
        "list_account_connections",
        "list_opportunities",
        "list_funding_requests",
    ],
)
async def test_a_read_only_tool_answers_from_the_sandbox_catalog(live_server: Any, tool: str) -> None:
    async with Client(live_server) as client:
        result = await client.call_tool(tool, {})
    assert not result.is_error, result.content[0].text if result.content else tool
    assert result.structured_content
