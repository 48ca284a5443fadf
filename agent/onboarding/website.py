"""Scan a company website and propose Partner Central profile fields for the person to review.

Read-only and guarded. ``scan_website`` fetches one HTML page with ``agent.onboarding.safe_fetch`` (the
SSRF guard: public addresses only, checked after DNS and on every redirect, the connection pinned, one
deadline, a size cap; see that module) and hands it to ``propose_profile``. ``propose_profile`` is pure
parsing: it reads JSON-LD, OpenGraph, meta tags, the title, icons and the visible text, and proposes at
most the seven profile fields below, every value validated against the Partner Central API's limits.

The page is data, never instructions: text that looks like instructions to an AI is never used as a
value, and a note says it was there. Nothing here writes anything; the person approves a profile update
through the usual approval flow.

>>> scan = propose_profile('<title>Acme Cloud | Home</title>', "https://acme.example/")
>>> [(f.field, f.value) for f in scan.proposal]
[('DisplayName', 'Acme Cloud'), ('WebsiteUrl', 'https://acme.example/')]
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import httpx
from bs4 import BeautifulSoup, Comment, Tag
from pydantic import BaseModel, Field, TypeAdapter, model_validator

from agent.models.account import EDITABLE_PROFILE_FIELDS, HeadquartersLocation, ProfileDetails
from agent.onboarding.countries import country_code, subdivision_code
from agent.onboarding.safe_fetch import (
    WebsiteFetchError,
    WebsiteRefused,
    fetch_page,
    normalise_host,
    shown_url,
)

__all__ = [
    "ProposedField",
    "WebsiteFetchError",  # raised by scan_website; defined in agent.onboarding.safe_fetch
    "WebsiteRefused",
    "WebsiteScan",
    "propose_profile",
    "scan_website",
]

ProfileFieldName = Literal[EDITABLE_PROFILE_FIELDS]
Confidence = Literal["high", "medium", "low"]


def _api_field(name: str) -> TypeAdapter:
    """The validation of profile field ``name``, as the API model states it."""
    info = ProfileDetails.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation)


_ADAPTERS = {name: _api_field(name) for name in EDITABLE_PROFILE_FIELDS}


# --------------------------------------------------------------------------------------------- models


class ProposedField(BaseModel):
    """One profile field proposed from the website, with where it came from. The person reviews it;
    the value is always valid for the Partner Central API (checked when the object is built)."""

    field: ProfileFieldName = Field(description="The Partner Central profile field this value is for.")
    value: Any = Field(description="The proposed value, valid for the Partner Central API.")
    source: str = Field(description="Where on the page the value came from.")
    confidence: Confidence = Field(
        description="How sure the scan is: high (declared by the site), medium, low (inferred)."
    )

    @model_validator(mode="after")
    def _within_api_limits(self) -> ProposedField:
        value = _ADAPTERS[self.field].validate_python(self.value)
        self.value = value.api_dict() if isinstance(value, HeadquartersLocation) else value
        return self


class WebsiteScan(BaseModel):
    """What a website scan proposes for the partner profile, and notes on what it could not fill."""

    requested_url: str = Field(description="The URL that was asked for.")
    final_url: str = Field(description="The page that was read, after redirects.")
    title: str | None = Field(description="The page's <title>, if it has a usable one.")
    proposal: list[ProposedField] = Field(description="Proposed profile fields, in a fixed order; only these.")
    notes: list[str] = Field(description="Fields that could not be filled and why, truncations, warnings.")


# ------------------------------------------------------------------------------------------- scanning


def scan_website(url: str, **fetch_options: Any) -> WebsiteScan:
    """Fetch ``url`` with ``safe_fetch.fetch_page`` (``fetch_options``: allow_hosts, timeout, max_bytes,
    max_redirects, transport) and propose profile fields from it.

    Raises ``WebsiteRefused`` when the guard refuses the URL and ``WebsiteFetchError`` when the page
    cannot be fetched or is not HTML.
    """
    page = fetch_page(url, **fetch_options)
    scan = propose_profile(page.html, page.final_url)
    return scan.model_copy(update={"requested_url": url})


# -------------------------------------------------------------------------------------------- parsing

_ORGANIZATION_TYPES = frozenset(
    {
        "organization",
        "corporation",
        "localbusiness",
        "professionalservice",
        "onlinebusiness",
        "onlinestore",
        "ngo",
        "educationalorganization",
        "governmentorganization",
        "medicalorganization",
        "store",
        "newsmediaorganization",
        "researchorganization",
        "consortium",
        "airline",
        "sportsorganization",
        "workersunion",
    }
)
_PRODUCT_TYPES = frozenset({"softwareapplication", "webapplication", "mobileapplication", "product", "service"})
_SITE_TYPES = frozenset({"website"})

_INVISIBLE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "head",
    "select",
    "option",
    "datalist",
)
_SCANNED_INVISIBLE_TAGS = frozenset({"noscript", "template"})
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*0*(?:\.0*)?\s*(?:;|$|!)"
    r"|font-size\s*:\s*0*(?:\.0*)?(?:px|em|rem|pt|%|vw|vh)?\s*(?:;|$|!))",
    re.IGNORECASE,
)
_HIDDEN_CLASSES = frozenset({"hidden", "d-none", "invisible", "sr-only", "visually-hidden", "screen-reader-text"})
_BLOCK_TAGS = (
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "tr",
    "table",
    "blockquote",
    "figcaption",
    "figure",
    "address",
    "br",
    "hr",
    "form",
    "label",
    "button",
    "pre",
    "body",
)
_BLOCK = "\x1e"

# Phrases that address an AI or try to steer it. Tight on purpose: marketing copy ("AI agents, set up in
# minutes", "cost visibility across public cloud") must not match; a miss only drops a candidate value.
_INSTRUCTION_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|"
        r"all|any|your|system|existing|other)\b[^.!?\n]{0,20}?\b(?:instructions?|prompts?|directions|rules|"
        r"guidelines|directives)\b",
        r"\byou\s+are\s+(?:now\s+)?an?\s+(?:ai|artificial\s+intelligence|language\s+model|llm|assistant|chatbot)\b",
        r"\bas\s+an?\s+(?:ai|artificial\s+intelligence)\s+(?:assistant|agent|model|system|chatbot)\b",
        r"\bas\s+an?\s+(?:large\s+)?language\s+model\b",
        r"\b(?:ai|llm|gpt|claude|copilot|chatbot)s?(?:\s+(?:agents?|assistants?|models?|systems?|tools?|readers?|"
        r"crawlers?))?\s*[:,]\s*(?:please\s+)?(?:ignore|disregard|forget|approve|do\s+not|don't|you\s+must|"
        r"you\s+should|you\s+are)\b",
        r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|assistant|agent|model|llm|"
        r"chatbot|bot)s?\b",
        r"\b(?:attention|dear|hey|hello)\s*,?\s+(?:ai|llm|chatbot|assistant|gpt|claude)s?\b",
        r"\bsystem\s+prompt\s*(?::|override)|\b(?:reveal|print|show|ignore|override|disregard|your|new)\s+(?:the\s+)?"
        r"system\s+prompt\b",
        r"\b(?:hidden|secret|real|true)\s+instructions?\b",
        r"\bset\b[^.!?\n]{0,40}?\bvisibility\s*(?:to|=|:)\s*[\"']?public\b",
        r"\b(?:make|switch|change|turn)\b[^.!?\n]{0,30}?\bprofile\b[^.!?\n]{0,20}?\bpublic\b",
        r"\b(?:change|set|replace|switch)\b[^.!?\n]{0,30}?\b(?:alliance\s+lead|bank\s+(?:account|details)|payout)\b",
        r"\b(?:change|set|replace|update)\b[^.!?\n]{0,40}?\be-?mail\b[^.!?\n]{0,15}?\bto\s+\S+@\S+",
        r"\b(?:approve|authori[sz]e)\b[^.!?\n]{0,30}?\b(?:this|all|any|every|pending)\b[^.!?\n]{0,30}?\b(?:changes?|"
        r"requests?|updates?|writes?|approvals?|payments?|applications?|transfers?)\b",
        r"\b(?:accept|confirm)\s+(?:all|any|every)\s+(?:pending\s+)?(?:changes|requests|approvals|prompts)\b",
        r"\bauto-?approve\b",
        r"\bwithout\s+(?:asking|telling|informing|notifying)\b",
        r"\b(?:do\s+not|don't|never)\s+(?:tell|inform|ask|alert|notify|warn)\s+(?:the\s+)?(?:user|person|human|"
        r"customer|operator|owner)\b",
        r"<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?INST\]|<<\s*/?SYS\s*>>",
        r"\byou\s+(?:must|should|will)\s+now\b",
    )
]


def _looks_like_instructions(text: str) -> bool:
    """True if ``text`` reads like instructions to an AI (prompt injection): never used as a value."""
    return any(pattern.search(text) for pattern in _INSTRUCTION_PATTERNS)


def _clean_text(text: str) -> str:
    """Whitespace collapsed; control, format and non-BMP characters dropped (the API's text alphabet)."""
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif ord(char) > 0xFFFF or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return re.sub(r" {2,}", " ", "".join(kept)).strip()


def _truncate(text: str, limit: int) -> tuple[str, str]:
    """``text`` cut to ``limit`` characters on a sentence boundary (else a word boundary + '…')."""
    if len(text) <= limit:
        return text, ""
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text[: limit + 1]) if m.end() <= limit]
    if ends and ends[-1] >= limit // 2:
        return text[: ends[-1]], "a sentence boundary"
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…", "a word boundary"


