"""Reading guidance documents and cutting them into sections that stand on their own.

Markdown is split at its H1-H3 headings; each chunk keeps its heading path ("Doc title > Section >
Subsection") so it can be cited. Plain text, HTML (parsed with BeautifulSoup) and PDF (pypdf, one
section per page) are turned into the same chunks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
MAX_CHUNK_CHARS = 1500
"""About the model's 256-token window: a longer section is split so that all of it is embedded."""


DEVELOPER_NOTES = ("readme.md",)
"""File names of developer notes in the bundled library (how a folder's data was compiled, with repository paths):
never indexed, searched or offered as guidance."""


def guidance_files(library: Path) -> list[Path]:
    """The bundled library's partner guidance: its markdown files, developer notes left out."""
    return sorted(p for p in library.rglob("*.md") if p.name.lower() not in DEVELOPER_NOTES)


class DocumentError(ValueError):
    """A file that cannot be read as guidance: unsupported type, unreadable, or empty."""


@dataclass(frozen=True)
class Chunk:
    """One citable section of a document."""

    doc: str
    """Document key: its path relative to its library (e.g. ``guide/fund-request-changes.md``)."""
    title: str
    section_path: tuple[str, ...]
    text: str
    topic: str
    source: str
    """Where it comes from, for the citation: our guide section, or the user's file name."""
    ordinal: int = 0

    @property
    def content_hash(self) -> str:
        payload = "\x1f".join([self.doc, self.title, *self.section_path, self.topic, self.source, self.text])
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def chunk_id(self) -> str:
        """Content-addressed: a section keeps its id (and its embedding) until its text changes."""
        return f"{self.doc}#{self.content_hash[:16]}"

    def embedding_text(self) -> str:
        """What is embedded and BM25-indexed: the heading path gives a section its context."""
        return " > ".join(self.section_path) + "\n" + self.text


@dataclass
class Document:
    doc: str
    title: str
    topic: str
    source: str
    body: str = field(repr=False)
    path: Path | None = None


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        if key.strip():
            meta[key.strip()] = value.strip().strip("'\"")
    return meta, text[match.end() :]


def read_document(path: Path, doc: str, default_topic: str = "user") -> Document:
    """Read one file into a Document; raises DocumentError with what is wrong and what to do."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    try:
        if suffix == ".pdf":
            body, title = _read_pdf(path)
            meta: dict[str, str] = {}
        else:
            raw = path.read_bytes().decode("utf-8")
            if suffix in (".html", ".htm"):
                body, title = _read_html(raw)
                meta = {}
            else:
                meta, body = _front_matter(raw)
                title = meta.get("title") or _first_heading(body) or path.stem.replace("-", " ").replace("_", " ")
    except UnicodeDecodeError:
        raise DocumentError(f"{path.name}: not UTF-8 text; save it as UTF-8 and add it again.") from None
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    if not body.strip():
        raise DocumentError(f"{path.name}: no text found (a scanned PDF needs OCR first).")
    source = meta.get("guide_section") and f"AWS Partner Central getting-started guide: {meta['guide_section']}"
    return Document(
        doc=doc, title=title, topic=meta.get("topic", default_topic), source=source or path.name, body=body, path=path
    )


def _first_heading(body: str) -> str | None:
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            return match.group(2)
    return None


def _read_html(raw: str) -> tuple[str, str]:
    """HTML to markdown-ish text: headings become #-headings, scripts and navigation are dropped."""
    from bs4 import BeautifulSoup  # noqa: PLC0415 - each parser loads for its kind of file

    soup = BeautifulSoup(raw, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "template", "svg"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    lines = []
    for element in (soup.body or soup).find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "td", "th", "dd", "dt"]):
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        level = {"h1": "#", "h2": "##", "h3": "###"}.get(element.name)
        lines.append(f"{level} {text}" if level else ("- " + text if element.name == "li" else text))
    return "\n\n".join(lines), title or _first_heading("\n".join(lines)) or ""


def _read_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader  # noqa: PLC0415 - each parser loads for its kind of file
    from pypdf.errors import PdfReadError  # noqa: PLC0415 - each parser loads for its kind of file

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except (PdfReadError, ValueError, KeyError) as exc:
        raise DocumentError(f"{path.name}: not a readable PDF ({exc}).") from None
    body = "\n\n".join(f"## Page {n}\n\n{text.strip()}" for n, text in enumerate(pages, 1) if text.strip())
    return body, title


def chunk_document(document: Document) -> list[Chunk]:
    """Split at headings; long sections are split further at paragraph breaks."""
    chunks: list[Chunk] = []
    path: list[str] = [document.title]
    levels: list[int] = [1]
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip()
        lines.clear()
        if not text:
            return
        for piece in _split_long(text):
            chunks.append(
                Chunk(
                    doc=document.doc,
                    title=document.title,
                    section_path=tuple(path),
                    text=piece,
                    topic=document.topic,
                    source=document.source,
                    ordinal=len(chunks),
                )
            )

    for line in document.body.splitlines():
        match = _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        if level == 1:
            path, levels = [heading], [1]
            continue
        while levels and levels[-1] >= level:
            levels.pop()
            path.pop()
        if not path:
            path, levels = [document.title], [1]
        path.append(heading)
        levels.append(level)
    flush()
    return chunks


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHUNK_CHARS:
        return [text]
    pieces, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + len(paragraph) > MAX_CHUNK_CHARS:
            pieces.append(current.strip())
            current = ""
        current += paragraph + "\n\n"
    if current.strip():
        pieces.append(current.strip())
    return pieces
