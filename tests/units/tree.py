"""A small tree with members for the reorganization tests, and an independent oracle.

The oracle answers "how many members under X on D" the slow, obvious way (every member span
valid on D, its unit's span valid on D, a path prefix test), so it shares no code with the
operations or the tally it checks.
"""

from __future__ import annotations

import datetime as dt
from itertools import count

from coso.core.dates import FAR_FUTURE
from coso.members.models import Member, MemberSpan
from coso.stats.models import DailyDelta
from coso.stats.tally import refresh_days
from coso.units.models import Unit, UnitSpan
from coso.units.operations import create_unit

BUILT = dt.date(2000, 1, 1)
JOINED = dt.date(2010, 1, 1)
_ids = count(1)

# code: (kind, parent code, tags, members)
SHAPE: dict[str, tuple[str, str | None, list[str], int]] = {
    "P": ("province", None, [], 0),
    "D1": ("district", "P", [], 0),
    "C1": ("grassroots_committee", "D1", [], 0),
    "B1": ("branch", "C1", ["residential"], 5),
    "G1": ("group", "B1", [], 0),
    "B2": ("branch", "C1", ["village"], 3),
    "GB1": ("grassroots_branch", "D1", ["agency"], 4),
    "D2": ("district", "P", [], 0),
    "C2": ("grassroots_committee", "D2", [], 0),
    "B3": ("branch", "C2", ["residential"], 6),
    "C3": ("grassroots_committee", "D2", [], 0),
}
TOTAL = sum(s[3] for s in SHAPE.values())


def add_members(
    unit: Unit, n: int, on: dt.date = JOINED, group: Unit | None = None
) -> list[Member]:
    members = []
    for _ in range(n):
        number = next(_ids)
        member = Member.objects.create(
            member_id=f"M{number:06d}",
            full_name=f"Nguyễn Văn {number}",
            gender="male",
            birth_date=dt.date(1980, 1, 1),
            status="official",
            home_unit=unit,
        )
        MemberSpan.objects.create(
            member=member, unit=unit, group=group, status="official", valid_from=on
        )
        members.append(member)
    refresh_days([on])  # written directly, so the tally is kept in step here
    return members


def build_tree() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, (kind, parent, tags, _n) in SHAPE.items():
        units[code] = create_unit(
            code=code,
            name=f"Đơn vị {code}",
            kind=kind,
            parent=units[parent] if parent else None,
            on=BUILT,
            tags=tags,
        )
    for code, (_kind, _parent, _tags, n) in SHAPE.items():
        if n:
            add_members(units[code], n)
    # Two of B1's members are in its party group G1.
    MemberSpan.objects.filter(unit=units["B1"]).filter(
        pk__in=list(MemberSpan.objects.filter(unit=units["B1"]).values_list("pk", flat=True)[:2])
    ).update(group=units["G1"])
    return units


def members_under(code: str, day: dt.date) -> int:
    """Members valid on `day` whose home unit lies under `code` on `day` (0 if it did not exist)."""
    top = UnitSpan.objects.filter(unit__code=code, valid_from__lte=day, valid_to__gt=day).first()
    if top is None:
        return 0
    total = 0
    for span in MemberSpan.objects.filter(valid_from__lte=day, valid_to__gt=day):
        home = UnitSpan.objects.get(unit_id=span.unit_id, valid_from__lte=day, valid_to__gt=day)
        if home.path.startswith(top.path):
            total += 1
    return total


def open_members() -> int:
    return MemberSpan.objects.filter(valid_to=FAR_FUTURE).count()


def tree_on(day: dt.date) -> dict[str, tuple[str, str, str | None, str, int]]:
    """code -> (name, kind, parent code, tags, members directly at home there) on `day`."""
    result = {}
    for span in UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related(
        "unit", "parent"
    ):
        direct = MemberSpan.objects.filter(
            unit_id=span.unit_id, valid_from__lte=day, valid_to__gt=day
        ).count()
        result[span.unit.code] = (
            span.name,
            span.kind,
            span.parent.code if span.parent else None,
            span.tags,
            direct,
        )
    return result


def check_paths(day: dt.date) -> None:
    """Every span valid on `day` has the path of its parent's span plus its own id: no cycle."""
    spans = {s.unit_id: s for s in UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)}
    for span in spans.values():
        if span.parent_id is None:
            assert span.path == f"/{span.unit_id}/" and span.depth == 0
        else:
            parent = spans[span.parent_id]  # the parent exists that day
            assert span.path == f"{parent.path}{span.unit_id}/"
            assert span.depth == parent.depth + 1
        ids = [int(x) for x in span.path.strip("/").split("/")]
        assert len(ids) == len(set(ids))


def tally(metric: str, day: dt.date) -> int:
    return sum(
        DailyDelta.objects.filter(metric=metric, day__lte=day).values_list("delta", flat=True)
    )
