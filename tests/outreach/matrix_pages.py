"""Expected answer to GET of every outreach page (coso/outreach/urls.py), per cast member.

Objects: tests/outreach/objects.py (a household of branch B looked after by CAST-B1 — the
`member` user —, an assignment of C's committee to follow B, a petition handled by C about B).

- Unit pages need a role over the unit (a plain member: 404; the outsider, officer of Q: 404).
- Forms need MANAGE_ACTIVITIES over the unit (the committee of C, B's secretary; not the
  organization officer).
- The household is seen by roles over B and by the member responsible for it.
- The assignment by roles over C (the committee that made it) and over B (the unit followed).
- The petition by roles over C (handling) and over B (the place); the petitioner's identity
  is another matter (tests/outreach/test_privacy.py).
Anonymous: the login page (302).
"""

from __future__ import annotations

from typing import Any

from tests.outreach.objects import ASSIGNMENT_PK, HOUSEHOLD_PK, PETITION_PK, make_objects

OK, LOGIN, HIDDEN = 200, 302, 404


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


_OVER_B = _expect(officer=OK, committee=OK, secretary=OK)
_OVER_C = _expect(officer=OK, committee=OK)
_MANAGE_B = _expect(committee=OK, secretary=OK)
_MANAGE_C = _expect(committee=OK)

PAGES: dict[str, dict[str, Any]] = {
    "outreach:unit_households": {"args": ["B"], "expect": _OVER_B},
    "outreach:household_new": {"args": ["B"], "expect": _MANAGE_B},
    "outreach:household": {"args": [HOUSEHOLD_PK], "expect": _OVER_B | {"member": OK}},
    "outreach:unit_assignments": {"args": ["C"], "expect": _OVER_C},
    "outreach:assignment": {"args": [ASSIGNMENT_PK], "expect": _OVER_B},
    "outreach:unit_petitions": {"args": ["B"], "expect": _OVER_B},
    "outreach:petition_new": {"args": ["C"], "expect": _MANAGE_C},
    "outreach:petition": {"args": [PETITION_PK], "expect": _OVER_B},
}


def setup(cast: Any) -> None:
    make_objects(cast)
