"""Errors in the Partner Central APIs' own terms, raised by every backend.

The local sandbox raises them directly; the aws backend translates botocore's ``ClientError`` into them,
so tools handle one set of errors whichever backend runs.

Each service shapes its errors its own way: partnercentral-account gives nearly every error a required ``Reason``
from the exception's own enum and lists invalid fields as ``ErrorDetails`` unions, partnercentral-benefits gives a
``Reason`` to its ValidationException only and lists fields as ``FieldList``, partnercentral-selling as
``ErrorList``. An API error therefore names its ``service``, and carries exactly the members of that service's
exception shape (`exception_shape`, read from botocore's models; `PartnerCentralError.api_body` is the error as the
service sends it). An error without a service is this server's own: a backend's rule, or a request botocore refuses
before sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from pydantic import BaseModel

from agent.errors import AgentError

ACCOUNT = "partnercentral-account"
BENEFITS = "partnercentral-benefits"
SELLING = "partnercentral-selling"
IAM = "iam"
SERVICES = (ACCOUNT, BENEFITS, SELLING, IAM)
"""The services whose exception shapes errors take here."""


class FieldError(BaseModel):
    """One invalid field, as in the API's ValidationException field list. ``Code`` is the service's code for the
    problem; an error without a ``FieldName`` breaks a business rule (partnercentral-account's
    BusinessValidationError, whose ``Code`` is a BusinessValidationCode)."""

    FieldName: str
    Message: str
    Code: str = "INVALID_VALUE"


class PartnerCentralError(AgentError):
    """An API error: ``code`` is the API's exception name, ``message`` its text, ``service`` the service whose
    exception shape it has (None for an error of ours), ``reason`` its Reason and ``field_errors`` its field list
    where that shape has them, and ``members`` the shape's other members (such as a quota's ``QuotaCode``).
    ``next_step`` is what the model can do about an error of its class."""

    code: ClassVar[str] = "InternalServerException"

    def __init__(
        self,
        message: str,
        *,
        service: str | None = None,
        reason: str | None = None,
        field_errors: list[FieldError] | None = None,
        members: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.service = service
        self.reason = reason
        self.field_errors = field_errors or []
        self.members = members or {}

    def __str__(self) -> str:
        details = "; ".join(f"{e.FieldName}: {e.Message}" for e in self.field_errors)
        return f"{self.code}: {self.message}" + (f" ({details})" if details else "")

    def api_body(self) -> dict[str, Any]:
        """The error's members as its service sends them, field errors in the service's item shape. Everything the
        error carries is there, members its shape lacks included, so that a check against the shape finds them."""
        shape = exception_shape(self.service, self.code) if self.service else None
        if shape is None:
            raise LookupError(f"{self.code} is not an exception of {self.service or 'any service'}.")
        body: dict[str, Any] = {shape.message: self.message, **self.members}
        if self.reason is not None:
            body["Reason"] = self.reason
        if self.field_errors:
            name, item = field_list(self.service)
            body[name] = [_field_item(item, error) for error in self.field_errors]
        return body


class ValidationException(PartnerCentralError):
    code = "ValidationException"
    next_step = "Correct the listed fields and call the tool again."


class ResourceNotFoundException(PartnerCentralError):
    code = "ResourceNotFoundException"
    next_step = "Check the id; list the resources first to see the ids this partner account can use."


class ConflictException(PartnerCentralError):
    code = "ConflictException"
    next_step = "Read the resource again to see its current state, then decide whether to retry."


class AccessDeniedException(PartnerCentralError):
    code = "AccessDeniedException"
    next_step = "Ask your Partner Central administrator for access, or act for another partner account."


class ThrottlingException(PartnerCentralError):
    code = "ThrottlingException"
    next_step = "Wait a few seconds and try again."


class ServiceQuotaExceededException(PartnerCentralError):
    code = "ServiceQuotaExceededException"
    next_step = "A Partner Central quota was reached; wait or remove unused items first."


class InternalServerException(PartnerCentralError):
    code = "InternalServerException"
    next_step = "Partner Central had an internal error; try again shortly."


class UnsupportedOperationException(PartnerCentralError):
    """Not an API error: the selected backend cannot provide this (e.g. data outside Partner Central)."""

    code = "UnsupportedOperationException"
    next_step = "Tell the person where to check this themselves."


ERRORS_BY_CODE: dict[str, type[PartnerCentralError]] = {
    cls.code: cls
    for cls in (
        ValidationException,
        ResourceNotFoundException,
        ConflictException,
        AccessDeniedException,
        ThrottlingException,
        ServiceQuotaExceededException,
        InternalServerException,
    )
}
ERRORS_BY_CODE.update(
    {  # IAM names some of the same errors differently
        "Throttling": ThrottlingException,
        "InvalidInput": ValidationException,
        "ValidationError": ValidationException,  # a constraint of IAM's input shape, not a modelled exception
        "LimitExceeded": ServiceQuotaExceededException,
        "ServiceFailure": InternalServerException,
    }
)


def invalid_request(service: str | None, message: str, problems: list[FieldError]) -> ValidationException:
    """A request that breaks its input shape, as ``service`` reports one: with its Reason for that and the
    problems as its field list, or in the message where its errors have no field list (IAM). Without a service
    (botocore refused to send it, or a backend's own rule), REQUEST_VALIDATION_FAILED."""
    reason = reason_for(service, ValidationException.code, "REQUEST_VALIDATION_FAILED", "fieldValidationFailed")
    if service is None or field_list(service) is not None:
        return ValidationException(message, service=service, reason=reason, field_errors=problems)
    details = "; ".join(f"{e.FieldName}: {e.Message}" for e in problems)
    return ValidationException(f"{message} ({details})", service=service, reason=reason)


def reason_for(service: str | None, code: str, *preferred: str) -> str | None:
    """The first of ``preferred`` that the service's exception ``code`` lists as a Reason, None when its shape has no
    Reason (or lists none of them); without a service, the first of ``preferred``."""
    if service is None:
        return preferred[0]
    shape = exception_shape(service, code)
    return next((reason for reason in preferred if shape is not None and reason in shape.reasons), None)


# The table: each service's exception shapes, from botocore's models.


@dataclass(frozen=True)
class ExceptionShape:
    """What one exception of one service carries, as botocore's model defines it."""

    name: str
    message: str
    """The member holding the message: ``Message`` (``message`` in IAM)."""
    reasons: tuple[str, ...]
    """The ``Reason`` enum; empty when the shape has no Reason."""
    others: tuple[str, ...]
    """Members besides the message, Reason and field list, such as a quota's ``ResourceId`` and ``QuotaCode``."""


@cache
def service_model(service: str) -> Any:
    """botocore's model of a service (loaded once per process)."""
    import botocore.session  # noqa: PLC0415 - botocore loads its service models on first use

    return botocore.session.get_session().get_service_model(service)


@cache
def exception_shapes(service: str) -> dict[str, ExceptionShape]:
    """A service's exception shapes, by the code of the error class each becomes here (IAM's InvalidInput is a
    ValidationException)."""
    shapes = {}
    for shape in service_model(service).error_shapes:
        cls = ERRORS_BY_CODE.get(shape.error_code)
        if cls is None:
            continue
        members = shape.members
        message = next((name for name in members if name.lower() == "message"), "Message")
        reason = members.get("Reason")
        shapes[cls.code] = ExceptionShape(
            name=shape.name,
            message=message,
            reasons=tuple(reason.enum) if reason is not None else (),
            others=tuple(
                name
                for name, member in members.items()
                if name not in (message, "Reason") and member.type_name != "list"
            ),
        )
    return shapes


def exception_shape(service: str, code: str) -> ExceptionShape | None:
    """The shape of the exception ``code`` in ``service``; None when the service has no such exception."""
    return exception_shapes(service).get(code)


@cache
def field_list(service: str) -> tuple[str, Any] | None:
    """The member listing invalid fields in the service's ValidationException, and its item shape; None when the
    service has none (IAM)."""
    shape = service_model(service).shape_for(exception_shapes(service)[ValidationException.code].name)
    return next(((name, member.member) for name, member in shape.members.items() if member.type_name == "list"), None)


def _field_item(shape: Any, error: FieldError) -> dict[str, Any]:
    """A field error in a service's item shape. partnercentral-account's is a union: the branch with a field name
    for an invalid field, the other for a business rule."""
    if shape.is_tagged_union:
        branch = next(name for name, member in shape.members.items() if _names_a_field(member) == bool(error.FieldName))
        return {branch: _field_item(shape.members[branch], error)}
    item = {"Message": error.Message, "Code": error.Code}
    if error.FieldName:
        item["Name" if "Name" in shape.members else "FieldName"] = error.FieldName
    return item


def _names_a_field(shape: Any) -> bool:
    return "Name" in shape.members or "FieldName" in shape.members
