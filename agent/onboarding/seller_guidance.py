"""AWS Marketplace seller setup guidance: tax form, KYC/BAV/secondary users, banking, first listing, resale role.

Everything here is informational, never legal or tax advice, and never collects anything: no tax id, bank
account number, password or identity document is asked for or accepted. Each answer says where the person
enters such details themselves (the AWS Marketplace Management Portal, AMMP, or the verification portals it
opens) and carries ``informational=True``, a disclaimer and the sources it relied on.

The rules are data: ``knowledge/seller/rules.json`` (country sets, currencies, forms, listing steps, each
with its sources) is loaded once and validated, its country and currency codes against ISO 3166-1 and
ISO 4217 through ``agent.onboarding.countries`` (pycountry); the functions below are pure over it, and their
sentences name countries and regions from it, never by hand. Where the public
sources disagree or are silent the rules take the conservative reading (see
``knowledge/seller/marketplace-seller-guide.md``).

>>> determine_tax_form("de", "business").form
'W-8BEN-E'
>>> seller_compliance_requirements("DE", "DE").kyc.applies
'required'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agent.errors import AgentError
from agent.models.seller import RESALE_AUTHORIZATION_ROLE, RESALE_AUTHORIZATION_SERVICE
from agent.onboarding.countries import country_code, country_name, is_country, is_currency
from agent.resources import knowledge

RULES_PATH = knowledge("seller", "rules.json")
AMMP_URL = "https://aws.amazon.com/marketplace/management/"

Applies = Literal["required", "not_required", "depends"]
Support = Literal["supported", "not_supported", "depends"]
EntityType = Literal["individual", "business"]
TaxForm = Literal["W-9", "W-8BEN", "W-8BEN-E", "W-8ECI", "W-8IMY"]
ProductType = Literal["SaaS", "AMI", "Container", "ML", "ProfessionalServices", "Data"]
Publisher = Literal["AWS", "IRS", "UN", "project"]


# ---------------------------------------------------------------- the rule file


class Source(BaseModel):
    """A public page (or one of our guides) a rule or an answer relies on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = ""
    title: str
    url: str
    publisher: Publisher
    note: str | None = None

    @model_validator(mode="after")
    def _public_pages_are_https(self) -> Source:
        if self.publisher != "project" and not self.url.startswith("https://"):
            raise ValueError(f"source {self.title!r}: a public source needs an https URL, got {self.url!r}")
        return self


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CountrySet(_Rule):
    """Countries a rule applies to; a region has a ``name`` ("EMEA"), another set is named by its countries."""

    name: str | None = None
    countries: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, countries: list[str]) -> list[str]:
        _check_countries(countries)
        return countries


def _check_countries(countries: list[str]) -> None:
    unknown = sorted(c for c in countries if not is_country(c))
    if unknown:
        raise ValueError(f"not ISO 3166-1 alpha-2 codes: {unknown}")


class Portal(_Rule):
    name: str
    url: str
    tax_path: str
    payment_path: str
    kyc_path: str
    partner_central_path: str
    sources: list[str] = Field(min_length=1)


class TaxFormRule(_Rule):
    title: str
    for_whom: str
    have_ready: list[str] = Field(min_length=1)
    treaty_note: str | None
    sources: list[str] = Field(min_length=1)


class Note(_Rule):
    text: str
    sources: list[str] = Field(min_length=1)


class BankingRule(_Rule):
    us_sellers: str
    non_us_sellers: str
    holder_name: str
    order: str
    profile_wait: str
    free_only: str
    offers: str
    sources: list[str] = Field(min_length=1)


class CurrencyRule(_Rule):
    code: str
    name: str
    account_types: list[str] = Field(min_length=1)
    bank_countries: list[str] | None = Field(description="Absent: any eligible jurisdiction.")
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _iso_codes(self) -> CurrencyRule:
        if not is_currency(self.code):
            raise ValueError(f"currency {self.code!r}: not an ISO 4217 currency code")
        if self.bank_countries:
            _check_countries(self.bank_countries)
        return self


class ScheduleRule(_Rule):
    name: Literal["Daily", "Monthly"]
    description: str
    sources: list[str] = Field(min_length=1)


class ComplianceRule(_Rule):
    name: str
    what: str
    where: str
    have_ready: list[str]
    timing: str | None
    sources: list[str] = Field(min_length=1)


class ComplianceRules(_Rule):
    kyc: ComplianceRule
    bav: ComplianceRule
    secondary_user: ComplianceRule
    japan_isa: ComplianceRule


class ListingStepRule(_Rule):
    id: str
    title: str
    detail: str
    where: str
    sources: list[str] = Field(min_length=1)


class ProductTypeRule(_Rule):
    type: ProductType
    aliases: list[str]
    build_menu: str
    step: str
    visibility_note: str | None
    sources: list[str] = Field(min_length=1)


class ResaleRoleRule(_Rule):
    role_name: str
    service_principal: str
    policy: str
    purpose: str
    who_needs_it: str
    create_permission: str
    check_permission: str
    managed_policy_note: str
    console_path: str
    sources: list[str] = Field(min_length=1)


