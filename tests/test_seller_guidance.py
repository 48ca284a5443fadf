"""AWS Marketplace seller setup guidance: tax forms, KYC/BAV/SU, banking, first listing, resale role.

Real cases with concrete expected values; a guard that no answer ever asks for secrets in chat; and the
rule file's own consistency (sources, ISO codes checked through pycountry when the rules load).
"""

from __future__ import annotations

import ast
import inspect
import json
import re

import pytest
from pydantic import BaseModel, ValidationError

from agent.models.seller import RESALE_AUTHORIZATION_ROLE, RESALE_AUTHORIZATION_SERVICE
from agent.onboarding import seller_guidance as sg
from agent.onboarding.seller_guidance import (
    CountrySet,
    SellerRules,
    banking_guidance,
    determine_tax_form,
    esc_catalog_steps,
    load_rules,
    resale_role_guidance,
    seller_compliance_requirements,
)
from agent.tools import seller as seller_tools

# ---------------------------------------------------------------- tax forms


@pytest.mark.parametrize(
    ("country", "entity", "flags", "form"),
    [
        ("US", "business", {}, "W-9"),
        ("US", "individual", {}, "W-9"),
        ("DE", "business", {}, "W-8BEN-E"),
        ("IN", "individual", {}, "W-8BEN"),
        ("JP", "business", {"us_effectively_connected_income": True}, "W-8ECI"),
        ("GB", "business", {"intermediary": True}, "W-8IMY"),
        ("CH", "business", {"intermediary": True, "us_effectively_connected_income": True}, "W-8IMY"),
        ("US", "business", {"intermediary": True}, "W-9"),
        ("FR", "individual", {}, "W-8BEN"),
    ],
)
def test_tax_form_for_real_cases(country, entity, flags, form):
    result = determine_tax_form(country, entity, **flags)
    assert result.form == form
    assert result.country == country
    assert result.informational is True
    assert result.sources and all(s.url for s in result.sources)
    assert "AMMP > Settings > Tax information" in result.where
    assert sg.AMMP_URL in result.where


def test_tax_form_reasons_name_the_deciding_inputs():
    eci = determine_tax_form("JP", "business", us_effectively_connected_income=True)
    assert any("us_effectively_connected_income" in r for r in eci.reasons)
    assert any("JP" in r for r in eci.reasons)
    imy = determine_tax_form("GB", "business", intermediary=True)
    assert any("intermediary" in r for r in imy.reasons)
    bene = determine_tax_form("DE", "business")
    assert any("entity_type is business" in r for r in bene.reasons)
    assert [s.id for s in bene.sources][:1] == ["irs-w8bene"]


def test_w9_says_us_citizens_abroad_use_it_too_and_has_no_treaty_note():
    result = determine_tax_form("US", "individual")
    assert result.treaty_note is None
    assert any("living abroad" in n and "W-9" in n for n in result.notes)
    assert any("never into this chat" in item for item in result.have_ready)
    # a German resident individual is told the same, the other way round
    assert any("U.S. citizen" in n and "W-9" in n for n in determine_tax_form("DE", "individual").notes)


@pytest.mark.parametrize("form_case", [("DE", "business"), ("IN", "individual")])
def test_w8_forms_carry_a_treaty_note(form_case):
    result = determine_tax_form(*form_case)
    assert result.treaty_note and "treaty" in result.treaty_note and "tax adviser" in result.treaty_note


def test_w8bene_lists_what_to_have_ready_without_collecting_it():
    have = determine_tax_form("DE", "business").have_ready
    assert any("legal name and country of incorporation" in h for h in have)
    assert any("tax identification number" in h and "in AMMP, never in this chat" in h for h in have)


def test_vat_and_india_notes_follow_the_country():
    de = determine_tax_form("DE", "business")
    assert de.vat_registration_required is True
    assert determine_tax_form("US", "business").vat_registration_required is False
    assert determine_tax_form("CA", "business").vat_registration_required is False
    india = determine_tax_form("IN", "individual")
    assert any("sellers in India don't complete the W-8" in n for n in india.notes)
    assert "aws-provide-tax-information" in [s.id for s in india.sources]
    assert any("tax invoicing" in n for n in determine_tax_form("CH", "business").notes)


