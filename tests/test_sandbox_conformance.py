"""The sandbox fails like the API.

Every error path of the sandbox is driven here, through `send` or the typed methods, and its error is checked
against botocore's model of the operation: the class is one the operation lists in its errors (for a console action
or the sandbox playing AWS, one its service has), and the error as the service sends it has the exception shape's
required members, enum values from the model and no member the shape lacks. A test fails when a raise site of the
sandbox is not driven. The aws backend reads each of these errors, as botocore hands it over, back into the same
error. Then the ClientToken: passed for every operation that takes one, replayed as the API does, checked
against the model's pattern and length, and derived by the write flows so that no two calls share one.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from agent.backends import errors, operations
from agent.backends.aws import api_errors
from agent.backends.base import OpportunityQuery
from agent.backends.errors import ACCOUNT, BENEFITS, IAM, SELLING
from agent.backends.local import sandbox as sandbox_module
from agent.backends.local import store
from agent.backends.local.sandbox import LocalPartnerCentral, LocalSandbox
from agent.backends.local.seed import example_details
from agent.graphs.plans import ApiCall, sent_request
from agent.storage import utcnow
from tests.conftest import ISV, NEWCOMER, PRM_READY

ALTO = PRM_READY
ALTO_ACCOUNT, CIRRUS_ACCOUNT = "123456789012", "210987654321"
SEEDED_INVITATION = "pacinv-cirrus2alto01"  # Cirrus invited AltoCloud to collaborate; not answered yet
POC_APPROVED, MDF_IN_REVIEW, MDF_BENEFIT = "benappl-alto0poc000002", "benappl-alto0mdf000001", "ben-mdfcampaign001"
MINE = {"Catalog": "Sandbox", "Identifier": ALTO}
MDF_DRAFT = {
    "Catalog": "Sandbox",
    "ClientToken": "draft-1",
    "BenefitIdentifier": MDF_BENEFIT,
    "Name": "Webinar",
    "FulfillmentTypes": ["CASH"],
    "BenefitApplicationDetails": example_details(MDF_BENEFIT),
}
INVITE = {
    "Catalog": "Sandbox",
    "ClientToken": "invite-1",
    "ConnectionType": "SUBSIDIARY",
    "ReceiverIdentifier": "210987650000",
    "Email": "lena.vogt@cirrus-secure.example",
    "Name": "Lena Vogt",
    "Message": "Please connect",
}
SANDBOX_MODULES = [*sorted(Path(sandbox_module.__file__).parent.glob("*.py")), Path(operations.__file__)]


def on(application_id: str, **members: Any) -> dict[str, Any]:
    return {"Catalog": "Sandbox", "Identifier": application_id, **members}


def alto(box: LocalSandbox) -> LocalPartnerCentral:
    return box.client(ALTO)


def cirrus(box: LocalSandbox) -> LocalPartnerCentral:
    return box.client(ISV)


def emailed_code(client: LocalPartnerCentral, email: str) -> str:
    client.send_email_verification_code(email)
    return next(sent["Code"] for sent in client.outbox() if sent["Email"] == email)


def profile_details(client: LocalPartnerCentral) -> dict[str, Any]:
    details = client.get_partner().Profile.api_dict()
    del details["ProfileId"]
    return details


def edit_stored(box: LocalSandbox, kind: str, rid: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a stored resource: states the seed does not have, but the API can."""
    with box.store.transaction() as conn:
        row = store.get_row(conn, kind, box.catalog, rid)
        body = json.loads(row["body"])
        change(body)
        store.update_row(conn, kind, box.catalog, rid, row["revision"], body, utcnow())


def in_claim_stage(box: LocalSandbox) -> LocalPartnerCentral:
    box.advance(POC_APPROVED)  # Pre-Approved -> Cash Claim
    return alto(box)


def claim(client: LocalPartnerCentral, token: str, amount: float, **members: Any) -> dict[str, Any]:
    operation = "UpdateCashClaim" if "ClaimId" in members else "SubmitCashClaim"
    return client.send(BENEFITS, operation, on(POC_APPROVED, ClientToken=token, Amount=amount, **members))


# Every error path, and the service and operation whose errors it must look like


@dataclass(frozen=True)
class ErrorPath:
    """One way the sandbox fails. ``service`` None: the error is the sandbox's own, not an API error (a request for
    something the sandbox does not model, another catalog, or a write `send` does not make). ``operation`` None: a
    console action or the sandbox playing AWS, which any of the service's exceptions may answer."""

    name: str
    service: str | None
    operation: str | None
    drive: Callable[[LocalSandbox, Path], object]


def _already_connected(box: LocalSandbox, _: Path) -> object:
    alto(box).send(ACCOUNT, "AcceptConnectionInvitation", {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION})
    return cirrus(box).send(
        ACCOUNT,
        "CreateConnectionInvitation",
        {**INVITE, "ConnectionType": "OPPORTUNITY_COLLABORATION", "ReceiverIdentifier": ALTO_ACCOUNT},
    )