class SellerRules(_Rule):
    """The whole of ``knowledge/seller/rules.json``; checked for consistency when loaded."""

    version: str
    disclaimer: str
    portal: Portal
    sources: dict[str, Source]
    country_names: dict[str, str] = Field(description="Names the answers use where ISO 3166-1's differ.")
    eu_member_states: CountrySet
    eligible_jurisdictions: CountrySet
    emea: CountrySet
    emea_not_invoiced_by_aws_europe: CountrySet
    kyc_buyer_countries_korea: CountrySet
    kyc_bank_countries: CountrySet
    kyc_exempt_seller_countries: CountrySet
    japan_isa_seller_countries: CountrySet
    vat_registration_countries: CountrySet
    same_country_tax_invoicing_countries: CountrySet
    us_person_countries: CountrySet
    ach_bank_countries: CountrySet
    tax_forms: dict[TaxForm, TaxFormRule]
    exempt_seller_tax_note: Note = Field(description="Its text names the seller's country as {country}.")
    dac7_note: Note
    banking: BankingRule
    currencies: list[CurrencyRule]
    schedules: list[ScheduleRule]
    compliance: ComplianceRules
    listing_steps: list[ListingStepRule]
    product_types: list[ProductTypeRule]
    resale_role: ResaleRoleRule

    @model_validator(mode="after")
    def _consistent(self) -> SellerRules:
        referenced: list[str] = []
        for obj in self._rules_with_sources():
            referenced += obj.sources
        missing = sorted(set(referenced) - set(self.sources))
        if missing:
            raise ValueError(f"unknown source ids: {missing}")
        _check_countries(list(self.country_names))
        if not set(self.eu_member_states.countries) <= set(self.eligible_jurisdictions.countries):
            raise ValueError("every EU member state must be an eligible jurisdiction")
        if not set(self.eu_member_states.countries) <= set(self.emea.countries):
            raise ValueError("every EU member state must be in the emea set")
        if set(self.tax_forms) != {"W-9", "W-8BEN", "W-8BEN-E", "W-8ECI", "W-8IMY"}:
            raise ValueError("tax_forms must describe W-9, W-8BEN, W-8BEN-E, W-8ECI and W-8IMY")
        if {p.type for p in self.product_types} != {"SaaS", "AMI", "Container", "ML", "ProfessionalServices", "Data"}:
            raise ValueError("product_types must describe every product type once")
        if self.resale_role.role_name != RESALE_AUTHORIZATION_ROLE:
            raise ValueError("resale_role.role_name disagrees with RESALE_AUTHORIZATION_ROLE")
        if self.resale_role.service_principal != RESALE_AUTHORIZATION_SERVICE:
            raise ValueError("resale_role.service_principal disagrees with RESALE_AUTHORIZATION_SERVICE")
        return self

    def _rules_with_sources(self):
        yield self.portal
        yield from (v for v in self.__dict__.values() if isinstance(v, (CountrySet, Note, BankingRule)))
        yield from self.tax_forms.values()
        yield from self.currencies
        yield from self.schedules
        yield from (self.compliance.kyc, self.compliance.bav, self.compliance.secondary_user, self.compliance.japan_isa)
        yield from self.listing_steps
        yield from self.product_types
        yield self.resale_role

    def cite(self, *groups: list[str]) -> list[Source]:
        """The sources behind ``groups`` of source ids, each once, in first-mention order."""
        seen: dict[str, Source] = {}
        for ids in groups:
            for source_id in ids:
                seen.setdefault(source_id, self.sources[source_id].model_copy(update={"id": source_id}))
        return list(seen.values())

    def place(self, code: str) -> str:
        """A country as the answers name it: ``country_names`` ("the UK"), else ISO 3166-1 ("South Korea")."""
        return self.country_names.get(code) or country_name(code)

    def places(self, codes: list[str], conjunction: str = "and") -> str:
        """Countries in words: "India", "Turkey and South Africa", "Japan, South Korea or the UK"."""
        names = [self.place(code) for code in codes]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {conjunction} {names[-1]}"

    def named(self, countries: CountrySet, conjunction: str = "and") -> str:
        """A country set in words: a region by its name ("EMEA"), another set by its countries."""
        return countries.name or self.places(countries.countries, conjunction)

    def aws_europe_buyer_places(self) -> str:
        """Where AWS Europe invoices buyers: "EMEA (except Turkey and South Africa)"."""
        return f"{self.named(self.emea)} (except {self.named(self.emea_not_invoiced_by_aws_europe)})"

    def kyc_buyer_places(self) -> str:
        """Where buyers make KYC apply: "EMEA (except Turkey and South Africa) or South Korea"."""
        return f"{self.aws_europe_buyer_places()} or {self.named(self.kyc_buyer_countries_korea, 'or')}"

    def kyc_triggers(self) -> str:
        """When KYC applies: "you sell to buyers in EMEA (...) or South Korea, or use a bank account in the UK"."""
        return (
            f"you sell to buyers in {self.kyc_buyer_places()}, or use a bank account in "
            f"{self.named(self.kyc_bank_countries, 'or')}"
        )