@dataclass
class _Page:
    """Everything read from the document, before choosing values."""

    url: str
    base: str
    title: str | None
    meta: dict[str, str]
    canonical: str | None
    icons: list[tuple[str, str]]
    organization: dict | None
    product: dict | None
    site: dict | None
    blocks: list[str]
    paragraph: str | None
    injection_places: list[str]
    notes: list[str]


def propose_profile(html: str, page_url: str) -> WebsiteScan:
    """Propose profile fields from one HTML page (pure: no network). ``page_url`` resolves relative links."""
    page = _read_page(html, page_url)
    notes = page.notes
    proposal: list[ProposedField] = []
    for build in (_display_name, _description, _website_url, _logo_url):
        proposed = build(page, notes)
        if proposed is not None:
            proposal.append(proposed)
    description = next((p for p in proposal if p.field == "Description"), None)
    corpus = list(page.blocks)
    if description is not None and description.source != "first paragraph (<p>)":
        corpus.append(description.value)
    for build_keywords in (_solution_type, _industry_segments):
        proposed = build_keywords(corpus, notes)
        if proposed is not None:
            proposal.append(proposed)
    headquarters = _headquarters(page, notes)
    if headquarters is not None:
        proposal.append(headquarters)
    if page.injection_places:
        places = ", ".join(page.injection_places)
        notes.append(
            f"The page contains text that looks like instructions to an AI (in: {places}); it was "
            "treated as data and ignored: no proposed value uses it, and it changes nothing else."
        )
    return WebsiteScan(requested_url=page_url, final_url=page_url, title=page.title, proposal=proposal, notes=notes)


