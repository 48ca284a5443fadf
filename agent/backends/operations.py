"""The writes `PartnerCentral.send` makes, and how a request for one is checked.

API operations are defined by botocore's service models. Console actions are ours: things a person does in the
Partner Central console that no API operation does (delete a draft fund request, submit or resubmit a cash claim,
attach a local file). They are named like operations, take requests in the API's style (``Catalog``, ``Identifier``,
``ClientToken``) under the service ``partnercentral-benefits``, and only the local sandbox performs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.handlers import generate_idempotent_uuid
from botocore.model import ListShape, OperationModel, Shape, ShapeResolver, StringShape, StructureShape
from botocore.validate import ParamValidator

from agent.backends import errors

API_WRITES: dict[str, frozenset[str]] = {
    "partnercentral-account": frozenset(
        {
            "PutProfileVisibility",
            "PutAllianceLeadContact",
            "StartProfileUpdateTask",
            "AssociateAwsTrainingCertificationEmailDomain",
            "DisassociateAwsTrainingCertificationEmailDomain",
            "CreateConnectionInvitation",
            "AcceptConnectionInvitation",
            "RejectConnectionInvitation",
            "CancelConnectionInvitation",
        }
    ),
    "partnercentral-benefits": frozenset(
        {
            "CreateBenefitApplication",
            "UpdateBenefitApplication",
            "SubmitBenefitApplication",
            "RecallBenefitApplication",
            "CancelBenefitApplication",
            "AmendBenefitApplication",
        }
    ),
    "partnercentral-selling": frozenset(
        {
            "CreateOpportunity",
            "UpdateOpportunity",
            "AssociateOpportunity",
            "DisassociateOpportunity",
            "StartEngagementFromOpportunityTask",
            "StartEngagementByAcceptingInvitationTask",
            "RejectEngagementInvitation",
        }
    ),
    "iam": frozenset({"CreateServiceLinkedRole"}),
}
"""The API operations `send` makes, by botocore service name."""

CONSOLE_SERVICE = "partnercentral-benefits"


@dataclass(frozen=True)
class ConsoleAction:
    """A console action: the members its request takes (all required), and where a person does it on AWS."""

    members: tuple[str, ...]
    where: str


CONSOLE_ACTIONS: dict[str, ConsoleAction] = {
    "DeleteBenefitApplication": ConsoleAction(
        ("Catalog", "Identifier", "ClientToken"),
        "Deleting a draft fund request is a console action (Funding dashboard); the API has no operation for it.",
    ),
    "SubmitCashClaim": ConsoleAction(
        ("Catalog", "Identifier", "ClientToken", "Amount"),
        "Cash claims are submitted in the AWS Partner funding portal (Cash claim schedule); the API has no operation.",
    ),
    "UpdateCashClaim": ConsoleAction(
        ("Catalog", "Identifier", "ClaimId", "ClientToken", "Amount"),
        "A rejected cash claim is edited and resubmitted in the AWS Partner funding portal (Edit cash claim); the "
        "API has no operation.",
    ),
    "AttachFile": ConsoleAction(
        ("Catalog", "Identifier", "ClientToken", "FileDetails"),
        "Attachments take an S3 or HTTPS file URI that AWS can read; upload the file in the funding portal.",
    ),
}
"""The console actions `send` takes (service ``partnercentral-benefits``); ``FileDetails`` holds one local file."""

_CONSOLE_SHAPES: dict[str, dict[str, Any]] = {  # botocore shape definitions; a member's shape has its name
    "Catalog": {"type": "string", "min": 1},
    "Identifier": {"type": "string", "min": 1},
    "ClientToken": {"type": "string", "min": 1, "max": 64},
    "ClaimId": {"type": "string", "min": 1},
    "Amount": {"type": "double", "min": 0.01},
    "FileDetails": {"type": "list", "member": {"shape": "FileDetail"}, "min": 1, "max": 1},
    "FileDetail": {
        "type": "structure",
        "required": ["FileURI", "BusinessUseCase"],
        "members": {"FileURI": {"shape": "Text"}, "BusinessUseCase": {"shape": "Text"}},
    },
    "Text": {"type": "string", "min": 1},
}


def operation_model(service: str, operation: str) -> OperationModel | None:
    """botocore's model of an API write `send` makes, None for a console action; anything else is refused."""
    if service == CONSOLE_SERVICE and operation in CONSOLE_ACTIONS:
        return None
    writes = API_WRITES.get(service)
    if writes is None:
        raise errors.UnsupportedOperationException(
            f"send does not make {service} {operation}: it writes through {', '.join(API_WRITES)} only."
        )
    if operation not in writes:
        known = sorted(writes) + (list(CONSOLE_ACTIONS) if service == CONSOLE_SERVICE else [])
        raise errors.UnsupportedOperationException(
            f"send does not make {service} {operation}; for {service} it makes {', '.join(known)}."
        )
    return errors.service_model(service).operation_model(operation)


