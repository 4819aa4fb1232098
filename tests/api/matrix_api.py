"""Expected answer of every API operation for each member of the cast (tests/cast.py).

Keys are `(METHOD, path template)` exactly as the OpenAPI schema lists them under /api/v1/
(plus the few routes outside the schema: the schema itself, the docs page, the JSON 404).
Each entry says how to fill the template (`path`), what to send (`query`, `json`, or a
multipart `form` whose `files` are `{field: (file name, text)}`) and `expect`: the status per
cast member. Logged-in members call with their API token (`cast.token(name)`); `anonymous`
sends no credentials (401).

The representative objects are branch B (in commune C, province P) and member CAST-B1 (homed
in B, linked to the `member` user). Writes are chosen so that walking the matrix changes
nothing: a request that reaches the registry is refused by it (409 `refused`, 400
`row_errors`) or is a dry run (200); a caller without the right answers 404 before that. So
every role meets the same object in the same state, and "allowed" reads as "reached the
domain". Out of scope is always 404, never 403.

Some entries need objects beyond the cast (a meeting of branch B): `setup(cast)` makes them
and returns their ids by name; a path value `Ref("name")` stands for such an id (tests/api/walk.py
fills it in).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tests.cast import Cast

OK, BAD_FILE, UNAUTHORIZED, HIDDEN, REFUSED, INVALID = 200, 400, 401, 404, 409, 422
TO_LOGIN = 302

_ROLES = ("admin", "officer", "committee", "secretary", "member", "outsider")


def everyone(status: int) -> dict[str, int]:
    return {**dict.fromkeys(_ROLES, status), "anonymous": UNAUTHORIZED}


@dataclass(frozen=True)
class Ref:
    """The id of an object made by `setup`, filled into a path when the entry is requested."""

    name: str


def setup(cast: Cast) -> dict[str, Any]:
    """Meetings of branch B for the meetings entries: one planned in person with no attendance
    recorded (closing, amending, voting, opening check-in or checking in are all refused) and
    with an agenda document, and one cancelled (any recording is refused). The document is
    written under settings.VAR_DIR: callers point it to a folder of their own."""
    from coso.meetings.documents import store_document
    from coso.meetings.models import MeetingForm, MeetingKind
    from coso.meetings.operations import cancel_meeting, plan_meeting

    day = dt.date(2024, 5, 10)
    planned = plan_meeting(
        cast.B, kind=MeetingKind.REGULAR, form=MeetingForm.IN_PERSON, on=day, place="Hội trường"
    )
    cancelled = plan_meeting(
        cast.B, kind=MeetingKind.THEMATIC, form=MeetingForm.IN_PERSON, on=day, place="Hội trường"
    )
    cancel_meeting(cancelled, reason="Trùng lịch")
    agenda = store_document(planned, name="chuong-trinh.pdf", data=b"%PDF-1.4\n%%EOF\n")
    # B's secretary proposes striking CAST-B2 off; commune C decides.
    from tests.authority.filing import file_strike_off

    proposal = file_strike_off(cast, "b2")
    from coso.authority.proposals import attach_document

    attached = attach_document(
        proposal, name="nghi-quyet.pdf", data=b"%PDF-1.4\n%%EOF\n", user=cast.secretary, actor=None
    )
    # A resolution registered at P and cascaded to P's branches (B among them).
    from tests.followup.helpers import matrix_directive

    directive, study, directive_file = matrix_directive(cast)
    from tests.quality.objects import criteria_and_assessment

    criteria, assessment = criteria_and_assessment(cast)
    from tests.outreach.objects import make_objects

    outreach = make_objects(cast)
    from tests.oversight.objects import matrix_cases

    cases = matrix_cases(cast)
    return {
        **outreach,
        **cases,
        "directive": directive,
        "directive_file": directive_file,
        "study_step": study,
        "criteria": criteria.pk,
        "assessment": assessment.pk,
        "proposal_document": attached.pk,
        "planned": planned.pk,
        "cancelled": cancelled.pk,
        "document": agenda.pk,
        "proposal": proposal.pk,
    }


def public(status: int) -> dict[str, int]:
    return {**dict.fromkeys(_ROLES, status), "anonymous": status}


_OVERSIGHT_ON_B = {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN}
_OVERSIGHT_REFUSED_ON_B = {**everyone(REFUSED), "member": HIDDEN, "outsider": HIDDEN}

# A member born in 2015 cannot be admitted in 2024: refused by the registry, nothing written.
_TOO_YOUNG = {
    "member_id": "API-MATRIX-1",
    "full_name": "Trần Thị Mai",
    "gender": "female",
    "birth_date": "2015-05-05",
    "branch": "B",
    "admitted_on": "2024-03-01",
    **{"decision_number": "1-QĐ/ĐU", "resolution_date": "2024-02-20", "votes_for": 5},
}
# An act's authorization: the decision for those who decide, the branch's resolution for those
# who may only propose (both sent: each form reads its own).
_AUTHORIZED = {"decision_number": "1-QĐ/ĐU", "resolution_date": "2021-03-01", "votes_for": 5}
_UNITS_FILE = "code,name,kind,parent,valid_from\nAPI-X,Chi bộ thử,not_a_kind,C,2024-01-01\n"
_MEMBERS_FILE = (
    "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on\n"
    "API-M1,,Lê Văn Tám,male,not-a-date,B,2020-01-01,\n"
)
# Who may manage a meeting of B: the administrator, the committee of C and B's secretary; the
# officer of P only reads; the member of B reads the meetings they are invited to.
_MANAGERS_REFUSED = {**everyone(REFUSED), "officer": HIDDEN, "member": HIDDEN, "outsider": HIDDEN}
_READERS = {**everyone(OK), "outsider": HIDDEN}
_ROLES_READ = {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN}  # reports: roles only
_PLANNED = {"meeting_id": Ref("planned")}
_CANCELLED = {"meeting_id": Ref("cancelled")}
_CRITERIA = {"criteria_id": Ref("criteria")}
_ASSESSMENT = {"assessment_id": Ref("assessment")}
_PLAN_FILE = "op,unit,into,name,kind,category\nrename,B,,Chi bộ B (tên mới),,\n"

API: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/tree/{code}"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},  # trees: roles only
    },
    ("GET", "/api/v1/units/{code}/stats"): {
        "path": {"code": "B"},
        "query": {"as_of": "2024-01-01"},
        "expect": {**everyone(OK), "outsider": HIDDEN},  # a member: their home branch
    },
    # The numbers behind the unit figures page's charts (issue 13, point 8).
    ("GET", "/api/v1/units/{code}/stats/series"): {
        "path": {"code": "B"},
        "query": {"from": "2024-01-01", "to": "2024-12-31"},
        "expect": {**everyone(OK), "outsider": HIDDEN},  # as the figures: a member's branch
    },
    ("GET", "/api/v1/units/{code}/stats/ages"): {
        "path": {"code": "B"},
        "query": {"as_of": "2024-01-01"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},  # roles only
    },
    ("GET", "/api/v1/units"): {
        "query": {"kind": "branch"},
        "expect": everyone(OK),  # each sees the units of their own scope
    },
    ("GET", "/api/v1/units/{code}"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "outsider": HIDDEN},
    },
    ("GET", "/api/v1/pick/units"): {
        "query": {"q": "B", "action": "manage_units"},
        # Roles only; each finds the units of their own scope (none of P for the outsider).
        "expect": {**everyone(OK), "member": HIDDEN},
    },
    ("GET", "/api/v1/members"): {
        "query": {"q": "pham dinh dung"},
        "expect": everyone(OK),  # lists only what is in scope (empty for the outsider)
    },
    ("GET", "/api/v1/members/{member_id}"): {
        "path": {"member_id": "CAST-B1"},
        "expect": {**everyone(OK), "outsider": HIDDEN},  # a member: their own record
    },
    ("POST", "/api/v1/members"): {
        # The commune committee decides admission; B's secretary proposes it: both refused by
        # the rules (too young), the proposal when it is filed.
        "json": _TOO_YOUNG,
        "expect": {
            **everyone(REFUSED),
            "member": HIDDEN,  # sees branch B (their home) but may not act on it
            "outsider": INVALID,  # branch B is not theirs: "no such unit"
        },
    },
    ("POST", "/api/v1/members/{member_id}/operations/{op}"): {
        "path": {"member_id": "CAST-B1", "op": "recognize"},
        "json": {"on": "2021-03-02", **_AUTHORIZED},  # a day into probation: refused
        "expect": {**everyone(REFUSED), "member": HIDDEN, "outsider": HIDDEN},
    },
    # Issue 13, point 1: corrections of a member's record. The list is read as the record is;
    # a correction needs CORRECT_MEMBER_RECORD (officer of P, secretary of B). Nothing differs
    # from the record as it stands: refused (409), nothing written.
    ("GET", "/api/v1/members/{member_id}/corrections"): {
        "path": {"member_id": "CAST-B1"},
        "expect": {**everyone(OK), "outsider": HIDDEN},
    },
    ("POST", "/api/v1/members/{member_id}/corrections"): {
        "path": {"member_id": "CAST-B1"},
        "json": {"effective_on": "2024-05-02", "reason": "Thử", "full_name": "Phạm Đình Dũng"},
        "expect": {**everyone(REFUSED), "committee": HIDDEN, "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/units/{code}/operations/{op}"): {
        "path": {"code": "B", "op": "dissolve"},
        "json": {"on": "2024-06-01", **_AUTHORIZED},  # B still has members: refused
        "expect": {
            **everyone(REFUSED),
            "secretary": HIDDEN,  # decided by the commune: a branch does not propose its end
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    ("GET", "/api/v1/operations"): {"expect": everyone(OK)},
    ("POST", "/api/v1/reorg/plans"): {
        "form": {"on": "2024-06-01", "decision": "12-QĐ/TU", "dry_run": "true"},
        "files": {"file": ("phuong-an.csv", _PLAN_FILE)},
        "expect": {
            **everyone(OK),  # a dry run: the report, nothing written
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": BAD_FILE,  # reorganizes Q only: B is reported as an unknown unit
        },
    },
    ("POST", "/api/v1/imports/units"): {
        "files": {"file": ("don-vi.csv", _UNITS_FILE)},
        "expect": {
            **everyone(BAD_FILE),  # the row's kind is wrong: row_errors, nothing written
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
        },
    },
    ("POST", "/api/v1/imports/members"): {
        "files": {"file": ("dang-vien.csv", _MEMBERS_FILE)},
        "expect": {**everyone(BAD_FILE), "committee": HIDDEN, "member": HIDDEN},
    },
    # --- branch activities (coso/api/meetings.py) ---
    ("GET", "/api/v1/units/{code}/meetings"): {
        "path": {"code": "B"},
        "query": {"from": "2024-01-01", "to": "2025-01-01"},
        "expect": _READERS,  # a member: their home branch
    },
    ("POST", "/api/v1/units/{code}/meetings"): {
        "path": {"code": "B"},
        # Online, but B is no special unit, no circumstance is declared and nobody is unable
        # to come: refused (HD 03-HD/TW), nothing written.
        "json": {
            "kind": "regular",
            "form": "online",
            "on": "2024-06-10",
            "online_link": "https://meet.example.vn/b",
            "online_reason": "Mưa bão",
            "unable_in_person": 0,
        },
        "expect": _MANAGERS_REFUSED,
    },
    ("GET", "/api/v1/meetings/{meeting_id}"): {"path": _PLANNED, "expect": _READERS},
    ("POST", "/api/v1/meetings/{meeting_id}/attendance"): {
        "path": _CANCELLED,  # a cancelled meeting records nothing
        "json": {"attendance": [{"member_id": "CAST-B1", "status": "present"}]},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/consolidate"): {
        "path": _PLANNED,  # in person, not by party group: nothing to consolidate
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/documents"): {
        "path": _PLANNED,
        "files": {"file": ("lich-hop.exe", "MZ not a document")},  # type refused: nothing stored
        "expect": _MANAGERS_REFUSED,
    },
    ("GET", "/api/v1/documents/{document_id}"): {
        "path": {"document_id": Ref("document")},
        "expect": _READERS,  # whoever may see the meeting
    },
    ("POST", "/api/v1/meetings/{meeting_id}/minutes"): {
        "path": _CANCELLED,
        "json": {"review": "Tháng qua chi bộ đã…"},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/resolutions"): {
        "path": _PLANNED,  # one vote, but nobody is recorded present
        "json": {"title": "Nghị quyết tháng 5", "votes_for": 1},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/close"): {
        "path": _PLANNED,  # no attendance recorded: cannot be closed
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/cancel"): {
        "path": _CANCELLED,  # already cancelled
        "json": {"reason": "Trùng lịch"},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/amendments"): {
        "path": _PLANNED,  # not closed: amendments are for closed meetings only
        "json": {"field": "place", "value": "Nhà văn hóa", "reason": "Ghi nhầm"},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/check-in/open"): {
        "path": _PLANNED,  # in person: no check-in window
        "json": {},
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/meetings/{meeting_id}/check-in"): {
        "path": _PLANNED,
        # Roles without a member record cannot check in; the member is outside any window.
        "expect": {**everyone(REFUSED), "outsider": HIDDEN},
    },
    ("POST", "/api/v1/meetings/{meeting_id}/check-in/confirm"): {
        "path": _CANCELLED,
        "json": {"excused": []},
        "expect": _MANAGERS_REFUSED,
    },
    ("GET", "/api/v1/units/{code}/resolutions"): {
        "path": {"code": "B"},
        "query": {"year": 2024},
        "expect": _READERS,
    },
    ("GET", "/api/v1/me/meetings"): {
        # The caller's own member's meetings: only a user linked to a member has them.
        "expect": {**everyone(HIDDEN), "member": OK},
    },
    ("GET", "/api/v1/members/{member_id}/attendance"): {
        "path": {"member_id": "CAST-B1"},
        "query": {"from": "2024-01-01", "to": "2025-01-01"},
        "expect": _READERS,  # a member: their own record
    },
    ("GET", "/api/v1/units/{code}/activity-report"): {
        "path": {"code": "B"},
        "query": {"from": "2024-01-01", "to": "2025-01-01"},
        "expect": _ROLES_READ,
    },
    ("GET", "/api/v1/units/{code}/activity-warnings"): {
        "path": {"code": "B"},
        "query": {"from": "2024-01-01", "to": "2025-01-01"},
        "expect": _ROLES_READ,
    },
    # --- proposals and decisions (coso/api/proposals.py) ---
    ("GET", "/api/v1/proposals"): {
        "query": {"status": "pending"},
        "expect": {**everyone(OK), "member": HIDDEN},  # each sees their scope's (outsider: none)
    },
    ("GET", "/api/v1/proposals/{proposal_id}"): {
        "path": {"proposal_id": Ref("proposal")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/proposals/{proposal_id}/documents"): {
        "path": {"proposal_id": Ref("proposal")},
        # A program is no document: refused for the proposing side, nothing stored.
        "files": {"file": ("chuong-trinh.exe", "MZ not a document")},
        "expect": {
            **everyone(REFUSED),  # B's secretary and those above who manage its members
            "committee": HIDDEN,  # decides for C, does not propose for B
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    ("GET", "/api/v1/proposals/{proposal_id}/documents/{document_id}"): {
        "path": {"proposal_id": Ref("proposal"), "document_id": Ref("proposal_document")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/proposals/{proposal_id}/decide"): {
        "path": {"proposal_id": Ref("proposal")},
        # Approving on a day before the member's admission: refused, the proposal stays pending.
        "json": {"outcome": "approved", "decision_number": "9-QĐ/ĐU", "on": "2020-03-01"},
        "expect": {
            **everyone(REFUSED),  # the committee of C and those above it decide
            "secretary": HIDDEN,  # B proposes; it does not decide
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    # --- follow-through of directives (coso/api/followup.py) ---
    ("GET", "/api/v1/directives"): {
        "expect": {**everyone(OK), "member": HIDDEN},  # each sees their scope's (outsider: none)
    },
    ("POST", "/api/v1/directives"): {
        # Issued in the future: refused, nothing written. Q's officer cannot register at P.
        "json": {
            "owner": "P",
            "kind": "directive",
            "number": "99-CT/TU",
            "issued_on": "2199-01-01",
            "issuer": "Tỉnh ủy",
            "title": "Chỉ thị thử",
        },
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "officer": REFUSED},
    },
    ("GET", "/api/v1/directives/{directive_id}"): {
        "path": {"directive_id": Ref("directive")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/directives/{directive_id}/attachments"): {
        "path": {"directive_id": Ref("directive")},
        "files": {"file": ("chi-thi.exe", "MZ not a document")},  # type refused: nothing stored
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "officer": REFUSED},
    },
    ("GET", "/api/v1/directive-files/{attachment_id}"): {
        "path": {"attachment_id": Ref("directive_file")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/directives/{directive_id}/cascade"): {
        "path": {"directive_id": Ref("directive")},
        "json": {"root": "P", "kinds": ["branch"], "on": "2024-05-10", "dry_run": True},
        "expect": {**everyone(HIDDEN), "admin": OK, "officer": OK},  # a preview: nothing written
    },
    ("GET", "/api/v1/directives/{directive_id}/tracking/{code}"): {
        "path": {"directive_id": Ref("directive"), "code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/units/{code}/implementations"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/steps/{step_id}/report"): {
        "path": {"step_id": Ref("study_step")},
        "json": {"done_on": "2000-01-01"},  # before the cascade: refused
        "expect": {
            **everyone(HIDDEN),
            "admin": REFUSED,
            "committee": REFUSED,
            "secretary": REFUSED,
        },
    },
    # --- outreach: households, assignments, petitions (coso/api/outreach.py) ---
    ("GET", "/api/v1/units/{code}/households/coverage"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/units/{code}/arrangement"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/units/{code}/households"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/households/{household_id}"): {
        # Roles over B, and CAST-B1 (the member user), responsible for it.
        "path": {"household_id": Ref("household")},
        "expect": {**everyone(OK), "outsider": HIDDEN},
    },
    ("POST", "/api/v1/households/{household_id}/visits"): {
        # A visit in the future: refused, nothing written.
        "path": {"household_id": Ref("household")},
        "json": {"member": "CAST-B1", "on": "2199-01-01"},
        "expect": {**everyone(REFUSED), "officer": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/units/{code}/assignments"): {
        "path": {"code": "C"},
        "expect": {**everyone(OK), "secretary": HIDDEN, "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/units/{code}/households"): {
        # Registered in the future: refused, nothing written.
        "path": {"code": "B"},
        "json": {
            "code": "HGD-MATRIX",
            "head_name": "Chủ hộ",
            "address": "Thôn B",
            "area": "B",
            "on": "2199-01-01",
        },
        "expect": {
            **everyone(HIDDEN),
            "admin": REFUSED,
            "committee": REFUSED,
            "secretary": REFUSED,
        },
    },
    ("POST", "/api/v1/households/{household_id}/responsible"): {
        "path": {"household_id": Ref("household")},
        "json": {"member": "CAST-B2", "on": "2199-01-01"},
        "expect": {
            **everyone(HIDDEN),
            "admin": REFUSED,
            "committee": REFUSED,
            "secretary": REFUSED,
        },
    },
    ("POST", "/api/v1/units/{code}/assignments"): {
        # A term ending before it starts: refused. MANAGE_ACTIVITIES over C: its committee.
        "path": {"code": "C"},
        "json": {"member": "CAST-B2X", "unit": "B", "on": "2024-01-02", "until": "2023-01-01"},
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    ("GET", "/api/v1/assignments/{assignment_id}"): {
        "path": {"assignment_id": Ref("assignment")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/assignments/{assignment_id}/reports"): {
        "path": {"assignment_id": Ref("assignment")},
        "json": {"period_end": "2199-01-01", "text": "Báo cáo"},
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    ("GET", "/api/v1/units/{code}/petitions"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/units/{code}/petitions"): {
        # Received in the future: refused. MANAGE_ACTIVITIES over C: its committee.
        "path": {"code": "C"},
        "json": {
            "kind": "petition",
            "category": "land",
            "received_on": "2199-01-01",
            "petitioner_name": "Người thử",
            "summary": "Thử",
            "place": "Thôn B",
        },
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    ("GET", "/api/v1/units/{code}/petitions/overdue"): {
        "path": {"code": "B"},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/petitions/{petition_id}"): {
        "path": {"petition_id": Ref("petition")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/petitions/{petition_id}/cases"): {
        "path": {"petition_id": Ref("petition")},
        "expect": {**everyone(OK), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/petitions/{petition_id}/cases"): {
        "path": {"petition_id": Ref("petition")},
        "json": {"case": 99999999},  # no such case: refused by field, nothing linked
        "expect": {**everyone(HIDDEN), "admin": INVALID, "committee": INVALID},
    },
    ("POST", "/api/v1/petitions/{petition_id}/steps"): {
        "path": {"petition_id": Ref("petition")},
        "json": {"on": "2199-01-01", "text": "Thử"},
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    ("POST", "/api/v1/petitions/{petition_id}/escalate"): {
        "path": {"petition_id": Ref("petition")},
        "json": {"to": "P", "on": "2199-01-01", "reason": "Thử"},
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    ("POST", "/api/v1/petitions/{petition_id}/resolve"): {
        "path": {"petition_id": Ref("petition")},
        "json": {"on": "2199-01-01", "resolution": "Thử"},
        "expect": {**everyone(HIDDEN), "admin": REFUSED, "committee": REFUSED},
    },
    # --- assessment and quality classification (coso/api/quality.py) ---
    ("GET", "/api/v1/quality/criteria"): {"expect": {**everyone(OK), "member": HIDDEN}},
    ("GET", "/api/v1/quality/criteria/{criteria_id}"): {
        "path": _CRITERIA,
        "expect": {**everyone(OK), "member": HIDDEN},
    },
    ("POST", "/api/v1/quality/criteria/{criteria_id}/versions"): {
        # Issued by P: P's officers (and the administrator) add versions; no "good" criterion
        # in the content: refused, nothing written.
        "path": _CRITERIA,
        "json": {
            "name": "Bộ tiêu chí mới",
            "unit_kinds": ["branch"],
            "effective_from": "2026-01-01",
            "source": "Hướng dẫn",
            "content": {"good": [], "no": []},
        },
        "expect": {
            **everyone(REFUSED),
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    ("GET", "/api/v1/units/{code}/assessments"): {"path": {"code": "B"}, "expect": _ROLES_READ},
    ("POST", "/api/v1/units/{code}/assessments"): {
        "path": {"code": "B"},
        "json": {"criteria_set": 999999, "year": 2024},  # no such criteria set: refused
        "expect": _MANAGERS_REFUSED,
    },
    ("GET", "/api/v1/assessments/{assessment_id}"): {
        "path": _ASSESSMENT,
        "expect": _ROLES_READ,
    },
    ("POST", "/api/v1/assessments/{assessment_id}/scores"): {
        "path": _ASSESSMENT,
        "json": {"scores": {"T1.1": 999}},  # above the sub-criterion's points: refused
        "expect": _MANAGERS_REFUSED,
    },
    ("POST", "/api/v1/assessments/{assessment_id}/submit"): {
        # Dated before the period assessed: refused (the secretary's proposal at its rehearsal).
        "path": _ASSESSMENT,
        "json": {"on": "2023-06-01", **_AUTHORIZED},
        "expect": {**everyone(REFUSED), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/assessments/{assessment_id}/review"): {
        # The superior (commune C and above) vets; not yet proposed: refused.
        "path": _ASSESSMENT,
        "json": {"total": 80},
        "expect": {
            **everyone(REFUSED),
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    ("GET", "/api/v1/units/{code}/classifications"): {
        "path": {"code": "B"},
        "query": {"year": 2024},
        "expect": _ROLES_READ,
    },
    ("POST", "/api/v1/units/{code}/classifications"): {
        # Excellent with nobody else rated in its group: over the 20% quota, refused.
        "path": {"code": "B"},
        "json": {"on": "2024-12-20", "year": 2024, "level": "excellent", **_AUTHORIZED},
        "expect": {**everyone(REFUSED), "member": HIDDEN, "outsider": HIDDEN},
    },
    ("GET", "/api/v1/members/{member_id}/classifications"): {
        "path": {"member_id": "CAST-B1"},
        "expect": {**everyone(OK), "outsider": HIDDEN},  # a member: their own
    },
    ("POST", "/api/v1/members/{member_id}/classifications"): {
        # Branch B not yet rated (collectives before individuals): refused.
        "path": {"member_id": "CAST-B1"},
        "json": {"on": "2024-12-20", "year": 2024, "level": "good", **_AUTHORIZED},
        "expect": {**everyone(REFUSED), "member": HIDDEN, "outsider": HIDDEN},
    },
    # --- violations, inspection and discipline (coso/api/oversight.py) ---
    # Case files: the handling body and those above it; the member sees their own case only.
    ("GET", "/api/v1/units/{code}/cases"): {"path": {"code": "B"}, "expect": _OVERSIGHT_ON_B},
    ("POST", "/api/v1/units/{code}/cases"): {
        "path": {"code": "B"},
        "json": {  # violation after the opening: refused, nothing written
            "member_id": "CAST-B2",
            "source": "inspection",
            "title": "Thử",
            "facts": "Thử",
            "violated_on": "2024-06-01",
            "opened_on": "2024-05-01",
        },
        "expect": _OVERSIGHT_REFUSED_ON_B,
    },
    ("GET", "/api/v1/cases/{case_id}"): {
        "path": {"case_id": Ref("case_c")},  # handled by C, about CAST-B1 (the member's own)
        "expect": {**everyone(OK), "secretary": HIDDEN, "outsider": HIDDEN},
    },
    ("POST", "/api/v1/cases/{case_id}/discipline"): {
        "path": {"case_id": Ref("case_c")},
        "json": {"form": "dissolution", "on": "2024-06-01", **_AUTHORIZED},  # not for members
        "expect": {
            **everyone(REFUSED),
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
        },
    },
    ("POST", "/api/v1/discipline/{decision_id}/appeals"): {
        "path": {"decision_id": Ref("discipline_decision")},
        "json": {"lodged_on": "2024-06-10", "grounds": "Lần hai"},  # one pending already
        "expect": _OVERSIGHT_REFUSED_ON_B,
    },
    ("POST", "/api/v1/appeals/{appeal_id}/decision"): {
        "path": {"appeal_id": Ref("appeal")},
        # B decided it: B cannot decide the appeal (the level above does): refused.
        "json": {
            "outcome": "upheld",
            "decided_by": "B",
            "on": "2024-07-01",
            "decision_number": "1-QĐ",
        },
        "expect": _OVERSIGHT_REFUSED_ON_B,
    },
    ("GET", "/api/v1/units/{code}/inspection-plans"): {
        "path": {"code": "B"},
        "expect": _OVERSIGHT_ON_B,
    },
    ("POST", "/api/v1/units/{code}/inspection-plans"): {
        "path": {"code": "B"},
        "json": {  # ends before it starts: refused
            "kind": "inspection",
            "title": "Thử",
            "period_start": "2024-06-01",
            "period_end": "2024-05-01",
            "targets": "Thử",
        },
        "expect": _OVERSIGHT_REFUSED_ON_B,
    },
}

# Routes outside the OpenAPI schema: the schema, the docs page (both public, they hold no
# data), the API root (links to them) and any unknown path under /api/v1/ (a JSON 404).
EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    # The schema and the docs are for the API's callers: the docs send anonymous to login.
    ("GET", "/api/v1/openapi.json"): {"expect": everyone(OK)},
    ("GET", "/api/v1/docs"): {"expect": {**everyone(OK), "anonymous": TO_LOGIN}},
    ("GET", "/api/v1/docs/assets/swagger-ui.css"): {"expect": public(OK)},  # Swagger UI's files
    ("GET", "/api/v1/"): {"expect": public(OK)},  # title, version, links to the schema and docs
    ("GET", "/api/v1/no-such-route"): {"expect": public(HIDDEN)},
}

# Django URL names of the API (namespace "api") -> the matrix key serving them, so that a
# walker over the URL configuration (tests/test_route_matrix.py) finds each route's entry.
URL_NAMES: dict[str, tuple[str, str]] = {
    "api:tree": ("GET", "/api/v1/tree/{code}"),
    "api:unit_stats": ("GET", "/api/v1/units/{code}/stats"),
    "api:unit_stats_series": ("GET", "/api/v1/units/{code}/stats/series"),
    "api:unit_stats_ages": ("GET", "/api/v1/units/{code}/stats/ages"),
    "api:list_units": ("GET", "/api/v1/units"),
    "api:pick": ("GET", "/api/v1/pick/units"),
    "api:unit_detail": ("GET", "/api/v1/units/{code}"),
    "api:list_members": ("GET", "/api/v1/members"),
    "api:admit": ("POST", "/api/v1/members"),
    "api:get_member": ("GET", "/api/v1/members/{member_id}"),
    "api:operate_member": ("POST", "/api/v1/members/{member_id}/operations/{op}"),
    "api:list_corrections": ("GET", "/api/v1/members/{member_id}/corrections"),
    "api:post_correction": ("POST", "/api/v1/members/{member_id}/corrections"),
    "api:operate_unit": ("POST", "/api/v1/units/{code}/operations/{op}"),
    "api:list_acts": ("GET", "/api/v1/operations"),
    "api:post_plan": ("POST", "/api/v1/reorg/plans"),
    "api:post_units_import": ("POST", "/api/v1/imports/units"),
    "api:post_members_import": ("POST", "/api/v1/imports/members"),
    "api:list_meetings": ("GET", "/api/v1/units/{code}/meetings"),
    "api:plan": ("POST", "/api/v1/units/{code}/meetings"),
    "api:get_meeting": ("GET", "/api/v1/meetings/{meeting_id}"),
    "api:post_attendance": ("POST", "/api/v1/meetings/{meeting_id}/attendance"),
    "api:consolidate": ("POST", "/api/v1/meetings/{meeting_id}/consolidate"),
    "api:post_document": ("POST", "/api/v1/meetings/{meeting_id}/documents"),
    "api:get_document": ("GET", "/api/v1/documents/{document_id}"),
    "api:post_minutes": ("POST", "/api/v1/meetings/{meeting_id}/minutes"),
    "api:post_resolution": ("POST", "/api/v1/meetings/{meeting_id}/resolutions"),
    "api:close": ("POST", "/api/v1/meetings/{meeting_id}/close"),
    "api:cancel": ("POST", "/api/v1/meetings/{meeting_id}/cancel"),
    "api:post_amendment": ("POST", "/api/v1/meetings/{meeting_id}/amendments"),
    "api:open_check_in": ("POST", "/api/v1/meetings/{meeting_id}/check-in/open"),
    "api:check_in": ("POST", "/api/v1/meetings/{meeting_id}/check-in"),
    "api:confirm_check_ins": ("POST", "/api/v1/meetings/{meeting_id}/check-in/confirm"),
    "api:list_resolutions": ("GET", "/api/v1/units/{code}/resolutions"),
    "api:my_meetings": ("GET", "/api/v1/me/meetings"),
    "api:member_attendance": ("GET", "/api/v1/members/{member_id}/attendance"),
    "api:activity_report": ("GET", "/api/v1/units/{code}/activity-report"),
    "api:list_activity_warnings": ("GET", "/api/v1/units/{code}/activity-warnings"),
    "api:list_proposals": ("GET", "/api/v1/proposals"),
    "api:get_proposal": ("GET", "/api/v1/proposals/{proposal_id}"),
    "api:decide_proposal": ("POST", "/api/v1/proposals/{proposal_id}/decide"),
    "api:post_proposal_document": ("POST", "/api/v1/proposals/{proposal_id}/documents"),
    "api:get_proposal_document": (
        "GET",
        "/api/v1/proposals/{proposal_id}/documents/{document_id}",
    ),
    "api:list_directives": ("GET", "/api/v1/directives"),
    "api:create_directive": ("POST", "/api/v1/directives"),
    "api:get_directive": ("GET", "/api/v1/directives/{directive_id}"),
    "api:cascade": ("POST", "/api/v1/directives/{directive_id}/cascade"),
    "api:post_attachment": ("POST", "/api/v1/directives/{directive_id}/attachments"),
    "api:get_attachment": ("GET", "/api/v1/directive-files/{attachment_id}"),
    "api:get_tracking": ("GET", "/api/v1/directives/{directive_id}/tracking/{code}"),
    "api:list_implementations": ("GET", "/api/v1/units/{code}/implementations"),
    "api:report_step": ("POST", "/api/v1/steps/{step_id}/report"),
    "api:list_criteria": ("GET", "/api/v1/quality/criteria"),
    "api:criteria_detail": ("GET", "/api/v1/quality/criteria/{criteria_id}"),
    "api:new_criteria_version": ("POST", "/api/v1/quality/criteria/{criteria_id}/versions"),
    "api:unit_assessments": ("GET", "/api/v1/units/{code}/assessments"),
    "api:assessment_detail": ("GET", "/api/v1/assessments/{assessment_id}"),
    "api:save_scores": ("POST", "/api/v1/assessments/{assessment_id}/scores"),
    "api:submit_assessment": ("POST", "/api/v1/assessments/{assessment_id}/submit"),
    "api:review_assessment": ("POST", "/api/v1/assessments/{assessment_id}/review"),
    "api:classification_summary": ("GET", "/api/v1/units/{code}/classifications"),
    "api:list_cases": ("GET", "/api/v1/units/{code}/cases"),
    "api:open_case": ("POST", "/api/v1/units/{code}/cases"),
    "api:get_case": ("GET", "/api/v1/cases/{case_id}"),
    "api:decide_discipline": ("POST", "/api/v1/cases/{case_id}/discipline"),
    "api:lodge_appeal": ("POST", "/api/v1/discipline/{decision_id}/appeals"),
    "api:decide_appeal": ("POST", "/api/v1/appeals/{appeal_id}/decision"),
    "api:list_plans": ("GET", "/api/v1/units/{code}/inspection-plans"),
    "api:add_plan": ("POST", "/api/v1/units/{code}/inspection-plans"),
    "api:member_classifications": ("GET", "/api/v1/members/{member_id}/classifications"),
    "api:start_assessment": ("POST", "/api/v1/units/{code}/assessments"),
    "api:classify_unit": ("POST", "/api/v1/units/{code}/classifications"),
    "api:classify_member": ("POST", "/api/v1/members/{member_id}/classifications"),
    "api:household_coverage": ("GET", "/api/v1/units/{code}/households/coverage"),
    "api:unit_arrangement": ("GET", "/api/v1/units/{code}/arrangement"),
    "api:list_households": ("GET", "/api/v1/units/{code}/households"),
    "api:get_household": ("GET", "/api/v1/households/{household_id}"),
    "api:post_visit": ("POST", "/api/v1/households/{household_id}/visits"),
    "api:list_assignments": ("GET", "/api/v1/units/{code}/assignments"),
    "api:create_household": ("POST", "/api/v1/units/{code}/households"),
    "api:post_responsible": ("POST", "/api/v1/households/{household_id}/responsible"),
    "api:create_assignment": ("POST", "/api/v1/units/{code}/assignments"),
    "api:get_assignment": ("GET", "/api/v1/assignments/{assignment_id}"),
    "api:post_assignment_report": ("POST", "/api/v1/assignments/{assignment_id}/reports"),
    "api:list_petitions": ("GET", "/api/v1/units/{code}/petitions"),
    "api:create_petition": ("POST", "/api/v1/units/{code}/petitions"),
    "api:petition_overdue": ("GET", "/api/v1/units/{code}/petitions/overdue"),
    "api:get_petition": ("GET", "/api/v1/petitions/{petition_id}"),
    "api:petition_cases": ("GET", "/api/v1/petitions/{petition_id}/cases"),
    "api:link_petition_case": ("POST", "/api/v1/petitions/{petition_id}/cases"),
    "api:post_petition_step": ("POST", "/api/v1/petitions/{petition_id}/steps"),
    "api:escalate_petition": ("POST", "/api/v1/petitions/{petition_id}/escalate"),
    "api:resolve_petition": ("POST", "/api/v1/petitions/{petition_id}/resolve"),
    "api:openapi-json": ("GET", "/api/v1/openapi.json"),
    "api:openapi-view": ("GET", "/api/v1/docs"),
    "api:docs-asset": ("GET", "/api/v1/docs/assets/swagger-ui.css"),
    "api:api-root": ("GET", "/api/v1/"),
    "api:not_found": ("GET", "/api/v1/no-such-route"),
}
