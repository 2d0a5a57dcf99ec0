"""Uploads are judged by content, limited in size, and leave nothing behind when refused."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from practices.models import Attachment, AuditEvent
from tests.factories import CaseStudyFactory

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 64


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "teal").save(buffer, format=kind)
    return buffer.getvalue()


PDF = _pdf()
PNG = _image("PNG")
JPEG = _image("JPEG")
MAIN_TYPES = {
    "word/document.xml": "wordprocessingml.document.main+xml",
    "xl/workbook.xml": "spreadsheetml.sheet.main+xml",
}


def _ooxml(part: str, extra: dict[str, bytes] | None = None, main: str = "") -> bytes:
    """A minimal Word or Excel package: the content-types part names the main part."""
    main = main or MAIN_TYPES.get(part, "wordprocessingml.document.main+xml")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/' + part + '" ContentType="application/'
            "vnd.openxmlformats-officedocument." + main + '"/></Types>',
        )
        archive.writestr(part, "<x/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def draft(member):
    return CaseStudyFactory(organisation=member.organisation, status="draft")


@pytest.fixture
def signed_in(member):
    client = Client()
    client.force_login(member)
    return client


def _upload(client, case, name, content):
    return client.post(
        reverse("practices:attachment-upload", args=[case.uuid]),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def _stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]
        if os.path.exists(root)
        else []
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("chart.png", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("notes.txt", "Plain words, ünïcödé.".encode(), "text/plain"),
        ("figures.csv", b"a,b\n1,2\n", "text/csv"),
        (
            "brief.docx",
            _ooxml("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "sheet.xlsx",
            _ooxml("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("misnamed.txt", PDF, "application/pdf"),
    ],
)
def test_allowed_files_are_stored_with_type_from_content_and_hash(
    signed_in, draft, settings, name, content, expected
):
    import hashlib

    response = _upload(signed_in, draft, name, content)

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == expected
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert attachment.filename == name
    assert attachment.file.read() == content
    assert name not in attachment.file.name  # stored under a random name
    assert AuditEvent.objects.filter(action="create", object_type="practices.attachment").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", ELF),
        ("invoice.pdf", WINDOWS_EXE),
        ("archive.docx", _ooxml("other/thing.xml")),
        ("script.txt", b"\x00\x01\x02binary"),
    ],
    ids=["elf-as-pdf", "exe-as-pdf", "zip-as-docx", "binary-as-txt"],
)
def test_renamed_executables_are_refused_and_leave_nothing(
    signed_in, draft, settings, name, content
):
    response = _upload(signed_in, draft, name, content)

    assert response.status_code == 400
    assert "is not an allowed kind of file" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_oversized_file_is_refused_with_the_limit_and_leaves_nothing(signed_in, draft, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024

    response = _upload(signed_in, draft, "big.pdf", PDF + b" " * 2048)

    assert response.status_code == 400
    assert "files may be at most 1.0\xa0KB" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_outsider_cannot_upload(outsider, draft, settings):
    client = Client()
    client.force_login(outsider)

    assert _upload(client, draft, "r.pdf", PDF).status_code == 404
    assert not Attachment.objects.exists()


def test_download_of_non_public_material_is_audited(signed_in, draft):
    _upload(signed_in, draft, "r.pdf", PDF)
    attachment = Attachment.objects.get()

    response = signed_in.get(
        reverse("practices:attachment-download", args=[draft.uuid, attachment.uuid])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="r.pdf"' in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="download", case_study_uuid=draft.uuid).count() == 1


def test_removing_an_attachment_deletes_the_file(
    signed_in, draft, settings, django_capture_on_commit_callbacks
):
    _upload(signed_in, draft, "r.pdf", PDF)
    attachment = Attachment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reverse("practices:attachment-delete", args=[draft.uuid, attachment.uuid]))

    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


# --- Content that only starts like an allowed kind ---------------------------------------------


def _zip_bomb(part: str, expanded: int) -> bytes:
    """A package of ``expanded`` zero bytes that compresses to a few hundred KB."""
    buffer = io.BytesIO(_ooxml(part))
    block = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/media/padding.bin", "w", force_zip64=True) as padding,
    ):
        for _ in range(expanded // len(block)):
            padding.write(block)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


NOT_WHAT_THEY_CLAIM = [
    ("bomb.docx", _zip_bomb("word/document.xml", 200 * 1024 * 1024), "expand to more than"),
    ("bomb.xlsx", _zip_bomb("xl/workbook.xml", 120 * 1024 * 1024), "expand to more than"),
    (
        "many.docx",
        _ooxml("word/document.xml", {f"word/p{i}.xml": b"<x/>" for i in range(2001)}),
        "2,000 parts",
    ),
    ("polyglot.pdf", PDF + HTML, "web-page code"),
    ("polyglot2.pdf", PDF.replace(b"\n", b"\n%" + HTML + b"\n", 1), "web-page code"),
    ("polyglot.jpg", JPEG + _zip(), "ZIP archive"),
    ("polyglot2.jpg", JPEG + HTML, "web-page code"),
    ("zip-tail.pdf", PDF + _zip(), "ZIP archive"),
    ("tail.png", PNG + b"PK\x05\x06" + b"\x00" * 18, "ZIP archive"),
    ("tail2.png", PNG + b"appended", "appended after the end of the image"),
    ("truncated.jpg", JPEG[: len(JPEG) // 2] + b"\xff\xd9", "does not open as a JPEG"),
    ("damaged.png", PNG[:40] + b"\x00" + PNG[41:], "damaged"),
    ("no-xref.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "%%EOF"),
    ("half.pdf", PDF[: len(PDF) // 2], "does not end like a PDF"),
    (
        "macro.docx",
        _ooxml("word/document.xml", main="wordprocessingml.document.macroEnabled.main+xml"),
        "not a plain Word document",
    ),
    ("latin1.txt", "Plain words, ünïcödé.".encode() * 1000 + "é".encode("latin-1"), "UTF-8"),
]


@pytest.mark.parametrize(
    ("name", "content", "words"), NOT_WHAT_THEY_CLAIM, ids=[c[0] for c in NOT_WHAT_THEY_CLAIM]
)
def test_files_that_only_start_like_an_allowed_kind_are_refused_and_leave_nothing(
    signed_in, draft, settings, name, content, words
):
    response = _upload(signed_in, draft, name, content)

    assert response.status_code == 400
    page = response.content.decode()
    assert f"“{name}” was refused" in page
    assert words in page
    assert "Nothing was stored" in page
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_a_real_office_file_with_images_is_accepted(signed_in, draft):
    content = _ooxml("word/document.xml", {"word/media/image1.png": PNG * 50})

    response = _upload(signed_in, draft, "report.docx", content)

    assert response.status_code == 302
    assert Attachment.objects.get().filename == "report.docx"


def test_a_thousand_character_file_name_is_shortened_keeping_its_extension(signed_in, draft):
    # Built by hand: the test client would already cut the name to 255 characters.
    name = "é" * 996 + ".pdf"
    boundary = "----probe"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = signed_in.post(
        reverse("practices:attachment-upload", args=[draft.uuid]),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.filename.endswith("….pdf")
    assert len(attachment.filename) == 150
    assert attachment.content_type == "application/pdf"
