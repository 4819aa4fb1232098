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
RESET_USER_PK = 7013  # the login of member CAST-B2, made by `setup` (issue 13)

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
    # Issue 13, point 1: correcting a member's record: CORRECT_MEMBER_RECORD (the officer of P,
    # the secretary of the member's branch B); never the member, nor a committee member.
    "web:member_correct": {"args": ["CAST-B1"], "expect": _expect(officer=OK, secretary=OK)},
    # Issue 13: a forgotten password. The search page for anyone holding RESET_PASSWORD
    # somewhere (organization officers); the account of CAST-B2 (homed in B, made by `setup`)
    # for those whose scope holds everything it reaches: the officer of P. GET only asks to
    # confirm; nothing is reset.
    "web:password_reset_search": {"args": [], "expect": _expect(officer=OK, outsider=OK)},
    "web:password_reset": {"args": [RESET_USER_PK], "expect": _expect(officer=OK)},
}


def setup(cast: Any) -> None:
    """Create the representative import job (owned by `officer`, already refused)."""
    from django.contrib.auth import get_user_model

    from coso.accounts.models import Account, Role, RoleKind
    from coso.members.models import Member
    from coso.web.models import ImportJob, ImportKind, ImportStatus

    # Issue 13: the login of member CAST-B2 (a plain member of branch B), for password resets.
    lan = get_user_model().objects.create_user("cast.lan", pk=RESET_USER_PK)
    Role.objects.create(user=lan, kind=RoleKind.MEMBER)
    Account.objects.create(user=lan, member=Member.objects.get(member_id="CAST-B2"))

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