def _domain_twice(box: LocalSandbox, _: Path) -> object:
    client, email = alto(box), "training@alto-academy.example"
    request = {**MINE, "Email": email, "EmailVerificationCode": emailed_code(client, email)}
    client.send(ACCOUNT, "AssociateAwsTrainingCertificationEmailDomain", request)
    return client.send(
        ACCOUNT,
        "AssociateAwsTrainingCertificationEmailDomain",
        {**request, "EmailVerificationCode": emailed_code(client, email)},
    )


def _no_approved_amount(box: LocalSandbox, _: Path) -> object:
    """A request whose details lack the amount (its benefit's schema could leave it optional)."""
    edit_stored(
        box,
        sandbox_module.APPLICATION,
        POC_APPROVED,
        lambda body: body["BenefitApplicationDetails"].pop("RequestedAmount"),
    )
    return claim(in_claim_stage(box), "claim-1", 100.0)


def _claim_in_review(box: LocalSandbox, _: Path) -> dict[str, Any]:
    client = in_claim_stage(box)
    return claim(client, "claim-1", 100.0)


def _attach(box: LocalSandbox, tmp_path: Path) -> object:
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    return alto(box).send(
        BENEFITS,
        "AttachFile",
        on(MDF_IN_REVIEW, ClientToken="attach-1", FileDetails=[{"FileURI": str(program), "BusinessUseCase": "Agenda"}]),
    )


def _next_token_of_other_query(box: LocalSandbox, _: Path) -> object:
    client = alto(box)
    page = client.list_opportunities(OpportunityQuery(MaxResults=1))
    return client.list_opportunities(OpportunityQuery(MaxResults=1, SortBy="Identifier", NextToken=page.NextToken))


def _replayed_with_another_request(box: LocalSandbox, _: Path) -> object:
    client = alto(box)
    reject = {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION, "ClientToken": "reject-1", "Reason": "No"}
    client.send(ACCOUNT, "RejectConnectionInvitation", reject)
    return client.send(ACCOUNT, "RejectConnectionInvitation", {**reject, "Reason": "Not our partner"})


def _deleted_with_a_used_token(box: LocalSandbox, _: Path) -> object:
    client = alto(box)
    first = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    second = client.send(BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "ClientToken": "draft-2"})["Id"]
    client.send(BENEFITS, "DeleteBenefitApplication", on(first, ClientToken="delete-1"))
    return client.send(BENEFITS, "DeleteBenefitApplication", on(second, ClientToken="delete-1"))


def _inactive_benefit(box: LocalSandbox, _: Path) -> object:
    edit_stored(box, sandbox_module.BENEFIT, MDF_BENEFIT, lambda body: body.update(Status="INACTIVE"))
    return alto(box).send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)


def _profile_task_twice(box: LocalSandbox, _: Path) -> object:
    client = alto(box)
    request = {**MINE, "TaskDetails": profile_details(client)}  # botocore fills a new ClientToken each time
    client.send(ACCOUNT, "StartProfileUpdateTask", request)
    return client.send(ACCOUNT, "StartProfileUpdateTask", request)


def _too_many_codes(box: LocalSandbox, _: Path) -> None:
    client = alto(box)
    for _ in range(sandbox_module.EMAIL_CODE_SENDS + 1):
        client.send_email_verification_code("ana@altocloud-data.example")


def _answered_twice(box: LocalSandbox, _: Path) -> object:
    box.respond(SEEDED_INVITATION, accept=True)
    return box.respond(SEEDED_INVITATION, accept=False)


def _cancelled_then_accepted(box: LocalSandbox, _: Path) -> object:
    cirrus(box).send(ACCOUNT, "CancelConnectionInvitation", {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION})
    return alto(box).send(
        ACCOUNT, "AcceptConnectionInvitation", {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION}
    )


def _stale_revision(box: LocalSandbox, _: Path) -> object:
    client = alto(box)
    draft = client.send(BENEFITS, "CreateBenefitApplication", MDF_DRAFT)["Id"]
    return client.send(BENEFITS, "UpdateBenefitApplication", on(draft, ClientToken="edit-1", Revision="7", Name="New"))


OPP = {"Catalog": "Sandbox", "OpportunityIdentifier": "O4000004"}
REFERRAL = {"Catalog": "Sandbox", "Identifier": "engi-alto000000002"}


def _update_in_review(box: LocalSandbox, _: Path) -> object:
    edit_stored(
        box, sandbox_module.OPPORTUNITY, "O4000004", lambda body: body["LifeCycle"].update(ReviewStatus="Submitted")
    )
    current = alto(box).get_opportunity("O4000004")
    return alto(box).send(
        SELLING,
        "UpdateOpportunity",
        {"Catalog": "Sandbox", "Identifier": "O4000004", "LastModifiedDate": current.LastModifiedDate.isoformat()},
    )


def send(partner: str, service: str, operation: str, request: dict[str, Any]) -> Callable[[LocalSandbox, Path], object]:
    return lambda box, _: box.client(partner).send(service, operation, request)


def typed(partner: str, call: Callable[[LocalPartnerCentral], object]) -> Callable[[LocalSandbox, Path], object]:
    return lambda box, _: call(box.client(partner))


