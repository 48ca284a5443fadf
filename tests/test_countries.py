"""The shared ISO helper: country codes and names, subdivisions, currencies, all read from pycountry."""

from __future__ import annotations

import re

import pycountry
import pytest

from agent.onboarding.countries import ALIASES, country_code, country_name, is_country, is_currency, subdivision_code

# ---------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("US", "US"),
        ("us", "US"),
        (" de ", "DE"),
        ("GB", "GB"),  # alpha-2
        ("USA", "US"),
        ("deu", "DE"),
        ("GBR", "GB"),
        ("JPN", "JP"),  # alpha-3
        ("United States", "US"),
        ("germany", "DE"),
        ("JAPAN", "JP"),  # name
        ("United States of America", "US"),
        ("Federal Republic of Germany", "DE"),  # official name
        ("South Korea", "KR"),
        ("Vietnam", "VN"),
        ("Taiwan", "TW"),  # common name
        ("Korea, Republic of", "KR"),
        ("Republic of Korea", "KR"),  # ISO's inverted name, both ways
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),  # accents optional
        ("The Netherlands", "NL"),
        ("Netherlands", "NL"),
        ("United  Kingdom", "GB"),  # whitespace collapsed
    ],
)
def test_country_codes_and_names(value, expected):
    assert country_code(value) == expected


def test_country_names_are_iso_common_names_first():
    assert [country_name(code) for code in ("KR", "GB", "IN", "TW")] == [
        "South Korea",
        "United Kingdom",
        "India",
        "Taiwan",
    ]
    assert all(country_code(country_name(c.alpha_2)) == c.alpha_2 for c in pycountry.countries)


def test_uk_and_el_are_documented_aliases():
    assert ALIASES == {"UK": "GB", "EL": "GR"}
    assert country_code("UK") == country_code("uk") == "GB"
    assert country_code("EL") == "GR"
    assert not is_country("UK") and not is_country("EL")  # the API wants the assigned code


@pytest.mark.parametrize(
    "value", ["", "  ", "ZZ", "XK", "XX", "Narnia", "Atlantis", "D", "1A", "840", "U.S.", "Germ", "United", None, 49]
)
def test_unknown_countries_are_none(value):
    assert country_code(value) is None


def test_every_assigned_alpha2_code_is_a_country():
    codes = [country.alpha_2 for country in pycountry.countries]
    assert len(codes) == 249
    assert all(is_country(code) and country_code(code) == code for code in codes)


@pytest.mark.parametrize("code", ["us", "USA", "UK", "ZZ", "", "U S", "ÜS", None])
def test_is_country_is_strict(code):
    assert not is_country(code)


# ---------------------------------------------------------------- subdivisions


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("US", "Washington", "WA"),
        ("US", "new york", "NY"),
        ("US", "District of Columbia", "DC"),
        ("US", "Puerto Rico", "PR"),
        ("DE", "Berlin", "BE"),
        ("DE", "Bayern", "BY"),
        ("DE", "Bavaria", "BY"),  # English name from pycountry
        ("DE", "Baden-Württemberg", "BW"),
        ("DE", "baden-wurttemberg", "BW"),
        ("DE", "Thüringen", "TH"),
        ("AU", "New South Wales", "NSW"),
        ("AU", "Western Australia", "WA"),
        ("AU", "Victoria", "VIC"),
        ("GB", "England", "ENG"),
        ("GB", "Scotland", "SCT"),
        ("GB", "Wales", "WLS"),
        ("GB", "Cymru", "WLS"),
        ("GB", "Northern Ireland", "NIR"),
        ("GB", "City of London", "LND"),
        ("GB", "London, City of", "LND"),
        ("IN", "Karnataka", "KA"),
        ("IN", "Karnātaka", "KA"),
        ("IN", "Maharashtra", "MH"),
        ("IN", "Delhi", "DL"),
        ("IN", "Tamil Nadu", "TN"),
        ("JP", "Tokyo", "13"),
        ("JP", "Osaka", "27"),
        ("JP", "Hokkaido", "01"),
        ("CA", "Québec", "QC"),
        ("CA", "Quebec", "QC"),
        ("ES", "Cataluña", "CT"),
        ("ES", "Catalunya", "CT"),
        ("ES", "Comunidad de Madrid", "MD"),
        ("United States", "Texas", "TX"),
        ("uk", "England", "ENG"),  # country given any way country_code reads
    ],
)
def test_subdivisions_by_name(country, value, expected):
    assert subdivision_code(country, value) == expected


