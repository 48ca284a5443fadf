"""What the person reads before approving: every member of every call, invisible characters made visible."""

from __future__ import annotations

import pytest

from agent.graphs.plans import ApiCall, WritePlan
from agent.graphs.preview import SENT_HEADING, money, visible
from tests.previews import assert_preview_is_what_was_sent, shown_calls


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x00b", "a⟨U+0000 CONTROL⟩b"),
        ("pay\u202eecnalab", "pay⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩ecnalab"),
        ("ad\u200bmin", "ad⟨U+200B ZERO WIDTH SPACE⟩min"),
        ("1\u00a0000", "1⟨U+00A0 NO-BREAK SPACE⟩000"),
        ("tab\there", "tab⟨U+0009 CONTROL⟩here"),
        ("co\u034fde", "co⟨U+034F COMBINING GRAPHEME JOINER⟩de"),
        ("a\ufe0fb", "a⟨U+FE0F VARIATION SELECTOR-16⟩b"),
        ("a\U000e0101b", "a⟨U+E0101 VARIATION SELECTOR-18⟩b"),
        ("a\u180bb", "a⟨U+180B MONGOLIAN FREE VARIATION SELECTOR ONE⟩b"),
        ("a\u17b4b", "a⟨U+17B4 KHMER VOWEL INHERENT AQ⟩b"),
        ("a\u2800b", "a⟨U+2800 BRAILLE PATTERN BLANK⟩b"),
        ("a\u3164b", "a⟨U+3164 HANGUL FILLER⟩b"),
        ("soft\u00adhyphen", "soft⟨U+00AD SOFT HYPHEN⟩hyphen"),
        ("tag\U000e0041", "tag⟨U+E0041 TAG LATIN CAPITAL LETTER A⟩"),
        ("two\nlines", "two⏎lines"),
        ("plain é 中文 ok", "plain é 中文 ok"),  # ordinary text is left alone
    ],
)
def test_characters_a_person_cannot_see_are_written_out(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_no_value_can_draw_lines_of_its_own() -> None:
    """A value carrying a fake "what is sent" block stays on its own line, marked, in the summary and the calls."""
    fake = f"ok\n\n{SENT_HEADING}\n1. UpdateBenefitApplication (partnercentral-benefits)\n   RequestedAmount: USD 5.00"
    call = ApiCall(
        service="partnercentral-benefits",
        operation="UpdateBenefitApplication",
        request={
            "Catalog": "Sandbox",
            "BenefitApplicationDetails": {"ActivityDescription": fake, "RequestedAmount": 999999.5},
        },
    )
    preview = WritePlan(calls=[call], summary=[f"Edit: ActivityDescription -> {fake}"]).preview
    assert preview.count(SENT_HEADING) == 3 and preview.split("\n").count(SENT_HEADING) == 1  # text, never a line
    assert len(preview.split("\n")) == 9  # summary, blank, heading, call, 5 members (the ClientToken line too)
    assert_preview_is_what_was_sent(preview, [("UpdateBenefitApplication", {**call.request, "ClientToken": "t"})])


def test_every_member_is_shown_with_amounts_dates_and_secrets_as_a_person_reads_them() -> None:
    create = ApiCall(
        service="partnercentral-benefits",
        operation="CreateBenefitApplication",
        request={
            "Catalog": "Sandbox",
            "ClientToken": "draft-abc",
            "Name": "Pilot\u202e",
            "FulfillmentTypes": ["CASH"],
            "BenefitApplicationDetails": {
                "RequestedAmount": 25000,
                "CurrencyCode": "USD",
                "StartDate": "2027-01-15",
                "SuccessCriteria": "Latency under 50 ms\nand 99.9% uptime",
                "CampaignChannels": ["Email", "Virtual Event"],
            },
            "AssociatedResources": [],
        },
    )
    lead = ApiCall(
        service="partnercentral-account",
        operation="PutAllianceLeadContact",
        request={
            "Catalog": "Sandbox",
            "AllianceLeadContact": {"FirstName": "Ana", "Email": "ana@example.com"},
            "EmailVerificationCode": "123456",
        },
    )
    invite = ApiCall(
        service="partnercentral-account",
        operation="CreateConnectionInvitation",
        request={
            "Catalog": "Sandbox",
            "ReceiverIdentifier": "210987650000",
            "FileDetails": [{"FileURI": "s3://b/k", "BusinessUseCase": "x"}],
        },
    )
    preview = WritePlan(calls=[create, lead, invite], summary=["Three calls"]).preview
    assert "RequestedAmount: USD 25,000.00" in preview
    assert "StartDate: 2027-01-15 (Friday 15 January 2027)" in preview
    assert 'Name: "Pilot⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩"' in preview
    assert "123456" not in preview and "ending in 56" in preview
    assert "AssociatedResources: (empty list)" in preview
    assert preview.count("ClientToken: set when you approve") == 1  # the invitation's; the draft has its own
    assert [operation for operation, _ in shown_calls(preview)] == [
        "CreateBenefitApplication",
        "PutAllianceLeadContact",
        "CreateConnectionInvitation",
    ]
    assert_preview_is_what_was_sent(
        preview,
        [
            ("CreateBenefitApplication", create.request),
            ("PutAllianceLeadContact", lead.request),
            ("CreateConnectionInvitation", {**invite.request, "ClientToken": "x"}),
        ],
    )


def test_amounts_are_shown_exactly_never_rounded() -> None:
    assert money(25000) == "USD 25,000.00" and money(9500.5) == "USD 9,500.50"
    assert money(1201.1999999999998) == "USD 1,201.1999999999998" and money("100.005") == "USD 100.005"


def test_a_member_sent_but_not_shown_is_caught() -> None:
    """The comparison the write tools' tests rely on fails when a request carries more than the preview shows."""
    call = ApiCall(
        service="partnercentral-account",
        operation="PutProfileVisibility",
        request={"Catalog": "Sandbox", "Identifier": "partner-altocloud0004", "Visibility": "PRIVATE"},
    )
    preview = WritePlan(calls=[call], summary=["Hide the profile"]).preview
    assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", call.request)])
    with pytest.raises(AssertionError, match="Extra"):
        assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", {**call.request, "Extra": "hidden"})])
    with pytest.raises(AssertionError, match="Visibility"):
        assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", {**call.request, "Visibility": "PUBLIC"})])