@cache
def load_rules(path: Path = RULES_PATH) -> SellerRules:
    """The seller rules, read and validated once per process."""
    return SellerRules.model_validate_json(path.read_text(encoding="utf-8"))


class GuidanceInputError(AgentError, ValueError):
    """A value the rules cannot answer for (a country, currency, entity or product type); the message says what is
    expected."""


def normalize_country(code: str) -> str:
    """``code`` as an upper-case ISO 3166-1 alpha-2 code; lower case is accepted ("de" -> "DE").

    Raises GuidanceInputError, naming the expected format, for anything else ("USA", "ZZ", "", "Germany"); when
    ``code`` is another name for a country ("UK", "USA", "Germany") the message suggests its code.
    """
    value = code.strip().upper() if isinstance(code, str) else ""
    if is_country(value):
        return value
    hint = country_code(code)
    advice = f" Did you mean {hint!r}?" if hint else ""
    raise GuidanceInputError(
        f"{code!r} is not an ISO 3166-1 alpha-2 country code. Expected exactly two letters of an assigned "
        f"code, such as 'US', 'DE', 'GB' or 'IN' (lower case is accepted).{advice}"
    )


# ---------------------------------------------------------------- result models


class Guidance(BaseModel):
    """Shared by every answer: it is informational, carries a disclaimer and its sources. Listed first among an
    answer's bases (``class Answer(Guidance, _AnswerFacts)``) so that its members come after the answer's own."""

    informational: Literal[True] = True
    disclaimer: str
    sources: list[Source | str] = Field(min_length=1, description="The pages it relies on (in short: their URLs).")
    portal: str = Field(default=AMMP_URL, description="Where the person does it themselves: AMMP.")


class _TaxForm(BaseModel):
    form: TaxForm
    form_title: str
    reasons: list[str] = Field(description="The inputs that decided the form, in plain words.")
    have_ready: list[str] = Field(description="What to have at hand for the interview; entered in AMMP only.")
    where: str
    vat_registration_required: bool
    treaty_note: str | None = Field(description="Treaty benefits (W-8 forms); absent for W-9.")
    notes: list[str]
    who_it_is_for: str
    country: str
    entity_type: EntityType


class TaxFormGuidance(Guidance, _TaxForm):
    """Which IRS form AMMP's tax interview will most likely produce, and what to have ready for it."""


class Requirement(BaseModel):
    """One verification (KYC, BAV, SU...) and whether it applies to this seller."""

    code: Literal["KYC", "BAV", "SU", "JP-ISA"]
    name: str
    applies: Applies
    reasons: list[str]
    next_steps: list[str]
    where: str
    what_it_is: str | None = None
    have_ready: list[str] | None = None
    timing: str | None = None
    sources: list[Source] | None = None


class _Compliance(BaseModel):
    kyc: Requirement
    bav: Requirement
    secondary_user: Requirement
    other_requirements: list[Requirement]
    assumptions: list[str]
    seller_country: str
    bank_country: str
    sales_geography: list[str] | None = Field(description="Buyer countries as given (normalized); absent if not given.")


class ComplianceRequirements(Guidance, _Compliance):
    """Which of KYC, bank account verification and secondary user verification apply, and why."""


class Schedule(BaseModel):
    name: Literal["Daily", "Monthly"]
    description: str


class _Banking(BaseModel):
    supported: Support
    reasons: list[str]
    account_type: str | None = Field(description="ACH, SWIFT or IFSC, for the requested currency.")
    supported_currencies: list[str] = Field(description="Disbursement currencies AWS lists that fit this bank country.")
    if_unsupported: list[str]
    where: str
    verification: str
    schedules: list[Schedule]
    notes: list[str]
    bank_country: str
    currency: str | None


class BankingGuidance(Guidance, _Banking):
    """Whether a bank country (and currency) can receive AWS Marketplace disbursements, and how."""


class _Step(BaseModel):
    number: int
    id: str
    title: str
    where: str
    detail: str


class Step(Guidance, _Step):
    """One step towards the seller entity and the first product listing, in order."""


class _Role(BaseModel):
    status: Literal["present", "missing"]
    role_exists: bool
    requires_approval: bool
    next_steps: list[str]
    create_request: dict[str, str] | None = Field(
        description="The IAM CreateServiceLinkedRole parameters, when the role is missing; a write that needs "
        "the person's approval."
    )
    role_name: str
    service_principal: str
    purpose: str
    who_needs_it: str
    permissions_needed: list[str]
    managed_policy_note: str


class RoleGuidance(Guidance, _Role):
    """The resale authorization service-linked role: what it is for and what to do about it."""


# ---------------------------------------------------------------- 1. tax form