ERROR_PATHS = [
    # partnercentral-account
    ErrorPath("partner id malformed", ACCOUNT, "GetPartner", lambda box, _: box.client("not-a-partner")),
    ErrorPath("partner unknown", ACCOUNT, "GetPartner", lambda box, _: box.client("partner-0000000000000")),
    ErrorPath(
        "another partner's identifier",
        ACCOUNT,
        "PutProfileVisibility",
        send(ALTO, ACCOUNT, "PutProfileVisibility", {"Catalog": "Sandbox", "Identifier": ISV, "Visibility": "PUBLIC"}),
    ),
    ErrorPath(
        "visibility outside the enum, sent",
        ACCOUNT,
        "PutProfileVisibility",
        send(ALTO, ACCOUNT, "PutProfileVisibility", {**MINE, "Visibility": "HIDDEN"}),
    ),
    ErrorPath(
        "visibility outside the enum, typed",
        ACCOUNT,
        "PutProfileVisibility",
        typed(ALTO, lambda client: client.put_profile_visibility("HIDDEN")),
    ),  # type: ignore[arg-type]
    ErrorPath("verification code sent too often", ACCOUNT, "SendEmailVerificationCode", _too_many_codes),
    ErrorPath(
        "verification code wrong",
        ACCOUNT,
        "PutAllianceLeadContact",
        send(
            ALTO,
            ACCOUNT,
            "PutAllianceLeadContact",
            {
                **MINE,
                "EmailVerificationCode": "000000",
                "AllianceLeadContact": {
                    "FirstName": "Ana",
                    "LastName": "Silva",
                    "Email": "ana@new-domain.example",
                    "BusinessTitle": "Alliances",
                },
            },
        ),
    ),
    ErrorPath(
        "no profile update task",
        ACCOUNT,
        "GetProfileUpdateTask",
        typed(ALTO, lambda client: client.get_profile_update_task()),
    ),
    ErrorPath("profile update task in progress", ACCOUNT, "StartProfileUpdateTask", _profile_task_twice),
    ErrorPath(
        "token breaks the pattern",
        ACCOUNT,
        "StartProfileUpdateTask",
        lambda box, _: alto(box).send(
            ACCOUNT,
            "StartProfileUpdateTask",
            {**MINE, "ClientToken": "task 1!", "TaskDetails": profile_details(alto(box))},
        ),
    ),
    ErrorPath("domain already associated", ACCOUNT, "AssociateAwsTrainingCertificationEmailDomain", _domain_twice),
    ErrorPath(
        "domain not associated",
        ACCOUNT,
        "DisassociateAwsTrainingCertificationEmailDomain",
        send(
            ALTO, ACCOUNT, "DisassociateAwsTrainingCertificationEmailDomain", {**MINE, "DomainName": "unknown.example"}
        ),
    ),
    ErrorPath(
        "no linked account",
        ACCOUNT,
        "CreateConnectionInvitation",
        send(NEWCOMER, ACCOUNT, "CreateConnectionInvitation", INVITE),
    ),
    ErrorPath(
        "receiver not an account id",
        ACCOUNT,
        "CreateConnectionInvitation",
        send(ISV, ACCOUNT, "CreateConnectionInvitation", {**INVITE, "ReceiverIdentifier": "not-an-account"}),
    ),
    ErrorPath(
        "inviting oneself",
        ACCOUNT,
        "CreateConnectionInvitation",
        send(ISV, ACCOUNT, "CreateConnectionInvitation", {**INVITE, "ReceiverIdentifier": CIRRUS_ACCOUNT}),
    ),
    ErrorPath(
        "invitation already pending",
        ACCOUNT,
        "CreateConnectionInvitation",
        send(
            ISV,
            ACCOUNT,
            "CreateConnectionInvitation",
            {**INVITE, "ConnectionType": "OPPORTUNITY_COLLABORATION", "ReceiverIdentifier": ALTO_ACCOUNT},
        ),
    ),
    ErrorPath("already connected", ACCOUNT, "CreateConnectionInvitation", _already_connected),
    ErrorPath(
        "invitation id malformed",
        ACCOUNT,
        "AcceptConnectionInvitation",
        typed(ALTO, lambda client: client.accept_connection_invitation("pacinv-1", "accept-1")),
    ),
    ErrorPath(
        "invitation unknown",
        ACCOUNT,
        "AcceptConnectionInvitation",
        send(ALTO, ACCOUNT, "AcceptConnectionInvitation", {"Catalog": "Sandbox", "Identifier": "pacinv-0000000000000"}),
    ),
    ErrorPath(
        "sender accepts",
        ACCOUNT,
        "AcceptConnectionInvitation",
        send(ISV, ACCOUNT, "AcceptConnectionInvitation", {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION}),
    ),
    ErrorPath("invitation no longer pending", ACCOUNT, "AcceptConnectionInvitation", _cancelled_then_accepted),
    ErrorPath("token used for another request", ACCOUNT, "RejectConnectionInvitation", _replayed_with_another_request),
    ErrorPath(
        "AWS's reviewer: invitation unknown",
        ACCOUNT,
        "AcceptConnectionInvitation",
        lambda box, _: box.respond("pacinv-0000000000000", accept=True),
    ),
    ErrorPath("AWS's reviewer: invitation answered", ACCOUNT, "AcceptConnectionInvitation", _answered_twice),
    # partnercentral-selling
    ErrorPath("opportunity id malformed", SELLING, "GetOpportunity", typed(ALTO, lambda c: c.get_opportunity("1234"))),
    ErrorPath("opportunity unknown", SELLING, "GetOpportunity", typed(ALTO, lambda c: c.get_opportunity("O999999999"))),
    ErrorPath(
        "next token malformed",
        SELLING,
        "ListOpportunities",
        typed(ALTO, lambda client: client.list_opportunities(OpportunityQuery(NextToken="garbage"))),
    ),
    ErrorPath("next token of another query", SELLING, "ListOpportunities", _next_token_of_other_query),
    ErrorPath(
        "no AWS summary before submission",
        SELLING,
        "GetAwsOpportunitySummary",
        typed(ALTO, lambda c: c.get_aws_opportunity_summary("O4000004")),
    ),
    ErrorPath(
        "task unknown",
        SELLING,
        "ListEngagementFromOpportunityTasks",
        typed(ALTO, lambda c: c.get_engagement_task("StartEngagementFromOpportunityTask", "task-0000000000000")),
    ),
    ErrorPath(
        "stale LastModifiedDate",
        SELLING,
        "UpdateOpportunity",
        send(
            ALTO,
            SELLING,
            "UpdateOpportunity",
            {"Catalog": "Sandbox", "Identifier": "O4000004", "LastModifiedDate": "2020-01-01T00:00:00+00:00"},
        ),
    ),
    ErrorPath("update while AWS reviews it", SELLING, "UpdateOpportunity", _update_in_review),
    ErrorPath(
        "close date in the past",
        SELLING,
        "CreateOpportunity",
        send(
            ALTO,
            SELLING,
            "CreateOpportunity",
            {"Catalog": "Sandbox", "ClientToken": "c-1", "LifeCycle": {"TargetCloseDate": "2001-01-01"}},
        ),
    ),
    ErrorPath(
        "inactive solution",
        SELLING,
        "AssociateOpportunity",
        send(
            ALTO,
            SELLING,
            "AssociateOpportunity",
            {**OPP, "RelatedEntityType": "Solutions", "RelatedEntityIdentifier": "S-0000000402"},
        ),
    ),
    ErrorPath(
        "rejection reason not listed",
        SELLING,
        "RejectEngagementInvitation",
        send(ALTO, SELLING, "RejectEngagementInvitation", {**REFERRAL, "RejectionReason": "Too busy"}),
    ),
    ErrorPath(
        "referral unknown",
        SELLING,
        "GetEngagementInvitation",
        typed(ALTO, lambda c: c.get_engagement_invitation("engi-0000000000000")),
    ),
    ErrorPath(
        "referral expired",
        SELLING,
        "StartEngagementByAcceptingInvitationTask",
        send(
            ALTO,
            SELLING,
            "StartEngagementByAcceptingInvitationTask",
            {"Catalog": "Sandbox", "ClientToken": "a-1", "Identifier": "engi-alto000000003"},
        ),
    ),
    ErrorPath("AWS's reviewer: opportunity unknown", SELLING, None, lambda box, _: box.advance_opportunity("O999")),
    ErrorPath(
        "AWS's reviewer: opportunity not submitted", SELLING, None, lambda box, _: box.advance_opportunity("O4000004")
    ),
    # partnercentral-benefits
    ErrorPath(
        "too many fulfillment types",
        BENEFITS,
        "ListBenefits",
        typed(ALTO, lambda client: client.list_benefits(fulfillment_types=["CASH", "CREDITS", "ACCESS"])),
    ),
    ErrorPath("benefit id malformed", BENEFITS, "GetBenefit", typed(ALTO, lambda client: client.get_benefit("ben-1"))),
    ErrorPath(
        "benefit unknown", BENEFITS, "GetBenefit", typed(ALTO, lambda client: client.get_benefit("ben-00000000000000"))
    ),
    ErrorPath(
        "ARN of another catalog",
        BENEFITS,
        "GetBenefitApplication",
        typed(
            ALTO,
            lambda client: client.get_benefit_application(
                f"arn:aws:partnercentral:us-east-1:000000000000:catalog/AWS/benefit-application/{POC_APPROVED}"
            ),
        ),
    ),
    ErrorPath(
        "request missing a member",
        BENEFITS,
        "CreateBenefitApplication",
        send(
            ALTO, BENEFITS, "CreateBenefitApplication", {k: v for k, v in MDF_DRAFT.items() if k != "BenefitIdentifier"}
        ),
    ),
    ErrorPath("benefit inactive", BENEFITS, "CreateBenefitApplication", _inactive_benefit),
    ErrorPath(
        "fulfillment type not offered",
        BENEFITS,
        "CreateBenefitApplication",
        send(ALTO, BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "FulfillmentTypes": ["CREDITS"]}),
    ),
    ErrorPath(
        "details break the schema",
        BENEFITS,
        "CreateBenefitApplication",
        send(
            ALTO,
            BENEFITS,
            "CreateBenefitApplication",
            {**MDF_DRAFT, "BenefitApplicationDetails": {"FundingAmount": "a lot"}},
        ),
    ),
    ErrorPath(
        "application unknown",
        BENEFITS,
        "UpdateBenefitApplication",
        send(
            ALTO, BENEFITS, "UpdateBenefitApplication", on("benappl-00000000000000", ClientToken="edit-1", Revision="1")
        ),
    ),
    ErrorPath("stale revision", BENEFITS, "UpdateBenefitApplication", _stale_revision),
    ErrorPath(
        "transition not allowed",
        BENEFITS,
        "SubmitBenefitApplication",
        send(ALTO, BENEFITS, "SubmitBenefitApplication", on(MDF_IN_REVIEW)),
    ),
    ErrorPath(
        "token used for another request",
        BENEFITS,
        "CreateBenefitApplication",
        lambda box, _: [
            alto(box).send(BENEFITS, "CreateBenefitApplication", request)
            for request in (MDF_DRAFT, {**MDF_DRAFT, "Name": "X"})
        ],
    ),
    ErrorPath(
        "token breaks the pattern",
        BENEFITS,
        "AmendBenefitApplication",
        send(
            ALTO,
            BENEFITS,
            "AmendBenefitApplication",
            on(
                POC_APPROVED,
                ClientToken="amend_1",
                Revision="1",
                AmendmentReason="Longer",
                Amendments=[{"FieldPath": "$.EndDate", "NewValue": "2031-03-31"}],
            ),
        ),
    ),
    ErrorPath(
        "amendment of no member",
        BENEFITS,
        "AmendBenefitApplication",
        send(
            ALTO,
            BENEFITS,
            "AmendBenefitApplication",
            on(
                POC_APPROVED,
                ClientToken="amend-1",
                Revision="1",
                AmendmentReason="Longer",
                Amendments=[{"FieldPath": "$.NoSuchMember", "NewValue": "1"}],
            ),
        ),
    ),
    ErrorPath(
        "AWS's reviewer: application unknown", BENEFITS, None, lambda box, _: box.advance("benappl-00000000000000")
    ),
    ErrorPath(
        "AWS's reviewer: no claim in review",
        BENEFITS,
        None,
        lambda box, _: (in_claim_stage(box), box.review_claim(POC_APPROVED)),
    ),
    # console actions (partnercentral-benefits)
    ErrorPath(
        "console request missing its token",
        BENEFITS,
        None,
        send(ALTO, BENEFITS, "SubmitCashClaim", on(POC_APPROVED, Amount=100.0)),
    ),
    ErrorPath(
        "delete outside the Created stage",
        BENEFITS,
        None,
        send(ALTO, BENEFITS, "DeleteBenefitApplication", on(MDF_IN_REVIEW, ClientToken="delete-1")),
    ),
    ErrorPath("console token used for another request", BENEFITS, None, _deleted_with_a_used_token),
    ErrorPath("file that cannot be attached", BENEFITS, None, _attach),
    ErrorPath("claim outside the Cash Claim stage", BENEFITS, None, lambda box, _: claim(alto(box), "claim-1", 100.0)),
    ErrorPath(
        "claim while another is in review",
        BENEFITS,
        None,
        lambda box, path: (_claim_in_review(box, path), claim(alto(box), "claim-2", 100.0)),
    ),
    ErrorPath(
        "claim above the approved amount",
        BENEFITS,
        None,
        lambda box, _: claim(in_claim_stage(box), "claim-1", 10_000_000.0),
    ),
    ErrorPath("claim without an approved amount", BENEFITS, None, _no_approved_amount),
    ErrorPath(
        "claim id malformed",
        BENEFITS,
        None,
        lambda box, _: claim(in_claim_stage(box), "edit-1", 100.0, ClaimId="claim-1"),
    ),
    ErrorPath(
        "claim unknown",
        BENEFITS,
        None,
        lambda box, _: claim(in_claim_stage(box), "edit-1", 100.0, ClaimId="claim-0000000000000"),
    ),
    ErrorPath(
        "claim not rejected",
        BENEFITS,
        None,
        lambda box, path: claim(alto(box), "edit-1", 100.0, ClaimId=_claim_in_review(box, path)["Id"]),
    ),
    # iam
    ErrorPath(
        "role request missing its service",
        IAM,
        "CreateServiceLinkedRole",
        send(ALTO, IAM, "CreateServiceLinkedRole", {}),
    ),
    # the sandbox's own
    ErrorPath(
        "another catalog",
        None,
        None,
        send(ALTO, ACCOUNT, "PutProfileVisibility", {**MINE, "Catalog": "AWS", "Visibility": "PUBLIC"}),
    ),
    ErrorPath(
        "a service send does not write", None, None, send(ALTO, "partnercentral-channel", "CreateRelationship", {})
    ),
    ErrorPath(
        "a related entity type the sandbox does not model",
        None,
        None,
        send(
            ALTO,
            SELLING,
            "AssociateOpportunity",
            {**OPP, "RelatedEntityType": "AwsMarketplaceOfferSets", "RelatedEntityIdentifier": "x"},
        ),
    ),
    ErrorPath("a write send does not make", None, None, send(ALTO, BENEFITS, "DeleteBenefit", {})),
    ErrorPath(
        "a member the sandbox does not model",
        None,
        None,
        send(ALTO, BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "Tags": [{"Key": "team", "Value": "data"}]}),
    ),
    ErrorPath(
        "another service-linked role",
        None,
        None,
        send(ALTO, IAM, "CreateServiceLinkedRole", {"AWSServiceName": "elasticbeanstalk.amazonaws.com"}),
    ),
]


