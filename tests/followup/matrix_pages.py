"""Expected answer to GET of every follow-through page (coso/followup/urls.py), per cast member.

Representative objects, made by `setup(cast)` with fixed keys: a resolution of province P
(DIRECTIVE_PK, registered at P) with one PDF file (ATTACHMENT_PK), cascaded to branch B
(record IMPLEMENTATION_PK, study step STEP_PK), and a resolution of B's book (RESOLUTION_PK).

- Lists are for roles on units (a plain member: 404); the outsider (officer of Q) reads an
  empty list and may register at Q, but sees nothing of P's directive (404).
- A directive is seen by roles over P or over a unit it reached (the committee of C, B's
  secretary); registering, attaching and cascading need MANAGE_DIRECTIVES on P (the officer).
- Tracking and a unit's records need a role over the unit (B here); reporting a step needs
  MANAGE_ACTIVITIES on its unit (the committee of C, B's secretary; not the officer).
Anonymous: the login page (302).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404

DIRECTIVE_PK = 7_100_001
ATTACHMENT_PK = 7_100_001
IMPLEMENTATION_PK = 7_100_001
STEP_PK = 7_100_001
MEETING_PK = 7_100_001
RESOLUTION_PK = 7_100_001
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


_LIST = _expect(officer=OK, committee=OK, secretary=OK, outsider=OK)
_VIEW = _expect(officer=OK, committee=OK, secretary=OK)
_MANAGE_DIRECTIVES = _expect(officer=OK)
_REPORT = _expect(committee=OK, secretary=OK)

PAGES: dict[str, dict[str, Any]] = {
    "followup:list": {"args": [], "expect": _LIST},
    "followup:new": {"args": [], "expect": _expect(officer=OK, outsider=OK)},
    "followup:detail": {"args": [DIRECTIVE_PK], "expect": _VIEW},
    "followup:attach": {"args": [DIRECTIVE_PK], "expect": _MANAGE_DIRECTIVES},
    "followup:cascade": {"args": [DIRECTIVE_PK], "expect": _MANAGE_DIRECTIVES},
    "followup:tracking": {"args": [DIRECTIVE_PK, "B"], "expect": _VIEW},
    "followup:tracking_xlsx": {"args": [DIRECTIVE_PK, "B"], "expect": _VIEW},
    "followup:attachment": {"args": [ATTACHMENT_PK], "expect": _VIEW},
    "followup:step": {"args": [STEP_PK], "expect": _REPORT},
    "followup:unit": {"args": ["B"], "expect": _VIEW},
    "followup:targets": {"args": [RESOLUTION_PK], "expect": _VIEW},
}


def setup(cast: Any) -> None:
    from coso.core.files import folder_path
    from coso.followup.models import Attachment, Directive, Implementation, Step
    from coso.followup.operations import FOLDER
    from coso.meetings.models import Meeting, Resolution

    day = dt.date(2024, 5, 10)
    directive = Directive.objects.create(
        pk=DIRECTIVE_PK,
        owner=cast.P,
        kind="resolution",
        number="21-NQ/TW",
        issued_on=dt.date(2022, 6, 16),
        issuer="Ban Chấp hành Trung ương",
        title="Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng",
    )
    folder = folder_path(FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"route-matrix-{ATTACHMENT_PK}.pdf"
    (folder / stored).write_bytes(PDF)
    Attachment.objects.create(
        pk=ATTACHMENT_PK,
        directive=directive,
        name="21-NQ-TW.pdf",
        stored_name=stored,
        file_type="pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    record = Implementation.objects.create(
        pk=IMPLEMENTATION_PK, directive=directive, unit=cast.B, cascaded_on=day, batch="matrix"
    )
    Step.objects.create(
        pk=STEP_PK, implementation=record, kind="study", due=day + dt.timedelta(days=30)
    )
    Step.objects.create(implementation=record, kind="plan", due=day + dt.timedelta(days=45))
    meeting = Meeting.objects.create(
        pk=MEETING_PK, unit=cast.B, kind="regular", form="in_person", on=day, status="held"
    )
    Resolution.objects.create(
        pk=RESOLUTION_PK,
        meeting=meeting,
        unit=cast.B,
        year=2024,
        number=1,
        title="Nghị quyết tháng 5",
        votes_for=5,
        adopted_on=day,
    )
