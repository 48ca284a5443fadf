"""Managed-policy permissions: what each policy grants, in which catalog, and how denials read."""

from __future__ import annotations

import json
from collections.abc import Callable
from fnmatch import fnmatchcase

import pytest

from agent.trust.permissions import (
    POLICIES_FILE,
    PermissionDenied,
    authorize,
    check_policy_names,
    known_actions,
    load_policies,
    missing_actions,
)

FULL = "AWSPartnerCentralFullAccess"
SANDBOX = "AWSPartnerCentralSandboxFullAccess"
OPPORTUNITIES = "AWSPartnerCentralOpportunityManagement"
INCENTIVES = "PartnerCentralIncentiveBenefitManagement"

# The permissions the guide lists for the funding recommendation agent ("GetAwsOpporunitySummary"
# there is a typo for the real action name used here).
FUNDING_AGENT = [
    "partnercentral:ListBenefitAllocations",
    "partnercentral:ListBenefitApplications",
    "partnercentral:CreateBenefitApplication",
    "partnercentral:GetBenefitApplication",
    "partnercentral:UpdateBenefitApplication",
    "partnercentral:AssociateBenefitApplicationResource",
    "partnercentral:DisassociateBenefitApplicationResource",
    "partnercentral:GetOpportunity",
    "partnercentral:GetAwsOpportunitySummary",
    "partnercentral:UseSession",
    "aws-marketplace:DescribeEntity",
    "aws-marketplace:SearchAgreements",
]

PARTNER_CENTRAL = sorted(
    action for action in known_actions() if action.startswith(("partnercentral:", "partnercentral-account-management:"))
)

DOCUMENT = json.loads(POLICIES_FILE.read_text(encoding="utf-8"))


def _grants(policy: str, catalog: str) -> frozenset[str]:
    """The known actions `policy` grants in `catalog`."""
    return frozenset(known_actions()) - frozenset(missing_actions([policy], known_actions(), catalog))


# --- what each policy grants ------------------------------------------------------------


@pytest.mark.parametrize("catalog", ["AWS", "Sandbox"])
def test_full_access_grants_all_of_partner_central_and_the_funding_agent(catalog: str) -> None:
    assert missing_actions([FULL], PARTNER_CENTRAL + FUNDING_AGENT, catalog) == []


def test_sandbox_full_access_grants_all_of_partner_central_in_the_sandbox() -> None:
    partner_central_api = [action for action in PARTNER_CENTRAL if action.startswith("partnercentral:")]
    assert missing_actions([SANDBOX], partner_central_api, "Sandbox") == []


def test_sandbox_full_access_grants_nothing_in_the_aws_catalog() -> None:
    assert missing_actions([SANDBOX], known_actions(), "AWS") == sorted(known_actions())


@pytest.mark.parametrize("catalog", ["AWS", "Sandbox"])
@pytest.mark.parametrize(
    ("policy", "action", "granted"),
    [
        (OPPORTUNITIES, "partnercentral:GetOpportunity", True),
        (OPPORTUNITIES, "partnercentral:ListOpportunities", True),
        (OPPORTUNITIES, "partnercentral:GetAwsOpportunitySummary", True),
        (OPPORTUNITIES, "partnercentral:UpdateOpportunity", True),
        (OPPORTUNITIES, "partnercentral:UseSession", True),
        (OPPORTUNITIES, "partnercentral:PutProfileVisibility", False),
        (OPPORTUNITIES, "partnercentral:CreateBenefitApplication", False),
        (OPPORTUNITIES, "partnercentral:AcceptChannelHandshake", False),
        (INCENTIVES, "partnercentral:ListBenefits", True),
        (INCENTIVES, "partnercentral:SubmitBenefitApplication", True),
        (INCENTIVES, "partnercentral:UpdateOpportunity", False),
        (INCENTIVES, "partnercentral:PutProfileVisibility", False),
        ("AWSPartnerCentralChannelHandshakeApprovalManagement", "partnercentral:AcceptChannelHandshake", True),
        ("AWSPartnerCentralChannelHandshakeApprovalManagement", "partnercentral:CreateRelationship", False),
        ("AWSPartnerCentralChannelManagement", "partnercentral:CreateRelationship", True),
        ("AWSPartnerCentralChannelManagement", "partnercentral:GetProgramManagementAccount", True),
        ("AWSPartnerCentralChannelManagement", "partnercentral:AcceptChannelHandshake", False),
        ("PartnerCentralAccountManagementUserRoleAssociation", "iam:PassRole", True),
        ("PartnerCentralAccountManagementUserRoleAssociation", "partnercentral:GetPartner", False),
        ("AWSPartnerProServeToolsFullAccess", "partnercentral:GetPartner", False),
    ],
)
def test_policy_grant_matrix(policy: str, action: str, granted: bool, catalog: str) -> None:
    assert (missing_actions([policy], [action], catalog) == []) is granted


