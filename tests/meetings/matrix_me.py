"""Expected answers of the member's own page, online check-in and the calendar feed.

Only `member` (linked to CAST-B1 of branch B) has an own member record; everyone else gets the
friendly "not linked" page on me/ and 404 on the member-only writes. The calendar feed needs no
login (calendar applications carry no session): it is public by its secret token, so a wrong
token answers 404 to everybody, anonymous included. The check-in entry points at a meeting of
branch B that `setup` plans; its window is not open, so the member's POST is refused with a
message and sent back to me/ (302).
"""

from __future__ import annotations

from typing import Any

OK, REDIRECT, NOT_ALLOWED, HIDDEN = 200, 302, 405, 404
WRONG_TOKEN = "not-a-calendar-token"

# Filled by setup() with the pk of the meeting it plans (the route walker reverses later).
_MEETING_ARGS: list[Any] = [0]


def _expect(member: int, others: int, anonymous: int = REDIRECT) -> dict[str, int]:
    roles = ("admin", "officer", "committee", "secretary", "outsider")
    return {**dict.fromkeys(roles, others), "member": member, "anonymous": anonymous}


PAGES: dict[str, dict[str, Any]] = {
    "meetings:me": {"args": [], "expect": _expect(member=OK, others=OK)},
    "meetings:check_in": {
        "args": _MEETING_ARGS,
        "method": "post",
        "expect": _expect(member=REDIRECT, others=HIDDEN),
    },
    "meetings:calendar_create": {
        "args": [],
        "method": "post",
        "expect": _expect(member=OK, others=HIDDEN),
    },
    "meetings:calendar_revoke": {
        "args": [],
        "method": "post",
        "expect": _expect(member=REDIRECT, others=HIDDEN),
    },
    "meetings:calendar_feed": {
        "args": [WRONG_TOKEN],
        "expect": _expect(member=HIDDEN, others=HIDDEN, anonymous=HIDDEN),
    },
}


def setup(cast: Any) -> None:
    """Plan an in-person meeting of branch B next week (CAST-B1 and CAST-B2 invited)."""
    import datetime as dt

    from coso.core.dates import today
    from coso.meetings.operations import plan_meeting

    meeting = plan_meeting(
        cast.B, kind="regular", on=today() + dt.timedelta(days=7), place="Nhà văn hóa"
    )
    _MEETING_ARGS[:] = [meeting.pk]
