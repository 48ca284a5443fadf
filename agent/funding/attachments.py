"""Checking a file before it is attached to a fund request, as AWS's scan does.

Attachment statuses (the guide): PendingUpload -> Scanning -> ScannedClean, or Quarantined when the file
fails the security settings, usually a spreadsheet with formulas (remove them, or attach a PDF instead).
Scanning does not block submitting the request.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pydantic import BaseModel

MAX_BYTES = 25 * 1024 * 1024
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
}


class AttachmentError(ValueError):
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
        raise AttachmentError(f"{path.name}: {path.suffix or 'no extension'} files cannot be attached; "
                              f"allowed: {', '.join(sorted(FILE_TYPES))}.")
    if path.stat().st_size > MAX_BYTES:
        raise AttachmentError(f"{path.name} is larger than {MAX_BYTES // 2**20} MB.")
    if path.suffix.lower() == ".xlsx":
        formulas = _formula_cells(path)
        if formulas:
            return ScanResult(file_type=file_type, status="Quarantined",
                              reason=f"the spreadsheet contains formulas ({', '.join(formulas[:3])}); remove them "
                                     "(paste values) or attach it as a PDF")
    return ScanResult(file_type=file_type, status="ScannedClean")


def _formula_cells(path: Path) -> list[str]:
    from openpyxl import load_workbook

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