@pytest.mark.parametrize("bad", ["USA", "zz", "", "  ", "Germany", "D", "1A", "XK"])
def test_invalid_country_codes_are_rejected_naming_the_format(bad):
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2") as info:
        determine_tax_form(bad, "business")
    assert "two letters" in str(info.value)


def test_uk_gets_a_hint_towards_gb():
    with pytest.raises(ValueError, match="Did you mean 'GB'"):
        determine_tax_form("UK", "business")


@pytest.mark.parametrize(("other_name", "code"), [("USA", "US"), ("Germany", "DE"), ("deu", "DE"), ("EL", "GR")])
def test_other_names_for_a_country_are_refused_with_its_code_as_a_hint(other_name, code):
    with pytest.raises(ValueError, match=f"alpha-2 country code.*Did you mean '{code}'"):
        seller_compliance_requirements("US", other_name)


@pytest.mark.parametrize("bad", ["ZZ", "XK", "Narnia", ""])
def test_unknown_countries_get_no_hint(bad):
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2") as info:
        banking_guidance(bad)
    assert "Did you mean" not in str(info.value)


def test_lower_case_codes_are_accepted_everywhere_and_normalized():
    """Decision: codes are case-insensitive and returned upper-case (documented in the README)."""
    assert determine_tax_form("de", "business").country == "DE"
    assert determine_tax_form(" us ", "individual").form == "W-9"
    assert seller_compliance_requirements("de", "de", ["fr"]).sales_geography == ["FR"]
    assert banking_guidance("de", "eur").currency == "EUR"


def test_entity_type_is_checked():
    with pytest.raises(ValueError, match="individual' or 'business"):
        determine_tax_form("DE", "company")  # type: ignore[arg-type]


# ---------------------------------------------------------------- KYC, BAV, secondary users


def test_us_seller_us_bank_us_buyers_needs_no_kyc_nor_bav():
    result = seller_compliance_requirements("US", "US", ["US"])
    assert (result.kyc.applies, result.bav.applies, result.secondary_user.applies) == (
        "not_required",
        "not_required",
        "not_required",
    )
    assert result.kyc.have_ready == []
    assert result.assumptions == []
    assert any("EMEA" in step for step in result.kyc.next_steps)


def test_us_seller_with_unknown_buyers_is_told_it_depends():
    result = seller_compliance_requirements("US", "US")
    assert result.kyc.applies == "depends"
    assert result.bav.applies == "depends"
    assert result.sales_geography is None
    assert any("home market (US)" in a for a in result.assumptions)


def test_german_seller_with_german_bank_needs_kyc_and_bav():
    result = seller_compliance_requirements("DE", "DE")
    assert result.kyc.applies == "required"
    assert result.bav.applies == "required"
    assert result.secondary_user.applies == "not_required"  # optional without secondary users
    assert any("EMEA (DE)" in r and "AWS Inc." in r for r in result.kyc.reasons)
    assert any("Amazon Payments Europe" in r for r in result.bav.reasons)
    assert "Partner Central > Marketplace settings" in result.kyc.where
    assert "Payment information" in result.bav.where
    assert result.kyc.timing and "24 hours" in result.kyc.timing
    assert {"aws-complete-kyc", "aws-complete-bav"} <= {s.id for s in result.sources}


def test_us_seller_with_uk_bank_needs_kyc_and_bav():
    result = seller_compliance_requirements("US", "GB", ["US"])
    assert result.kyc.applies == "required"
    assert any("bank accounts in the UK" in r for r in result.kyc.reasons)
    assert result.bav.applies == "required"