def _read_page(html: str, page_url: str) -> _Page:
    soup = BeautifulSoup(html, "lxml")
    notes: list[str] = []
    injection_places: list[str] = []

    def flag(place: str, text: str) -> bool:
        if _looks_like_instructions(text):
            if place not in injection_places:
                injection_places.append(place)
            return True
        return False

    base_tag = soup.find("base", href=True)
    base_url = _absolute(str(base_tag["href"]), page_url) if isinstance(base_tag, Tag) else None
    base = str(base_url) if base_url is not None else page_url

    title = None
    title_tag = soup.find("title")
    if isinstance(title_tag, Tag):
        text = _clean_text(title_tag.get_text(" "))[:200]
        if flag("<title>", text):
            text = ""
        title = text or None

    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = str(tag.get("property") or tag.get("name") or "").strip().lower()
        content = tag.get("content")
        if key and isinstance(content, str):
            flag("meta tags", content)
            meta.setdefault(key, content)

    canonical = None
    icons: list[tuple[str, str]] = []
    for link in soup.find_all("link", href=True):
        rels = [r.lower() for r in (link.get("rel") or [])]
        href = str(link["href"]).strip()
        if "canonical" in rels and canonical is None:
            canonical = href
        if "apple-touch-icon" in rels or "apple-touch-icon-precomposed" in rels:
            icons.append(("<link rel=apple-touch-icon>", href))
        elif "icon" in rels:
            icons.append(("<link rel=icon>", href))
    icons.sort(key=lambda icon: 0 if "apple" in icon[0] else 1)  # stable: apple-touch-icons first

    nodes = _jsonld_nodes(soup, notes, flag)
    organization = _first_node(nodes, _ORGANIZATION_TYPES)
    product = _first_node(nodes, _PRODUCT_TYPES)
    site = _first_node(nodes, _SITE_TYPES)

    for tag in soup.find_all(True):
        for attribute in ("alt", "title", "aria-label", "placeholder"):
            value = tag.get(attribute)
            if isinstance(value, str):
                flag("element attributes", value)

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        flag("HTML comment", str(comment))
        comment.extract()
    for tag in list(soup.find_all(True)):
        if tag.decomposed or not isinstance(tag, Tag):
            continue
        if tag.name in _INVISIBLE_TAGS:
            if tag.name in _SCANNED_INVISIBLE_TAGS:
                flag("hidden element", tag.get_text(" "))
            tag.decompose()
        elif _is_hidden(tag):
            flag("hidden element", tag.get_text(" "))
            tag.decompose()

    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(_BLOCK)
        tag.insert_after(_BLOCK)
    root = soup.body or soup
    blocks: list[str] = []
    for piece in root.get_text("").split(_BLOCK):
        text = _clean_text(piece)
        if text and not flag("visible text", text):
            blocks.append(text)

    paragraph = None
    container = soup.find("main") or soup.find("article") or root
    for p in container.find_all("p") if isinstance(container, Tag) else []:
        if p.find_parent(("nav", "header", "footer", "aside", "form")):
            continue
        text = _clean_text(p.get_text(""))
        if len(text) >= 60 and len(text.split()) >= 8 and not _looks_like_instructions(text):
            paragraph = text
            break

    return _Page(
        url=page_url,
        base=base,
        title=title,
        meta=meta,
        canonical=canonical,
        icons=icons,
        organization=organization,
        product=product,
        site=site,
        blocks=blocks,
        paragraph=paragraph,
        injection_places=injection_places,
        notes=notes,
    )


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    if str(tag.get("aria-hidden", "")).strip().lower() == "true":
        return True
    if tag.name == "input" and str(tag.get("type", "")).lower() == "hidden":
        return True
    style = tag.get("style")
    if isinstance(style, str) and _HIDDEN_STYLE.search(style):
        return True
    classes = tag.get("class") or []
    return any(str(c).lower() in _HIDDEN_CLASSES for c in classes)


