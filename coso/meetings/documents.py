"""Meeting documents: checked, stored outside the web root, served only through the scope check.

Files live in `settings.VAR_DIR / "documents"` under random names; the uploaded name is kept
only as a label. A file is accepted when its extension is allowed by the rule set AND its first
bytes match that type, and it is within the size limit; a refusal writes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404

from coso.authority.scope import Action, scope_of
from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.meetings.models import Document, Invitation, Meeting, MeetingStatus

# docx and xlsx are zip containers; jpg/jpeg share one signature.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# What a download says it is (the types the rule set lets in).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# Inside the zip, the part that tells a Word file from an Excel one.
_ZIP_MARKER = {"docx": b"word/", "xlsx": b"xl/"}


def documents_dir() -> Path:
    return Path(settings.VAR_DIR) / "documents"


def _clean_name(name: str) -> str:
    raw = (name or "").strip()
    if not raw or "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw or raw.startswith("."):
        raise CosoError(f"Tên tệp «{raw}» không hợp lệ (không được chứa đường dẫn hoặc «..»).")
    return raw[:200]


def check_upload(name: str, data: bytes, *, on: Any) -> tuple[str, str]:
    """The cleaned name and file type, or a refusal naming what is wrong."""
    clean = _clean_name(name)
    extension = clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    allowed = [t.lower() for t in rule("meetings.upload_types", on)]
    if extension not in allowed or extension not in _MAGIC:
        raise CosoError(
            f"Tệp «{clean}»: loại «{extension or '?'}» không được phép (chỉ: {', '.join(allowed)})."
        )
    limit = int(rule("meetings.upload_max_bytes", on))
    if len(data) > limit:
        raise CosoError(
            f"Tệp «{clean}» quá lớn: {len(data):,} byte, tối đa {limit:,} byte.".replace(",", ".")
        )
    if not data or not data.startswith(_MAGIC[extension]):
        raise CosoError(f"Tệp «{clean}»: nội dung không phải tệp {extension} thật.")
    marker = _ZIP_MARKER.get(extension)
    if marker is not None and marker not in data:
        raise CosoError(f"Tệp «{clean}»: nội dung không phải tệp {extension} thật.")
    return clean, extension


@transaction.atomic
def store_document(meeting: Meeting, *, name: str, data: bytes, by: Any = None) -> Document:
    """Check and store one file for `meeting`; nothing is written when it is refused."""
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise CosoError(
            f"Cuộc họp #{meeting.pk} ngày {meeting.on:%d/%m/%Y} đã khóa: không thêm tệp."
        )
    clean, extension = check_upload(name, data, on=meeting.on)
    folder = documents_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = folder / stored_name
    # Checks come first, so a refusal writes nothing. Should the row fail, the file goes too.
    path.write_bytes(data)
    try:
        return Document.objects.create(
            meeting=meeting,
            name=clean,
            stored_name=stored_name,
            file_type=extension,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=by,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise


def may_view(user: Any, meeting: Meeting) -> bool:
    scope = scope_of(user)
    if scope.can(Action.VIEW, meeting.unit):
        return True
    member = scope.own_member
    return member is not None and Invitation.objects.filter(meeting=meeting, member=member).exists()


def open_document_for_user(user: Any, doc_id: int) -> tuple[Document, BinaryIO]:
    """The document and its open file, if `user` may see the meeting's unit; else Http404."""
    document = Document.objects.select_related("meeting__unit").filter(pk=doc_id).first()
    if document is None or not may_view(user, document.meeting):
        raise Http404("Không tìm thấy tài liệu.")
    path = documents_dir() / document.stored_name
    if path.parent != documents_dir() or not path.is_file():
        raise Http404("Không tìm thấy tài liệu.")
    return document, path.open("rb")


def document_response(user: Any, doc_id: int) -> FileResponse:
    """The document as a download (attachment, its own type), for the page and the API alike."""
    document, handle = open_document_for_user(user, doc_id)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.name,
        content_type=CONTENT_TYPES.get(document.file_type, "application/octet-stream"),
    )
