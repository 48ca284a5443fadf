"""Our models against botocore's shapes, member by member, so that API drift fails here and not in a person's session.

Each model names the shape it mirrors (``api_shape``). For every field the walk checks what a valid response may
carry: the member exists, is not required by us when the API may leave it out, has a compatible type, the same enum,
the same pattern and no tighter length bounds. For every shape it checks that nothing is dropped unless the model
says so (``api_omitted``), and that a union has every branch.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import boto3
import pytest
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from agent.models import account, benefits, selling
from agent.models.base import ApiModel

PYTHON_TYPES = {  # botocore type -> the annotations that read every value of it
    "string": (str,),
    "timestamp": (datetime,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (float,),
    "float": (float,),
    "list": (list,),
    "map": (dict,),
    "structure": (BaseModel,),
}


@cache
def service_model(service: str):
    return boto3.session.Session(region_name="us-east-1").client(service).meta.service_model


def api_models() -> list[type[ApiModel]]:
    return [
        cls
        for module in (account, selling, benefits)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ApiModel) and cls.__module__ == module.__name__ and cls.api_shape
    ]


def _optional_stripped(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        [annotation] = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return annotation


def _constraints(annotation: Any, metadata: list[Any]) -> tuple[Any, dict[str, Any]]:
    """The bare type of an (optional, annotated) annotation, and its pattern and length bounds."""
    found: dict[str, Any] = {}

    def collect(item: Any) -> None:
        if isinstance(item, FieldInfo):
            for inner in item.metadata:
                collect(inner)
        for key in ("pattern", "min_length", "max_length"):
            if getattr(item, key, None) is not None:
                found[key] = getattr(item, key)

    for item in metadata:
        collect(item)
    annotation = _optional_stripped(annotation)
    if typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        for item in extra:
            collect(item)
    return annotation, found


def _api_bounds(shape) -> tuple[int | None, int | None, str | None]:
    """(min, max, pattern) of a string or list shape; a pattern that only bounds the length, such as selling's
    ``(?s).{0,120}``, counts as bounds."""
    low, high, pattern = shape.metadata.get("min"), shape.metadata.get("max"), shape.metadata.get("pattern")
    if pattern and (length := re.fullmatch(r"\(\?s\)\.\{(\d+),(\d+)\}", pattern)):
        return int(length[1]), int(length[2]), None
    return low, high, pattern


def _value_problems(annotation: Any, metadata: list[Any], shape, path: str) -> list[str]:
    """Why a value of ``shape`` might not read as ``annotation`` (recursing into list and map elements)."""
    annotation, bounds = _constraints(annotation, metadata)
    if annotation is Any:
        return []
    origin = typing.get_origin(annotation) or annotation
    kind = "map" if shape.metadata.get("document") else shape.type_name
    if origin is Literal:
        ours = set(typing.get_args(annotation))
        if shape.type_name != "string" or not shape.enum:
            return [f"{path}: an enum of ours, none in the API ({shape.name})"]
        return (
            []
            if ours == set(shape.enum)
            else [f"{path}: enum {sorted(ours ^ set(shape.enum))} differ from {shape.name}"]
        )
    if not (inspect.isclass(origin) and issubclass(origin, PYTHON_TYPES.get(kind, ()))):
        return [f"{path}: {annotation} cannot read {shape.name} ({kind})"]
    problems = []
    low, high, pattern = _api_bounds(shape)
    if bounds.get("min_length") is not None and bounds["min_length"] > (low or 0):
        problems.append(f"{path}: at least {bounds['min_length']} long, the API allows {low or 0}")
    if bounds.get("max_length") is not None and (high is None or bounds["max_length"] < high):
        problems.append(f"{path}: at most {bounds['max_length']} long, the API allows {high}")
    if bounds.get("pattern"):
        if shape.enum:
            problems += [
                f"{path}: pattern refuses {value!r}"
                for value in shape.enum
                if not re.fullmatch(bounds["pattern"], value)
            ]
        elif bounds["pattern"].removeprefix("^").removesuffix("$") != pattern:
            problems.append(f"{path}: pattern {bounds['pattern']!r}, the API's is {pattern!r}")
    if kind == "list":
        problems += _value_problems(typing.get_args(annotation)[0], [], shape.member, f"{path}[]")
    elif kind == "map" and shape.type_name == "map":
        key, value = typing.get_args(annotation)
        problems += _value_problems(key, [], shape.key, f"{path}{{key}}")
        problems += _value_problems(value, [], shape.value, f"{path}{{}}")
    elif kind == "structure":
        if not (issubclass(origin, ApiModel) and origin.api_shape and origin.api_shape[1] == shape.name):
            problems.append(f"{path}: {origin.__name__} mirrors {origin.api_shape}, the API sends {shape.name}")
    return problems


def shape_problems(model: type[ApiModel]) -> list[str]:
    """Every way a valid response of the model's shape might fail to read, or lose a member."""
    service, shape_name = model.api_shape
    shape = service_model(service).shape_for(shape_name)
    required = set(shape.required_members)
    problems = []
    for name, field in model.model_fields.items():
        path = f"{model.__name__}.{name}"
        if name not in shape.members:
            problems.append(f"{path}: no such member in {service} {shape_name}")
            continue
        if field.is_required() and name not in required:
            problems.append(f"{path}: required here, optional in {shape_name}")
        problems += _value_problems(field.annotation, field.metadata, shape.members[name], path)
    kept = set(model.model_fields) | model.api_omitted
    what = "union branch" if shape.metadata.get("union") else "member"
    problems += [
        f"{model.__name__}: drops the {what} {name} of {shape_name}" for name in shape.members if name not in kept
    ]
    problems += [
        f"{model.__name__}: omits {name}, which {shape_name} does not have"
        for name in model.api_omitted - set(shape.members)
    ]
    return problems


