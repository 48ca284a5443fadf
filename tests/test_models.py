"""What the models add to the API shapes: id formats, amounts, every allocation branch (the shapes themselves are
walked in test_api_shapes)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import boto3
import pytest

from agent.models import account, benefits, selling


@cache
def service_model(service: str):
    return boto3.session.Session(region_name="us-east-1").client(service).meta.service_model


def test_every_seeded_id_format_is_the_apis() -> None:
    """Spot-check the id patterns against the service models' own patterns."""
    selling_model = service_model("partnercentral-selling")
    assert selling_model.shape_for("OpportunityIdentifier").metadata["pattern"] == selling.OPPORTUNITY_ID_PATTERN.strip(
        "^$"
    )
    account_model = service_model("partnercentral-account")
    assert account_model.shape_for("PartnerId").metadata["pattern"] == account.PARTNER_ID_PATTERN.strip("^$")
    benefits_model = service_model("partnercentral-benefits")
    assert benefits_model.shape_for("BenefitApplicationId").metadata[
        "pattern"
    ] == benefits.BENEFIT_APPLICATION_ID_PATTERN.strip("^$")
    assert benefits_model.shape_for("BenefitAllocationId").metadata[
        "pattern"
    ] == benefits.BENEFIT_ALLOCATION_ID_PATTERN.strip("^$")
    assert benefits_model.shape_for("BenefitSummaryIdString").metadata["pattern"] == benefits.BENEFIT_ID_PATTERN.strip(
        "^$"
    )
    assert benefits_model.shape_for("BenefitId").metadata["pattern"] == benefits.BENEFIT_REFERENCE_PATTERN.strip("^$")


def test_absent_optional_fields_are_left_out_not_null() -> None:
    contact = selling.Contact(FirstName="Grace")
    assert contact.model_dump() == {"FirstName": "Grace"}


@pytest.mark.parametrize(
    ("amount", "value"),
    [
        ("320000.005", Decimal("320000.005")),
        (" 12.50 ", Decimal("12.50")),
        ("1e3", Decimal("1000")),
        ("0", Decimal("0")),
        ("n/a", None),
        ("1,000", None),
        ("", None),
        ("NaN", None),
        ("-Infinity", None),
    ],
)
def test_an_amount_reads_as_a_decimal_or_as_unknown(amount: str, value: Decimal | None) -> None:
    assert benefits.MonetaryValue(Amount=amount, CurrencyCode="USD").value == value


def test_an_allocation_reads_every_fulfillment_branch_and_arn_benefit_ids() -> None:
    money = {"Amount": "1000.5", "CurrencyCode": "USD"}
    arn = "arn:aws:partnercentral:us-east-1:123456789012:catalog/AWS/benefit/ben-0123456789abcd"
    allocation = benefits.BenefitAllocation.model_validate(
        {
            "BenefitId": arn,
            "ApplicableBenefitIds": [arn, "ben-0123456789abcd"],
            "FulfillmentDetail": {
                "DisbursementDetails": {
                    "DisbursedAmount": money,
                    "IssuanceDetails": {"IssuanceId": "i-1", "IssuanceAmount": money},
                },
                "ConsumableDetails": {"AllocatedAmount": money, "IssuanceDetails": {"IssuanceId": "i-2"}},
                "CreditDetails": {
                    "AllocatedAmount": money,
                    "IssuedAmount": money,
                    "Codes": [
                        {
                            "AwsAccountId": "123456789012",
                            "Value": money,
                            "AwsCreditCode": "PC-1",
                            "Status": "ACTIVE",
                            "IssuedAt": "2026-01-01T00:00:00Z",
                            "ExpiresAt": "2027-01-01T00:00:00Z",
                        }
                    ],
                },
                "AccessDetails": {"Description": "Early access to a preview service"},
            },
        }
    )
    detail = allocation.FulfillmentDetail
    assert detail.DisbursementDetails.IssuanceDetails.IssuanceAmount.value == Decimal("1000.5")
    assert detail.ConsumableDetails.IssuanceDetails.IssuanceId == "i-2"
    assert detail.CreditDetails.Codes[0].Value.value == Decimal("1000.5")
    assert detail.AccessDetails.Description == "Early access to a preview service"
    assert allocation.BenefitId == arn and allocation.Id is None
