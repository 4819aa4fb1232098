"""Home-page warnings appear and disappear with the data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from coso.authority.scope import scope_of
from coso.core.dates import add_months, today
from coso.members.operations import (
    admit_member,
    assign_position,
    receive_member,
    recognize_member,
    transfer_out,
)
from coso.web.warnings import (
    no_secretary_warnings,
    probation_warnings,
    small_branch_warnings,
    transit_warnings,
)


def _codes(alert: Any) -> list[str]:
    return [item.code for item in alert.items]


def _alerts(cast: Any, who: str) -> dict[str, list[str]]:
    response = cast.client(who).get(reverse("web:home"))
    assert response.status_code == 200
    return {alert.key: _codes(alert) for alert in response.context["alerts"]}


def test_probation_past_twelve_months_until_recognized(cast: Any) -> None:
    alerts = _alerts(cast, "secretary")
    # Admitted 01/03/2021: the 12 months ended 01/03/2022 with no decision recorded.
    assert sorted(alerts["probation"]) == ["CAST-B1", "CAST-B2"]
    body = cast.client("secretary").get(reverse("web:home")).content.decode()
    assert "hết dự bị ngày 01/03/2022, chưa có quyết định" in body
    assert 'href="/members/CAST-B1/"' in body
    recognize_member(cast.members["b1"], decided_on=dt.date(2022, 3, 4))
    assert _alerts(cast, "secretary")["probation"] == ["CAST-B2"]
    # The officer of the province sees members of every branch, the outsider none of them.
    assert sorted(_alerts(cast, "officer")["probation"]) == ["CAST-B2", "CAST-B2X", "CAST-C2"]
    assert _alerts(cast, "outsider")["probation"] == ["CAST-Q"]


def test_probation_ending_within_thirty_days_is_announced(cast: Any) -> None:
    day = today()
    soon = admit_member(
        member_id="SOON",
        full_name="Võ Thị Sớm",
        gender="female",
        birth_date=dt.date(1995, 1, 1),
        branch=cast.B,
        admitted_on=add_months(day, -12) + dt.timedelta(days=10),
    )
    admit_member(
        member_id="LATER",
        full_name="Võ Thị Muộn",
        gender="female",
        birth_date=dt.date(1995, 1, 1),
        branch=cast.B,
        admitted_on=add_months(day, -6),
    )
    alert = probation_warnings(scope_of(cast.secretary).units(), day)
    assert "SOON" in _codes(alert) and "LATER" not in _codes(alert)
    item = next(i for i in alert.items if i.code == "SOON")
    assert item.day == add_months(soon.probation_from, 12)
    assert "chưa có quyết định" not in item.detail


def test_branch_under_three_official_members(cast: Any) -> None:
    units = scope_of(cast.committee).units()
    day = today()
    assert set(_codes(small_branch_warnings(units, day))) == {"B", "B2"}
    third = admit_member(
        member_id="THIRD",
        full_name="Đinh Văn Ba",
        gender="male",
        birth_date=dt.date(1990, 1, 1),
        branch=cast.B,
        admitted_on=dt.date(2021, 3, 1),
    )
    for member in (cast.members["b1"], cast.members["b2"], third):
        recognize_member(member, decided_on=dt.date(2022, 3, 2))
    assert _codes(small_branch_warnings(units, day)) == ["B2"]


def test_unit_without_secretary(cast: Any) -> None:
    units = scope_of(cast.officer).units()
    day = today()
    before = _codes(no_secretary_warnings(units, day))
    assert "B" in before and "P" in before and "G" not in before  # groups have leaders
    recognize_member(cast.members["b1"], decided_on=dt.date(2022, 3, 2))  # probationers may not
    assign_position(cast.members["b1"], cast.B, "secretary", on=dt.date(2023, 1, 2))
    after = _codes(no_secretary_warnings(units, day))
    assert "B" not in after and len(after) == len(before) - 1


def test_member_in_transit_longer_than_thirty_working_days(cast: Any) -> None:
    day = today()
    b2 = cast.members["b2"]
    transfer_out(b2, on=day - dt.timedelta(days=60), to_unit=cast.B2)
    fresh = cast.members["b1"]
    transfer_out(fresh, on=day - dt.timedelta(days=3), to_unit=cast.B2)
    alerts = _alerts(cast, "committee")
    assert alerts["transit"] == ["CAST-B2"]
    receive_member(b2, on=day, branch=cast.B2)
    assert _codes(transit_warnings(scope_of(cast.committee).units(), day)) == []
