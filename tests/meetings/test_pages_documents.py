"""Meeting documents through the web: refused uploads store nothing; downloads follow the scope."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.meetings import operations as ops
from coso.meetings.documents import documents_dir
from coso.meetings.models import Document, Meeting
from tests.cast import Cast

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def meeting(cast: Cast) -> Meeting:
    return ops.plan_meeting(cast.B, kind="regular", on=dt.date(2024, 5, 10), place="Hội trường")


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _stored() -> list[Path]:
    folder = documents_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


def _raw_upload(client: Client, url: str, file_name: str, data: bytes) -> Any:
    """A multipart body written by hand: the test client would strip the path from the name."""
    boundary = "coso-boundary-1"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic(
        "POST", url, body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_pdf_is_stored_and_audited(cast: Cast, meeting: Meeting) -> None:
    client = cast.client("secretary")
    url = reverse("meetings:upload", args=[meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": SimpleUploadedFile("Chương trình.pdf", PDF)})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.name == "Chương trình.pdf" and document.uploaded_by == cast.secretary
    assert [p.name for p in _stored()] == [document.stored_name]
    entry = AuditEntry.objects.get(action="meeting_document")
    assert entry.after["document"] == "Chương trình.pdf" and entry.unit == cast.B


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "loại «exe» không được phép"),
        ("gia.pdf", b"MZ\x90\x00 not a pdf", "không phải tệp pdf thật"),
        ("lon.pdf", PDF + b"0" * (10 * 1024 * 1024), "quá lớn"),
    ],
)
def test_wrong_type_or_oversized_uploads_are_refused_and_nothing_is_stored(
    cast: Cast, meeting: Meeting, name: str, data: bytes, message: str
) -> None:
    response = cast.client("secretary").post(
        reverse("meetings:upload", args=[meeting.pk]), {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 422
    assert message in _text(response) and "Không có thay đổi nào được ghi" in _text(response)
    assert not Document.objects.exists()
    assert _stored() == []
    assert not AuditEntry.objects.filter(action="meeting_document").exists()


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "sub/../x.pdf", "..bien-ban.pdf"]
)
def test_a_name_with_a_path_is_refused_and_nothing_is_stored(
    cast: Cast, meeting: Meeting, var_dir: Path, name: str
) -> None:
    url = reverse("meetings:upload", args=[meeting.pk])
    response = _raw_upload(cast.client("secretary"), url, name, PDF)
    assert response.status_code == 422
    assert "không hợp lệ" in _text(response)
    assert not Document.objects.exists()
    assert _stored() == []
    assert [p for p in var_dir.rglob("*") if p.is_file()] == []


def test_upload_to_a_closed_meeting_is_refused(cast: Cast, meeting: Meeting) -> None:
    ops.record_attendance(meeting, {"CAST-B1": "present", "CAST-B2": "present"})
    ops.close_meeting(meeting)
    response = cast.client("secretary").post(
        reverse("meetings:upload", args=[meeting.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 422 and "đã khóa" in _text(response)
    assert not Document.objects.exists() and _stored() == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("secretary", 200), ("member", 200), ("committee", 200), ("outsider", 404)],
)
def test_download_follows_the_scope(cast: Cast, meeting: Meeting, who: str, status: int) -> None:
    cast.client("secretary").post(
        reverse("meetings:upload", args=[meeting.pk]),
        {"file": SimpleUploadedFile("Nghị quyết.pdf", PDF)},
    )
    document = Document.objects.get()
    response = cast.client(who).get(reverse("meetings:document", args=[document.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=utf-8''Ngh" in disposition
        assert b"".join(response.streaming_content) == PDF


def test_an_invited_guest_from_another_branch_may_download(cast: Cast, meeting: Meeting) -> None:
    """A member invited from elsewhere (CAST-B2X of B2) reads the documents of that meeting."""
    from django.contrib.auth import get_user_model

    from coso.accounts.models import Account, Role, RoleKind

    guest = cast.members["b2x"]
    ops.invite_guests(meeting, [guest])
    user = get_user_model().objects.create_user("cast.guest", "guest@cast.test", None)
    Role.objects.create(user=user, kind=RoleKind.MEMBER)
    Account.objects.create(user=user, member=guest)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cast.client("secretary").post(
        reverse("meetings:upload", args=[meeting.pk]), {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    document = Document.objects.get()
    assert client.get(reverse("meetings:document", args=[document.pk])).status_code == 200
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    # Not B's meetings as a whole: only the meeting they were invited to.
    assert client.get(reverse("meetings:unit_meetings", args=["B"])).status_code == 404


def test_a_missing_document_is_404(cast: Cast) -> None:
    assert cast.client("admin").get(reverse("meetings:document", args=[424242])).status_code == 404


def test_an_upload_without_a_file_says_so(cast: Cast, meeting: Meeting) -> None:
    response = cast.client("secretary").post(reverse("meetings:upload", args=[meeting.pk]))
    assert response.status_code == 422
    assert not Document.objects.exists()