def _jsonld_nodes(soup: BeautifulSoup, notes: list[str], flag: Any) -> list[dict]:
    """Every typed JSON-LD node on the page, in document order (top level, @graph, nested values)."""
    nodes: list[dict] = []
    broken = 0
    for script in soup.find_all("script"):
        if str(script.get("type", "")).split(";")[0].strip().lower() != "application/ld+json":
            continue
        text = script.string or script.get_text()
        text = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", text.strip())
        try:
            data = json.loads(text)
        except ValueError:
            broken += 1
            continue
        _collect_nodes(data, nodes, flag, depth=0)
    if broken:
        notes.append(
            f"{broken} JSON-LD block(s) on the page are not valid JSON and were ignored; other sources were used."
        )
    return nodes


def _collect_nodes(data: Any, nodes: list[dict], flag: Any, depth: int) -> None:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            _collect_nodes(item, nodes, flag, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            nodes.append(data)
        for key, value in data.items():
            if isinstance(value, str):
                flag("JSON-LD", value)
            elif key != "sameAs":
                _collect_nodes(value, nodes, flag, depth + 1)


def _types(node: dict) -> list[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if isinstance(v, str)]


def _first_node(nodes: list[dict], wanted: frozenset[str]) -> dict | None:
    return next((node for node in nodes if any(kind in wanted for kind in _types(node))), None)


def _text_value(value: Any) -> str | None:
    """A JSON-LD text value: a string, {"@value": ...}, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("@value") if "@value" in value else value.get("name")
    return value if isinstance(value, str) else None


def _url_value(value: Any) -> str | None:
    """A JSON-LD URL value: a string, an ImageObject (url/contentUrl/@id), or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() if isinstance(value, str) else None


def _jsonld_label(node: dict, prop: str) -> str:
    """'JSON-LD Organization.name': the node's own @type, as the page wrote it."""
    raw = node.get("@type")
    kind = raw if isinstance(raw, str) else next((t for t in raw or [] if isinstance(t, str)), "node")
    return f"JSON-LD {kind.rsplit('/', 1)[-1]}.{prop}"


# ----------------------------------------------------------------------------------------- the fields


def _display_name(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    for node in (page.organization, page.site):
        if node is not None:
            candidates.append((_jsonld_label(node, "name"), _text_value(node.get("name")), "high"))
    candidates.append(("og:site_name", page.meta.get("og:site_name"), "high"))
    title_sources = [("<title>", page.title), ("og:title", page.meta.get("og:title"))]
    for source, raw in title_sources:
        if raw:
            cleaned, confidence = _clean_title(raw, page.url)
            candidates.append((f"{source} (cleaned)" if cleaned != _clean_text(raw) else source, cleaned, confidence))
    for source, raw, confidence in candidates:
        if not raw:
            continue
        text = _clean_text(raw)
        if not text or _looks_like_instructions(text):
            continue
        if len(text) > 80:
            notes.append(f"DisplayName: the {source} is {len(text)} characters, over the 80 allowed; not used.")
            continue
        return ProposedField(field="DisplayName", value=text, source=source, confidence=confidence)
    notes.append(
        "DisplayName: no company name found (no JSON-LD Organization name, og:site_name or usable "
        "<title>); enter it yourself."
    )
    return None


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•»:]{1,2}\s+|\s*[|·•»]\s*")
_GENERIC_TITLE_PARTS = frozenset(
    {
        "home",
        "homepage",
        "home page",
        "welcome",
        "official site",
        "official website",
        "main page",
        "start",
        "index",
        "start page",
        "landing page",
    }
)


def _clean_title(title: str, page_url: str) -> tuple[str, Confidence]:
    """A company name from a page title: 'Acme | Home' -> 'Acme', 'Welcome to Acme' -> 'Acme'."""
    parts = [_clean_text(part) for part in _TITLE_SEPARATORS.split(_clean_text(title))]
    parts = [re.sub(r"^(?:welcome\s+to|home\s+of)\s+", "", p, flags=re.IGNORECASE) for p in parts if p]
    meaningful = [p for p in parts if p and p.lower() not in _GENERIC_TITLE_PARTS]
    if not meaningful:
        return "", "low"
    if len(meaningful) == 1:
        return meaningful[0], "medium"
    host = normalise_host(httpx.URL(page_url).host) if page_url else ""
    host_key = re.sub(r"[^a-z0-9]", "", host.removeprefix("www.").split(".")[0])
    for part in meaningful:
        key = re.sub(r"[^a-z0-9]", "", part.lower())
        if key and host_key and (key in host_key or host_key in key):
            return part, "medium"
    return meaningful[0], "low"


def _description(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    for node in (page.organization, page.product):
        if node is not None:
            candidates.append((_jsonld_label(node, "description"), _text_value(node.get("description")), "high"))
    candidates += [
        ("og:description", page.meta.get("og:description"), "high"),
        ("<meta name=description>", page.meta.get("description"), "high"),
        ("first paragraph (<p>)", page.paragraph, "low"),
    ]
    for source, raw, confidence in candidates:
        if not raw:
            continue
        text = _clean_text(raw)
        if len(text) < 10 or _looks_like_instructions(text):
            continue
        value, boundary = _truncate(text, 600)
        if boundary:
            notes.append(
                f"Description: the {source} is {len(text)} characters; truncated to {len(value)} "
                f"on {boundary} (Partner Central allows 600). Review the ending."
            )
            confidence = "medium" if confidence == "high" else "low"
        return ProposedField(field="Description", value=value, source=source, confidence=confidence)
    notes.append(
        "Description: no description found (no JSON-LD description, og:description, meta description "
        "or substantial paragraph); write one yourself (up to 600 characters)."
    )
    return None


def _absolute(href: str | None, base: str) -> httpx.URL | None:
    if not href or href.lower().startswith(("data:", "javascript:")):
        return None
    try:
        url = httpx.URL(base).join(href.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo:
        return None
    return url.copy_with(fragment=None)


def _same_site(a: httpx.URL, b: httpx.URL) -> bool:
    def key(url: httpx.URL) -> str:
        return normalise_host(url.host).removeprefix("www.")

    return key(a) == key(b)


def _https_value(url: httpx.URL, field: str) -> str | None:
    text = str(url)
    if url.scheme != "https" or len(text) > 256:
        return None
    try:
        _ADAPTERS[field].validate_python(text)
    except ValueError:
        return None
    return text


def _website_url(page: _Page, notes: list[str]) -> ProposedField | None:
    node_url = _url_value(page.organization.get("url")) if page.organization else None
    candidates = [
        ("<link rel=canonical>", page.canonical),
        ("og:url", page.meta.get("og:url")),
        (_jsonld_label(page.organization, "url") if page.organization else "JSON-LD url", node_url),
        ("the scanned page's address", page.url),
    ]
    final = httpx.URL(page.url) if page.url else None
    for source, raw in candidates:
        url = _absolute(raw, page.base)
        value = _https_value(url, "WebsiteUrl") if url is not None else None
        if value is None or url is None:
            continue
        confidence: Confidence = "high"
        if final is not None and not _same_site(url, final):
            confidence = "medium"
            notes.append(
                f"WebsiteUrl: the page names {value} ({source}), a different host from the scanned "
                f"address {shown_url(final)}; check which one is the company's website."
            )
        return ProposedField(field="WebsiteUrl", value=value, source=source, confidence=confidence)
    notes.append(
        "WebsiteUrl: not proposed: Partner Central needs an https website URL and this site was "
        "read over http with no https address on the page. If https://… works for the site, "
        "enter it yourself."
    )
    return None


def _logo_url(page: _Page, notes: list[str]) -> ProposedField | None:
    candidates: list[tuple[str, str | None, Confidence]] = []
    if page.organization is not None:
        candidates.append((_jsonld_label(page.organization, "logo"), _url_value(page.organization.get("logo")), "high"))
    candidates += [
        ("og:image", page.meta.get("og:image"), "medium"),
        ("og:image:secure_url", page.meta.get("og:image:secure_url"), "medium"),
    ]
    candidates += [(source, href, "low") for source, href in page.icons]
    insecure = []
    for source, raw, confidence in candidates:
        url = _absolute(raw, page.base)
        if url is None:
            continue
        value = _https_value(url, "LogoUrl")
        if value is None:
            insecure.append(source)
            continue
        if confidence == "low":
            notes.append(
                f"LogoUrl: only a site icon was found ({source}); Partner Central shows a logo, so "
                "a larger image may be better."
            )
        return ProposedField(field="LogoUrl", value=value, source=source, confidence=confidence)
    if insecure:
        notes.append(
            f"LogoUrl: not proposed: the logo candidates ({', '.join(insecure)}) are not https URLs, "
            "and Partner Central needs an https logo URL."
        )
    else:
        notes.append(
            "LogoUrl: no logo found (no JSON-LD logo, og:image or icon); give an https URL of your logo yourself."
        )
    return None


# Keyword tables: (regular expression, value), matched case-insensitively on whole words. Order breaks ties.
_SOLUTION_KEYWORDS: list[tuple[str, str]] = [
    (r"managed[\s-]+service[\s-]+providers?|managed[\s-]+(?:cloud[\s-]+)?services?|msps?", "MANAGED_SERVICES"),
    (r"24\s*[x×/]\s*7|managed[\s-]+(?:operations|infrastructure|security)", "MANAGED_SERVICES"),
    (r"consulting|consultancy|consultants?|advisory|advisors?", "CONSULTING_SERVICES"),
    (
        r"professional[\s-]+services?|implementations?|systems?[\s-]+integrat(?:or|ors|ion)|migration[\s-]+services?",
        "PROFESSIONAL_SERVICES",
    ),
    (r"saas|software[\s-]+as[\s-]+a[\s-]+service|software|platforms?", "SOFTWARE_PRODUCTS"),
    (r"training|bootcamps?|courses?|workshops?", "TRAINING_SERVICES"),
    (r"hardware|devices|appliances?|sensors", "HARDWARE_PRODUCTS"),
    (r"resell(?:s|ing|er|ers)?|resale|(?:aws|consolidated)[\s-]+billing", "VALUE_ADDED_RESALE_AWS_SERVICES"),
    (r"unified[\s-]+communications|voip|sip[\s-]+trunking|connectivity[\s-]+services?", "COMMUNICATION_SERVICES"),
]

_INDUSTRY_KEYWORDS: list[tuple[str, str]] = [
    (r"health[\s-]?care|hospitals?|clinics?|patients?|clinical", "HEALTHCARE"),
    (r"life[\s-]+sciences?|pharmaceuticals?|pharma|genomics|biotech(?:nology)?", "LIFE_SCIENCES"),
    (
        r"financial[\s-]+services?|fintech|capital[\s-]+markets|wealth[\s-]+management|bank(?:s|ing)|"
        r"credit[\s-]+unions?|insurance|insurers?",
        "FINANCIAL_SERVICES",
    ),
    (r"retail(?:ers?)?|e-?commerce", "RETAIL"),
    (r"manufactur(?:ing|ers?)|factor(?:y|ies)|industrial", "MANUFACTURING"),
    (r"education|universit(?:y|ies)|schools?|edtech|k-12|colleges?", "EDUCATION"),
    (r"government|public[\s-]+sector|federal|municipal(?:ities)?", "GOVERNMENT"),
    (r"media[\s-]+(?:and|&)[\s-]+entertainment|broadcast(?:ers|ing)?|publishers?|entertainment", "MEDIA_ENTERTAINMENT"),
    (r"logistics|supply[\s-]+chains?|freight|shipping|transportation", "TRANSPORTATION_LOGISTICS"),
    (r"energy|utilit(?:y|ies)|oil[\s-]+(?:and|&)[\s-]+gas|renewables?", "ENERGY_UTILITIES"),
    (r"telecom(?:munications?)?|telcos?|mobile[\s-]+operators?", "TELECOMMUNICATIONS"),
    (r"gaming|game[\s-]+(?:studios?|developers?)|video[\s-]+games?", "GAMING"),
    (r"travel|hospitality|hotels?|airlines?", "TRAVEL_HOSPITALITY"),
    (r"agricultur(?:e|al)|farming|mining", "AGRICULTURE_MINING"),
    (r"real[\s-]+estate|construction|property[\s-]+management", "REAL_ESTATE_CONSTRUCTION"),
    (r"non-?profits?|charit(?:y|ies)|ngos?", "NON_PROFIT_ORGANIZATION"),
]


def _count_keywords(corpus: list[str], table: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """value -> {matched keyword (lower case): count}; each stretch of text counts once, longest match first."""
    compiled = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.IGNORECASE), value) for pattern, value in table]
    counts: dict[str, dict[str, int]] = {}
    for text in corpus:
        matches = []
        for order, (regex, value) in enumerate(compiled):
            for m in regex.finditer(text):
                matches.append((m.start(), -(m.end() - m.start()), order, m.end(), value))
        matches.sort()
        taken_until = -1
        for start, _, _, end, value in matches:
            if start < taken_until:
                continue
            taken_until = end
            keyword = re.sub(r"\s+", " ", text[start:end].lower())
            per_value = counts.setdefault(value, {})
            per_value[keyword] = per_value.get(keyword, 0) + 1
    return counts


def _ranked(counts: dict[str, dict[str, int]], table: list[tuple[str, str]]) -> list[tuple[str, int]]:
    order = {value: i for i, (_, value) in reversed(list(enumerate(table)))}
    totals = [(value, sum(keywords.values())) for value, keywords in counts.items()]
    return sorted(totals, key=lambda item: (-item[1], order[item[0]]))


def _keyword_list(keywords: dict[str, int]) -> str:
    ranked = sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"'{label}' ×{count}" for label, count in ranked)


