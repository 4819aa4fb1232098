"""Expected answer of the notice pages (URL names web:notices*) for each member of the cast,
for tests/test_route_matrix.py.

The representative notice (NOTICE_PK, made by `setup`) is the committee member's: only they may
mark it read (a redirect back to the list); for anyone else it does not exist (404). Everyone
logged in has a notice list (their own) and may mark all their own read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

OK, REDIRECT, HIDDEN = 200, 302, 404
NOTICE_PK = 9401
_LOGGED_IN = ("admin", "officer", "committee", "secretary", "member", "outsider")

PAGES: dict[str, dict[str, Any]] = {
    "web:notices": {
        "args": [],
        "expect": {**dict.fromkeys(_LOGGED_IN, OK), "anonymous": REDIRECT},
    },
    "web:notices_read_all": {
        "args": [],
        "method": "post",
        "expect": {**dict.fromkeys(_LOGGED_IN, REDIRECT), "anonymous": REDIRECT},
    },
    "web:notice_read": {
        "args": [NOTICE_PK],
        "method": "post",
        "expect": {
            **dict.fromkeys(_LOGGED_IN, HIDDEN),
            "committee": REDIRECT,
            "anonymous": REDIRECT,  # to the login page
        },
    },
}


def setup(cast: Any) -> None:
    from coso.accounts.models import Notice

    Notice.objects.create(
        pk=NOTICE_PK,
        recipient=cast.committee,
        kind="proposal_due",
        about_type="authority.proposal",
        about_id=1,
        on=dt.date(2026, 1, 5),
        text="Đề nghị cần quyết định.",
    )
