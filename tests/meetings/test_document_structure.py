"""Meeting documents are checked by structure, not by their first bytes alone (issue 9)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from coso.core.errors import CosoError
from coso.meetings.documents import check_upload, store_document
from coso.meetings.models import Document, Meeting
from coso.meetings.operations import plan_meeting
from tests.cast import Cast

DAY = dt.date(2024, 5, 10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _types(part: str, content_type: str) -> str:
    return (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="{part}" ContentType="{content_type}"/></Types>'
    )


def _zip(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx(**extra: str) -> bytes:
    return _zip(
        {
            "[Content_Types].xml": _types("/word/document.xml", WORD_MAIN),
            "word/document.xml": "<w:document/>",
        }
        | extra
    )


def _xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [("bien-ban.pdf", PDF), ("bao-cao.docx", _docx()), ("so-lieu.xlsx", _xlsx()), ("a.png", PNG)],
)
def test_real_files_pass(name: str, data: bytes) -> None:
    assert check_upload(name, data, on=DAY)[0] == name


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        # A page in disguise: a PDF header, then HTML a browser would run; with a trailer too.
        ("a.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n", "có mã HTML"),
        ("a.pdf", b"%PDF-1.4\n<!DOCTYPE html><body onload=x()>\n%%EOF", "có mã HTML"),
        ("a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "thiếu phần kết %%EOF"),
        ("a.docx", _docx(**{"word/evil.html": "<script>alert(1)</script>"}), "word/evil.html"),
        ("a.docx", _docx(**{"word/run.js": "x()"}), "word/run.js"),
        ("a.docx", _docx(**{"customXml/setup.exe": "MZ"}), "setup.exe"),
        ("a.docx", _docx(**{"../../evil.xml": "<x/>"}), "không hợp lệ"),
        ("a.docx", _docx(**{"/etc/evil.xml": "<x/>"}), "không hợp lệ"),
        ("a.docx", _docx(**{"word\\..\\evil.xml": "<x/>"}), "không hợp lệ"),
        ("a.docx", _zip({"word/document.xml": "<w:document/>"}), "thiếu [Content_Types].xml"),
        ("a.docx", _xlsx(), "không có phần chính"),  # an Excel file named .docx
        (
            "a.docx",
            _zip({"[Content_Types].xml": _types("/word/document.xml", WORD_MAIN)}),
            "thiếu phần chính «/word/document.xml»",
        ),
        (
            "a.xlsx",
            _zip(
                {
                    "[Content_Types].xml": '<!DOCTYPE x [<!ENTITY a "b">]><Types/>',
                    "xl/workbook.xml": "<workbook/>",
                }
            ),
            "DOCTYPE",
        ),
        ("a.xlsx", b"PK\x03\x04 not really a zip", "tệp nén bị hỏng"),
        ("a.png", b"\x89PNG\r\n\x1a\n<html></html>", "IHDR"),
    ],
)
def test_disguised_files_are_refused(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(CosoError) as refusal:
        check_upload(name, data, on=DAY)
    message = str(refusal.value)
    assert f"Tệp «{name}»" in message and "không phải tệp" in message and reason in message


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    return plan_meeting(cast.B, kind="regular", on=DAY, place="Hội trường")


def test_refused_through_the_registry_and_the_api_store_nothing(
    cast: Cast, meeting: Meeting, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    polyglot = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"
    evil = _docx(**{"word/evil.html": "<script>alert(1)</script>"})
    for name, data in (("a.pdf", polyglot), ("b.docx", evil)):
        with pytest.raises(CosoError):
            store_document(meeting, name=name, data=data)
        response = Client().post(
            f"/api/v1/meetings/{meeting.pk}/documents",
            {"file": SimpleUploadedFile(name, data)},
            headers={"Authorization": f"Bearer {cast.token('secretary')}"},
        )
        assert response.status_code == 409, response.content
        assert "không phải tệp" in response.json()["message"]
    assert not Document.objects.exists()
    assert not (tmp_path / "documents").exists() or not any((tmp_path / "documents").iterdir())
