"""What an uploaded file really is, judged from its content, never from its name.

Written here rather than taken from a library: the allow-list is six formats, each with a
fixed signature (or, for DOCX/XLSX, a ZIP with a known part), and python-magic would add a
system libmagic dependency for no gain in precision.
"""

from __future__ import annotations

import zipfile
from typing import IO

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, plain text, CSV, Word (DOCX) or Excel (XLSX)"


def _ooxml_kind(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
    return True


def detect_content_type(stream: IO[bytes], filename: str) -> str | None:
    """The allowed content type of this file, or None when it is not on the allow-list."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(stream)
        stream.seek(0)
        return kind
    if head and _looks_like_text(head):
        return CSV if filename.lower().endswith(".csv") else TEXT
    return None


EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    TEXT: ".txt",
    CSV: ".csv",
    DOCX: ".docx",
    XLSX: ".xlsx",
}
