"""The models mirror the real service models shipped in botocore: same field names, same enum values."""

from __future__ import annotations

import inspect
import typing
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


def test_absent_optional_fields_are_left_out_not_null() -> None:
    contact = selling.Contact(FirstName="Grace")
    assert contact.model_dump() == {"FirstName": "Grace"}
