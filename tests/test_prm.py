"""PRM verdicts on edge cases the seeded partners do not cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.compliance.prm import assess_prm
from agent.models.seller import PrmEvidence, SellerSetup, UnknownEvidence

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PRIMARY, SUBSIDIARY = "111111111111", "222222222222"


def setup(*, product_type: str = "SaaS", primary_flag: str = PRIMARY, listings_on: str = PRIMARY) -> SellerSetup:
    def account(account_id: str) -> dict:
        listings = (
            [
                {
                    "ProductId": "prod-abcdefghijklm",
                    "ProductCode": "code1product",
                    "Title": "Product",
                    "ProductType": product_type,
                    "Visibility": "Public",
                }
            ]
            if account_id == listings_on
            else []
        )
        return {
            "AwsAccountId": account_id,
            "LegalName": f"Account {account_id[:3]}",
            "IsPrimary": account_id == primary_flag,
            "Listings": listings,
        }

    return SellerSetup.model_validate({"SellerAccounts": [account(PRIMARY), account(SUBSIDIARY)]})


def evidence(code: str = "code1product", observations: int = 10, age: timedelta = timedelta(hours=3)) -> PrmEvidence:
    return PrmEvidence.model_validate(
        {
            "LinkedPrimaryAccountId": PRIMARY,
            "Signals": [
                {
                    "ProductCode": code,
                    "Method": "RESOURCE_TAGGING",
                    "LastSeenAt": NOW - age,
                    "Observations": observations,
                }
            ],
        }
    )


def attribution(result) -> dict:
    return next(r for r in result.requirements if r.id == "revenue_attribution").model_dump()


def test_fresh_evidence_for_an_own_product_code_counts() -> None:
    result = assess_prm(setup(), evidence(), [], [], NOW)
    assert attribution(result)["status"] == "met"


@pytest.mark.parametrize(
    ("signal", "said"),
    [
        (evidence(code="someoneelse1"), "not the product code of any of your listings"),
        (evidence(observations=0), "too old or empty"),
        (evidence(age=timedelta(days=400)), "last seen 400 days ago"),
    ],
)
def test_evidence_that_does_not_show_measurement_is_not_counted(signal: PrmEvidence, said: str) -> None:
    result = assess_prm(setup(), signal, [], [], NOW)
    assert result.prm_ready is False
    found = attribution(result)
    assert found["status"] == "not_met" and any(said in line for line in found["evidence"])


def test_the_linked_account_is_the_primary_even_when_the_flag_says_otherwise() -> None:
    result = assess_prm(setup(primary_flag=SUBSIDIARY), evidence(), [], [], NOW)
    accounts = {a.aws_account_id: a.connection for a in result.seller_accounts}
    assert accounts == {PRIMARY: "primary", SUBSIDIARY: "not_connected"}
    [send] = [step for step in result.plan if step.tool == "manage_account_connections"]
    assert send.arguments["receiver_account_ids"] == [SUBSIDIARY]  # never the primary inviting itself


def test_ami_products_are_told_metering_is_automatic() -> None:
    result = assess_prm(setup(product_type="AMI"), PrmEvidence(LinkedPrimaryAccountId=PRIMARY), [], [], NOW)
    assert any(
        "AWS Marketplace metering attributes its usage automatically" in line
        for line in attribution(result)["remediation"]
    )
    assert any("aws-apn-id-111111111111" in line for line in attribution(result)["remediation"])


def test_an_unreadable_linked_account_makes_the_verdict_unknown_not_false() -> None:
    only_primary = SellerSetup.model_validate({"SellerAccounts": [setup().SellerAccounts[0].model_dump()]})
    unreadable = UnknownEvidence(
        Reason="These AWS credentials are not allowed partnercentral:GetPartner.",
        Where="Partner Central (Account linking)",
    )
    signals = evidence().model_copy(
        update={"LinkedPrimaryAccountId": None, "Unknown": {"LinkedPrimaryAccountId": unreadable}}
    )
    result = assess_prm(only_primary, signals, [], [], NOW)
    linked = next(r for r in result.requirements if r.id == "linked_primary_account")
    assert (linked.status, linked.evidence) == ("unknown", [unreadable.Reason])
    assert result.prm_ready is None and result.gaps == []
    assert result.plan[0].action == "Check which AWS account is linked in Partner Central (Account linking)."