def fail(path: ErrorPath, sandbox: LocalSandbox, tmp_path: Path) -> errors.PartnerCentralError:
    """The error ``path`` ends in, on a sandbox of its own."""
    try:
        path.drive(sandbox, tmp_path)
    except errors.PartnerCentralError as error:
        return error
    raise AssertionError(f"{path.name}: no error")


def divergences(path: ErrorPath, error: errors.PartnerCentralError) -> list[str]:
    """How ``error`` differs from what botocore's model allows for ``path``'s operation (none when it is ours)."""
    if path.service is None:
        return [] if error.service is None else [f"the sandbox's own error, but in {error.service}'s shape"]
    if error.service != path.service:
        return [f"in {error.service}'s shape, not {path.service}'s"]
    model = errors.service_model(path.service)
    listed = model.operation_model(path.operation).error_shapes if path.operation else model.error_shapes
    shape = next((s for s in listed if errors.ERRORS_BY_CODE.get(s.error_code) is type(error)), None)
    if shape is None:
        return [f"{error.code} is not among the errors of {path.operation or path.service}"]
    return [f"{problem.FieldName}: {problem.Message}" for problem in operations.shape_problems(error.api_body(), shape)]


@pytest.mark.parametrize("path", ERROR_PATHS, ids=[f"{p.service or 'sandbox'}: {p.name}" for p in ERROR_PATHS])
def test_each_error_has_the_shape_the_api_gives_it(path: ErrorPath, sandbox: LocalSandbox, tmp_path: Path) -> None:
    error = fail(path, sandbox, tmp_path)
    assert divergences(path, error) == [], str(error)
    assert len(error.message) <= 600  # short: nothing large is echoed


