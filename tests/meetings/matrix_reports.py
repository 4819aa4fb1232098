"""Expected answers of the activity report and its xlsx export, on branch B of the cast.

Whoever holds a role that lets them view B reads its report: the province's officer, the
commune's committee member, B's secretary, the administrator. A plain member of B does not (the
report is for those who run the branches; members see their meetings on their own page), and
the other province's officer does not see B at all: both 404. Anonymous: the login page.
"""

from __future__ import annotations

from typing import Any

OK, LOGIN, HIDDEN = 200, 302, 404

_EXPECT = {
    "admin": OK,
    "officer": OK,
    "committee": OK,
    "secretary": OK,
    "member": HIDDEN,
    "outsider": HIDDEN,
    "anonymous": LOGIN,
}

PAGES: dict[str, dict[str, Any]] = {
    "meetings:report": {"args": ["B"], "expect": dict(_EXPECT)},
    "meetings:report_xlsx": {"args": ["B"], "expect": dict(_EXPECT)},
}