def determine_tax_form(
    country: str,
    entity_type: EntityType,
    *,
    us_effectively_connected_income: bool = False,
    intermediary: bool = False,
) -> TaxFormGuidance:
    """The IRS form AMMP's tax interview will most likely ask for (W-9, W-8BEN, W-8BEN-E, W-8ECI or W-8IMY).

    ``country`` is where the person resides or the entity is organized, as an ISO 3166-1 alpha-2 code
    (case-insensitive); ``entity_type`` is "individual" or "business". Set ``us_effectively_connected_income``
    when the income is effectively connected with a U.S. trade or business, ``intermediary`` when the entity
    receives the payments on behalf of others (an intermediary or flow-through entity). Informational only:
    the interview in AMMP decides, and tax ids are entered there, never in chat.
    """
    rules = load_rules()
    code = normalize_country(country)
    if entity_type not in ("individual", "business"):
        raise GuidanceInputError(f"entity_type must be 'individual' or 'business', got {entity_type!r}.")
    reasons: list[str] = []
    notes: list[str] = []
    form: TaxForm
    if code in rules.us_person_countries.countries:
        form = "W-9"
        reasons.append(
            f"country is {code}: U.S. persons (U.S. citizens, resident aliens and U.S.-organized entities) use Form W-9"
        )
        if entity_type == "individual":
            notes.append(
                "U.S. citizens and resident aliens living abroad are U.S. persons too and also use W-9; "
                "if that is you, answer the interview as a U.S. person whatever your country of residence."
            )
        if intermediary or us_effectively_connected_income:
            reasons.append(
                "intermediary / effectively connected income do not change the form for a U.S. person "
                "(W-8 forms are for foreign persons only)"
            )
    else:
        reasons.append(
            f"country is {code}, outside {rules.named(rules.us_person_countries)}: a foreign person uses a W-8 form"
        )
        if entity_type == "individual":
            notes.append(
                "If you are a U.S. citizen or resident alien living in another country, you are a U.S. "
                "person and use W-9 instead."
            )
        if intermediary:
            form = "W-8IMY"
            reasons.append(
                "intermediary is set: an intermediary or flow-through entity receiving payments for "
                "others uses W-8IMY (the IRS sends intermediaries to W-8IMY even for effectively "
                "connected income)"
            )
            if entity_type == "individual":
                notes.append(
                    "W-8IMY is almost always filed by entities; an individual acting as an intermediary "
                    "should confirm the form with a tax adviser."
                )
        elif us_effectively_connected_income:
            form = "W-8ECI"
            reasons.append(
                "us_effectively_connected_income is set: income effectively connected with a U.S. trade "
                "or business is certified on W-8ECI, and a U.S. income tax return is filed for it"
            )
        elif entity_type == "individual":
            form = "W-8BEN"
            reasons.append("entity_type is individual: a foreign individual beneficial owner uses W-8BEN")
        else:
            form = "W-8BEN-E"
            reasons.append("entity_type is business: a foreign entity beneficial owner uses W-8BEN-E")
    form_rule = rules.tax_forms[form]
    extra_sources = [form_rule.sources, rules.portal.sources]
    if code in rules.kyc_exempt_seller_countries.countries:
        notes.append(rules.exempt_seller_tax_note.text.format(country=rules.place(code)))
        extra_sources.append(rules.exempt_seller_tax_note.sources)
    vat = code in rules.vat_registration_countries.countries
    if vat:
        notes.append(f"Sellers located in {code} also give their VAT registration information in the tax interview.")
        extra_sources.append(rules.vat_registration_countries.sources)
    if code in rules.same_country_tax_invoicing_countries.countries:
        notes.append(
            f"When you and your buyer are both in {code}, you may be responsible for tax invoicing, "
            "collection and remittance; ask your tax adviser."
        )
        extra_sources.append(rules.same_country_tax_invoicing_countries.sources)
    notes.append(rules.dac7_note.text)
    extra_sources.append(rules.dac7_note.sources)
    notes.append(
        "The interview in AMMP asks its own questions and decides the form; this is a preview to help you "
        "prepare, not tax advice."
    )
    return TaxFormGuidance(
        disclaimer=rules.disclaimer,
        sources=rules.cite(*extra_sources),
        country=code,
        entity_type=entity_type,
        form=form,
        form_title=form_rule.title,
        who_it_is_for=form_rule.for_whom,
        reasons=reasons,
        have_ready=list(form_rule.have_ready),
        treaty_note=form_rule.treaty_note,
        vat_registration_required=vat,
        notes=notes,
        where=f"{rules.portal.tax_path}: {rules.portal.url} (from Partner Central: {rules.portal.partner_central_path})",
    )


# ---------------------------------------------------------------- 2. KYC, BAV, secondary users


def _requirement(
    rules: SellerRules,
    code: str,
    rule: ComplianceRule,
    applies: Applies,
    reasons: list[str],
    next_steps: list[str],
    *extra_sources: list[str],
) -> Requirement:
    return Requirement(
        code=code,
        name=rule.name,
        applies=applies,
        reasons=reasons,
        what_it_is=rule.what,
        have_ready=list(rule.have_ready) if applies != "not_required" else [],
        next_steps=next_steps,
        where=rule.where,
        timing=rule.timing,
        sources=rules.cite(rule.sources, *extra_sources),
    )


