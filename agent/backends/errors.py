"""Errors in the Partner Central APIs' own terms, raised by every backend.

The local sandbox raises them directly; the aws backend translates botocore's ``ClientError`` into them,
so tools handle one set of errors whichever backend runs.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel


class FieldError(BaseModel):
    """One invalid field, as in the API's ValidationException ``ErrorList``."""

    FieldName: str
    Message: str
    Code: str = "INVALID_VALUE"


class PartnerCentralError(Exception):
    """An API error: ``code`` is the API's exception name, ``message`` its text."""

    code: ClassVar[str] = "InternalServerException"

    def __init__(self, message: str, *, reason: str | None = None, field_errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.field_errors = field_errors or []

    def __str__(self) -> str:
        details = "; ".join(f"{e.FieldName}: {e.Message}" for e in self.field_errors)
        return f"{self.code}: {self.message}" + (f" ({details})" if details else "")


class ValidationException(PartnerCentralError):
    code = "ValidationException"


class ResourceNotFoundException(PartnerCentralError):
    code = "ResourceNotFoundException"


class ConflictException(PartnerCentralError):
    code = "ConflictException"


class AccessDeniedException(PartnerCentralError):
    code = "AccessDeniedException"


class ThrottlingException(PartnerCentralError):
    code = "ThrottlingException"


class ServiceQuotaExceededException(PartnerCentralError):
    code = "ServiceQuotaExceededException"


class InternalServerException(PartnerCentralError):
    code = "InternalServerException"


class UnsupportedOperationException(PartnerCentralError):
    """Not an API error: the selected backend cannot provide this (e.g. data outside Partner Central)."""

    code = "UnsupportedOperationException"


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
ERRORS_BY_CODE.update({  # IAM names some of the same errors differently
    "Throttling": ThrottlingException,
    "InvalidInput": ValidationException,
    "LimitExceeded": ServiceQuotaExceededException,
    "ServiceFailure": InternalServerException,
})