@cache
def service_of(operation: str) -> str | None:
    """The service of an operation the backends call (a console action's is ``partnercentral-benefits``); None
    when no service, or more than one, has an operation of that name."""
    if operation in CONSOLE_ACTIONS:
        return CONSOLE_SERVICE
    services = [s for s in errors.SERVICES if operation in errors.service_model(s).operation_names]
    return services[0] if len(services) == 1 else None


@cache
def _console_input(operation: str) -> StructureShape:
    members = CONSOLE_ACTIONS[operation].members
    definition = {"type": "structure", "required": list(members), "members": {m: {"shape": m} for m in members}}
    return ShapeResolver({**_CONSOLE_SHAPES, operation: definition}).get_shape_by_name(operation)


def require_catalog(request: dict[str, Any], catalog: str) -> None:
    """A backend writes in the one catalog it was configured for; a request for another is refused."""
    if "Catalog" in request and request["Catalog"] != catalog:
        raise errors.invalid_request(
            None,
            f"The request is for the {request['Catalog']!r} catalog, but this backend works in the {catalog!r} "
            f"catalog. Send Catalog {catalog!r}, or configure the backend for the other catalog.",
            [errors.FieldError(FieldName="Catalog", Message=f"must be {catalog!r}")],
        )


def checked_request(service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """``request`` as botocore would send it, checked against the operation's input shape (ours for a console
    action) by botocore's validator, then for what the service checks itself (enum values, maximum lengths).
    botocore fills an absent idempotency token with a fresh uuid4, so it is filled here too: such a call is
    never a replay. A ValidationException names each problem."""
    model = operation_model(service, operation)
    filled = dict(request)
    if model is not None:
        generate_idempotent_uuid(filled, model)
    _check(service, operation, filled, model.input_shape if model else _console_input(operation), "nothing was changed")
    return filled


def check_read(service: str, operation: str, request: dict[str, Any]) -> None:
    """Check a read's request against its operation's input shape as `checked_request` checks a write's (the
    sandbox answers reads with the errors the service would give), patterns excepted: the seeded benefit program
    ``ISV WMP`` breaks the API's Programs pattern, and the funding tools filter by it."""
    _check(
        service,
        operation,
        request,
        errors.service_model(service).operation_model(operation).input_shape,
        "nothing was read",
        patterns=False,
    )


def _check(
    service: str, operation: str, request: dict[str, Any], shape: StructureShape, outcome: str, *, patterns: bool = True
) -> None:
    problems = shape_problems(request, shape, patterns=patterns)
    if problems:
        raise errors.invalid_request(
            service,
            f"The {operation} request does not match its input shape ({len(problems)} problem(s)); "
            f"{outcome}. Fix the members named here and send it again.",
            problems,
        )


_PROBLEM = re.compile(r'in (?P<parent>\S+): "(?P<member>[^"]+)"|parameter (?P<param>\S+?),')
_MESSAGE_CHARS = 300


def report_problems(report: str) -> list[errors.FieldError]:
    """botocore's validation report (one problem a line, each naming its member) as field errors."""
    return [_field_error(line) for line in report.splitlines() if line.strip()]


def _field_error(line: str) -> errors.FieldError:
    match = _PROBLEM.search(line)
    if match is None:
        name = ""
    elif match["param"]:
        name = match["param"]
    else:
        name = match["member"] if match["parent"] == "input" else f"{match['parent']}.{match['member']}"
    message = line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 1] + "…"
    code = "REQUIRED_FIELD_MISSING" if line.startswith("Missing required") else "INVALID_VALUE"
    return errors.FieldError(FieldName=name, Message=message, Code=code)


