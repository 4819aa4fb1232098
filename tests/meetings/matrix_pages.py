"""Expected answer to GET of every meeting page of the secretary (coso/meetings/urls_pages.py).

Representative objects: branch B of the cast (tests/cast.py) and, made by `setup(cast)`, a
planned regular meeting of B with primary key MEETING_PK (CAST-B1 and CAST-B2 invited) and one
PDF document of it with primary key DOCUMENT_PK. Reading needs VIEW on B or an invitation (the
officer of P, the committee of C, the secretary of B, the member CAST-B1); managing needs
MANAGE_ACTIVITIES on B (committee, secretary). Out of scope answers 404; anonymous 302 (login).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404

# Far above any sequence value a test run reaches, so later inserts never collide with them.
MEETING_PK = 7_000_001
DOCUMENT_PK = 7_000_001
PDF = b"%PDF-1.4\n% route matrix\n%%EOF\n"


def _expect(**allowed: int) -> dict[str, int]:
    base = {
        "admin": OK,
        "officer": HIDDEN,
        "committee": HIDDEN,
        "secretary": HIDDEN,
        "member": HIDDEN,
        "outsider": HIDDEN,
        "anonymous": LOGIN,
    }
    return base | allowed


_VIEW = _expect(officer=OK, committee=OK, secretary=OK, member=OK)
_MANAGE = _expect(committee=OK, secretary=OK)

MANAGE_PAGES = [
    "attendance",
    "minutes",
    "resolution",
    "close",
    "cancel",
    "amend",
    "consolidate",
    "check_in_open",
    "check_in_confirm",
    "upload",
]

PAGES: dict[str, dict[str, Any]] = {
    "meetings:unit_meetings": {"args": ["B"], "expect": _VIEW},
    "meetings:resolution_book": {"args": ["B"], "expect": _VIEW},
    "meetings:plan": {"args": ["B"], "expect": _MANAGE},
    "meetings:detail": {"args": [MEETING_PK], "expect": _VIEW},
    **{f"meetings:{name}": {"args": [MEETING_PK], "expect": _MANAGE} for name in MANAGE_PAGES},
    "meetings:document": {"args": [DOCUMENT_PK], "expect": _VIEW},
    # Printable documents (PDF): the meeting page's access, outsiders 404.
    "meetings:minutes_pdf": {"args": [MEETING_PK], "expect": _VIEW},
    "meetings:resolutions_pdf": {"args": [MEETING_PK], "expect": _VIEW},
    "meetings:attendance_pdf": {"args": [MEETING_PK], "expect": _VIEW},
}


def setup(cast: Any) -> None:
    """The meeting and document the entries above refer to, with their fixed keys.

    The document's file goes under documents_dir(), inside the test's own var folder
    (tests/conftest.py gives every test a fresh one).
    """
    from coso.meetings.documents import documents_dir
    from coso.meetings.models import Document, Invitation, InviteeRole, Meeting

    meeting = Meeting.objects.create(
        pk=MEETING_PK,
        unit=cast.B,
        kind="regular",
        form="in_person",
        on=dt.date(2024, 5, 10),
        place="Nhà văn hóa",
    )
    Invitation.objects.bulk_create(
        Invitation(meeting=meeting, member=m, role=InviteeRole.MEMBER)
        for m in (cast.members["b1"], cast.members["b2"])
    )
    folder = documents_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"route-matrix-{DOCUMENT_PK}.pdf"
    (folder / stored).write_bytes(PDF)
    Document.objects.create(
        pk=DOCUMENT_PK,
        meeting=meeting,
        name="Chương trình.pdf",
        stored_name=stored,
        file_type="pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
