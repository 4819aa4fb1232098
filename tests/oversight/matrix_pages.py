"""Expected answer to GET of every oversight page (coso/oversight/urls.py), per cast member.

Representative objects, made by `setup(cast)` with fixed keys:
- CASE_PK: a case against CAST-B1 (the `member` user's own record) handled by commune C — the
  handling body and those above it (committee of C, officer of P) see it, and so does the
  member it is about; B's secretary does not (the committee above handles it).
- CASE2_PK: a case against CAST-B2 handled by branch B, with a file (FILE_PK), a reprimand
  decided by B (DECISION_PK) and a pending appeal (APPEAL_PK): the member does not see another
  member's case.
- PLAN_PK: an inspection plan of B.
Anonymous: the login page (302). The outsider (officer of Q) sees none of it (404).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404

CASE_PK = 7_300_001
CASE2_PK = 7_300_002
FILE_PK = 7_300_001
DECISION_PK = 7_300_001
APPEAL_PK = 7_300_001
PLAN_PK = 7_300_001
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


_ROLES_ON_B = _expect(officer=OK, committee=OK, secretary=OK)
_ABOVE_B = _expect(officer=OK, committee=OK)

PAGES: dict[str, dict[str, Any]] = {
    "oversight:unit_cases": {"args": ["B"], "expect": _ROLES_ON_B},
    "oversight:case_new": {"args": ["B"], "expect": _ROLES_ON_B},
    "oversight:plans": {"args": ["B"], "expect": _ROLES_ON_B},
    "oversight:plan_result": {"args": [PLAN_PK], "expect": _ROLES_ON_B},
    "oversight:case": {"args": [CASE_PK], "expect": _expect(officer=OK, committee=OK, member=OK)},
    "oversight:case_file_add": {"args": [CASE_PK], "expect": _ABOVE_B},
    "oversight:case_close": {"args": [CASE_PK], "expect": _ABOVE_B},
    "oversight:case_decide": {"args": [CASE_PK], "expect": _ABOVE_B},
    "oversight:case_file": {"args": [FILE_PK], "expect": _ROLES_ON_B},
    "oversight:appeal_new": {"args": [DECISION_PK], "expect": _ROLES_ON_B},
    "oversight:appeal_decide": {"args": [APPEAL_PK], "expect": _ABOVE_B},
}


def setup(cast: Any) -> None:
    from coso.core.files import folder_path
    from coso.members.models import Member
    from coso.oversight.models import (
        Appeal,
        CaseFile,
        DisciplineDecision,
        InspectionPlan,
        ViolationCase,
    )
    from coso.oversight.operations import FOLDER

    day = dt.date(2024, 5, 10)
    b1 = Member.objects.get(member_id="CAST-B1")
    b2 = Member.objects.get(member_id="CAST-B2")
    InspectionPlan.objects.create(
        pk=PLAN_PK,
        unit=cast.B,
        kind="inspection",
        title="Kiểm tra việc chấp hành",
        period_start=day,
        period_end=day + dt.timedelta(days=60),
        targets="Đảng viên chi bộ B",
    )
    ViolationCase.objects.create(
        pk=CASE_PK,
        member=b1,
        handling_unit=cast.C,
        source="inspection",
        title="Vi phạm quy định",
        facts="Nội dung",
        violated_on=day,
        opened_on=day,
    )
    second = ViolationCase.objects.create(
        pk=CASE2_PK,
        member=b2,
        handling_unit=cast.B,
        source="self_report",
        title="Vi phạm khác",
        facts="Nội dung",
        violated_on=day,
        opened_on=day,
        status="decided",
    )
    folder = folder_path(FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"route-matrix-{FILE_PK}.pdf"
    (folder / stored).write_bytes(PDF)
    CaseFile.objects.create(
        pk=FILE_PK,
        case=second,
        name="bien-ban.pdf",
        stored_name=stored,
        file_type="pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    decision = DisciplineDecision.objects.create(
        pk=DECISION_PK,
        case=second,
        member=b2,
        form="reprimand",
        body=cast.B,
        decided_on=day + dt.timedelta(days=10),
        limitation_years=5,
        limitation_from=day,
        limitation_ends=day.replace(year=2029),
    )
    Appeal.objects.create(
        pk=APPEAL_PK, decision=decision, lodged_on=day + dt.timedelta(days=20), grounds="x"
    )
