"""What the person reads before approving: every member of every call, invisible characters made visible."""

from __future__ import annotations

import pytest

from agent.graphs.plans import ApiCall, WritePlan
from agent.graphs.preview import visible
from tests.previews import assert_preview_is_what_was_sent, shown_calls


def test_characters_a_person_cannot_see_are_written_out() -> None:
    assert visible("a\x00b") == "a⟨U+0000 CONTROL⟩b"
    assert visible("pay\u202eecnalab") == "pay⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩ecnalab"
    assert visible("ad\u200bmin") == "ad⟨U+200B ZERO WIDTH SPACE⟩min"
    assert visible("1\u00a0000") == "1⟨U+00A0 NO-BREAK SPACE⟩000"
    assert visible("tab\there") == "tab⟨U+0009 CONTROL⟩here"
    assert visible("two\nlines é 中文") == "two\nlines é 中文"  # ordinary text is left alone


def test_every_member_is_shown_with_amounts_dates_and_secrets_as_a_person_reads_them() -> None:
    create = ApiCall(service="partnercentral-benefits", operation="CreateBenefitApplication", request={
        "Catalog": "Sandbox", "ClientToken": "draft-abc", "Name": "Pilot\u202e", "FulfillmentTypes": ["CASH"],
        "BenefitApplicationDetails": {"RequestedAmount": 25000, "CurrencyCode": "USD", "StartDate": "2027-01-15",
                                      "SuccessCriteria": "Latency under 50 ms\nand 99.9% uptime",
                                      "CampaignChannels": ["Email", "Virtual Event"]},
        "AssociatedResources": [],
    })
    lead = ApiCall(service="partnercentral-account", operation="PutAllianceLeadContact", request={
        "Catalog": "Sandbox", "AllianceLeadContact": {"FirstName": "Ana", "Email": "ana@example.com"},
        "EmailVerificationCode": "123456"})
    invite = ApiCall(service="partnercentral-account", operation="CreateConnectionInvitation", request={
        "Catalog": "Sandbox", "ReceiverIdentifier": "210987650000", "FileDetails": [{"FileURI": "s3://b/k", "BusinessUseCase": "x"}]})
    preview = WritePlan(calls=[create, lead, invite], summary=["Three calls"]).preview
    assert "RequestedAmount: USD 25,000.00" in preview
    assert "StartDate: 2027-01-15 (Friday 15 January 2027)" in preview
    assert 'Name: "Pilot⟨U+202E RIGHT-TO-LEFT OVERRIDE⟩"' in preview
    assert "123456" not in preview and "ending in 56" in preview
    assert "AssociatedResources: (empty list)" in preview
    assert preview.count("ClientToken: set when you approve") == 1  # the invitation's; the draft has its own
    assert [operation for operation, _ in shown_calls(preview)] == [
        "CreateBenefitApplication", "PutAllianceLeadContact", "CreateConnectionInvitation"]
    assert_preview_is_what_was_sent(preview, [
        ("CreateBenefitApplication", create.request), ("PutAllianceLeadContact", lead.request),
        ("CreateConnectionInvitation", {**invite.request, "ClientToken": "x"})])


def test_a_member_sent_but_not_shown_is_caught() -> None:
    """The comparison the write tools' tests rely on fails when a request carries more than the preview shows."""
    call = ApiCall(service="partnercentral-account", operation="PutProfileVisibility",
                   request={"Catalog": "Sandbox", "Identifier": "partner-altocloud0004", "Visibility": "PRIVATE"})
    preview = WritePlan(calls=[call], summary=["Hide the profile"]).preview
    assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", call.request)])
    with pytest.raises(AssertionError, match="Extra"):
        assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", {**call.request, "Extra": "hidden"})])
    with pytest.raises(AssertionError, match="Visibility"):
        assert_preview_is_what_was_sent(preview, [("PutProfileVisibility", {**call.request, "Visibility": "PUBLIC"})])
