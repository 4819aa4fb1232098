"""Meeting documents: checked, stored outside the web root, served only through the scope check.

Files live in `settings.VAR_DIR / "documents"` under random names; the uploaded name is kept
only as a label. A file is accepted when its extension is allowed by the rule set AND its
structure is that type's (coso.core.files), and it is within the size limit; a refusal writes
nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.http import FileResponse, Http404

from coso.authority.scope import Action, scope_of
from coso.core.errors import CosoError
from coso.core.files import CONTENT_TYPES, check_file, folder_path, stored_path, write_new
from coso.core.rules import rule
from coso.meetings.models import Document, Invitation, Meeting, MeetingStatus

FOLDER = "documents"


def documents_dir() -> Path:
    return folder_path(FOLDER)


def check_upload(name: str, data: bytes, *, on: Any) -> tuple[str, str]:
    """The cleaned name and file type, or a refusal naming what is wrong (the `meetings` rule
    set's types and size on the meeting's day)."""
    return check_file(
        name,
        data,
        allowed=list(rule("meetings.upload_types", on)),
        max_bytes=int(rule("meetings.upload_max_bytes", on)),
    )


@transaction.atomic
def store_document(meeting: Meeting, *, name: str, data: bytes, by: Any = None) -> Document:
    """Check and store one file for `meeting`; nothing is written when it is refused."""
    if meeting.status in (MeetingStatus.CLOSED, MeetingStatus.CANCELLED):
        raise CosoError(
            f"Cuộc họp #{meeting.pk} ngày {meeting.on:%d/%m/%Y} đã khóa: không thêm tệp."
        )
    clean, extension = check_upload(name, data, on=meeting.on)
    # Checks come first, so a refusal writes nothing. Should the row fail, the file goes too.
    path = write_new(FOLDER, extension, data)
    stored_name = path.name
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
    path = stored_path(FOLDER, document.stored_name)
    if path is None:
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
