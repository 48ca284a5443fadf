"""The models mirror the real service models shipped in botocore: same field names, same enum values."""

from __future__ import annotations

import inspect
import typing
from decimal import Decimal
from functools import cache

import boto3
import pytest
from pydantic import BaseModel

from agent.models import account, benefits, selling
from agent.models.base import ApiModel


@cache
def service_model(service: str):
    return boto3.session.Session(region_name="us-east-1").client(service).meta.service_model


def api_models() -> list[type[ApiModel]]:
    found = []
    for module in (account, selling, benefits):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ApiModel) and cls.__module__ == module.__name__ and cls.api_shape:
                found.append(cls)
    return found


def literal_values(annotation) -> set[str] | None:
    """The values of a Literal inside an annotation such as `Literal[...] | None` or `list[Literal[...]]`."""
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        values = literal_values(arg)
        if values is not None:
            return values
    return None


def nested_model(annotation) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = nested_model(arg)
        if found:
            return found
    return None


def member_shape(shape):
    """The element shape of a list or map member, or the member itself."""
    if shape.type_name == "list":
        return shape.member
    if shape.type_name == "map":
        return shape.value
    return shape


@pytest.mark.parametrize("model", api_models(), ids=lambda m: m.__name__)
def test_fields_and_enums_match_botocore(model: type[ApiModel]) -> None:
    service, shape_name = model.api_shape
    shape = service_model(service).shape_for(shape_name)
    for name, field in model.model_fields.items():
        assert name in shape.members, f"{model.__name__}.{name} is not a member of {service} {shape_name}"
        member = member_shape(shape.members[name])
        ours = literal_values(field.annotation)
        if ours is not None and getattr(member, "enum", None):
            assert ours == set(member.enum), f"{model.__name__}.{name} enum differs from {member.name}"
        nested = nested_model(field.annotation)
        if nested is not None and issubclass(nested, ApiModel) and nested.api_shape:
            assert nested.api_shape[1] == member.name, (
                f"{model.__name__}.{name} uses {nested.__name__} ({nested.api_shape[1]}), API uses {member.name}"
            )


def test_every_seeded_id_format_is_the_apis() -> None:
    """Spot-check the id patterns against the service models' own patterns."""
    selling_model = service_model("partnercentral-selling")
    assert selling_model.shape_for("OpportunityIdentifier").metadata["pattern"] == selling.OPPORTUNITY_ID_PATTERN.strip("^$")
    account_model = service_model("partnercentral-account")
    assert account_model.shape_for("PartnerId").metadata["pattern"] == account.PARTNER_ID_PATTERN.strip("^$")
    benefits_model = service_model("partnercentral-benefits")
    assert benefits_model.shape_for("BenefitApplicationId").metadata["pattern"] == benefits.BENEFIT_APPLICATION_ID_PATTERN.strip("^$")
    assert benefits_model.shape_for("BenefitAllocationId").metadata["pattern"] == benefits.BENEFIT_ALLOCATION_ID_PATTERN.strip("^$")
    assert benefits_model.shape_for("BenefitSummaryIdString").metadata["pattern"] == benefits.BENEFIT_ID_PATTERN.strip("^$")
    assert benefits_model.shape_for("BenefitId").metadata["pattern"] == benefits.BENEFIT_REFERENCE_PATTERN.strip("^$")


def test_absent_optional_fields_are_left_out_not_null() -> None:
    contact = selling.Contact(FirstName="Grace")
    assert contact.model_dump() == {"FirstName": "Grace"}


@pytest.mark.parametrize("model", api_models(), ids=lambda m: m.__name__)
def test_what_the_api_may_leave_out_the_model_does_not_require(model: type[ApiModel]) -> None:
    """A response that omits a member its output shape makes optional must still parse."""
    service, shape_name = model.api_shape
    required = set(service_model(service).shape_for(shape_name).required_members)
    demanded = {name for name, field in model.model_fields.items() if field.is_required()}
    assert demanded <= required, f"{model.__name__} requires {sorted(demanded - required)}, which the API may omit"


@pytest.mark.parametrize(("amount", "value"), [
    ("320000.005", Decimal("320000.005")), (" 12.50 ", Decimal("12.50")), ("1e3", Decimal("1000")), ("0", Decimal("0")),
    ("n/a", None), ("1,000", None), ("", None), ("NaN", None), ("-Infinity", None),
])
def test_an_amount_reads_as_a_decimal_or_as_unknown(amount: str, value: Decimal | None) -> None:
    assert benefits.MonetaryValue(Amount=amount, CurrencyCode="USD").value == value


def test_an_allocation_reads_every_fulfillment_branch_and_arn_benefit_ids() -> None:
    money = {"Amount": "1000.5", "CurrencyCode": "USD"}
    arn = "arn:aws:partnercentral:us-east-1:123456789012:catalog/AWS/benefit/ben-0123456789abcd"
    allocation = benefits.BenefitAllocation.model_validate({
        "BenefitId": arn, "ApplicableBenefitIds": [arn, "ben-0123456789abcd"],
        "FulfillmentDetail": {
            "DisbursementDetails": {"DisbursedAmount": money, "IssuanceDetails": {"IssuanceId": "i-1", "IssuanceAmount": money}},
            "ConsumableDetails": {"AllocatedAmount": money, "IssuanceDetails": {"IssuanceId": "i-2"}},
            "CreditDetails": {"AllocatedAmount": money, "IssuedAmount": money, "Codes": [{
                "AwsAccountId": "123456789012", "Value": money, "AwsCreditCode": "PC-1", "Status": "ACTIVE",
                "IssuedAt": "2026-01-01T00:00:00Z", "ExpiresAt": "2027-01-01T00:00:00Z"}]},
            "AccessDetails": {"Description": "Early access to a preview service"},
        },
    })
    detail = allocation.FulfillmentDetail
    assert detail.DisbursementDetails.IssuanceDetails.IssuanceAmount.value == Decimal("1000.5")
    assert detail.ConsumableDetails.IssuanceDetails.IssuanceId == "i-2"
    assert detail.CreditDetails.Codes[0].Value.value == Decimal("1000.5")
    assert detail.AccessDetails.Description == "Early access to a preview service"
    assert allocation.BenefitId == arn and allocation.Id is None