def test_us_seller_with_german_bank_selling_in_north_america():
    result = seller_compliance_requirements("US", "DE", ["US", "CA"])
    assert result.kyc.applies == "not_required"
    assert result.bav.applies == "depends"
    assert any("outside the US" in r for r in result.bav.reasons)
    assert any("Not Verified" in s for s in result.bav.next_steps)


def test_us_seller_selling_into_emea_needs_kyc():
    result = seller_compliance_requirements("US", "US", ["US", "fr", "ZA"])
    assert result.kyc.applies == "required"
    assert any("EMEA (FR)" in r for r in result.kyc.reasons)  # South Africa is invoiced by AWS Inc.
    assert result.bav.applies == "required"


def test_buyers_only_in_turkey_and_south_africa_do_not_trigger_kyc():
    assert seller_compliance_requirements("US", "US", ["TR", "ZA"]).kyc.applies == "not_required"


def test_korean_buyers_need_kyc_and_bav_is_left_to_ammp():
    result = seller_compliance_requirements("US", "US", ["KR"])
    assert result.kyc.applies == "required"
    assert any("South Korea" in r for r in result.kyc.reasons)
    assert result.bav.applies == "depends"


@pytest.mark.parametrize(
    ("kyc_case", "expected"),
    [
        (("DE", "DE"), "required"),
        (("US", "US", ["US"]), "not_required"),
        (("US", "US"), "depends"),
    ],
)
def test_secondary_users_follow_kyc(kyc_case, expected):
    result = seller_compliance_requirements(*kyc_case, has_secondary_users=True)
    assert result.secondary_user.applies == expected


def test_secondary_user_steps_mention_mfa_and_self_service():
    su = seller_compliance_requirements("DE", "DE", has_secondary_users=True).secondary_user
    assert any("MFA" in s for s in su.next_steps)
    assert any("themselves" in s for s in su.next_steps)


def test_india_and_japan_special_cases():
    india = seller_compliance_requirements("IN", "IN", ["IN"])
    assert (india.kyc.applies, india.bav.applies, india.secondary_user.applies) == (
        "not_required",
        "not_required",
        "not_required",
    )
    japan = seller_compliance_requirements("JP", "JP", ["JP"])
    assert japan.kyc.applies == "not_required"
    assert [(r.code, r.applies) for r in japan.other_requirements] == [("JP-ISA", "required")]
    assert seller_compliance_requirements("DE", "DE").other_requirements == []


def test_compliance_validates_every_code():
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        seller_compliance_requirements("DE", "DEU")
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        seller_compliance_requirements("DE", "DE", ["EU"])


# ---------------------------------------------------------------- banking


def test_eur_in_germany_is_supported_by_swift():
    result = banking_guidance("DE", "EUR")
    assert result.supported == "supported"
    assert result.account_type == "SWIFT (wire transfer)"
    assert result.if_unsupported == []
    assert [s.name for s in result.schedules] == ["Daily", "Monthly"]
    assert any("1 to 28" in s.description for s in result.schedules)


def test_usd_in_the_us_goes_by_ach():
    result = banking_guidance("US", "USD")
    assert result.supported == "supported"
    assert result.account_type == "ACH (US-based bank account)"
    assert any("ACH transfers in USD" in n for n in result.notes)


def test_supported_currencies_are_the_documented_ones():
    assert banking_guidance("DE").supported_currencies == ["USD", "EUR", "GBP", "AUD", "JPY"]
    assert banking_guidance("IN").supported_currencies == ["USD", "EUR", "GBP", "AUD", "JPY", "INR"]


def test_unsupported_currency_says_so_and_what_to_do():
    result = banking_guidance("CH", "CHF")
    assert result.supported == "not_supported"
    assert any("does not disburse in CHF" in r for r in result.reasons)
    assert any("USD" in step for step in result.if_unsupported)
    assert any("Hyperwallet" in step for step in result.if_unsupported)


def test_ineligible_bank_country_points_to_eligible_ones_and_hyperwallet():
    result = banking_guidance("SG", "USD")
    assert result.supported == "not_supported"
    assert result.supported_currencies == []
    assert any("eligible jurisdiction" in s and "DE" in s for s in result.if_unsupported)
    assert any("Hyperwallet" in s for s in result.if_unsupported)


