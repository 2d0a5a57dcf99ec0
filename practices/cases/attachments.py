"""What an uploaded file really is, judged from its content, never from its name.

Two steps. ``detect_content_type`` recognises the allowed kind from the first bytes (written
here: six formats with fixed signatures; python-magic would add a system libmagic dependency
for no gain in precision). ``content_problem`` then checks that the whole file *is* that kind,
not only its first bytes: a PDF opens with pypdf and ends at its ``%%EOF``, images open with
Pillow and nothing follows their end marker, text is UTF-8 throughout, DOCX/XLSX are OOXML
packages whose declared and real expanded size stay within limits. This refuses zip bombs
and polyglots (a PDF that is also an HTML page, a JPEG with a ZIP appended) that a download
would otherwise hand to whoever opens them.
"""

from __future__ import annotations

import codecs
import os
import struct
import warnings
import zipfile
import zlib
from typing import IO

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from PIL import Image
from pypdf import PdfReader

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, plain text, CSV, Word (DOCX) or Excel (XLSX)"

# Real reports stay far below these; a zip bomb or a decompression bomb does not.
ARCHIVE_MAX_ENTRIES = 2_000
ARCHIVE_MAX_EXPANDED_BYTES = 100 * 1024 * 1024
IMAGE_MAX_PIXELS = 60_000_000  # a 60-megapixel photo
FILENAME_MAX = 150

