"""Uploads are judged by content, limited in size, and leave nothing behind when refused."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from practices.models import Attachment, AuditEvent
from tests.factories import CaseStudyFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 64


def _ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
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

    response = _upload(signed_in, draft, "big.pdf", PDF + b"0" * 2048)

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