def test_inr_only_for_india_and_non_usd_in_the_us_depends():
    assert banking_guidance("DE", "INR").supported == "not_supported"
    assert banking_guidance("IN", "inr").account_type == "IFSC (Indian bank account)"
    us_eur = banking_guidance("US", "EUR")
    assert us_eur.supported == "depends"
    assert any("ACH accounts in the US receive USD only" in r for r in us_eur.reasons)


def test_uk_bank_mentions_kyc_and_public_offers_are_usd_only():
    result = banking_guidance("GB", "GBP")
    assert result.supported == "supported"
    assert any("bank account in the UK requires KYC" in n for n in result.notes)
    assert any("Public offers are created in USD only" in n for n in result.notes)


@pytest.mark.parametrize("bad", ["EURO", "eu", "€", "", "XYZ", "EU1"])
def test_invalid_currency_codes_are_rejected(bad):
    """Three letters are not enough: the code must be assigned in ISO 4217 (XYZ is not)."""
    with pytest.raises(ValueError, match="ISO 4217") as info:
        banking_guidance("DE", bad)
    assert "three letters of an assigned code" in str(info.value)


# ---------------------------------------------------------------- first listing


def test_catalog_steps_are_in_order():
    steps = esc_catalog_steps()
    assert [s.id for s in steps] == [
        "seller-account",
        "public-profile",
        "tax-and-banking",
        "kyc-bav",
        "create-product",
        "type-specific",
        "test-limited",
        "publish",
        "resale",
    ]
    assert [s.number for s in steps] == list(range(1, 10))
    create = steps[4]
    assert "Limited" in create.detail and "only your account" in create.detail
    assert "Update visibility" in steps[7].detail and "Public" in steps[7].detail
    assert "AWSMarketplaceSellerFullAccess" in steps[0].detail


@pytest.mark.parametrize(
    ("kind", "menu", "phrase"),
    [
        ("SaaS", "Build > SaaS products", "ResolveCustomer"),
        ("ami", "Build > Amazon Machine Images (AMIs)", "scan"),
        ("Container", "Build > Server products", "repositories"),
        ("ML", "Build > Machine learning products", "SageMaker AI model package"),
        ("machine learning", "Build > Machine learning products", "Docker"),
        ("ProfessionalServices", "Build > Professional services", "DAC7"),
        ("data", "Build > Data products", "AWS Data Exchange"),
    ],
)
def test_type_specific_step_and_build_menu(kind, menu, phrase):
    steps = {s.id: s for s in esc_catalog_steps(kind)}
    assert menu in steps["create-product"].where
    assert "redirects to AMMP" in steps["create-product"].where
    assert phrase in steps["type-specific"].detail


def test_ml_and_data_carry_their_visibility_caveats():
    ml = {s.id: s for s in esc_catalog_steps("ML")}["create-product"]
    assert "public visibility by default" in ml.detail
    data = {s.id: s for s in esc_catalog_steps("Data")}["create-product"]
    assert "can't be changed" in data.detail


def test_unknown_product_type_lists_the_accepted_ones():
    with pytest.raises(ValueError, match="SaaS, AMI, Container, ML, ProfessionalServices, Data"):
        esc_catalog_steps("Hardware")


# ---------------------------------------------------------------- resale role


def test_resale_role_missing_gives_the_create_request():
    result = resale_role_guidance(False)
    assert RESALE_AUTHORIZATION_SERVICE == "resale-authorization.marketplace.amazonaws.com"
    assert result.role_name == RESALE_AUTHORIZATION_ROLE == "AWSServiceRoleForMarketplaceResaleAuthorization"
    assert result.status == "missing"
    assert result.create_request == {
        "Operation": "CreateServiceLinkedRole",
        "AWSServiceName": RESALE_AUTHORIZATION_SERVICE,
    }
    assert result.requires_approval is True
    assert "iam:CreateServiceLinkedRole" in result.permissions_needed
    assert "CPPO" in result.purpose and "AWS RAM" in result.purpose
    assert any(
        "create-service-linked-role --aws-service-name resale-authorization.marketplace.amazonaws.com" in s
        for s in result.next_steps
    )
    assert {"aws-slr-resale", "aws-policy-seller-full"} <= {s.id for s in result.sources}