_OOXML_MAIN = {
    DOCX: (
        "/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    XLSX: (
        "/xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# What makes a browser or a mail client treat bytes as a web page; none belongs in a PDF or
# an image.
_HTML_MARKERS = (b"<html", b"<script", b"<!doctype html", b"<body", b"<iframe", b"<svg")
_CHUNK = 1024 * 1024


class NotThatKind(Exception):
    """The file is not what its first bytes claim; the message says what is wrong."""


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
    """The allowed content type this file claims to be, or None when it is not on the
    allow-list. ``content_problem`` checks the claim."""
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


def content_problem(stream: IO[bytes], content_type: str) -> str | None:
    """Why this file is not a sound file of ``content_type``, in words for the person who
    uploaded it, or None when it is."""
    checks = {
        PDF: _check_pdf,
        PNG: _check_png,
        JPEG: _check_jpeg,
        TEXT: _check_text,
        CSV: _check_text,
        DOCX: _check_ooxml,
        XLSX: _check_ooxml,
    }
    try:
        if content_type not in (DOCX, XLSX):
            stream.seek(0)
            if zipfile.is_zipfile(stream):
                raise NotThatKind("it also carries a ZIP archive")
        if content_type in (PDF, PNG, JPEG) and _contains(stream, _HTML_MARKERS):
            raise NotThatKind("it also carries web-page code (HTML)")
        stream.seek(0)
        checks[content_type](stream, content_type)
    except NotThatKind as exc:
        return str(exc)
    finally:
        stream.seek(0)
    return None


def _contains(stream: IO[bytes], markers: tuple[bytes, ...]) -> bool:
    stream.seek(0)
    overlap = max(len(m) for m in markers)
    previous = b""
    while chunk := stream.read(_CHUNK):
        window = (previous + chunk).lower()
        if any(marker in window for marker in markers):
            return True
        previous = chunk[-overlap:]
    return False


def _tail(stream: IO[bytes], size: int) -> bytes:
    stream.seek(0, os.SEEK_END)
    end = stream.tell()
    stream.seek(max(0, end - size))
    return stream.read()


def _check_pdf(stream: IO[bytes], content_type: str) -> None:
    tail = _tail(stream, 2048)
    if not tail.rstrip(b"\r\n\t \x00").endswith(b"%%EOF") or b"startxref" not in tail:
        raise NotThatKind(
            "it does not end like a PDF file (cross-reference table and %%EOF); it is cut "
            "short or has something appended"
        )
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(stream, strict=False)
            if reader.is_encrypted:
                raise NotThatKind("it is protected by a password; upload an unprotected copy")
            if len(reader.pages) < 1:
                raise NotThatKind("it has no pages")
    except NotThatKind:
        raise
    except Exception as exc:  # whatever a broken PDF makes pypdf raise
        raise NotThatKind("it does not open as a PDF document") from exc


def _check_png(stream: IO[bytes], content_type: str) -> None:
    # Walk the chunks to IEND, checking each CRC; nothing may follow.
    stream.seek(8)
    while True:
        header = stream.read(8)
        if len(header) < 8:
            raise NotThatKind("it ends before the image does")
        length, kind = struct.unpack(">I4s", header)
        data = stream.read(length)
        crc = stream.read(4)
        if len(data) < length or len(crc) < 4:
            raise NotThatKind("it ends before the image does")
        if zlib.crc32(kind + data) != struct.unpack(">I", crc)[0]:
            raise NotThatKind("part of the image is damaged")
        if kind == b"IEND":
            break
    if stream.read(1):
        raise NotThatKind("something is appended after the end of the image")
    _open_image(stream, "PNG")


def _check_jpeg(stream: IO[bytes], content_type: str) -> None:
    if not _tail(stream, 2).endswith(b"\xff\xd9"):
        raise NotThatKind(
            "it does not end like a JPEG image; it is cut short or has something appended"
        )
    _open_image(stream, "JPEG")


def _open_image(stream: IO[bytes], kind: str) -> None:
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[kind]) as image:
                if image.width * image.height > IMAGE_MAX_PIXELS:
                    raise NotThatKind(
                        f"it is {image.width} × {image.height} pixels; images may have at most "
                        f"{IMAGE_MAX_PIXELS // 1_000_000} million pixels"
                    )
                if kind == "JPEG":
                    # Decoding at an eighth of the size still reads all the compressed data.
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
                else:
                    image.verify()
    except NotThatKind:
        raise
    except Exception as exc:  # whatever a broken image makes Pillow raise
        raise NotThatKind(f"it does not open as a {kind} image") from exc


def _check_text(stream: IO[bytes], content_type: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            if b"\x00" in chunk:
                raise NotThatKind("it contains binary data, not text")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise NotThatKind("it is not UTF-8 text throughout; save it as UTF-8") from exc


def _check_ooxml(stream: IO[bytes], content_type: str) -> None:
    too_big = (
        f"it would expand to more than {ARCHIVE_MAX_EXPANDED_BYTES // (1024 * 1024)} MB or "
        f"{ARCHIVE_MAX_ENTRIES:,} parts when opened, which can overwhelm the computers that "
        "open it; save it again with smaller embedded images, or split it"
    )
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            declared = sum(info.file_size for info in entries)
            if len(entries) > ARCHIVE_MAX_ENTRIES or declared > ARCHIVE_MAX_EXPANDED_BYTES:
                raise NotThatKind(too_big)
            _check_main_part(archive, content_type)
            # Declared sizes can lie: expand everything, counting, which also checks each
            # part's CRC.
            expanded = 0
            for info in entries:
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        expanded += len(chunk)
                        if expanded > ARCHIVE_MAX_EXPANDED_BYTES:
                            raise NotThatKind(too_big)
    except NotThatKind:
        raise
    except Exception as exc:  # whatever a broken archive makes zipfile raise
        raise NotThatKind("it is a damaged or unreadable Office file") from exc


def _check_main_part(archive: zipfile.ZipFile, content_type: str) -> None:
    part, main_type = _OOXML_MAIN[content_type]
    raw = archive.read("[Content_Types].xml")
    try:
        # defusedxml: entity expansion and external entities are refused, not followed.
        root = ElementTree.fromstring(raw)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise NotThatKind("its list of contents is damaged") from exc
    declared = {
        override.get("PartName"): override.get("ContentType")
        for override in root.iter(f"{_CONTENT_TYPES_NS}Override")
    }
    if declared.get(part) != main_type:
        kind = "Word document" if content_type == DOCX else "Excel workbook"
        raise NotThatKind(
            f"it is not a plain {kind} (a macro-enabled file or another kind of package)"
        )


def shorten_filename(name: str, limit: int = FILENAME_MAX) -> str:
    """The name shown for a file, at most ``limit`` characters, keeping its extension."""
    if len(name) <= limit:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) > 16:
        stem, extension = name, ""
    return stem[: limit - len(extension) - 1] + "…" + extension


EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    TEXT: ".txt",
    CSV: ".csv",
    DOCX: ".docx",
    XLSX: ".xlsx",
}