@pytest.mark.parametrize("catalog", ["AWS", "Sandbox"])
def test_incentive_benefit_management_grants_every_funding_agent_permission(catalog: str) -> None:
    assert missing_actions([INCENTIVES], FUNDING_AGENT, catalog) == []


def test_policies_combine() -> None:
    needed = ["partnercentral:GetOpportunity", "partnercentral:CreateBenefitApplication"]
    assert missing_actions([OPPORTUNITIES], needed, "AWS") == ["partnercentral:CreateBenefitApplication"]
    assert missing_actions([OPPORTUNITIES, INCENTIVES], needed, "AWS") == []


def test_missing_actions_are_sorted_and_deduplicated() -> None:
    needed = ["partnercentral:PutProfileVisibility", "partnercentral:CreateBenefitApplication"] * 2
    assert missing_actions([], needed, "AWS") == sorted(set(needed))


def test_unknown_catalog_is_rejected() -> None:
    with pytest.raises(ValueError, match="catalog"):
        missing_actions([FULL], ["partnercentral:GetOpportunity"], "sandbox")


# --- denials --------------------------------------------------------------------------------


def test_authorize_passes_when_granted() -> None:
    assert authorize([INCENTIVES], FUNDING_AGENT, "AWS", tool="recommend_funding") is None


@pytest.mark.parametrize(
    ("policies", "actions", "catalog"),
    [
        ([OPPORTUNITIES], ["partnercentral:PutProfileVisibility"], "Sandbox"),
        ([OPPORTUNITIES], ["partnercentral:PutProfileVisibility"], "AWS"),
        ([OPPORTUNITIES], FUNDING_AGENT, "AWS"),
        ([SANDBOX], ["partnercentral:GetOpportunity", "partnercentral:UseSession"], "AWS"),
        ([], ["partnercentral:GetOpportunity"], "Sandbox"),
    ],
)
def test_denial_names_missing_actions_and_a_policy_that_grants_them(
    policies: list[str], actions: list[str], catalog: str
) -> None:
    missing = missing_actions(policies, actions, catalog)
    with pytest.raises(PermissionDenied) as denied:
        authorize(policies, actions, catalog, tool="some_tool")
    message = str(denied.value)
    assert denied.value.missing == missing
    assert message.startswith("Access denied: some_tool needs ")
    assert f"in the {catalog} catalog" in message
    assert all(action in message for action in missing)
    assert denied.value.suggested_policy is not None
    assert denied.value.suggested_policy in message
    assert missing_actions([denied.value.suggested_policy], missing, catalog) == []


@pytest.mark.parametrize(
    ("actions", "catalog", "suggested"),
    [
        (["partnercentral:AcceptChannelHandshake"], "AWS", "AWSPartnerCentralChannelHandshakeApprovalManagement"),
        (["partnercentral:PutProfileVisibility"], "Sandbox", SANDBOX),
        (["partnercentral:PutProfileVisibility"], "AWS", FULL),
        (FUNDING_AGENT, "AWS", INCENTIVES),
        # The snapshot job's service-role policy grants both, but is for Partner Central's own role.
        (["partnercentral:GetOpportunity", "partnercentral:CreateResourceSnapshot"], "AWS", OPPORTUNITIES),
    ],
)
def test_denial_suggests_the_narrowest_policy_for_people(actions: list[str], catalog: str, suggested: str) -> None:
    with pytest.raises(PermissionDenied) as denied:
        authorize([], actions, catalog, tool="some_tool")
    assert denied.value.suggested_policy == suggested