@pytest.mark.parametrize(
    ("country", "value", "expected"),
    [
        ("US", "WA", "WA"),
        ("US", "wa", "WA"),
        ("US", "US-WA", "WA"),
        ("US", "us-ny", "NY"),
        ("DE", "BE", "BE"),
        ("DE", "DE-BY", "BY"),
        ("AU", "NSW", "NSW"),
        ("AU", "AU-WA", "WA"),
        ("GB", "ENG", "ENG"),
        ("GB", "GB-SCT", "SCT"),
        ("IN", "KA", "KA"),
        ("IN", "IN-MH", "MH"),
        ("JP", "13", "13"),
        ("JP", "JP-13", "13"),
        ("FR", "IDF", "IDF"),
        ("FR", "75C", "75C"),
    ],
)
def test_code_shaped_subdivisions(country, value, expected):
    assert subdivision_code(country, value) == expected


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("US", "Narnia"),
        ("US", "ZZ"),
        ("US", "NSW"),
        ("US", "DE-BY"),
        ("US", ""),
        ("US", "   "),
        ("US", None),
        ("GB", "London"),  # ISO 3166-2:GB has the City of London (LND) only, not London as a whole
        ("HK", "Kowloon"),
        ("HK", "HK"),  # ISO 3166-2 lists no subdivisions for Hong Kong
        ("XX", "WA"),
        ("Atlantis", "WA"),
        ("", "WA"),
    ],
)
def test_unknown_subdivisions_are_none(country, value):
    assert subdivision_code(country, value) is None


def test_a_name_shared_within_a_level_is_not_guessed():
    # Two top-level subdivisions of Taiwan are called Hsinchu (the city and the county).
    hsinchu = [s.code for s in pycountry.subdivisions.get(country_code="TW") if s.name.startswith("Hsinchu")]
    assert len(hsinchu) == 2
    assert subdivision_code("TW", "Hsinchu") is None
    assert all(subdivision_code("TW", code) == code.split("-")[1] for code in hsinchu)


def test_top_level_names_win_over_lower_ones():
    # "Madrid" is only the province (ES-M) by ISO's names; the community is "Madrid, Comunidad de" (ES-MD).
    assert subdivision_code("ES", "Madrid") == "M"
    assert subdivision_code("ES", "Madrid, Comunidad de") == "MD"


def test_every_code_proposed_fits_the_api_pattern():
    """The API's SubdivisionCode is ^[A-Z0-9]{1,3}$; every ISO 3166-2 code is read back by code, and names give
    codes of the same country that fit too."""
    pattern = re.compile(r"^[A-Z0-9]{1,3}$")
    for subdivision in pycountry.subdivisions:
        country, suffix = subdivision.code.split("-", 1)
        by_code = subdivision_code(country, subdivision.code)
        assert by_code == (suffix if pattern.match(suffix) else None), subdivision.code
        by_name = subdivision_code(country, subdivision.name)
        assert by_name is None or (
            pattern.match(by_name) and pycountry.subdivisions.get(code=f"{country}-{by_name}")
        ), subdivision.name


# ---------------------------------------------------------------- currencies


@pytest.mark.parametrize("code", ["USD", "EUR", "GBP", "AUD", "JPY", "INR", "CHF", "XTS"])
def test_currency_codes(code):
    assert is_currency(code)


@pytest.mark.parametrize("code", ["usd", "EURO", "EU", "XYZ", "ZZZ", "€", "", "EU1", None, 978])
def test_not_currency_codes(code):
    assert not is_currency(code)
