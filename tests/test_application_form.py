"""A benefit's application form read from its schema: roles found by meaning, answers coerced, problems named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agent.funding.application import ApplicationForm, parse_amount

CAMPAIGN = {  # names no code hard-codes: the roles are found by name, title, type and format
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "CampaignName": {"type": "string", "title": "Campaign name", "maxLength": 80},
        "Summary": {"type": "string", "title": "What the campaign does and for whom", "minLength": 20},
        "CampaignStartDate": {"type": "string", "format": "date", "title": "First day"},
        "CampaignEndDate": {"type": "string", "format": "date", "title": "Last day"},
        "FundingAmount": {"type": "number", "exclusiveMinimum": 0, "title": "Funding requested"},
        "Channels": {"type": "array", "items": {"type": "string"}, "title": "Channels", "maxItems": 3},
        "SuccessCriteria": {"type": "string", "title": "How the customer judges success"},
    },
    "required": ["CampaignName", "CampaignStartDate", "CampaignEndDate", "FundingAmount"],
    "additionalProperties": False,
}


def test_roles_are_found_by_meaning_not_by_our_names() -> None:
    form = ApplicationForm(CAMPAIGN)
    assert form.roles == {
        "start_date": "CampaignStartDate",
        "end_date": "CampaignEndDate",
        "requested_amount": "FundingAmount",
        "activity_description": "Summary",
        "activity_name": "CampaignName",
    }
    assert form.field("expected_arr") is None and form.field("customer_name") is None  # unknown, not guessed
    details = {"CampaignStartDate": "2027-03-01", "CampaignEndDate": "2027-04-01", "FundingAmount": 9500.5}
    assert form.date(details, "end_date") == date(2027, 4, 1)
    assert form.amount(details, "requested_amount") == Decimal("9500.5")
    assert form.date(details, "start_date") == date(2027, 3, 1) and form.amount(details, "expected_arr") is None


def test_answers_are_coerced_to_the_schema_and_unknown_fields_refused() -> None:
    form = ApplicationForm(CAMPAIGN)
    assert form.coerce({"FundingAmount": "$9,500", "Channels": "Email, Webinar"}) == {
        "FundingAmount": 9500.0,
        "Channels": ["Email", "Webinar"],
    }
    with pytest.raises(ValueError, match="Bonus is not a field of this application; its fields are: CampaignName"):
        form.coerce({"Bonus": "yes"})
    with pytest.raises(ValueError, match="FundingAmount must be a number"):
        form.coerce({"FundingAmount": "lots"})
    with pytest.raises(ValueError, match="control character U\\+0000"):
        form.coerce({"CampaignName": "ok\x00"})


def test_problems_name_the_field_and_never_echo_the_value() -> None:
    form = ApplicationForm(CAMPAIGN)
    secret = "x" * 5000
    problems = form.problems(
        {
            "CampaignName": secret,
            "CampaignStartDate": "2027-02-30",
            "FundingAmount": -1,
            "Channels": ["a", "b", "c", "d"],
            "Extra": 1,
        }
    )
    assert sorted(problems) == sorted(
        [
            "the application: has fields the application does not take",
            "the application: 'CampaignEndDate' is a required property",
            "CampaignName: must be at most 80 characters",
            "CampaignStartDate: must be a valid date (e.g. 2027-01-31)",
            "Channels: must have at most 3 items",
            "FundingAmount: must be more than 0",
        ]
    )
    assert all(secret not in problem for problem in problems)
    assert form.missing({"CampaignName": "Spring webinars"}) == [
        "CampaignStartDate",
        "CampaignEndDate",
        "FundingAmount",
    ]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("320000.005", Decimal("320000.005")),
        (" 1,000 ", Decimal("1000")),
        ("$9,500.00", Decimal("9500.00")),
        (9500, Decimal("9500")),
        ("n/a", None),
        ("", None),
        (None, None),
        (True, None),
        ("NaN", None),
        ("Infinity", None),
    ],
)
def test_amounts_are_read_tolerantly_and_unknown_when_unreadable(text, amount) -> None:
    assert parse_amount(text) == amount