def raise_sites() -> dict[tuple[str, int], range]:
    """Each ``raise`` of an error in the sandbox's modules, as (file, first line) -> its lines (Python's own errors,
    a seed self-check and a JSON reader's signal, are not error paths)."""
    sites = {}
    for module in SANDBOX_MODULES:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                function = node.exc.func
                if not (isinstance(function, ast.Name) and hasattr(builtins, function.id)):
                    sites[(str(module), node.lineno)] = range(node.lineno, node.end_lineno + 1)
    return sites


def raised_at(error: BaseException, sites: dict[tuple[str, int], range]) -> tuple[str, int] | None:
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    where = frame.tb_frame.f_code.co_filename
    return next((site for site, lines in sites.items() if site[0] == where and frame.tb_lineno in lines), None)


def fresh_sandbox(tmp_path: Path, name: str) -> LocalSandbox:
    box = LocalSandbox(tmp_path / f"{name}.db")
    box.ensure_ready()
    return box


def failure(name: str, service: str | None, tmp_path: Path) -> errors.PartnerCentralError:
    path = next(p for p in ERROR_PATHS if (p.service, p.name) == (service, name))
    return fail(path, fresh_sandbox(tmp_path, f"{service}-{name}"), tmp_path)


def test_every_raise_site_of_the_sandbox_is_driven_without_divergence(tmp_path: Path) -> None:
    sites = raise_sites()
    driven, diverging = set(), []
    for index, path in enumerate(ERROR_PATHS):
        error = fail(path, fresh_sandbox(tmp_path, str(index)), tmp_path)
        driven.add(raised_at(error, sites))
        diverging += [f"{path.name}: {d}" for d in divergences(path, error)]
    missed = sorted(f"{Path(file).name}:{line}" for file, line in set(sites) - driven)
    print(
        f"{len(ERROR_PATHS)} error paths drive {len(driven & set(sites))} of {len(sites)} raise sites; "
        f"{len(diverging)} divergence(s)"
    )
    assert (missed, diverging) == ([], [])


