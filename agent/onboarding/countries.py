"""ISO country, subdivision and currency codes, from pycountry (the Debian iso-codes data).

The one place the project reads ISO 3166-1, ISO 3166-2 and ISO 4217: the website scan maps a page's
address to a Headquarters location with it, and the seller guidance validates country and currency codes
and names countries with it. No code list is kept by hand anywhere else.

Names are matched case-insensitively and without regard to accents ("Turkiye", "Karnataka"). Only what
ISO and pycountry list is known, plus ``ALIASES``; anything else is None, never a guess.

>>> country_code("united kingdom"), country_code("DEU"), country_code("UK"), country_code("Narnia")
('GB', 'DE', 'GB', None)
>>> subdivision_code("US", "Washington"), subdivision_code("AU", "New South Wales"), subdivision_code("DE", "DE-BY")
('WA', 'NSW', 'BY')
>>> is_country("GB"), is_country("UK"), is_currency("EUR"), is_currency("EURO")
(True, False, True, False)
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry

__all__ = ["ALIASES", "country_code", "country_name", "is_country", "is_currency", "subdivision_code"]

#: Codes ISO 3166-1 keeps "exceptionally reserved" for a country that has another assigned code: UK for the
#: United Kingdom (GB), EL for Greece (GR, the EU's own abbreviation). ``country_code`` reads them as the
#: assigned code; ``is_country`` does not accept them, since the Partner Central API wants the assigned code.
ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR"}

# The Partner Central API's SubdivisionCode pattern (HeadquartersLocation); other codes are never proposed.
_API_SUBDIVISION = re.compile(r"[A-Z0-9]{1,3}")
_CODE_IN_NAME = re.compile(r"\b[A-Z]{2}-[A-Z0-9]{1,3}\b")  # "Wales [Cymru GB-CYM]"


def _key(text: str) -> str:
    """``text`` for matching: accents dropped, case folded, whitespace collapsed, a leading "the" dropped."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = plain.casefold().split()
    return " ".join(words[1:] if len(words) > 1 and words[0] == "the" else words)


def _name_variants(name: str) -> set[str]:
    """The forms of an ISO name worth matching: "Catalunya [Cataluña]" and "Fribourg / Freiburg" give both
    names, "London, City of" also reads "City of London", "Korea, Republic of" "Republic of Korea"."""
    base, _, bracket = name.partition(" [")
    names = {part.strip() for part in base.split(" / ")}
    names.update(part.strip() for part in _CODE_IN_NAME.sub("", bracket.rstrip("]")).split(",") if part.strip())
    for each in list(names):
        head, comma, tail = each.partition(", ")
        if comma:
            names.add(f"{tail} {head}")
    return {_key(each) for each in names if each.strip()}


@cache
def _countries() -> dict[str, str]:
    """alpha-2, alpha-3, name, common name and official name (as ``_key``, with ``_name_variants``) -> alpha-2."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        index[_key(country.alpha_2)] = index[_key(country.alpha_3)] = country.alpha_2
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            for name in _name_variants(value) if value else ():
                index.setdefault(name, country.alpha_2)
    return index


@cache
def _english_names() -> gettext.NullTranslations:
    """pycountry's English names for subdivisions whose ISO name is in another language ("Bayern" -> "Bavaria")."""
    return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["en"], fallback=True)


@cache
def _subdivisions(country: str) -> tuple[frozenset[str], dict[str, str | None], dict[str, str | None]]:
    """For one country: its subdivision codes that fit the API (without the "US-" prefix), and name -> code
    for the top level and for the levels below. A name two subdivisions of one level share maps to None."""
    codes: set[str] = set()
    top: dict[str, str | None] = {}
    lower: dict[str, str | None] = {}
    english = _english_names()
    for subdivision in pycountry.subdivisions.get(country_code=country) or ():
        code = subdivision.code.split("-", 1)[1]
        if not _API_SUBDIVISION.fullmatch(code):
            continue
        codes.add(code)
        level = top if subdivision.parent_code is None else lower
        for name in _name_variants(subdivision.name) | _name_variants(english.gettext(subdivision.name)):
            level[name] = code if level.get(name, code) == code else None
    return frozenset(codes), top, lower


def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code for ``value``: an alpha-2 or alpha-3 code, or the country's name, common
    name or official name ("US", "usa", "United States", "United States of America"), case-insensitive.
    ``ALIASES`` are read too ("UK" -> "GB"). None when ISO 3166-1 has no such country."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if text.upper() in ALIASES:
        return ALIASES[text.upper()]
    return _countries().get(_key(text)) if text else None


def is_country(code: str) -> bool:
    """True if ``code`` is an assigned ISO 3166-1 alpha-2 code exactly as written (upper case; not "UK")."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and pycountry.countries.get(alpha_2=code) is not None
    )


def country_name(code: str) -> str:
    """The English name ISO 3166-1 gives ``code`` (alpha-2), its common name if it has one ("KR" -> "South Korea")."""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


def subdivision_code(country: str, value: str) -> str | None:
    """The ISO 3166-2 code of a subdivision of ``country``, without the country prefix: ("US", "Washington")
    -> "WA", ("DE", "Berlin") -> "BE", ("AU", "New South Wales") -> "NSW", ("JP", "Tokyo") -> "13".

    ``country`` is anything ``country_code`` reads. ``value`` is a code ("WA", "us-wa"), read as a code
    first, or a name as ISO 3166-2 (or pycountry's English translation) gives it, accents optional. Names
    are matched at the top level first (England, not an English district); a name two subdivisions share
    gives None. ISO 3166-2:GB has no "London" (GB-LND is only the City of London), so ("GB", "London")
    is None, as is any code that does not fit the API's SubdivisionCode pattern (1-3 letters or digits).
    """
    country_alpha2 = country_code(country) if isinstance(country, str) else None
    if country_alpha2 is None or not isinstance(value, str) or not value.strip():
        return None
    codes, top, lower = _subdivisions(country_alpha2)
    text = " ".join(value.split())
    code = text.upper().removeprefix(f"{country_alpha2}-")
    if code in codes:
        return code
    key = _key(text)
    return top[key] if key in top else lower.get(key)


def is_currency(code: str) -> bool:
    """True if ``code`` is an ISO 4217 currency code exactly as written (three upper-case letters, "EUR")."""
    return (
        isinstance(code, str)
        and len(code) == 3
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and pycountry.currencies.get(alpha_3=code) is not None
    )
