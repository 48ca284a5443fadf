"""What a partner should do next with an opportunity: by its AWS review status, its stage and what it misses."""

from __future__ import annotations

from agent.cosell.readiness import Issue, blocking
from agent.models.selling import AwsOpportunitySummary, Opportunity

STAGE_STEPS = {
    "Prospect": "Qualify the deal: confirm budget, authority, need and timing, then move it to Qualified.",
    "Qualified": "Validate the architecture with the customer (a POC or demo), then move it to Technical Validation.",
    "Technical Validation": "Agree the business case and pricing, then move it to Business Validation.",
    "Business Validation": "Get the customer's commitment (SOW or order), then move it to Committed.",
    "Committed": "Deploy, then move it to Launched when AWS billing starts.",
    "Launched": "Record the launch outcome; claim any approved funding.",
}


def recommend(
    opportunity: Opportunity, issues: list[Issue], aws: AwsOpportunitySummary | None, funding: list[str]
) -> list[str]:
    """The next steps, most urgent first; ``funding`` names the programs the opportunity qualifies for now."""
    life = opportunity.LifeCycle
    review, stage = (life.ReviewStatus, life.Stage) if life else (None, None)
    steps: list[str] = []
    missing = blocking(issues)
    if stage == "Closed Lost":
        return ["The deal is Closed Lost: nothing to progress."]
    if review in (None, "Pending Submission", "Action Required"):
        if missing:
            steps.append(
                "Complete it for AWS (manage_opportunity, after the person approves): "
                + "; ".join(f"{i.field} ({i.fix})" for i in missing[:6])
                + (f"; {len(missing) - 6} more (check_opportunity_readiness lists all)" if len(missing) > 6 else "")
            )
        else:
            steps.append("It is ready: share it with AWS (manage_opportunity action submit) after the person approves.")
        if review == "Action Required" and life and life.ReviewComments:
            steps.insert(0, f"AWS asked for changes: {life.ReviewComments}")
    elif review in ("Submitted", "In review"):
        steps.append("AWS is reviewing it: wait for Approved (it cannot be edited meanwhile).")
    elif review == "Rejected":
        steps.append(f"AWS rejected it ({life.ReviewStatusReason or 'no reason given'}); fix that or close it.")
    if stage in STAGE_STEPS and review not in ("Rejected",):
        steps.append(STAGE_STEPS[stage])
    if aws is not None and aws.LifeCycle and aws.LifeCycle.NextSteps:
        steps.append(f"AWS's next step: {aws.LifeCycle.NextSteps}")
    if aws is not None and aws.Insights and aws.Insights.NextBestActions:
        steps.append(f"AWS suggests: {aws.Insights.NextBestActions}")
    if funding:
        steps.append(
            "Funding it may qualify for now: "
            + ", ".join(funding)
            + " (recommend_funding explains; draft_funding_request drafts)."
        )
    return steps
