"""Expected answer of every read page (URL names of coso.web) for each member of the cast.

Keys are URL names; `args` pick a representative object of the cast (tests/cast.py): branch B
(in commune C, province P) and member CAST-B1 (homed in B, linked to the `member` user).
Anonymous visitors are sent to the login page (302); out of scope answers 404, never 403.
The route walker of the test helper reverses each name with `args` and checks `expect`.
"""

from __future__ import annotations

from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404
RESET_USER_PK = 7013  # the login of member CAST-B2, made by `setup` (issue 13)

PAGES: dict[str, dict[str, Any]] = {
    "web:home": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": OK,
            "outsider": OK,
            "anonymous": LOGIN,
        },
    },
    "web:tree": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": HIDDEN,  # members see their record and branch, not the tree
            "outsider": OK,  # their own province
            "anonymous": LOGIN,
        },
    },
    "web:tree_children": {
        "args": ["B"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": HIDDEN,
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    "web:unit": {
        "args": ["B"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": OK,  # their home branch
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    # Figures and charts (issue 13, points 8, 9): as the API's stats, whoever may view the unit.
    "web:unit_stats": {
        "args": ["B"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": OK,  # their home branch (the pyramids are for those who manage it)
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    "web:members": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": HIDDEN,
            "outsider": OK,  # lists only their own province's members
            "anonymous": LOGIN,
        },
    },
    "web:member": {
        "args": ["CAST-B1"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": OK,  # their own record
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    # The member's record as PDF (issue 13, point 7): the member page's access.
    "web:member_pdf": {
        "args": ["CAST-B1"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": OK,  # their own record
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    "web:audit": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": HIDDEN,  # no role of theirs grants VIEW_AUDIT
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": OK,  # an officer too: their own province's entries only
            "anonymous": LOGIN,
        },
    },
    # Scheduled work: administrators only (the whole installation's housekeeping).
    "web:schedule": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": HIDDEN,
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    "web:schedule_run": {
        "args": ["snapshots"],
        "method": "post",
        "expect": {
            "admin": LOGIN,  # queued, then back to the page (302)
            "officer": HIDDEN,
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    # The unit picker (issue 13, point 3): roles only; each sees the units of their own scope
    # (the outsider's answer lists none of P: tests/web/test_unit_picker.py).
    "web:unit_pick": {
        "args": [],
        "query": {"q": "B"},
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": OK,
            "secretary": OK,
            "member": HIDDEN,
            "outsider": OK,
            "anonymous": LOGIN,
        },
    },
    # --- issue 13 -------------------------------------------------------------------------
    # Correcting a member's record: CORRECT_MEMBER_RECORD (the officer of P, the secretary of
    # the member's branch B); never the member themself, nor a committee member.
    "web:member_correct": {
        "args": ["CAST-B1"],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": HIDDEN,
            "secretary": OK,
            "member": HIDDEN,
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
    # A forgotten password: the search for anyone holding RESET_PASSWORD somewhere
    # (organization officers); the account of CAST-B2 (homed in B, made by `setup`) for those
    # whose scope holds everything it reaches: the officer of P. GET only asks to confirm.
    "web:password_reset_search": {
        "args": [],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": OK,
            "anonymous": LOGIN,
        },
    },
    "web:password_reset": {
        "args": [RESET_USER_PK],
        "expect": {
            "admin": OK,
            "officer": OK,
            "committee": HIDDEN,
            "secretary": HIDDEN,
            "member": HIDDEN,
            "outsider": HIDDEN,
            "anonymous": LOGIN,
        },
    },
}


def setup(cast: Any) -> None:
    """The login of member CAST-B2 (a plain member of branch B), for the password reset."""
    from django.contrib.auth import get_user_model

    from coso.accounts.models import Account, Role, RoleKind
    from coso.members.models import Member

    lan = get_user_model().objects.create_user("cast.lan", pk=RESET_USER_PK)
    Role.objects.create(user=lan, kind=RoleKind.MEMBER)
    Account.objects.create(user=lan, member=Member.objects.get(member_id="CAST-B2"))