def seller_compliance_requirements(
    seller_country: str,
    bank_country: str,
    sales_geography: list[str] | None = None,
    *,
    has_secondary_users: bool = False,
) -> ComplianceRequirements:
    """Whether KYC, bank account verification (BAV) and secondary user verification (SU) apply, with reasons.

    ``seller_country`` is where the seller is registered, ``bank_country`` where its disbursement bank
    account is, ``sales_geography`` the buyer countries it sells to (all ISO 3166-1 alpha-2, case-insensitive;
    None or [] when unknown: then only the home market is assumed and anything else is "depends"). Set
    ``has_secondary_users`` when people other than the primary contact will manage KYC or financial details.
    """
    rules = load_rules()
    seller = normalize_country(seller_country)
    bank = normalize_country(bank_country)
    geography = sorted({normalize_country(c) for c in sales_geography}) if sales_geography else None
    buyers = set(geography) if geography else {seller}
    assumptions: list[str] = []
    if geography is None:
        assumptions.append(
            f"You did not say where your buyers are, so we assumed at least your home market ({seller}). "
            f"Buyers in {rules.kyc_buyer_places()} would add KYC."
        )
    kyc_rule, bav_rule, su_rule = rules.compliance.kyc, rules.compliance.bav, rules.compliance.secondary_user
    emea_buyers = sorted(
        b for b in buyers if b in rules.emea.countries and b not in rules.emea_not_invoiced_by_aws_europe.countries
    )
    korea_buyers = sorted(buyers & set(rules.kyc_buyer_countries_korea.countries))
    kyc_bank = bank in rules.kyc_bank_countries.countries
    ach_bank = bank in rules.ach_bank_countries.countries
    exempt = seller in rules.kyc_exempt_seller_countries.countries
    home = rules.place(seller)

    # KYC
    kyc_sources = [rules.emea.sources, rules.emea_not_invoiced_by_aws_europe.sources]
    if exempt:
        kyc_applies: Applies = "not_required"
        kyc_reasons = [
            (
                f"seller country is {seller}: AWS says KYC does not apply to sellers in {home}, who sell only "
                f"to buyers in {home}"
            )
        ]
        if buyers - {seller}:
            kyc_reasons.append(
                f"note: as a seller in {home} you can only sell to buyers in {home}, so buyers "
                "elsewhere are out of reach from this seller account"
            )
        kyc_steps = [f"Nothing to do for KYC; follow AMMP's process for sellers in {home}."]
        kyc_sources.append(rules.kyc_exempt_seller_countries.sources)
    else:
        kyc_reasons = []
        if emea_buyers:
            kyc_reasons.append(
                f"you sell to buyers in {rules.named(rules.emea)} ({', '.join(emea_buyers)}): AWS Europe "
                "(through Amazon Payments Europe) invoices them only for KYC-verified sellers; until you "
                "are verified, AWS Inc. invoices those buyers instead"
            )
        if korea_buyers:
            kyc_reasons.append(
                f"you sell to buyers in {rules.places(korea_buyers)}: KYC is needed to receive "
                "disbursements from the AWS invoicing entity there"
            )
            kyc_sources.append(rules.kyc_buyer_countries_korea.sources)
        if kyc_bank:
            kyc_reasons.append(
                f"your disbursement bank account is in {bank}: AWS requires KYC for bank accounts in "
                f"{rules.place(bank)}"
            )
            kyc_sources.append(rules.kyc_bank_countries.sources)
        if kyc_reasons:
            kyc_applies = "required"
            kyc_steps = [
                f"Open {rules.portal.kyc_path} and start the business verification.",
                "Make sure someone watches the AWS account's root email address: the KYC team writes there.",
                (
                    "In a channel partner private offer (CPPO) both the ISV and the channel partner must be KYC verified "
                    "for AWS Europe to invoice the buyer."
                ),
            ]
        elif geography is None:
            kyc_applies = "depends"
            kyc_reasons = [
                (
                    f"your home market {seller} and your bank country {bank} do not trigger KYC, but you have not "
                    "said where else you sell"
                )
            ]
            kyc_steps = [
                f"KYC becomes required if {rules.kyc_triggers()}; check the KYC tab in AMMP / Partner Central."
            ]
        else:
            kyc_applies = "not_required"
            kyc_reasons = [
                (
                    f"your buyers ({', '.join(geography)}) are not in {rules.kyc_buyer_places()}, and your "
                    f"bank account is in {bank}, not in {rules.named(rules.kyc_bank_countries, 'or')}"
                )
            ]
            kyc_steps = [f"Nothing to do now; KYC becomes required if {rules.kyc_triggers()}."]
    kyc = _requirement(rules, "KYC", kyc_rule, kyc_applies, kyc_reasons, kyc_steps, *kyc_sources)

    # BAV
    bav_sources = [bav_rule.sources]
    if exempt:
        bav_applies: Applies = "not_required"
        bav_reasons = [
            (f"seller country is {seller}: AWS says bank account verification does not apply to sellers in {home}")
        ]
        bav_steps = ["Nothing to do for BAV."]
    elif emea_buyers or kyc_bank:
        bav_applies = "required"
        bav_reasons = [
            (
                f"KYC applies for Amazon Payments Europe ({rules.named(rules.emea)} buyers or a bank account "
                f"in {rules.named(rules.kyc_bank_countries, 'or')}), and you must verify the disbursement bank "
                "account before Amazon Payments Europe can pay you"
            )
        ]
        bav_steps = [
            (
                "After the KYC business verification, verify the disbursement account in "
                f"{rules.portal.payment_path}: choose the account, then Verify."
            )
        ]
    elif korea_buyers:
        bav_applies = "depends"
        bav_reasons = [
            (
                f"KYC applies for disbursements for buyers in {rules.places(korea_buyers)}; AWS documents bank "
                "account verification for Amazon Payments Europe disbursements and says nothing specific for "
                "them"
            )
        ]
        bav_steps = [
            (
                "Check the verification status of your disbursement account in AMMP; if it shows Not Verified, "
                "verify it there."
            )
        ]
    elif ach_bank and kyc_applies == "not_required":
        bav_applies = "not_required"
        bav_reasons = [
            (
                f"your bank account is in {rules.place(bank)} and no KYC flow applies: AWS documents bank "
                "account verification for disbursements through Amazon Payments Europe"
            )
        ]
        bav_steps = [
            f"Nothing to do now; it becomes required with KYC for buyers in {rules.aws_europe_buyer_places()}."
        ]
    else:
        bav_applies = "depends"
        bav_reasons = [
            f"your bank account is in {bank}, outside {rules.named(rules.ach_bank_countries)}"
            if not ach_bank
            else "KYC may apply once you say where you sell"
        ] + [
            (
                "AWS documents bank account verification for disbursements through Amazon Payments Europe "
                f"({rules.named(rules.emea)}); for other accounts AMMP shows a verification status per "
                "disbursement account"
            )
        ]
        bav_steps = [
            (
                f"Check the Verification status of your account in {rules.portal.payment_path}; if it shows Not "
                "Verified, choose Verify and upload a recent statement in the verification portal."
            )
        ]
    bav = _requirement(rules, "BAV", bav_rule, bav_applies, bav_reasons, bav_steps, *bav_sources)

    # Secondary users
    if kyc_applies == "not_required":
        su_applies: Applies = "not_required"
        su_reasons = ["secondary user verification is the optional third step of KYC, and KYC does not apply"]
        su_steps = ["Nothing to do."]
    elif kyc_applies == "depends":
        su_applies = "depends"
        su_reasons = ["it applies only if KYC applies and other people will manage KYC or financial details"]
        su_steps = ["Decide after KYC is settled."]
    elif has_secondary_users:
        su_applies = "required"
        su_reasons = [
            (
                "KYC applies and you will designate other users: only KYC-verified users can change KYC "
                "information or bank details in AMMP and process refunds, so each of them must complete verification"
            )
        ]
        su_steps = [
            (
                "Ask each secondary user to sign in to AMMP themselves and complete the secondary user "
                "verification; they upload their own documents in the portal."
            ),
            "Make sure each of them has MFA enabled before they update disbursement information.",
        ]
    else:
        su_applies = "not_required"
        su_reasons = [
            (
                "KYC applies, but you have no secondary users: the step is optional, and only the verified "
                "primary contact can then change financial details"
            )
        ]
        su_steps = ["Add secondary users later if others (for example your finance team) need to manage disbursements."]
    secondary = _requirement(rules, "SU", su_rule, su_applies, su_reasons, su_steps)

    others: list[Requirement] = []
    if seller in rules.japan_isa_seller_countries.countries:
        isa = rules.compliance.japan_isa
        others.append(
            _requirement(
                rules,
                "JP-ISA",
                isa,
                "required",
                [
                    (
                        f"seller country is {seller}: sellers registered in "
                        f"{rules.named(rules.japan_isa_seller_countries, 'or')} complete {isa.name} "
                        "whatever their buyers' locations"
                    )
                ],
                [f"Complete your tax settings, then start it in {isa.where}"],
                rules.japan_isa_seller_countries.sources,
            )
        )
    all_sources = [src.id for req in (kyc, bav, secondary, *others) for src in req.sources]
    return ComplianceRequirements(
        disclaimer=rules.disclaimer,
        sources=rules.cite(all_sources, rules.portal.sources),
        seller_country=seller,
        bank_country=bank,
        sales_geography=geography,
        assumptions=assumptions,
        kyc=kyc,
        bav=bav,
        secondary_user=secondary,
        other_requirements=others,
    )