def _solution_type(corpus: list[str], notes: list[str]) -> ProposedField | None:
    counts = _count_keywords(corpus, _SOLUTION_KEYWORDS)
    ranked = _ranked(counts, _SOLUTION_KEYWORDS)
    if not ranked:
        notes.append(
            "PrimarySolutionType: no keywords in the page text pointed to a solution type; choose it yourself."
        )
        return None
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    confidence: Confidence = "medium" if score >= 3 and score >= 2 * runner_up else "low"
    if len(ranked) > 1:
        others = "; ".join(f"{value} ({_keyword_list(counts[value])})" for value, _ in ranked[1:3])
        notes.append(
            f"PrimarySolutionType: the page also matched {others}; choose the type that describes "
            "most of your business."
        )
    return ProposedField(
        field="PrimarySolutionType",
        value=best,
        source=f"keywords in page text: {_keyword_list(counts[best])}",
        confidence=confidence,
    )


def _industry_segments(corpus: list[str], notes: list[str]) -> ProposedField | None:
    counts = _count_keywords(corpus, _INDUSTRY_KEYWORDS)
    ranked = _ranked(counts, _INDUSTRY_KEYWORDS)
    if not ranked:
        notes.append("IndustrySegments: no industry keywords in the page text; choose up to 3 yourself.")
        return None
    chosen = ranked[:3]
    if len(ranked) > 3:
        notes.append(
            "IndustrySegments: the page also mentions "
            f"{', '.join(value for value, _ in ranked[3:])}; Partner Central allows at most 3."
        )
    confidence: Confidence = "medium" if min(score for _, score in chosen) >= 2 else "low"
    source = "keywords in page text: " + "; ".join(f"{_keyword_list(counts[value])} ({value})" for value, _ in chosen)
    return ProposedField(
        field="IndustrySegments", value=[value for value, _ in chosen], source=source, confidence=confidence
    )


