"""What AWS needs before an opportunity can be shared with it (StartEngagementFromOpportunityTask).

The rules are the Selling API documentation's (CreateOpportunity, the Account, Project, LifeCycle and AwsSubmission
shapes): each names the field, what is wrong and how to fix it. The sandbox, playing AWS, fails a submission on the
same rules, so what `check_opportunity_readiness` says is what a submission meets.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel

from agent.models.selling import Opportunity

SUBMITTABLE = ("Pending Submission", "Action Required")
"""Review statuses from which an opportunity can be (re)submitted; in the others AWS has it or has decided."""
FAR_CLOSE = timedelta(days=730)


class Issue(BaseModel):
    field: str
    problem: str
    fix: str
    severity: Literal["required", "advice"] = "required"


def issues(opportunity: Opportunity, involvement: str = "Co-Sell", today: date | None = None) -> list[Issue]:
    """Everything that stops ``opportunity`` being shared with AWS for ``involvement`` (Co-Sell or For Visibility
    Only), then advice that does not stop it."""
    today = today or date.today()
    found: list[Issue] = []

    def need(field: str, ok: object, problem: str, fix: str) -> None:
        if not ok:
            found.append(Issue(field=field, problem=problem, fix=fix))

    life = opportunity.LifeCycle
    review = life.ReviewStatus if life else None
    if review and review not in SUBMITTABLE:
        found.append(
            Issue(
                field="LifeCycle.ReviewStatus",
                problem=f"it is {review!r}; only {' or '.join(SUBMITTABLE)} can be submitted",
                fix="nothing to submit: AWS has it (follow its review)",
            )
        )
    account = opportunity.Customer.Account if opportunity.Customer else None
    need("Customer.Account.CompanyName", account and account.CompanyName, "no customer company", "set customer_name")
    national = opportunity.NationalSecurity == "Yes"
    need(
        "Customer.Account.WebsiteUrl",
        national or (account and account.WebsiteUrl),
        "no customer website",
        "set website_url (required unless national security)",
    )
    need("Customer.Account.Industry", account and account.Industry, "no industry", "set industry")
    if account and account.Industry == "Other":
        need(
            "Customer.Account.OtherIndustry",
            account.OtherIndustry,
            "industry is Other but not named",
            "set other_industry",
        )
    if national and account and account.Industry != "Government":
        found.append(
            Issue(
                field="NationalSecurity",
                problem="Yes is only for the Government industry",
                fix="set national_security No, or the industry Government",
            )
        )
    address = account.Address if account else None
    need(
        "Customer.Account.Address.CountryCode",
        address and address.CountryCode,
        "no customer country",
        "set country_code (ISO 3166-1, e.g. US)",
    )
    if address and address.CountryCode == "US":
        need(
            "Customer.Account.Address.PostalCode",
            address.PostalCode,
            "no postal code (required in the US)",
            "set postal_code",
        )
        need(
            "Customer.Account.Address.StateOrRegion",
            address.StateOrRegion,
            "no state (required in the US)",
            "set state_or_region, e.g. Washington",
        )
    project = opportunity.Project
    need("Project.Title", project and project.Title, "no project title", "set title")
    need(
        "Project.CustomerBusinessProblem",
        project and project.CustomerBusinessProblem and len(project.CustomerBusinessProblem) >= 20,
        "no business problem of 20-2000 characters",
        "set business_problem: the customer's problem and how you solve it",
    )
    need("Project.CustomerUseCase", project and project.CustomerUseCase, "no use case", "set use_case")
    need(
        "Project.ExpectedCustomerSpend",
        project and any(s.Amount for s in project.ExpectedCustomerSpend),
        "no expected monthly AWS spend",
        "set monthly_spend (USD a month)",
    )
    need("Project.DeliveryModels", project and project.DeliveryModels, "no delivery model", "set delivery_models")
    need(
        "Project.SalesActivities",
        project and project.SalesActivities,
        "no sales activity",
        "set sales_activities (what was done with the customer)",
    )
    need("OpportunityType", opportunity.OpportunityType, "no opportunity type", "set opportunity_type")
    if involvement == "Co-Sell":
        need(
            "PrimaryNeedsFromAws",
            opportunity.PrimaryNeedsFromAws,
            "Co-Sell needs the help wanted from AWS",
            "set primary_needs, e.g. Co-Sell - Technical Consultation",
        )
    need(
        "RelatedEntityIdentifiers.Solutions",
        opportunity.RelatedEntityIdentifiers.Solutions,
        "no solution associated",
        "manage_opportunity action associate with a solution id (list_solutions)",
    )
    stage = life.Stage if life else None
    need("LifeCycle.Stage", stage, "no stage", "set stage")
    if stage in ("Launched", "Closed Lost"):
        found.append(
            Issue(
                field="LifeCycle.Stage",
                problem=f"a {stage} opportunity is not shared for co-selling",
                fix="share open deals only",
            )
        )
    close = date.fromisoformat(life.TargetCloseDate) if life and life.TargetCloseDate else None
    need("LifeCycle.TargetCloseDate", close, "no target close date", "set target_close_date")
    if close is not None and close < today:
        found.append(
            Issue(
                field="LifeCycle.TargetCloseDate",
                problem=f"{close} is in the past",
                fix="set a future target_close_date (when AWS billing starts)",
            )
        )
    elif close is not None and close - today > FAR_CLOSE:
        found.append(
            Issue(
                field="LifeCycle.TargetCloseDate",
                problem=f"{close} is more than two years away",
                fix="check it: AWS expects the date billing starts",
                severity="advice",
            )
        )
    if project and not project.ExpectedContractDuration:
        found.append(
            Issue(
                field="Project.ExpectedContractDuration",
                problem="no contract length",
                fix="optional; helps AWS size the deal",
                severity="advice",
            )
        )
    return found


def blocking(found: list[Issue]) -> list[Issue]:
    return [issue for issue in found if issue.severity == "required"]