# ---------------------------------------------------------------- 3. banking


def _account_type(rule: CurrencyRule, kind: str) -> str:
    """The currency's account type of ``kind`` (ACH, SWIFT, Hyperwallet) as the rules word it."""
    return next(account_type for account_type in rule.account_types if account_type.startswith(kind))


def banking_guidance(bank_country: str, currency: str | None = None) -> BankingGuidance:
    """Whether AWS Marketplace can pay out to a bank account in ``bank_country`` (in ``currency``), and how.

    ``bank_country`` is an ISO 3166-1 alpha-2 code, ``currency`` an ISO 4217 code such as "USD" or "EUR"
    (both case-insensitive; omit the currency to see every one that fits). Describes account types (ACH, SWIFT,
    Hyperwallet), the Daily/Monthly schedules and what to do when unsupported. Bank details are entered only
    in AMMP, never in chat.
    """
    rules = load_rules()
    bank = normalize_country(bank_country)
    cur: str | None = None
    if currency is not None:
        cur = currency.strip().upper() if isinstance(currency, str) else ""
        if not is_currency(cur):
            raise GuidanceInputError(
                f"{currency!r} is not an ISO 4217 currency code. Expected the three letters "
                "of an assigned code, such as 'USD', 'EUR' or 'GBP' (lower case is accepted)."
            )
    eligible = bank in rules.eligible_jurisdictions.countries
    ach_bank = bank in rules.ach_bank_countries.countries
    by_code = {c.code: c for c in rules.currencies}
    usd = by_code["USD"]
    fitting = [c.code for c in rules.currencies if c.bank_countries is None or bank in c.bank_countries]
    known = ", ".join(by_code)
    reasons: list[str] = []
    notes = [
        rules.banking.holder_name,
        rules.banking.order,
        rules.banking.profile_wait,
        rules.banking.free_only,
        rules.banking.offers,
    ]
    notes.append(rules.banking.us_sellers if ach_bank else rules.banking.non_us_sellers)
    if_unsupported: list[str] = []
    account_type: str | None = None
    sources = [rules.banking.sources, rules.eligible_jurisdictions.sources]
    if not eligible:
        supported: Support = "not_supported"
        reasons.append(f"{bank} is not one of the eligible jurisdictions AWS lists for disbursement bank accounts")
        if_unsupported += [
            "Use a bank account in an eligible jurisdiction: "
            + ", ".join(rules.eligible_jurisdictions.countries)
            + ".",
            (
                f"Or use {_account_type(usd, 'Hyperwallet')} for USD disbursements; check in AMMP and with Hyperwallet "
                "that it is available for your country."
            ),
        ]
        fitting = []
    elif cur is None:
        supported = "supported"
        reasons.append(
            f"{bank} is an eligible jurisdiction; pick one of the currencies below that your bank can receive"
        )
    elif cur not in by_code:
        supported = "not_supported"
        reasons.append(f"AWS Marketplace does not disburse in {cur}; it lists {known}")
        if_unsupported += [
            (
                f"Choose a disbursement currency AWS supports that your bank can receive ({', '.join(fitting)}); your bank "
                "converts if the account is held in another currency."
            ),
            f"USD works in every eligible jurisdiction: {', '.join(usd.account_types)}.",
        ]
    else:
        rule = by_code[cur]
        sources.append(rule.sources)
        if rule.bank_countries is not None and bank not in rule.bank_countries:
            supported = "not_supported"
            reasons.append(f"{cur} disbursements go only to bank accounts in {rules.places(rule.bank_countries, 'or')}")
            if_unsupported.append(
                f"Choose another currency your bank can receive: {', '.join(c for c in fitting if c != cur)}."
            )
        elif rule.bank_countries is not None:
            supported = "supported"
            account_type = rule.account_types[0]
            reasons.append(
                f"{cur} disbursements go only to bank accounts in "
                f"{rules.places(rule.bank_countries, 'or')}, by {account_type}"
            )
        elif ach_bank and cur != "USD":
            supported = "depends"
            account_type = _account_type(rule, "SWIFT")
            reasons.append(
                f"ACH accounts in {rules.place(bank)} receive USD only; {cur} needs a SWIFT account able to "
                f"receive {cur}"
            )
            if_unsupported.append(
                f"Ask your bank whether the account can receive {cur} by SWIFT wire; otherwise choose USD by ACH."
            )
        elif cur == "USD":
            supported = "supported"
            account_type = _account_type(usd, "ACH" if ach_bank else "SWIFT")
            reasons.append(
                f"USD is supported for a bank account in {bank} by "
                + ("ACH" if ach_bank else f"SWIFT wire, or through {_account_type(usd, 'Hyperwallet')}")
            )
        else:
            supported = "supported"
            account_type = _account_type(rule, "SWIFT")
            reasons.append(
                f"{cur} is one of AWS's disbursement currencies and {bank} is an eligible jurisdiction; "
                f"non-USD disbursements need a SWIFT account that can receive {cur}"
            )
    if bank in rules.kyc_bank_countries.countries:
        notes.append(f"A bank account in {rules.place(bank)} requires KYC and bank account verification.")
        sources.append(rules.kyc_bank_countries.sources)
    if supported == "depends" and not if_unsupported:
        if_unsupported.append("Check in AMMP before relying on it.")
    return BankingGuidance(
        disclaimer=rules.disclaimer,
        sources=rules.cite(*sources, rules.compliance.bav.sources, *(s.sources for s in rules.schedules)),
        bank_country=bank,
        currency=cur,
        supported=supported,
        reasons=reasons,
        supported_currencies=fitting,
        account_type=account_type,
        schedules=[Schedule(name=s.name, description=s.description) for s in rules.schedules],
        notes=notes,
        verification=(
            "AMMP shows a verification status for each disbursement account. Bank account verification "
            "(a recent statement uploaded in the AWS verification portal, never in chat) is required to "
            "be paid through Amazon Payments Europe; see the compliance guidance."
        ),
        if_unsupported=if_unsupported,
        where=f"{rules.portal.payment_path}: {rules.portal.url}",
    )