def test_each_service_gets_its_own_reasons_and_field_list(tmp_path: Path) -> None:
    """The same kinds of error, as each service shapes them: a ClientToken used again for another request (the
    account API names the reason, benefits' ConflictException has no Reason), and invalid fields (account lists them
    as unions, a business rule without a field name; benefits as FieldList; selling as ErrorList; IAM not at all)."""
    account_replay = failure("token used for another request", ACCOUNT, tmp_path)
    benefits_replay = failure("token used for another request", BENEFITS, tmp_path)
    self_invite = failure("inviting oneself", ACCOUNT, tmp_path)
    not_offered = failure("fulfillment type not offered", BENEFITS, tmp_path)
    bad_opportunity = failure("opportunity id malformed", SELLING, tmp_path)
    no_role = failure("role request missing its service", IAM, tmp_path)
    assert account_replay.api_body() == {"Message": account_replay.message, "Reason": "CONFLICT_CLIENT_TOKEN"}
    assert benefits_replay.api_body() == {"Message": benefits_replay.message}
    assert self_invite.api_body()["ErrorDetails"] == [
        {
            "BusinessValidationError": {
                "Message": "the receiver is this account",
                "Code": "INCOMPATIBLE_CONNECTION_INVITATION_REQUEST",
            }
        }
    ]
    assert not_offered.api_body()["FieldList"] == [
        {"Name": "FulfillmentTypes", "Message": "not offered by this benefit", "Code": "INVALID_VALUE"}
    ]
    assert (not_offered.reason, bad_opportunity.reason) == ("BUSINESS_VALIDATION_FAILED", "REQUEST_VALIDATION_FAILED")
    assert [e["FieldName"] for e in bad_opportunity.api_body()["ErrorList"]] == ["Identifier"]
    assert set(no_role.api_body()) == {"message"} and "AWSServiceName" in no_role.message