def shape_problems(value: dict[str, Any], shape: StructureShape, *, patterns: bool = True) -> list[errors.FieldError]:
    """What is wrong with ``value`` as ``shape`` has it: botocore's validator (required and unknown members, types,
    minimums), then what it leaves to the service (enum values, maximum lengths and, with ``patterns``, patterns)."""
    problems = report_problems(ParamValidator().validate(value, shape).generate_report())
    return problems + list(_service_side_problems(value, shape, "", patterns))


def _service_side_problems(value: Any, shape: Shape, name: str, patterns: bool) -> Iterator[errors.FieldError]:
    """What the service checks and botocore's validator leaves to it: enum values, maximum lengths and patterns
    (which, as AWS services apply them, must match the whole value; a value too short is botocore's to report)."""
    maximum = shape.metadata.get("max")
    if isinstance(shape, StructureShape) and not shape.is_document_type and isinstance(value, dict):
        for member, item in value.items():
            if member in shape.members:
                yield from _service_side_problems(
                    item, shape.members[member], f"{name}.{member}" if name else member, patterns
                )
    elif isinstance(shape, ListShape) and isinstance(value, list | tuple):
        if maximum is not None and len(value) > maximum:
            yield errors.FieldError(
                FieldName=name, Message=f"at most {maximum} item(s), not {len(value)}", Code="TOO_MANY_VALUES"
            )
        for index, item in enumerate(value):
            yield from _service_side_problems(item, shape.member, f"{name}[{index}]", patterns)
    elif isinstance(shape, StringShape) and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            yield errors.FieldError(
                FieldName=name,
                Message=f"{value[:80]!r} is not one of: {', '.join(shape.enum)}",
                Code="INVALID_ENUM_VALUE",
            )
        elif maximum is not None and len(value) > maximum:
            yield errors.FieldError(FieldName=name, Message=f"at most {maximum} characters, not {len(value)}")
        elif patterns and not _matches(shape, value):
            pattern = shape.metadata["pattern"]
            shown = pattern if len(pattern) <= 80 else pattern[:79] + "…"
            yield errors.FieldError(
                FieldName=name, Message=f"must match the pattern {shown}", Code="INVALID_STRING_FORMAT"
            )


def _matches(shape: StringShape, value: str) -> bool:
    """Whether ``value`` matches its shape's pattern; one too short for the shape is botocore's to report."""
    pattern = _pattern(shape.metadata.get("pattern"))
    return pattern is None or len(value) < shape.metadata.get("min", 0) or pattern.fullmatch(value) is not None


@cache
def _pattern(pattern: str | None) -> re.Pattern[str] | None:
    """A model's pattern as a Python regular expression; None when there is none, or for one Python cannot read
    (Unicode classes such as ``\\p{L}``), which is left unchecked."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None


def api_response(service: str, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    """A response body in the operation's output shape: only its members (a console action's body is ours)."""
    model = operation_model(service, operation)
    if model is None:
        return body
    members = model.output_shape.members if model.output_shape is not None else {}
    return {key: value for key, value in body.items() if key in members}