def test_resale_role_present_needs_nothing_written():
    result = resale_role_guidance(True)
    assert result.status == "present"
    assert result.create_request is None
    assert result.requires_approval is False
    assert result.permissions_needed == ["iam:GetRole"]
    assert "channel partner" in result.who_needs_it


# ---------------------------------------------------------------- never ask for secrets; always informational


def _all_results() -> list[BaseModel]:
    results: list[BaseModel] = []
    for country in ("US", "DE", "IN", "JP", "GB", "BR"):
        for entity in ("individual", "business"):
            results.append(determine_tax_form(country, entity))
        results.append(determine_tax_form(country, "business", intermediary=True))
        results.append(determine_tax_form(country, "business", us_effectively_connected_income=True))
    for args in (
        ("US", "US", ["US"]),
        ("US", "US", None),
        ("DE", "DE", None),
        ("US", "GB", ["US"]),
        ("US", "DE", ["US"]),
        ("US", "US", ["KR"]),
        ("IN", "IN", ["IN"]),
        ("JP", "JP", ["JP", "FR"]),
    ):
        for secondary in (False, True):
            results.append(seller_compliance_requirements(*args, has_secondary_users=secondary))
    for bank, currency in (
        ("DE", "EUR"),
        ("US", "USD"),
        ("US", "EUR"),
        ("CH", "CHF"),
        ("SG", None),
        ("IN", "INR"),
        ("DE", "INR"),
        ("GB", None),
    ):
        results.append(banking_guidance(bank, currency))
    for kind in (None, "SaaS", "AMI", "Container", "ML", "ProfessionalServices", "Data"):
        results += esc_catalog_steps(kind)
    results += [resale_role_guidance(True), resale_role_guidance(False)]
    return results


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


ASKING = re.compile(
    r"\b(send me|tell me your|give me your|share your|paste your|type your|reply with|what is your|what's your|"
    r"provide your (tax|tin|ssn|ein|bank|account|password|passport|id)|(enter|type|paste|share|upload) [^.]* "
    r"(here|in (this|the) chat)(?<!never in this chat)(?<!never in the chat))",
    re.IGNORECASE,
)
SENSITIVE = re.compile(
    r"tax identification number|taxpayer identification|\bTIN\b|\bSSN\b|\bEIN\b|account number|\bIBAN\b|password|"
    r"passport|identity document|bank statement|bank details|tax ids?\b",
    re.IGNORECASE,
)
REDIRECT = re.compile(r"AMMP|portal|Partner Central|never|Hyperwallet|IRS|the form|this form|^Form W-", re.IGNORECASE)


def test_no_answer_asks_for_secrets_in_chat():
    checked = 0
    for result in _all_results():
        for text in _strings(result.model_dump()):
            assert not ASKING.search(text), text
            for sentence in re.split(r"(?<=[.;:])\s+", text):
                if SENSITIVE.search(sentence):
                    checked += 1
                    assert REDIRECT.search(sentence), f"mentions a secret without pointing to the portal: {sentence!r}"
    assert checked > 20  # the guard really looked at sentences about secrets


def test_the_guard_catches_a_bad_sentence():
    assert ASKING.search("Please send me your EIN so I can check it.")
    assert ASKING.search("Type your bank account number here.")
    assert not ASKING.search("You type it into AMMP's tax interview, never into this chat.")


def test_every_answer_is_informational_with_sources():
    results = _all_results()
    assert len(results) > 80
    for result in results:
        data = result.model_dump()
        assert data["informational"] is True
        assert "not legal, tax or financial advice" in data["disclaimer"]
        assert data["sources"], type(result).__name__
        for source in data["sources"]:
            assert source["url"].startswith("https://") or source["publisher"] == "project"
            assert source["id"]


