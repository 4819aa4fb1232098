"""Filing proposals in tests the way the pages and the API do: through catalogue.perform."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.authority import catalogue
from coso.authority.models import Proposal
from coso.core.dates import today
from tests.cast import Cast


def resolution(on: dt.date | None = None, **extra: Any) -> dict[str, Any]:
    """The proposing branch's resolution fields, as its form takes them."""
    day = on or today()
    return {
        "on": day.isoformat(),
        "resolution_number": "05-NQ/CB",
        "resolution_date": day.isoformat(),
        "votes_for": 7,
        "votes_against": 1,
        "votes_abstain": 0,
        "resolution_note": "Bỏ sinh hoạt chi bộ 3 tháng liền không có lý do.",
        **extra,
    }


def file_strike_off(
    cast: Cast, member: str = "b2", *, by: str = "secretary", on: dt.date | None = None
) -> Proposal:
    """The secretary of B proposes striking a member of B off the rolls."""
    outcome = catalogue.perform(
        catalogue.ACTS["strike_off"],
        cast.members[member],
        resolution(on, reason="Bỏ sinh hoạt 3 tháng liền"),
        user=cast.user(by),
        channel="web",
    )
    assert outcome.proposed, "the secretary of B may only propose a strike-off"
    proposal: Proposal = outcome.proposal
    return proposal
