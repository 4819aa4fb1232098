from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404

from coso.core.errors import CosoError
from coso.meetings.documents import documents_dir, open_document_for_user, store_document
from coso.meetings.models import Document, Meeting
from coso.meetings.operations import plan_meeting
from tests.cast import Cast

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    return plan_meeting(cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Hội trường")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", DOCX_TYPES)
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _stored(var_dir: Path) -> list[Path]:
    folder = var_dir / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_accepted_files_are_stored_outside_the_web_root_under_random_names(
    cast: Cast, meeting: Meeting, var_dir: Path
) -> None:
    pdf = store_document(meeting, name="Nghị quyết tháng 5.pdf", data=PDF)
    docx = store_document(meeting, name="Bao cao.docx", data=_docx())
    assert documents_dir() == var_dir / "documents"
    assert {p.name for p in _stored(var_dir)} == {pdf.stored_name, docx.stored_name}
    assert "Nghị" not in pdf.stored_name and pdf.stored_name.endswith(".pdf")
    assert (var_dir / "documents" / pdf.stored_name).read_bytes() == PDF
    assert (pdf.file_type, pdf.size, pdf.name) == ("pdf", len(PDF), "Nghị quyết tháng 5.pdf")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "loại «exe» không được phép"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "không phải tệp pdf thật"),
        ("fake.docx", b"PK\x03\x04 xl/ only", "không phải tệp docx thật"),
        ("../../etc/passwd.pdf", PDF, "không hợp lệ"),
        ("..\\x.pdf", PDF, "không hợp lệ"),
        ("sub/x.pdf", PDF, "không hợp lệ"),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "quá lớn"),
    ],
)
def test_refused_uploads_store_nothing(
    meeting: Meeting, var_dir: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(CosoError, match=message):
        store_document(meeting, name=name, data=data)
    assert not Document.objects.exists()
    assert _stored(var_dir) == []
    assert not (var_dir.parent / "passwd.pdf").exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("officer", True),
        ("committee", True),
        ("secretary", True),
        ("member", True),
        ("outsider", False),
        ("anonymous", False),
    ],
)
def test_only_people_in_scope_open_a_document(
    cast: Cast, meeting: Meeting, var_dir: Path, who: str, allowed: bool
) -> None:
    document = store_document(meeting, name="bien-ban.pdf", data=PDF)
    if allowed:
        found, handle = open_document_for_user(cast.user(who), document.pk)
        with handle:
            assert handle.read() == PDF
        assert found.pk == document.pk
    else:
        with pytest.raises(Http404):
            open_document_for_user(cast.user(who), document.pk)


def test_missing_document_is_404(cast: Cast, var_dir: Path) -> None:
    with pytest.raises(Http404):
        open_document_for_user(cast.user("admin"), 999999)