def test_answers_survive_the_json_a_client_receives():
    """What a client gets back reads as the same answer: no member is lost, renamed or changed on the way."""
    for result in _all_results():
        assert type(result).model_validate_json(result.model_dump_json()) == result, type(result).__name__


# ---------------------------------------------------------------- the rule file


def test_rules_load_once_and_are_consistent():
    rules = load_rules()
    assert load_rules() is rules
    assert len(rules.eu_member_states.countries) == 27
    assert {"DE", "FR", "GB", "AE", "ZA", "TR"} <= set(rules.emea.countries)
    assert not {"US", "JP", "IN", "BR"} & set(rules.emea.countries)
    assert rules.resale_role.service_principal == RESALE_AUTHORIZATION_SERVICE
    assert [c.code for c in rules.currencies] == ["USD", "EUR", "GBP", "AUD", "JPY", "INR"]
    for source in rules.sources.values():
        assert source.publisher in ("AWS", "IRS", "UN", "project")


def test_every_assigned_code_is_accepted_in_any_case():
    """All 249 ISO 3166-1 codes are accepted, lower case too, and come back upper case."""
    import pycountry

    codes = sorted(country.alpha_2 for country in pycountry.countries)
    assert len(codes) == 249
    assert [sg.normalize_country(code.lower()) for code in codes] == codes


def _raw_rules() -> dict:
    return json.loads(sg.RULES_PATH.read_text(encoding="utf-8"))


def test_rule_file_rejects_unknown_source_ids():
    raw = _raw_rules()
    raw["emea"]["sources"] = ["no-such-source"]
    with pytest.raises(ValidationError, match="unknown source ids"):
        SellerRules.model_validate(raw)


@pytest.mark.parametrize("bad", ["UK", "XK", "de", "DEU"])
def test_rule_file_rejects_non_iso_codes(bad):
    raw = _raw_rules()
    raw["eligible_jurisdictions"]["countries"].append(bad)
    with pytest.raises(ValidationError, match="not ISO 3166-1 alpha-2"):
        SellerRules.model_validate(raw)


def test_rule_file_rejects_non_iso_currency_and_bank_country_codes():
    raw = _raw_rules()
    raw["currencies"][0]["code"] = "XYZ"
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
        SellerRules.model_validate(raw)
    raw = _raw_rules()
    inr = next(c for c in raw["currencies"] if c["code"] == "INR")
    inr["bank_countries"] = ["UK"]
    with pytest.raises(ValidationError, match="not ISO 3166-1 alpha-2"):
        SellerRules.model_validate(raw)


def test_rule_file_rejects_a_wrong_service_principal():
    raw = _raw_rules()
    raw["resale_role"]["service_principal"] = "marketplace.amazonaws.com"
    with pytest.raises(ValidationError, match="service_principal"):
        SellerRules.model_validate(raw)


# ---------------------------------------------------------------- the sentences follow the rules


def _answer_from(monkeypatch, country_names: dict[str, str] | None = None, **sets: dict) -> None:
    """Make every answer read a copy of the rules with these country sets (and country names) changed."""
    rules = load_rules()
    update: dict = {name: getattr(rules, name).model_copy(update=change) for name, change in sets.items()}
    if country_names is not None:
        update["country_names"] = country_names
    monkeypatch.setattr(sg, "load_rules", lambda: rules.model_copy(update=update))


