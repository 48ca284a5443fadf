"""Files the person attaches to a fund request: taken from the client, or from a folder the operator names, kept
per partner by their SHA-256, and checked as AWS's scan does.

A file comes from the person, never from the server's disk at large: as content the client sends (base64, e.g. an
MCP embedded resource's blob), or as a path inside ``PARTNER_AGENT_ATTACHMENTS_DIR`` (for stdio users who keep their
documents there; never over HTTP, where the server's folder is not the person's). The limits are the hosted Partner Central agent's: at most 3 files at once, 4.5 MB each, doc, docx,
pdf, png, jpeg, xlsx, csv or txt. Each file is copied into DATA_DIR/attachments/<partner>/<sha256>/, so what the
person approves is what is uploaded, and one partner never reaches another's files.

Attachment statuses (the guide): PendingUpload -> Scanning -> ScannedClean, or Quarantined when the file
fails the security settings, usually a spreadsheet with formulas (remove them, or attach a PDF instead).
Scanning does not block submitting the request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from agent.errors import AgentError

MAX_BYTES = 4_718_592  # 4.5 MB
MAX_FILES = 3
_MAX_BASE64 = (MAX_BYTES + 2) // 3 * 4
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


class AttachmentInput(BaseModel):
    """A file: content_base64 from the client, or a path in the operator's attachments folder."""

    name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=255,
            pattern=r"^[^/\\\x00-\x1f]+$",
            description="The file's name, with its extension (brief.pdf).",
        ),
    ]
    content_base64: (
        Annotated[str, Field(max_length=2 * _MAX_BASE64, description="The bytes, base64; 4.5 MB at most once decoded.")]
        | None
    ) = None
    path: Annotated[str, Field(max_length=1024, description="Or its path in the attachments folder.")] | None = None
    business_use: Annotated[str, Field(min_length=1, max_length=255)] = "Supporting document"

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentInput:
        if (self.content_base64 is None) == (self.path is None):
            raise ValueError("give the file either as content_base64 or as a path in the attachments folder")
        if self.content_base64 is not None and len(self.content_base64.rstrip("=")) > _MAX_BASE64:
            raise ValueError(f"{self.name} is larger than 4.5 MB")
        return self


class StagedFile(BaseModel):
    """A file kept for one partner, by its SHA-256, ready to be attached."""

    name: str
    sha256: str
    size: int
    path: str
    business_use: str


def stage(store: Path, partner_id: str, item: AttachmentInput, folder: Path | None) -> StagedFile:
    """Keep ``item`` for ``partner_id`` under ``store``; raises AttachmentError (saying nothing of other paths)."""
    if item.content_base64 is not None:
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise AttachmentError(f"{item.name}: content_base64 is not valid base64.") from None
    else:
        data = _from_folder(folder, item)
    if len(data) > MAX_BYTES:
        raise AttachmentError(f"{item.name} is larger than 4.5 MB.")
    digest = hashlib.sha256(data).hexdigest()
    target = store / partner_id / digest / item.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, staged = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(staged, target)
    check_file(target)
    return StagedFile(name=item.name, sha256=digest, size=len(data), path=str(target), business_use=item.business_use)


def _from_folder(folder: Path | None, item: AttachmentInput) -> bytes:
    refusal = (
        "Files can be attached from the client (content_base64), or by a path relative to the attachments "
        "folder the operator set (PARTNER_AGENT_ATTACHMENTS_DIR)"
    )
    if folder is None:
        raise AttachmentError(refusal + "; none is open to this connection.")
    root = folder.resolve()
    candidate = (root / item.path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise AttachmentError(f"{item.name}: no such file in the attachments folder. {refusal}.")
    return candidate.read_bytes()


class AttachmentError(AgentError, ValueError):
    """A file that cannot be attached at all (missing, too large, unsupported type)."""


class ScanResult(BaseModel):
    file_type: str
    status: str  # ScannedClean | Quarantined
    reason: str | None = None


def check_file(path: Path) -> ScanResult:
    """The scan verdict for ``path``; raises AttachmentError for files that cannot be attached."""
    if not path.is_file():
        raise AttachmentError(f"{path.name[:80]!r} is not a file this server can read; give the full path of the file.")
    file_type = FILE_TYPES.get(path.suffix.lower())
    if file_type is None:
        raise AttachmentError(
            f"{path.name}: {path.suffix or 'no extension'} files cannot be attached; "
            f"allowed: {', '.join(sorted(FILE_TYPES))}."
        )
    if path.stat().st_size > MAX_BYTES:
        raise AttachmentError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB.")
    if path.suffix.lower() == ".xlsx":
        formulas = _formula_cells(path)
        if formulas:
            return ScanResult(
                file_type=file_type,
                status="Quarantined",
                reason=f"the spreadsheet contains formulas ({', '.join(formulas[:3])}); remove them "
                "(paste values) or attach it as a PDF",
            )
    return ScanResult(file_type=file_type, status="ScannedClean")


def _formula_cells(path: Path) -> list[str]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only to read a spreadsheet

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise AttachmentError(f"{path.name} is not a readable .xlsx workbook.") from None
    found = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}")
    workbook.close()
    return found
