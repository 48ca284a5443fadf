"""The real Partner Central APIs through boto3 (standard credential chain, Catalog ``Sandbox`` or ``AWS``).

Reads are validated into the same models the local sandbox returns, writes (`AwsPartnerCentral.send`) return
the API's response body, and botocore's ``ClientError`` becomes the matching `agent.backends.errors`
exception, so tools cannot tell the backends apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, TypeVar

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from pydantic import BaseModel, ValidationError

from agent.backends import errors, operations
from agent.backends.base import OpportunityPage, OpportunityQuery, PartnerCentral
from agent.models.account import (
    AllianceLeadContact,
    AllianceLeadContactAnswer,
    Connection,
    ConnectionInvitation,
    ConnectionTypeName,
    InvitationStatus,
    ParticipantRole,
    Partner,
    ProfileUpdateTask,
    ProfileVisibility,
    Verification,
    VerificationTypeName,
)
from agent.models.benefits import (
    Benefit,
    BenefitAllocation,
    BenefitApplication,
    BenefitApplicationSummary,
    BenefitSummary,
    CashClaim,
    FulfillmentTypeName,
)
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, PrmEvidence, SellerSetup
from agent.models.selling import Opportunity

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)

CONSOLE_ONLY = {name: action.where for name, action in operations.CONSOLE_ACTIONS.items()}
"""What the aws backend cannot do, and where the person does it instead."""

_RETRIES = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=20)


def _error_items(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The invalid fields of a ValidationException, whichever service's shape it has.

    selling sends ``ErrorList`` (FieldName), benefits ``FieldList`` (Name), account ``ErrorDetails``: a list
    of unions, each ``{"FieldValidationError": {Name, ...}}`` or ``{"BusinessValidationError": {...}}``
    (a business rule, no field: its FieldName stays empty).
    """
    for item in body.get("ErrorList") or body.get("FieldList") or body.get("ErrorDetails") or []:
        if not isinstance(item, dict):
            continue
        union = item.get("FieldValidationError") or item.get("BusinessValidationError")
        yield union if isinstance(union, dict) else item


@contextmanager
def api_errors() -> Iterator[None]:
    """Translate botocore errors into the API's own exceptions."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        body = exc.response
        field_errors = [
            errors.FieldError(
                FieldName=item.get("FieldName") or item.get("Name") or "", Message=item.get("Message", ""),
                Code=item.get("Code", "INVALID_VALUE"),
            )
            for item in _error_items(body)
        ]
        cls = errors.ERRORS_BY_CODE.get(error.get("Code", ""), errors.InternalServerException)
        raise cls(error.get("Message", str(exc)), reason=body.get("Reason"), field_errors=field_errors) from None
    except ParamValidationError as exc:  # botocore checks a request against the model before sending it
        problems = operations.report_problems(exc.kwargs["report"])
        raise errors.ValidationException(
            f"The request does not match its input shape ({len(problems)} problem(s)); nothing was sent. Fix the "
            "members named here and send it again.", reason="REQUEST_VALIDATION_FAILED", field_errors=problems,
        ) from None
    except BotoCoreError as exc:  # no credentials, endpoint unreachable, ...
        raise errors.InternalServerException(f"Could not call Partner Central: {exc}") from None


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


@contextmanager
def _iam_errors(action: str) -> Iterator[None]:
    """Like `api_errors`, for IAM calls on the resale authorization role: AccessDenied names the missing permission."""
    with api_errors():
        try:
            yield
        except ClientError as exc:
            if _error_code(exc) in ("AccessDenied", "AccessDeniedException"):
                message = exc.response.get("Error", {}).get("Message", "")
                raise errors.AccessDeniedException(
                    f"The AWS credentials in use are not allowed {action} on {RESALE_AUTHORIZATION_ROLE}; "
                    f"grant {action} to the caller, or ask an IAM administrator to do it. ({message})"
                ) from None
            raise


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class UnreadableResponse(errors.InternalServerException):
    """The API answered, but not in a shape our models read: retrying will not help, reporting it will."""


def _read(model: type[M], body: dict[str, Any], operation: str) -> M:
    """A response as its model. One the model cannot read is one error naming the operation and the field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        field = ".".join(map(str, first["loc"])) or "the response"
        raise UnreadableResponse(
            f"{operation} answered with a response this server cannot read ({exc.error_count()} problem(s), the "
            f"first in {field}: {first['msg']}). Report it with the operation's name; nothing was changed."
        ) from None


def _identified(rows: Iterator[dict[str, Any]], operation: str) -> list[str]:
    """The ids of listed rows; a row without one cannot be read in full, and is skipped and logged."""
    ids = []
    for row in rows:
        if row.get("Id"):
            ids.append(row["Id"])
        else:
            log.warning("%s listed a row without an Id; it is skipped", operation)
    return ids


