"""A small tree made with create_unit and members made with the lifecycle operations."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from coso.core.dates import add_months, today
from coso.core.models import get_decision
from coso.members.models import Member, MemberSpan
from coso.members.operations import admit_member, recognize_member
from coso.stats.models import DailyDelta
from coso.stats.tally import rebuild_all
from coso.units.models import Unit
from coso.units.operations import create_unit

D = dt.date
START = D(1975, 1, 6)
BIRTH = D(1980, 5, 10)
_ids = itertools.count(1)


def make_tree() -> dict[str, Unit]:
    t: dict[str, Unit] = {}

    def unit(code: str, kind: str, parent: str | None, on: dt.date = START) -> None:
        t[code] = create_unit(
            code=code,
            name=f"Đơn vị {code}",
            kind=kind,
            parent=t[parent] if parent else None,
            on=on,
        )

    unit("P", "province", None)
    unit("H", "district", "P")
    unit("X", "grassroots_committee", "H")
    unit("B1", "branch", "X")
    unit("B2", "branch", "X")
    unit("G1", "group", "B1")
    unit("G2", "group", "B1")
    unit("G3", "group", "B2")
    unit("CB", "grassroots_branch", "H")
    unit("LATE", "branch", "X", on=D(2030, 1, 1))
    return t


def new_id() -> str:
    return f"DV{next(_ids):06d}"


def admit(
    branch: Unit,
    admitted_on: dt.date,
    *,
    birth_date: dt.date = BIRTH,
    gender: str = "male",
    **kw: Any,
) -> Member:
    return admit_member(
        member_id=kw.pop("member_id", None) or new_id(),
        full_name=kw.pop("full_name", "Nguyễn Văn An"),
        gender=gender,
        birth_date=birth_date,
        branch=branch,
        admitted_on=admitted_on,
        **kw,
    )


def official(branch: Unit, admitted_on: dt.date, **kw: Any) -> Member:
    """Admitted on `admitted_on` and recognized on the day the probation ends."""
    member = admit(branch, admitted_on, **kw)
    end = add_months(member.probation_from or admitted_on, 12)
    return recognize_member(member, decided_on=end, decision=get_decision("CN-1", end))


def spans_on(day: dt.date, **filters: Any) -> int:
    """Members counted on `day`, straight from the spans."""
    return MemberSpan.objects.filter(valid_from__lte=day, valid_to__gt=day, **filters).count()


def assert_snapshot_is_today(member: Member) -> None:
    member.refresh_from_db()
    span = MemberSpan.objects.filter(
        member=member, valid_from__lte=today(), valid_to__gt=today()
    ).first()
    if span is None:
        assert member.status not in ("probationary", "official")
        assert not member.exempt and not member.in_transit
    else:
        assert (member.status, member.home_unit_id, member.exempt, member.in_transit) == (
            span.status,
            span.unit_id,
            span.exempt,
            span.in_transit,
        )


def assert_tally_consistent() -> None:
    """The daily figures kept by the operations equal a rebuild from the spans."""
    kept = sorted(DailyDelta.objects.values_list("day", "metric", "delta"))
    rebuild_all()
    assert sorted(DailyDelta.objects.values_list("day", "metric", "delta")) == kept