API_ERROR_PATHS = [p for p in ERROR_PATHS if p.service in (ACCOUNT, BENEFITS, SELLING) and p.operation]


@pytest.mark.parametrize("path", API_ERROR_PATHS, ids=[f"{p.service}: {p.name}" for p in API_ERROR_PATHS])
def test_the_aws_backend_reads_each_error_as_the_sandbox_raises_it(
    path: ErrorPath, sandbox: LocalSandbox, tmp_path: Path
) -> None:
    """The error as botocore hands it over (the shape's members beside ``Error``) becomes the same error."""
    error = fail(path, sandbox, tmp_path)
    response = {"Error": {"Code": error.code, "Message": error.message}, "ResponseMetadata": {}, **error.api_body()}
    with pytest.raises(type(error)) as raised, api_errors():
        raise ClientError(response, path.operation)
    read = raised.value
    assert (read.service, read.message, read.reason, read.field_errors, read.members) == (
        error.service,
        error.message,
        error.reason,
        error.field_errors,
        error.members,
    )


def test_the_aws_backend_keeps_the_members_a_quota_error_has() -> None:
    body = {
        "Message": "Too many applications",
        "ResourceId": "benappl-00000000000000",
        "ResourceType": "BenefitApplication",
        "QuotaCode": "L-1234",
    }
    with pytest.raises(errors.ServiceQuotaExceededException) as raised, api_errors():
        raise ClientError(
            {
                "Error": {"Code": "ServiceQuotaExceededException", "Message": body["Message"]},
                "ResponseMetadata": {},
                **body,
            },
            "CreateBenefitApplication",
        )
    assert raised.value.api_body() == body and raised.value.service == BENEFITS


# ClientToken


def _started_task(box: LocalSandbox) -> tuple[LocalPartnerCentral, dict[str, Any], dict[str, Any]]:
    client = alto(box)
    details = profile_details(client)
    return client, {**MINE, "TaskDetails": details}, {"TaskDetails": {**details, "DisplayName": "Alto"}}


def _associated_domain(box: LocalSandbox) -> tuple[LocalPartnerCentral, dict[str, Any], dict[str, Any]]:
    client, email = alto(box), "training@alto-academy.example"
    return (
        client,
        {**MINE, "Email": email, "EmailVerificationCode": emailed_code(client, email)},
        {"EmailVerificationCode": "000000"},
    )


def _updated_draft(box: LocalSandbox) -> tuple[LocalPartnerCentral, dict[str, Any], dict[str, Any]]:
    client = alto(box)
    draft = client.send(BENEFITS, "CreateBenefitApplication", {**MDF_DRAFT, "ClientToken": "the-draft"})["Id"]
    return client, on(draft, Revision="1", Name="Renamed"), {"Name": "Renamed again"}


def _seeded_invitation(partner: str, **request: Any) -> Callable[[LocalSandbox], tuple]:
    return lambda box: (
        box.client(partner),
        {"Catalog": "Sandbox", "Identifier": SEEDED_INVITATION, **request},
        {"Identifier": "pacinv-0000000000000"},
    )


TOKEN_CALLS: dict[str, Callable[[LocalSandbox], tuple[LocalPartnerCentral, dict[str, Any], dict[str, Any]]]] = {
    "StartProfileUpdateTask": _started_task,
    "AssociateAwsTrainingCertificationEmailDomain": _associated_domain,
    "DisassociateAwsTrainingCertificationEmailDomain": lambda box: (
        alto(box),
        {**MINE, "DomainName": "altocloud.example"},
        {"DomainName": "altocloud-data.example"},
    ),
    "CreateConnectionInvitation": lambda box: (cirrus(box), INVITE, {"Message": "Another message"}),
    "AcceptConnectionInvitation": _seeded_invitation(ALTO),
    "RejectConnectionInvitation": _seeded_invitation(ALTO, Reason="Not now"),
    "CancelConnectionInvitation": _seeded_invitation(ISV),
    "CreateBenefitApplication": lambda box: (alto(box), MDF_DRAFT, {"Name": "Autumn webinar"}),
    "UpdateBenefitApplication": _updated_draft,
    "RecallBenefitApplication": lambda box: (alto(box), on(MDF_IN_REVIEW, Reason="Fix the dates"), {"Reason": "Other"}),
    "CancelBenefitApplication": lambda box: (alto(box), on(MDF_IN_REVIEW, Reason="Not needed"), {"Reason": "Other"}),
    "CreateOpportunity": lambda box: (
        alto(box),
        {"Catalog": "Sandbox", "Project": {"Title": "Pilot"}},
        {"Project": {"Title": "Another pilot"}},
    ),
    "StartEngagementFromOpportunityTask": lambda box: (
        alto(box),
        {"Catalog": "Sandbox", "Identifier": "O4000004", "AwsSubmission": {"InvolvementType": "Co-Sell"}},
        {"AwsSubmission": {"InvolvementType": "For Visibility Only"}},
    ),
    "StartEngagementByAcceptingInvitationTask": lambda box: (alto(box), REFERRAL, {"Identifier": "engi-alto000000001"}),
    "AmendBenefitApplication": lambda box: (
        alto(box),
        on(
            POC_APPROVED,
            Revision="1",
            AmendmentReason="Two more weeks",
            Amendments=[{"FieldPath": "$.EndDate", "NewValue": "2031-03-31"}],
        ),
        {"AmendmentReason": "Three more weeks"},
    ),
}
"""Each write that takes a ClientToken: the client and request to make it with, and a change that makes it another."""


