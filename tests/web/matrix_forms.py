"""Expected answer to GET of every write page (URL names added by coso.web.forms_views).

Representative objects of the cast (tests/cast.py): member CAST-B1 (homed in branch B, commune
C, province P), branch B for unit operations, and one import job owned by `officer` whose token
is JOB_TOKEN; call `setup(cast)` once before walking the routes so that the job exists.
Anonymous visitors are sent to the login page (302); out of scope answers 404, never 403.
"""

from __future__ import annotations

import uuid
from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404

JOB_TOKEN = uuid.UUID("00000000-0000-4000-8000-00000000c0de")

MEMBER_OPS = [
    "recognize",
    "reject_recognition",
    "transfer_out",
    "receive",
    "transfer_out_of_system",
    "temporary_start",
    "temporary_end",
    "exempt",
    "return",
    "strike_off",
    "expel",
    "leave",
    "death",
    "readmit",
    "change_group",
    "assign_position",
    "end_position",
    "add_participation",
    "end_participation",
    "add_external_role",
    "end_external_role",
]
UNIT_OPS = ["create", "rename", "retype", "retag", "move", "merge", "dissolve"]


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


# Acts the authority rule set does not govern: MANAGE_MEMBERS on the member's branch (officer of
# P, secretary of B).
_MANAGE_MEMBERS = _expect(officer=OK, secretary=OK)
# Acts a committee above the branch decides (today: the commune C): the officer of P and the
# committee member of C decide them; the secretary of B opens the same page to propose them.
_DECIDED_ABOVE = _expect(officer=OK, committee=OK, secretary=OK)
GOVERNED_MEMBER_OPS = {
    "recognize",
    "reject_recognition",
    "transfer_out",
    "transfer_out_of_system",
    "strike_off",
    "expel",
    "leave",
    "readmit",
    "exempt",  # decided by the branch itself: C's committee member may record it too
    "return",
}
# Reorganizations of B: decided by the committee directly above (C): officer and committee member.
_DECIDED_BY_PARENT = _expect(officer=OK, committee=OK)
# Creating a unit under B: decided by B's own committee (the secretary), or above it.
_DECIDED_BY_ITSELF = _expect(officer=OK, committee=OK, secretary=OK)

PAGES: dict[str, dict[str, Any]] = {
    **{
        f"web:member_{op}": {
            "args": ["CAST-B1"],
            "expect": _DECIDED_ABOVE if op in GOVERNED_MEMBER_OPS else _MANAGE_MEMBERS,
        }
        for op in MEMBER_OPS
    },
    "web:unit_admit": {"args": ["B"], "expect": _DECIDED_ABOVE},
    "web:unit_create": {"args": ["B"], "expect": _DECIDED_BY_ITSELF},
    **{f"web:unit_{op}": {"args": ["B"], "expect": _DECIDED_BY_PARENT} for op in UNIT_OPS[1:]},
    # Plan uploads: anyone holding MANAGE_UNITS somewhere (the outsider on their province).
    "web:reorg_plan": {"args": [], "expect": _expect(officer=OK, outsider=OK)},
    # Imports: anyone who may import units or members somewhere.
    "web:imports": {"args": [], "expect": _expect(officer=OK, secretary=OK, outsider=OK)},
    "web:import_template": {
        "args": ["members"],
        "expect": _expect(officer=OK, secretary=OK, outsider=OK),
    },
    # A job is seen by its owner (officer) and administrators only.
    "web:import_job": {"args": [JOB_TOKEN], "expect": _expect(officer=OK)},
    "web:import_progress": {"args": [JOB_TOKEN], "expect": _expect(officer=OK)},
    "web:import_errors": {"args": [JOB_TOKEN], "expect": _expect(officer=OK)},
}


def setup(cast: Any) -> None:
    """Create the representative import job (owned by `officer`, already refused)."""
    from coso.web.models import ImportJob, ImportKind, ImportStatus

    ImportJob.objects.create(
        token=JOB_TOKEN,
        kind=ImportKind.MEMBERS,
        user=cast.officer,
        file_name="dang-vien.csv",
        path="/nonexistent/dang-vien.csv",
        status=ImportStatus.REFUSED,
        errors=[["dang-vien.csv", 2, "branch", "không có đơn vị mã «X»"]],
        summary="1 lỗi, không có thay đổi nào được ghi.",
    )
