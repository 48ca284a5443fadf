"""The real Partner Central APIs through boto3 (standard credential chain, Catalog ``Sandbox`` or ``AWS``).

Reads are validated into the same models the local sandbox returns, writes (`AwsPartnerCentral.send`) return
the API's response body, and botocore's ``ClientError`` becomes the matching `agent.backends.errors`
exception, so tools cannot tell the backends apart.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any, TypeVar, get_args

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
from agent.models.seller import (
    LEGACY_TAG_KEY,
    RESALE_AUTHORIZATION_ROLE,
    CostAllocationTag,
    Listing,
    ListingType,
    ListingVisibility,
    PrmEvidence,
    RevenueAttribution,
    SellerAccount,
    SellerSetup,
    SetupStatus,
    UnknownEvidence,
    tag_key,
)
from agent.models.selling import AwsOpportunitySummary, EngagementInvitation, EngagementTask, Opportunity, Solution

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
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
    """Translate botocore errors into the API's own exceptions, in the shape of the service that answered (told by
    the operation's name): botocore has read only the members of that service's exception shape into the response,
    so its Reason, field list and other members (such as a quota's ``QuotaCode``) are the ones that service sends."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        body = exc.response
        field_errors = [
            errors.FieldError(
                FieldName=item.get("FieldName") or item.get("Name") or "",
                Message=item.get("Message", ""),
                Code=item.get("Code", "INVALID_VALUE"),
            )
            for item in _error_items(body)
        ]
        cls = errors.ERRORS_BY_CODE.get(error.get("Code", ""), errors.InternalServerException)
        service = operations.service_of(exc.operation_name)
        shape = errors.exception_shape(service, cls.code) if service else None
        members = {name: body[name] for name in (shape.others if shape else ()) if name in body}
        raise cls(
            error.get("Message", str(exc)),
            service=service,
            reason=body.get("Reason"),
            field_errors=field_errors,
            members=members,
        ) from None
    except ParamValidationError as exc:  # botocore checks a request against the model before sending it
        problems = operations.report_problems(exc.kwargs["report"])
        raise errors.invalid_request(
            None,
            f"The request does not match its input shape ({len(problems)} problem(s)); nothing was sent. Fix "
            "the members named here and send it again.",
            problems,
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

    next_step = ""  # the message says to report it


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


MARKETPLACE_CATALOG = "AWSMarketplace"
PRODUCT_TYPES: dict[str, ListingType] = {
    "SaaSProduct": "SaaS",
    "AmiProduct": "AMI",
    "ContainerProduct": "Container",
    "MachineLearningProduct": "MachineLearning",
    "ProfessionalServicesProduct": "ProfessionalServices",
    "DataProduct": "DataProduct",
}
"""The Marketplace Catalog entity types of product listings, and the listing type of each."""
_PRODUCT_CODE = re.compile(r"[A-Za-z0-9]{1,64}")

AMMP = "the AWS Marketplace Management Portal"
AMMP_PRODUCTS = f"{AMMP} (Products)"
IAM_ROLES = "the IAM console of the linked seller account (Roles)"
BILLING_TAGS = "the Billing and Cost Management console of your management account (Cost allocation tags)"
REVENUE_ATTRIBUTION_IDS = "Partner Central (Revenue Attribution IDs)"
PARTNER_ACCOUNT = "Partner Central (Account linking)"
NO_API = "No AWS API exposes it."
NO_API_SETUP = {
    "SellerRegistration": UnknownEvidence(Reason=NO_API, Where=AMMP),
    "TaxInterview": UnknownEvidence(Reason=NO_API, Where=f"{AMMP} (Settings > Tax information)"),
    "BankAccount": UnknownEvidence(Reason=NO_API, Where=f"{AMMP} (Settings > Payment information)"),
    "Compliance": UnknownEvidence(Reason=NO_API, Where=AMMP),
}
"""The seller setup no AWS API returns."""
OTHER_SELLER_ACCOUNTS = UnknownEvidence(
    Reason="Only the linked account is readable with these credentials; other seller accounts you own are not.",
    Where=f"{AMMP} of each seller account",
)
MEASURED_ATTRIBUTION = UnknownEvidence(
    Reason="No AWS API returns measured attribution (tagged resources, user-agent calls, metering records).",
    Where="Partner Central's Attributed revenue dashboard (Onboarding status table)",
)


def _clip(text: object, limit: int = 200) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _attempt(read: Callable[[], T], action: str, where: str) -> T | UnknownEvidence:
    """``read()``, or why it failed as unknown evidence: one source failing never fails the whole assessment."""
    try:
        with api_errors():
            try:
                return read()
            except BotoCoreError as exc:  # no credentials, endpoint unreachable, a botocore without the service
                return UnknownEvidence(Reason=f"{action} could not be called: {_clip(exc)}", Where=where)
    except errors.AccessDeniedException:
        return UnknownEvidence(Reason=f"These AWS credentials are not allowed {action}.", Where=where)
    except errors.PartnerCentralError as exc:
        return UnknownEvidence(Reason=f"{action} failed: {_clip(exc)}", Where=where)
    except ValidationError as exc:
        return UnknownEvidence(
            Reason=f"{action} answered in a shape this server cannot read ({exc.error_count()} problem(s)).",
            Where=where,
        )


def _linked_account(partner: Partner | UnknownEvidence) -> str | UnknownEvidence:
    """The AWS account linked to Partner Central: the account in GetPartner's ARN (the API answers only there)."""
    if isinstance(partner, UnknownEvidence):
        return partner
    fields = partner.Arn.split(":")
    if len(fields) > 4 and re.fullmatch(r"[0-9]{12}", fields[4]):
        return fields[4]
    return UnknownEvidence(Reason="GetPartner's Arn names no AWS account.", Where=PARTNER_ACCOUNT)


def _listing(row: dict[str, Any], product_type: ListingType) -> Listing | None:
    """A listing from a ListEntities row (None for a row without an EntityId, which cannot be one)."""
    entity_id = row.get("EntityId")
    if not entity_id:
        return None
    summary = next(
        (value for key, value in row.items() if key.endswith("ProductSummary") and isinstance(value, dict)), {}
    )
    visibility = summary.get("Visibility") or row.get("Visibility")
    return Listing(
        ProductId=entity_id,
        Title=summary.get("ProductTitle") or row.get("Name") or entity_id,
        ProductType=product_type,
        Visibility=visibility if visibility in get_args(ListingVisibility) else None,
    )


def _product_code(described: dict[str, Any]) -> str | None:
    """The product code in DescribeEntity's details (``Description.ProductCode``); None when absent or malformed."""
    details = described.get("DetailsDocument")
    if details is None and described.get("Details"):
        try:
            details = json.loads(described["Details"])
        except ValueError:
            return None
    description = details.get("Description") if isinstance(details, dict) else None
    code = description.get("ProductCode") if isinstance(description, dict) else None
    return code if isinstance(code, str) and _PRODUCT_CODE.fullmatch(code) else None


def _catalog_registration(listings: list[Listing], *, complete: bool) -> SetupStatus | None:
    """ESC catalog registration as the listings show it: a product past Draft completes it; None when unknown."""
    if any(listing.Visibility != "Draft" for listing in listings):
        return "COMPLETED"
    if not complete:
        return None
    return "IN_PROGRESS" if listings else "NOT_STARTED"


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

    @cached_property
    def catalog_api(self):
        """The AWS Marketplace Catalog API, served only from us-east-1 whatever the session's region."""
        return self._session.client("marketplace-catalog", region_name="us-east-1", config=_RETRIES)

    @cached_property
    def revenue(self):
        return self._session.client("partnercentral-revenue-measurement", config=_RETRIES)

    @cached_property
    def ce(self):
        """Cost Explorer: botocore resolves its one endpoint whatever the session's region."""
        return self._session.client("ce", config=_RETRIES)

    def send(self, service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Call the service's client with ``request`` as is (botocore checks it against the model, and fills an
        absent idempotency token). IAM's CreateServiceLinkedRole for a role that exists already succeeds and
        returns {}. Console actions are refused: they have no API operation."""
        if operation in CONSOLE_ONLY:
            raise errors.UnsupportedOperationException(CONSOLE_ONLY[operation])
        operations.operation_model(service, operation)  # refuses anything but the writes send makes
        operations.require_catalog(request, self.catalog)
        client = {
            "partnercentral-account": self.account,
            "partnercentral-benefits": self.benefits,
            "partnercentral-selling": self.selling,
            "iam": self.iam,
        }[service]
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
        self,
        *,
        participant_type: ParticipantRole | None = None,
        status: InvitationStatus | None = None,
        connection_type: ConnectionTypeName | None = None,
    ) -> list[ConnectionInvitation]:
        """Each invitation in full: the summaries omit the message and the inviter's name and email."""
        filters = {
            key: value
            for key, value in (
                ("ParticipantType", participant_type),
                ("Status", status),
                ("ConnectionType", connection_type),
            )
            if value is not None
        }
        summaries = self._pages(self.account, "list_connection_invitations", "ConnectionInvitationSummaries", **filters)
        get = self.account.get_connection_invitation
        return [
            _read(ConnectionInvitation, self._get(get, i), "GetConnectionInvitation")
            for i in _identified(summaries, "ListConnectionInvitations")
        ]

    def list_connections(self, connection_type: ConnectionTypeName | None = None) -> list[Connection]:
        """Each connection in full: the summaries omit when and by whom each connection type was created."""
        filters = {"ConnectionType": connection_type} if connection_type is not None else {}
        summaries = self._pages(self.account, "list_connections", "ConnectionSummaries", **filters)
        return [
            _read(Connection, self._get(self.account.get_connection, i), "GetConnection")
            for i in _identified(summaries, "ListConnections")
        ]

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

    def get_aws_opportunity_summary(self, opportunity_id: str) -> AwsOpportunitySummary:
        with api_errors():
            response = self.selling.get_aws_opportunity_summary(
                Catalog=self.catalog, RelatedOpportunityIdentifier=opportunity_id
            )
        return _read(AwsOpportunitySummary, _body(response), "GetAwsOpportunitySummary")

    def _token_pages(self, operation: str, key: str, **request: Any) -> Iterator[dict[str, Any]]:
        """Every item under ``key`` of an operation paged by NextToken (botocore has no paginator for it)."""
        call = getattr(self.selling, xform_name(operation))
        token = None
        while True:
            with api_errors():
                page = call(Catalog=self.catalog, **request, **({"NextToken": token} if token else {}))
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return

    def list_engagement_invitations(self) -> list[EngagementInvitation]:
        rows = self._token_pages(
            "ListEngagementInvitations",
            "EngagementInvitationSummaries",
            ParticipantType="RECEIVER",
            PayloadType=["OpportunityInvitation"],
            Sort={"SortBy": "InvitationDate", "SortOrder": "DESCENDING"},
        )
        return [self.get_engagement_invitation(row["Id"]) for row in list(rows)]

    def get_engagement_invitation(self, invitation_id: str) -> EngagementInvitation:
        with api_errors():
            response = self.selling.get_engagement_invitation(Catalog=self.catalog, Identifier=invitation_id)
        return _read(EngagementInvitation, _body(response), "GetEngagementInvitation")

    def list_solutions(self) -> list[Solution]:
        return [
            _read(Solution, row, "ListSolutions") for row in self._token_pages("ListSolutions", "SolutionSummaries")
        ]

    def get_engagement_task(self, operation: str, task_id: str) -> EngagementTask:
        lister = {
            "StartEngagementFromOpportunityTask": "ListEngagementFromOpportunityTasks",
            "StartEngagementByAcceptingInvitationTask": "ListEngagementByAcceptingInvitationTasks",
        }[operation]
        rows = list(self._token_pages(lister, "TaskSummaries", TaskIdentifier=[task_id]))
        if not rows:
            raise errors.ResourceNotFoundException(f"{lister} has no task {task_id}.", service=errors.SELLING)
        return _read(EngagementTask, rows[0], lister)

    # partnercentral-benefits

    def list_benefits(
        self, *, program: str | None = None, fulfillment_types: list[FulfillmentTypeName] | None = None
    ) -> list[BenefitSummary]:
        filters: dict[str, Any] = {}
        if program is not None:
            filters["Programs"] = [program]
        if fulfillment_types:
            filters["FulfillmentTypes"] = list(fulfillment_types)
        return [
            _read(BenefitSummary, b, "ListBenefits")
            for b in self._pages(self.benefits, "list_benefits", "BenefitSummaries", **filters)
        ]

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

    # Outside the Partner Central APIs: what AWS exposes of the seller setup and the PRM evidence

    def get_seller_setup(self) -> SellerSetup:
        """The headquarters and the linked account (GetPartner), that account's listings and product codes
        (Marketplace Catalog) and the resale role (IAM). Registration, tax, banking and KYC/BAV/SU have no API: they
        are named in Unknown, as is every read that fails."""
        unknown = {**NO_API_SETUP, "SellerAccounts": OTHER_SELLER_ACCOUNTS}
        role = _attempt(self.resale_authorization_role_exists, "iam:GetRole", IAM_ROLES)
        if isinstance(role, UnknownEvidence):
            unknown["ResaleAuthorizationRoleExists"], role = role, None
        partner = self._partner()
        account = _linked_account(partner)
        if isinstance(partner, UnknownEvidence):
            unknown["HeadquartersCountryCode"] = partner
        headquarters = partner.Profile.Headquarters if isinstance(partner, Partner) else None
        if isinstance(account, UnknownEvidence):
            unknown["Listings"] = unknown["EscCatalogRegistration"] = account
            accounts, registration = [], None
        else:
            listings, problems = self._listings()
            unknown |= problems
            registration = _catalog_registration(listings, complete="Listings" not in problems)
            if registration is None:
                unknown["EscCatalogRegistration"] = problems["Listings"]
            accounts = [
                SellerAccount(AwsAccountId=account, LegalName=partner.LegalName, IsPrimary=True, Listings=listings)
            ]
        return SellerSetup(
            **dict.fromkeys(NO_API_SETUP),
            HeadquartersCountryCode=headquarters.CountryCode if headquarters else None,
            EscCatalogRegistration=registration,
            ResaleAuthorizationRoleExists=role,
            SellerAccounts=accounts,
            Unknown=unknown,
        )

    def get_prm_evidence(self) -> PrmEvidence:
        """The linked account (the account of GetPartner's ARN: the API answers only in the account linked to Partner
        Central), the PRM tag keys Cost Explorer lists and the Revenue Attribution IDs. Measured attribution (tagged
        resources, user-agent calls, metering) has no API: it is named in Unknown, as is every read that fails."""
        unknown = {"Signals": MEASURED_ATTRIBUTION}
        linked = _linked_account(self._partner())
        if isinstance(linked, UnknownEvidence):
            unknown["LinkedPrimaryAccountId"], linked = linked, None
        keys = [LEGACY_TAG_KEY, *([tag_key(linked)] if linked else [])]
        tags = _attempt(
            lambda: [CostAllocationTag.model_validate(tag) for tag in self._cost_allocation_tags(keys)],
            "ce:ListCostAllocationTags",
            BILLING_TAGS,
        )
        attributions = _attempt(
            lambda: [
                RevenueAttribution.model_validate(summary)
                for summary in self._pages(self.revenue, "list_revenue_attributions", "RevenueAttributionSummaries")
            ],
            "partnercentral:ListRevenueAttributions",
            REVENUE_ATTRIBUTION_IDS,
        )
        for name, read in (("CostAllocationTags", tags), ("RevenueAttributions", attributions)):
            if isinstance(read, UnknownEvidence):
                unknown[name] = read
        return PrmEvidence(
            LinkedPrimaryAccountId=linked,
            Signals=None,
            Unknown=unknown,
            CostAllocationTags=None if "CostAllocationTags" in unknown else tags,
            RevenueAttributions=None if "RevenueAttributions" in unknown else attributions,
        )

    def _partner(self) -> Partner | UnknownEvidence:
        return _attempt(self.get_partner, "partnercentral:GetPartner", "Partner Central (your partner account)")

    def _listings(self) -> tuple[list[Listing], dict[str, UnknownEvidence]]:
        """The linked account's own product listings (ListEntities per product type) with their product codes
        (DescribeEntity), and what could not be read: 'Listings' (a product type) or 'ProductCodes' (a listing)."""
        listings: list[Listing] = []
        problems: dict[str, UnknownEvidence] = {}
        for entity_type, product_type in PRODUCT_TYPES.items():
            rows = _attempt(lambda: list(self._entities(entity_type)), "aws-marketplace:ListEntities", AMMP_PRODUCTS)
            if isinstance(rows, UnknownEvidence):
                problems.setdefault("Listings", rows)
                continue
            listings += [listing for row in rows if (listing := _listing(row, product_type))]
        for index, listing in enumerate(listings):
            if listing.ProductType == "DataProduct":  # data products carry no product code
                continue
            code = _attempt(
                lambda: _product_code(
                    self.catalog_api.describe_entity(Catalog=MARKETPLACE_CATALOG, EntityId=listing.ProductId)
                ),
                "aws-marketplace:DescribeEntity",
                AMMP_PRODUCTS,
            )
            if isinstance(code, UnknownEvidence):
                problems.setdefault("ProductCodes", code)
                continue
            listings[index] = listing.model_copy(update={"ProductCode": code})
        return listings, problems

    def _entities(self, entity_type: str) -> Iterator[dict[str, Any]]:
        pages = self.catalog_api.get_paginator("list_entities").paginate(
            Catalog=MARKETPLACE_CATALOG, EntityType=entity_type, OwnershipType="SELF"
        )
        for page in pages:
            yield from page.get("EntitySummaryList", [])

    def _cost_allocation_tags(self, keys: list[str]) -> Iterator[dict[str, Any]]:
        for page in self.ce.get_paginator("list_cost_allocation_tags").paginate(TagKeys=keys, Type="UserDefined"):
            yield from page.get("CostAllocationTags", [])

    def resale_authorization_role_exists(self) -> bool:
        with _iam_errors("iam:GetRole"):
            try:
                self.iam.get_role(RoleName=RESALE_AUTHORIZATION_ROLE)
            except ClientError as exc:
                if _error_code(exc) == "NoSuchEntity":
                    return False
                raise
        return True