# ----------------------------------------------------------------------------------------- headquarters


def _address(node: dict) -> dict | None:
    for candidate in (
        node.get("address"),
        (node.get("location") or {}).get("address") if isinstance(node.get("location"), dict) else None,
    ):
        if isinstance(candidate, list):
            candidate = next((c for c in candidate if isinstance(c, dict)), None)
        if isinstance(candidate, dict):
            return candidate
    return None


def _headquarters(page: _Page, notes: list[str]) -> ProposedField | None:
    address = _address(page.organization) if page.organization else None
    if address is None:
        notes.append(
            "Headquarters: no structured address (JSON-LD Organization address) on the page; enter the "
            "country and state or region yourself."
        )
        return None
    country = country_code(_clean_text(_text_value(address.get("addressCountry")) or ""))
    if country is None:
        notes.append(
            "Headquarters: the JSON-LD address has no recognisable country (ISO 3166 code or name); enter it yourself."
        )
        return None
    region = subdivision_code(country, _clean_text(_text_value(address.get("addressRegion")) or ""))
    if region is None:
        notes.append(
            f"Headquarters: the JSON-LD address gives the country {country} but no recognisable region "
            "(ISO 3166-2 subdivision); enter it yourself."
        )
        return None
    label = _jsonld_label(page.organization, "address")
    return ProposedField(
        field="Headquarters",
        value={"CountryCode": country, "SubdivisionCode": region},
        source=f"{label} (addressCountry, addressRegion)",
        confidence="high",
    )