def test_denial_names_the_policies_that_grant_the_actions_together() -> None:
    needed = ["partnercentral:AcceptChannelHandshake", "iam:PassRole"]
    with pytest.raises(PermissionDenied) as denied:
        authorize(["AWSPartnerCentralMarketingManagement"], needed, "AWS", tool="approve_handshake")
    assert denied.value.suggested_policy is None
    together = [name for name in load_policies() if name in str(denied.value)]
    assert "AWSPartnerCentralMarketingManagement" in together  # named as held, not suggested
    together.remove("AWSPartnerCentralMarketingManagement")
    assert len(together) == 2
    assert "together" in str(denied.value)
    assert missing_actions(together, needed, "AWS") == []


@pytest.mark.parametrize(
    ("actions", "attach"),
    [
        (["iam:CreateRole"], None),
        (["iam:CreateRole", "iam:PassRole"], "PartnerCentralAccountManagementUserRoleAssociation grants iam:PassRole"),
    ],
)
def test_denial_says_when_no_managed_policy_grants_an_action(actions: list[str], attach: str | None) -> None:
    with pytest.raises(PermissionDenied) as denied:
        authorize([FULL], actions, "AWS", tool="link_accounts")
    assert denied.value.missing == actions
    assert denied.value.suggested_policy is None
    assert "None of the Partner Central managed policies grants iam:CreateRole;" in str(denied.value)
    assert attach is None or attach in str(denied.value)


# --- policy names ---------------------------------------------------------------------------


def test_known_policy_names_pass_unchanged() -> None:
    names = [INCENTIVES, FULL]
    assert check_policy_names(names) == names
    assert check_policy_names(name for name in names) == names


@pytest.mark.parametrize("check", [check_policy_names, lambda names: missing_actions(names, [], "AWS")])
def test_unknown_policy_names_raise_with_the_valid_list(check: Callable[[list[str]], object]) -> None:
    with pytest.raises(ValueError) as raised:
        check([FULL, "AWSPartnerCentralReadOnly"])
    message = str(raised.value)
    assert "AWSPartnerCentralReadOnly" in message
    assert all(name in message for name in load_policies())


# --- the policies file -----------------------------------------------------------------------


@pytest.mark.parametrize("policy", DOCUMENT["policies"], ids=lambda policy: policy["name"])
def test_policy_entries_are_complete(policy: dict) -> None:
    assert set(policy) == {
        "name",
        "description",
        "grants",
        "catalogs",
        "source",
        "confidence",
        "least_privilege_rank",
        "service_role",
    }
    assert policy["confidence"] in {"documented", "inferred from the documented purpose"}
    assert policy["source"].startswith("Guide: ")
    assert policy["catalogs"] in (None, ["Sandbox"])


@pytest.mark.parametrize(
    "pattern",
    sorted({pattern for policy in DOCUMENT["policies"] for pattern in policy["grants"]}),
)
def test_every_pattern_matches_a_known_action(pattern: str) -> None:
    assert any(fnmatchcase(action.lower(), pattern.lower()) for action in known_actions())


@pytest.mark.parametrize("entry", DOCUMENT["agent_actions"], ids=lambda entry: entry["action"])
def test_agent_actions_are_known(entry: dict) -> None:
    assert entry["action"] in known_actions()
    assert entry["description"]


def test_known_actions_include_every_partner_central_api() -> None:
    actions = known_actions()
    for action in [
        "partnercentral:PutProfileVisibility",
        "partnercentral:CreateOpportunity",
        "partnercentral:ListBenefitAllocations",
        "partnercentral:AcceptChannelHandshake",
        "partnercentral:ListRevenueAttributions",
        "partnercentral:UseSession",
    ]:
        assert action in actions


def test_names_and_ranks_are_unique() -> None:
    policies = DOCUMENT["policies"]
    assert len({policy["name"] for policy in policies}) == len(policies) == len(load_policies())
    assert len({policy["least_privilege_rank"] for policy in policies}) == len(policies)


def test_a_narrower_policy_never_ranks_above_a_broader_one() -> None:
    """Where one policy's grants (over both catalogs) are a strict subset of another's, it ranks lower."""
    granted = {
        name: {(action, catalog) for catalog in ("AWS", "Sandbox") for action in _grants(name, catalog)}
        for name in load_policies()
    }
    policies = load_policies()
    for narrow, narrow_grants in granted.items():
        for broad, broad_grants in granted.items():
            if narrow_grants and narrow_grants < broad_grants:
                assert policies[narrow].rank < policies[broad].rank, (narrow, broad)