# ---------------------------------------------------------------- 4. seller entity and first listing


def _product_type(value: str, rules: SellerRules) -> ProductTypeRule:
    key = value.strip().lower().replace("_", " ")
    for rule in rules.product_types:
        if key == rule.type.lower() or key in rule.aliases or key.replace(" ", "") in rule.aliases:
            return rule
    accepted = ", ".join(r.type for r in rules.product_types)
    raise GuidanceInputError(f"Unknown product type {value!r}. Use one of: {accepted} (case-insensitive).")


def esc_catalog_steps(product_type: str | None = None) -> list[Step]:
    """Ordered steps to set up the seller entity and publish the first product in the AWS Marketplace catalog.

    ``product_type`` is one of SaaS, AMI, Container, ML, ProfessionalServices or Data (case-insensitive;
    None gives the common steps). From Partner Central, the Build menu's listing entries redirect to AMMP;
    a new product starts Limited (only your account and allowlisted accounts see it) until you request
    public visibility.
    """
    rules = load_rules()
    kind = _product_type(product_type, rules) if product_type is not None else None
    steps: list[Step] = []
    for rule in rules.listing_steps:
        detail, where, sources = rule.detail, rule.where, [rule.sources]
        if rule.id == "kyc-bav":
            detail = f"Needed if {rules.kyc_triggers()}. {detail}"
        if rule.id == "create-product" and kind is not None:
            where = f"AWS Partner Central > {kind.build_menu} (redirects to AMMP)"
            if kind.visibility_note:
                detail = f"{detail} {kind.type}: {kind.visibility_note}"
            sources.append(kind.sources)
        if rule.id == "type-specific":
            if kind is None:
                detail = (
                    "Each product type has its own step (SaaS: fulfillment URL and metering/entitlement APIs; "
                    "AMI: AMI scan; Container: push images to AWS Marketplace repositories; ML: SageMaker AI "
                    "model package or algorithm; Professional services: DAC7 questionnaire; Data: AWS Data "
                    "Exchange). Ask again with your product type for the details."
                )
            else:
                detail = f"{kind.type}: {kind.step}"
                sources = [kind.sources]
                where = f"AWS Partner Central > {kind.build_menu} (redirects to AMMP)"
        steps.append(
            Step(
                disclaimer=rules.disclaimer,
                sources=rules.cite(*sources),
                number=len(steps) + 1,
                id=rule.id,
                title=rule.title,
                detail=detail,
                where=where,
            )
        )
    return steps