@pytest.mark.parametrize("model", api_models(), ids=lambda m: m.__name__)
def test_the_model_reads_every_response_its_shape_allows_and_keeps_every_member(model: type[ApiModel]) -> None:
    assert shape_problems(model) == []


def test_every_modelled_union_has_every_branch() -> None:
    """The connection's other side, the allocation's four fulfillment kinds, the two verification responses."""
    unions = {
        m.api_shape[1]: set(m.model_fields)
        for m in api_models()
        if service_model(m.api_shape[0]).shape_for(m.api_shape[1]).metadata.get("union")
    }
    assert unions == {
        "Participant": {"PartnerProfile", "SellerProfile", "Account"},
        "FulfillmentDetails": {"DisbursementDetails", "ConsumableDetails", "CreditDetails", "AccessDetails"},
        "VerificationResponseDetails": {"BusinessVerificationResponse", "RegistrantVerificationResponse"},
        "Payload": {"OpportunityInvitation"},  # an engagement invitation's: leads and account plans are not referrals
    }


class _Drifted(ApiModel):
    """A model as it would be after the API changed under it."""

    api_shape = ("partnercentral-selling", "LifeCycleSummary")

    Stage: Literal["Prospect", "Won"]
    NextSteps: Annotated[str, Field(max_length=100)] | None = None
    TargetCloseDate: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    ReviewStatus: int | None = None


def test_the_walk_names_each_kind_of_drift() -> None:
    assert shape_problems(_Drifted) == [
        "_Drifted.Stage: required here, optional in LifeCycleSummary",
        "_Drifted.Stage: enum ['Business Validation', 'Closed Lost', 'Committed', 'Launched', 'Qualified', "
        "'Technical Validation', 'Won'] differ from Stage",
        "_Drifted.NextSteps: at most 100 long, the API allows 255",
        "_Drifted.TargetCloseDate: pattern '^\\\\d{4}-\\\\d{2}-\\\\d{2}$', the API's is "
        "'[1-9][0-9]{3}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])'",
        "_Drifted.ReviewStatus: <class 'int'> cannot read ReviewStatus (string)",
        "_Drifted: drops the member ClosedLostReason of LifeCycleSummary",
        "_Drifted: drops the member ReviewComments of LifeCycleSummary",
        "_Drifted: drops the member ReviewStatusReason of LifeCycleSummary",
    ]