PERMISSIVE_TOKENS = (
    "RecallBenefitApplication",
    "CreateOpportunity",
    "StartEngagementFromOpportunityTask",
    "StartEngagementByAcceptingInvitationTask",
)


def token_shape(operation: str) -> Any:
    return operations.operation_model(operations.service_of(operation), operation).input_shape.members["ClientToken"]


def test_every_write_that_takes_a_client_token_is_checked_here() -> None:
    takes_one = {
        operation
        for service, writes in operations.API_WRITES.items()
        for operation in writes
        if "ClientToken" in operations.operation_model(service, operation).input_shape.members
    }
    assert takes_one == set(TOKEN_CALLS)


@pytest.mark.parametrize("operation", sorted(TOKEN_CALLS))
def test_a_client_token_replays_the_first_response_and_refuses_another_request(
    operation: str, sandbox: LocalSandbox
) -> None:
    """Without the replay the second call would fail or write again (a stale Revision, a request no longer in review,
    a second invitation...)."""
    service = operations.service_of(operation)
    client, request, changed = TOKEN_CALLS[operation](sandbox)
    request = {**request, "ClientToken": "token-1"}
    first = client.send(service, operation, request)
    assert client.send(service, operation, request) == first
    with pytest.raises(errors.ConflictException, match="already used for a different") as raised:
        client.send(service, operation, {**request, **changed})
    assert raised.value.reason == ("CONFLICT_CLIENT_TOKEN" if service == ACCOUNT else None)


@pytest.mark.parametrize("token", ["token 1!", "t" * 65], ids=["off-pattern", "too long"])
@pytest.mark.parametrize("operation", sorted(TOKEN_CALLS))
def test_a_client_token_is_checked_as_the_operations_model_says(
    operation: str, token: str, sandbox: LocalSandbox
) -> None:
    """Account tokens are ``[A-Za-z0-9-_]+``, benefits' ``[!-~]{1,64}`` or ``[a-zA-Z0-9-]{1,64}``, all at most 64
    characters; RecallBenefitApplication's token has no constraint at all, selling's are ``.{1,255}``."""
    shape = token_shape(operation)
    pattern, maximum = shape.metadata.get("pattern"), shape.metadata.get("max")
    refused = (maximum is not None and len(token) > maximum) or (
        pattern is not None and not re.fullmatch(pattern, token)
    )
    client, request, _ = TOKEN_CALLS[operation](sandbox)
    request = {**request, "ClientToken": token}
    if not refused:
        assert operation in PERMISSIVE_TOKENS
        client.send(operations.service_of(operation), operation, request)
        return
    with pytest.raises(errors.ValidationException) as raised:
        client.send(operations.service_of(operation), operation, request)
    assert [e.FieldName for e in raised.value.field_errors] == ["ClientToken"]


def test_two_calls_of_one_approval_never_share_a_derived_client_token() -> None:
    cancel = ApiCall(service=BENEFITS, operation="CancelBenefitApplication", request=on(MDF_IN_REVIEW, Reason="No"))
    recall = ApiCall(service=BENEFITS, operation="RecallBenefitApplication", request=on(MDF_IN_REVIEW, Reason="No"))
    tokens = [
        sent_request(call, approval, index)["ClientToken"]
        for call, approval, index in [
            (cancel, "approval-1", 0),
            (cancel, "approval-1", 1),
            (recall, "approval-1", 0),
            (cancel, "approval-2", 0),
        ]
    ]
    assert len(set(tokens)) == len(tokens)
    assert sent_request(cancel, "approval-1", 1)["ClientToken"] == tokens[1]  # a retry sends the same one


@pytest.mark.parametrize("operation", sorted(TOKEN_CALLS))
def test_a_derived_client_token_fits_the_operations_model(operation: str) -> None:
    service = operations.service_of(operation)
    token = sent_request(ApiCall(service=service, operation=operation, request={}), "approval-1", 0)["ClientToken"]
    shape = token_shape(operation)
    assert len(token) <= shape.metadata.get("max", len(token))
    assert re.fullmatch(shape.metadata.get("pattern", ".*"), token)