# ---------------------------------------------------------------- 5. resale authorization role


def resale_role_guidance(role_exists: bool) -> RoleGuidance:
    """What ``AWSServiceRoleForMarketplaceResaleAuthorization`` is for (CPPO / resale authorizations) and what to do.

    ``role_exists`` is whether the role is already in the account (IAM GetRole). When it is missing, the answer
    carries the IAM CreateServiceLinkedRole request for the service principal
    ``resale-authorization.marketplace.amazonaws.com``; creating it is a write that needs the person's approval
    and the caller's ``iam:CreateServiceLinkedRole`` permission.
    """
    rules = load_rules()
    role = rules.resale_role
    if role_exists:
        steps = [
            (
                "Nothing to create: the role is in place, so AWS RAM can share and accept Resale Authorizations "
                "for this account."
            ),
            "Make sure your channel partners (or the ISVs you resell for) have the role in their accounts too.",
        ]
        request = None
    else:
        steps = [
            (
                f"Create the role, after the person approves: IAM CreateServiceLinkedRole with AWSServiceName "
                f"{role.service_principal} (CLI: aws iam create-service-linked-role --aws-service-name "
                f"{role.service_principal})."
            ),
            f"Or create it yourself in {role.console_path}.",
            (
                f"The caller needs {role.create_permission} (and {role.check_permission} to check for it); "
                f"{role.managed_policy_note}"
            ),
        ]
        request = {"Operation": "CreateServiceLinkedRole", "AWSServiceName": role.service_principal}
    return RoleGuidance(
        disclaimer=rules.disclaimer,
        sources=rules.cite(role.sources),
        role_name=role.role_name,
        service_principal=role.service_principal,
        role_exists=role_exists,
        status="present" if role_exists else "missing",
        purpose=role.purpose,
        who_needs_it=role.who_needs_it,
        permissions_needed=[role.check_permission] + ([] if role_exists else [role.create_permission]),
        managed_policy_note=role.managed_policy_note,
        create_request=request,
        requires_approval=not role_exists,
        next_steps=steps,
    )