def test_kyc_sentences_name_the_sets_of_the_rules(monkeypatch):
    _answer_from(
        monkeypatch,
        emea={"name": "AWS Europe's region"},
        emea_not_invoiced_by_aws_europe={"countries": ["TR"]},
        kyc_buyer_countries_korea={"countries": ["KR", "JP"]},
        kyc_bank_countries={"countries": ["IE"]},
    )
    unknown = seller_compliance_requirements("US", "US")
    assert unknown.assumptions[0].endswith(
        "Buyers in AWS Europe's region (except Turkey) or South Korea or Japan would add KYC."
    )
    assert unknown.kyc.next_steps[0].startswith(
        "KYC becomes required if you sell to buyers in AWS Europe's region (except Turkey) or South Korea or Japan, "
        "or use a bank account in Ireland;"
    )
    assert "bank account in Ireland" in esc_catalog_steps()[3].detail
    south_africa = seller_compliance_requirements("US", "US", ["ZA"])
    assert south_africa.kyc.applies == "required"
    assert any("buyers in AWS Europe's region (ZA)" in r for r in south_africa.kyc.reasons)
    japan = seller_compliance_requirements("US", "US", ["JP"])
    assert any("buyers in Japan" in r for r in japan.kyc.reasons + japan.bav.reasons)
    assert seller_compliance_requirements("US", "GB", ["US"]).kyc.applies == "not_required"
    ireland = seller_compliance_requirements("US", "IE", ["US"])
    assert ireland.kyc.reasons == [
        "your disbursement bank account is in IE: AWS requires KYC for bank accounts in Ireland"
    ]
    assert "A bank account in Ireland requires KYC and bank account verification." in banking_guidance("IE").notes


def test_exempt_sellers_us_persons_and_ach_banks_follow_the_rules(monkeypatch):
    _answer_from(
        monkeypatch,
        kyc_exempt_seller_countries={"countries": ["BR"]},
        us_person_countries={"countries": ["PR"]},
        ach_bank_countries={"countries": ["CA"]},
    )
    assert any(
        n.startswith("AWS says sellers in Brazil don't complete the W-8 form")
        for n in determine_tax_form("BR", "business").notes
    )
    assert not any("don't complete the W-8" in n for n in determine_tax_form("IN", "business").notes)
    brazil = seller_compliance_requirements("BR", "BR", ["BR", "DE"])
    assert brazil.kyc.applies == "not_required"
    assert "as a seller in Brazil you can only sell to buyers in Brazil" in brazil.kyc.reasons[1]
    assert determine_tax_form("PR", "business").form == "W-9"
    assert "country is US, outside Puerto Rico" in determine_tax_form("US", "business").reasons[0]
    assert banking_guidance("CA", "USD").account_type == "ACH (US-based bank account)"
    assert banking_guidance("US", "USD").account_type == "SWIFT (wire transfer)"


def test_country_names_come_from_the_rules_then_iso(monkeypatch):
    assert [load_rules().place(code) for code in ("GB", "KR", "ZA")] == ["the UK", "South Korea", "South Africa"]
    _answer_from(monkeypatch, country_names={"GB": "Great Britain"})
    assert any("bank accounts in Great Britain" in r for r in seller_compliance_requirements("US", "GB").kyc.reasons)
    assert "(except Türkiye and South Africa)" in seller_compliance_requirements("US", "US").assumptions[0]


def _code_strings(module) -> list[str]:
    """The string literals of a module's code, f-string parts included; docstrings aside."""
    tree = ast.parse(inspect.getsource(module))
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented) and ast.get_docstring(node) is not None
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("module", [sg, seller_tools])
def test_no_country_or_region_is_written_into_the_code(module):
    """The answers name countries and regions from the rules only: no name of one is a literal, nor the code of a
    country in a set the rules do not name as a region (EMEA holds ML, Mali, not the ML product type)."""
    rules = load_rules()
    sets = [value for value in rules.__dict__.values() if isinstance(value, CountrySet)]
    names = {country_set.name for country_set in sets if country_set.name}
    names |= {rules.place(code) for country_set in sets for code in country_set.countries}
    codes = {code for country_set in sets if not country_set.name for code in country_set.countries}
    strings = _code_strings(module)
    assert len(strings) > 20
    assert not [(name, text) for name in names for text in strings if re.search(rf"\b{re.escape(name)}\b", text)]
    assert not codes & set(strings)