def _create_service_linked_role(call: Callable[..., dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    """IAM CreateServiceLinkedRole; a role that exists already counts as created (the response is then {})."""
    with _iam_errors("iam:CreateServiceLinkedRole"):
        try:
            return _body(call(**request))
        except ClientError as exc:
            # IAM answers a second creation with InvalidInput "... has been taken in this account ...".
            message = exc.response.get("Error", {}).get("Message", "")
            if _error_code(exc) == "InvalidInput" and "has been taken" in message:
                return {}
            raise


class AwsPartnerCentral(PartnerCentral):
    """Partner Central for the partner account behind the current AWS credentials."""

    def __init__(self, partner_id: str, catalog: str, region: str, session: boto3.session.Session | None = None):
        self.partner_id = partner_id
        self.catalog = catalog
        self._session = session or boto3.session.Session(region_name=region)

    @cached_property
    def account(self):
        return self._session.client("partnercentral-account", config=_RETRIES)

    @cached_property
    def selling(self):
        return self._session.client("partnercentral-selling", config=_RETRIES)

    @cached_property
    def benefits(self):
        return self._session.client("partnercentral-benefits", config=_RETRIES)

    @cached_property
    def iam(self):
        """IAM is global: the session's region only picks the partition (aws, aws-cn, aws-us-gov)."""
        return self._session.client("iam", config=_RETRIES)

    def send(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Call the service's client with ``request`` as is (botocore checks it against the model, and fills an
        absent idempotency token). IAM's CreateServiceLinkedRole for a role that exists already succeeds and
        returns {}. Console actions are refused: they have no API operation."""
        if operation in CONSOLE_ONLY:
            raise errors.UnsupportedOperationException(CONSOLE_ONLY[operation])
        operations.operation_model(service, operation)  # refuses anything but the writes send makes
        operations.require_catalog(request, self.catalog)
        client = {"partnercentral-account": self.account, "partnercentral-benefits": self.benefits, "iam": self.iam}[service]
        call = getattr(client, xform_name(operation))
        if service == "iam":
            return _create_service_linked_role(call, request)
        with api_errors():
            return _body(call(**request))

    def unsupported(self, operation: str) -> str | None:
        return CONSOLE_ONLY.get(operation)

    def _pages(self, client: Any, operation: str, key: str, **request: Any) -> Iterator[dict[str, Any]]:
        """Every item under ``key`` across all pages of a paginated operation in this catalog."""
        with api_errors():
            for page in client.get_paginator(operation).paginate(Catalog=self.catalog, **request):
                yield from page.get(key, [])

    def _get(self, call: Callable[..., dict[str, Any]], identifier: str) -> dict[str, Any]:
        """The body of a Get operation's answer for one resource of this catalog."""
        with api_errors():
            return _body(call(Catalog=self.catalog, Identifier=identifier))

    # partnercentral-account

    def get_partner(self) -> Partner:
        return _read(Partner, self._get(self.account.get_partner, self.partner_id), "GetPartner")

    def get_profile_visibility(self) -> ProfileVisibility:
        answer = self._get(self.account.get_profile_visibility, self.partner_id)
        return _read(ProfileVisibility, answer, "GetProfileVisibility")

    def get_alliance_lead_contact(self) -> AllianceLeadContact:
        answer = self._get(self.account.get_alliance_lead_contact, self.partner_id)
        return _read(AllianceLeadContactAnswer, answer, "GetAllianceLeadContact").AllianceLeadContact

    def send_email_verification_code(self, email: str) -> None:
        with api_errors():
            self.account.send_email_verification_code(Catalog=self.catalog, Email=email)

    def get_verification(self, verification_type: VerificationTypeName) -> Verification:
        with api_errors():  # the caller's own verification: no Catalog, no Identifier
            response = self.account.get_verification(VerificationType=verification_type)
        return _read(Verification, _body(response), "GetVerification")

    def get_profile_update_task(self) -> ProfileUpdateTask:
        answer = self._get(self.account.get_profile_update_task, self.partner_id)
        return _read(ProfileUpdateTask, answer, "GetProfileUpdateTask")

    def list_connection_invitations(
        self, *, participant_type: ParticipantRole | None = None, status: InvitationStatus | None = None,
        connection_type: ConnectionTypeName | None = None,
    ) -> list[ConnectionInvitation]:
        """Each invitation in full: the summaries omit the message and the inviter's name and email."""
        filters = {
            key: value
            for key, value in (
                ("ParticipantType", participant_type), ("Status", status), ("ConnectionType", connection_type)
            )
            if value is not None
        }
        summaries = self._pages(self.account, "list_connection_invitations", "ConnectionInvitationSummaries", **filters)
        get = self.account.get_connection_invitation
        return [_read(ConnectionInvitation, self._get(get, i), "GetConnectionInvitation")
                for i in _identified(summaries, "ListConnectionInvitations")]

    def list_connections(self, connection_type: ConnectionTypeName | None = None) -> list[Connection]:
        """Each connection in full: the summaries omit when and by whom each connection type was created."""
        filters = {"ConnectionType": connection_type} if connection_type is not None else {}
        summaries = self._pages(self.account, "list_connections", "ConnectionSummaries", **filters)
        return [_read(Connection, self._get(self.account.get_connection, i), "GetConnection")
                for i in _identified(summaries, "ListConnections")]

    # partnercentral-selling

    def list_opportunities(self, query: OpportunityQuery) -> OpportunityPage:
        request: dict[str, Any] = {
            "Catalog": self.catalog,
            "MaxResults": query.MaxResults,
            "Sort": {"SortBy": query.SortBy, "SortOrder": query.SortOrder},
        }
        for name in ("LifeCycleStage", "LifeCycleReviewStatus", "CustomerCompanyName", "Identifier"):
            if values := getattr(query, name):
                request[name] = list(values)
        if query.NextToken:
            request["NextToken"] = query.NextToken
        with api_errors():
            response = self.selling.list_opportunities(**request)
        return _read(OpportunityPage, response, "ListOpportunities")

    def get_opportunity(self, opportunity_id: str) -> Opportunity:
        return _read(Opportunity, self._get(self.selling.get_opportunity, opportunity_id), "GetOpportunity")

    # partnercentral-benefits

    def list_benefits(
        self, *, program: str | None = None, fulfillment_types: list[FulfillmentTypeName] | None = None
    ) -> list[BenefitSummary]:
        filters: dict[str, Any] = {}
        if program is not None:
            filters["Programs"] = [program]
        if fulfillment_types:
            filters["FulfillmentTypes"] = list(fulfillment_types)
        return [_read(BenefitSummary, b, "ListBenefits")
                for b in self._pages(self.benefits, "list_benefits", "BenefitSummaries", **filters)]

    def get_benefit(self, benefit_id: str) -> Benefit:
        return _read(Benefit, self._get(self.benefits.get_benefit, benefit_id), "GetBenefit")

    def list_benefit_applications(self) -> list[BenefitApplicationSummary]:
        return [
            _read(BenefitApplicationSummary, a, "ListBenefitApplications")
            for a in self._pages(self.benefits, "list_benefit_applications", "BenefitApplicationSummaries")
        ]

    def get_benefit_application(self, application_id: str) -> BenefitApplication:
        answer = self._get(self.benefits.get_benefit_application, application_id)
        return _read(BenefitApplication, answer, "GetBenefitApplication")

    def list_benefit_allocations(self) -> list[BenefitAllocation]:
        """Each allocation in full: the list omits the amounts (allocated, used, remaining). One listed without an
        Id cannot be read in full, and is kept as listed."""
        summaries = list(self._pages(self.benefits, "list_benefit_allocations", "BenefitAllocationSummaries"))
        return [self._allocation(summary) for summary in summaries]

    def _allocation(self, summary: dict[str, Any]) -> BenefitAllocation:
        if not summary.get("Id"):
            return _read(BenefitAllocation, summary, "ListBenefitAllocations")
        answer = self._get(self.benefits.get_benefit_allocation, summary["Id"])
        return _read(BenefitAllocation, answer, "GetBenefitAllocation")

    def list_cash_claims(self, application_id: str) -> list[CashClaim]:
        raise errors.UnsupportedOperationException(
            "Cash claims are not readable through the Partner Central APIs: see the Cash claim schedule of the fund "
            "request in the AWS Partner funding portal."
        )

    # Outside the Partner Central APIs

    def get_seller_setup(self) -> SellerSetup:
        raise errors.UnsupportedOperationException(
            "Marketplace seller setup (tax interview, banking, KYC, listings) is not readable through the Partner "
            "Central APIs, and this server does not call the Marketplace APIs yet. Check it in the AWS Marketplace "
            "Management Portal, or use the local sandbox to explore the guidance."
        )

    def get_prm_evidence(self) -> PrmEvidence:
        raise errors.UnsupportedOperationException(
            "PRM attribution evidence is not readable through the Partner Central APIs this server calls yet. "
            "Check the Attributed revenue dashboard in Partner Central, or use the local sandbox."
        )

    def resale_authorization_role_exists(self) -> bool:
        with _iam_errors("iam:GetRole"):
            try:
                self.iam.get_role(RoleName=RESALE_AUTHORIZATION_ROLE)
            except ClientError as exc:
                if _error_code(exc) == "NoSuchEntity":
                    return False
                raise
        return True
