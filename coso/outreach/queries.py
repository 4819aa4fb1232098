"""Reads of outreach, for pages, API and the command line alike.

Subtrees are path ranges of the unit spans valid on the day, joined in SQL (`CROSS JOIN` keeps
SQLite to the order: the range of the path index first, then each unit's rows by its own index),
so the number of queries and the size of every statement are fixed whatever the size of the
subtree; no list of unit ids travels from Python into SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery

from coso.core.dates import today
from coso.core.paging import Counted
from coso.meetings.models import AttendanceStatus, Invitation, InviteeRole
from coso.outreach import tally
from coso.outreach.models import (
    Assignment,
    Household,
    HouseholdResponsibility,
    Petition,
    PetitionCase,
    PetitionStatus,
)
from coso.oversight.models import ViolationCase
from coso.stats.queries import stats_as_of
from coso.units.models import Unit, UnitSpan
from coso.units.queries import natural_key, span_on, spans_outside, subtree_range, subtree_spans


def _inside(span: UnitSpan, day: dt.date) -> QuerySet[UnitSpan] | None:
    """The units of the span's subtree on `day` as a semi-join, or None when it is every unit
    existing that day (the only root: no semi-join over the country's spans)."""
    if span.parent_id is None and not spans_outside(span.path, on=day):
        return None
    return subtree_spans(span, day)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# --- households ------------------------------------------------------------------------------

_SUBTREE = "us.path >= %s AND us.path < %s AND us.valid_from <= %s AND us.valid_to > %s"

# Responsibilities valid on the day of members at home in the subtree on the day.
# Params: lo, hi, day, day, day, day, day, day.
_RESPONSIBLE = (
    "SELECT r.member_id AS member_id, r.household_id AS household_id "
    "FROM units_unitspan us "
    "CROSS JOIN members_memberspan ms "
    "CROSS JOIN outreach_householdresponsibility r "
    f"WHERE {_SUBTREE} "
    "AND ms.unit_id = us.unit_id AND ms.valid_from <= %s AND ms.valid_to > %s "
    "AND r.member_id = ms.member_id AND r.valid_from <= %s AND r.valid_to > %s"
)
# Households on the register on the day whose area lies in the subtree. Params: lo, hi, day x4.
_IN_AREA = (
    "SELECT h.id AS household_id FROM units_unitspan us "
    "CROSS JOIN outreach_household h "
    f"WHERE {_SUBTREE} "
    "AND h.area_id = us.unit_id AND h.valid_from <= %s AND h.valid_to > %s"
)


# The same at the only root (the whole registry): driven from the responsibilities and the
# register rather than from every unit's member spans. Params: day x4; day x2.
_RESPONSIBLE_ALL = (
    "SELECT r.member_id AS member_id, r.household_id AS household_id "
    "FROM outreach_householdresponsibility r "
    "WHERE r.valid_from <= %s AND r.valid_to > %s AND EXISTS (SELECT 1 FROM "
    "members_memberspan ms WHERE ms.member_id = r.member_id AND ms.valid_from <= %s "
    "AND ms.valid_to > %s)"
)


def _coverage_everywhere(unit: Unit, day: dt.date) -> dict[str, Any]:
    """`household_coverage` of the only root: every household on the register that day is in
    its area, so one pass over the register counts them, the visited and those without a
    member; a second counts the members responsible (two queries)."""
    members = _rows(f"SELECT COUNT(DISTINCT x.member_id) FROM ({_RESPONSIBLE_ALL}) x", [day] * 4)
    counts = _rows(
        "SELECT COUNT(*), "
        "COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM outreach_visit v "
        'WHERE v.household_id = h.id AND v."on" >= %s AND v."on" <= %s) THEN 1 ELSE 0 END), 0), '
        "COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM outreach_householdresponsibility r "
        "WHERE r.household_id = h.id AND r.valid_from <= %s AND r.valid_to > %s) "
        "THEN 1 ELSE 0 END), 0) "
        "FROM outreach_household h WHERE h.valid_from <= %s AND h.valid_to > %s",
        [quarter_start(day), day, day, day, day, day],
    )[0]
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "responsible_members": int(members[0][0]),
        "households": int(counts[0]),
        "visited_this_quarter": int(counts[1]),
        "without_member": int(counts[2]),
    }


def household_coverage(unit: Unit, day: dt.date | None = None) -> dict[str, Any]:
    """`coso report households CODE --as-of DAY --json` for `unit`'s subtree on `day`:

    - responsible_members: members at home in the subtree responsible for a household on the day;
    - households: the households they are responsible for, and those registered in the
      subtree's villages and residential areas (each once);
    - visited_this_quarter: of those, households visited from the quarter's first day to `day`;
    - without_member: households registered in the subtree with nobody responsible on the day.

    Read from the tally (`coso.outreach.tally`): at the only root the sums of its deltas up to
    `day` (two queries), below it the sums of the subtree's units' deltas and the households
    its members answer for outside its areas (three queries), after one asking whether the
    unit is the only root. When the tally is not built, counted live: at the root from the
    responsibilities and the register, below it in two queries over the subtree's member spans.
    """
    day = day or today()
    root = span_on(unit, day)
    lo, hi = subtree_range(root.path)
    if _inside(root, day) is None:
        figures = tally.read(day)
        if figures is None:
            return _coverage_everywhere(unit, day)
        return {"unit": unit.code, "as_of": day.isoformat(), **figures}
    below = tally.read_subtree(lo, hi, day, quarter_start(day))
    if below is not None:
        below.pop("in_areas")
        return {"unit": unit.code, "as_of": day.isoformat(), **below}
    return _coverage_live(unit, day, lo, hi)


def _coverage_live(unit: Unit, day: dt.date, lo: str, hi: str) -> dict[str, Any]:
    """`household_coverage` of a subtree counted from the member spans, the responsibilities
    and the register (when the tally is not built; the tally's tests compare with it)."""
    resp_params = [lo, hi, day, day, day, day, day, day]
    area_params = [lo, hi, day, day, day, day]
    # One pass over the subtree's member spans (the costly part: every member at home there),
    # its rows kept for the three counts that read them.
    members, households, visited = _rows(
        f"WITH resp AS MATERIALIZED ({_RESPONSIBLE}), "
        "covered AS MATERIALIZED (SELECT x.household_id FROM resp x "
        "JOIN outreach_household hh ON hh.id = x.household_id "
        "AND hh.valid_from <= %s AND hh.valid_to > %s "
        f"UNION SELECT y.household_id FROM ({_IN_AREA}) y) "
        "SELECT (SELECT COUNT(DISTINCT member_id) FROM resp), (SELECT COUNT(*) FROM covered), "
        "(SELECT COUNT(*) FROM covered z WHERE EXISTS (SELECT 1 FROM outreach_visit v "
        'WHERE v.household_id = z.household_id AND v."on" >= %s AND v."on" <= %s))',
        [*resp_params, day, day, *area_params, quarter_start(day), day],
    )[0]
    without = _rows(
        f"SELECT COUNT(*) FROM ({_IN_AREA}) y WHERE NOT EXISTS (SELECT 1 FROM "
        "outreach_householdresponsibility r WHERE r.household_id = y.household_id "
        "AND r.valid_from <= %s AND r.valid_to > %s)",
        [*area_params, day, day],
    )
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "responsible_members": int(members),
        "households": int(households),
        "visited_this_quarter": int(visited),
        "without_member": int(without[0][0]),
    }


def households_in(unit: Unit, day: dt.date | None = None) -> QuerySet[Household]:
    """Households on the register on `day` in the villages and areas of `unit`'s subtree, with
    the member responsible on that day (`responsible_name`, `responsible_id`)."""
    day = day or today()
    span = span_on(unit, day)
    current = HouseholdResponsibility.objects.filter(
        household=OuterRef("pk"), valid_from__lte=day, valid_to__gt=day
    )
    subtree = _inside(span, day)
    rows = Household.objects.filter(valid_from__lte=day, valid_to__gt=day)
    # The whole register (the only root): in the order of registration, read from the primary
    # key's index a page at a time, instead of sorting millions of rows by village.
    order = ("pk",) if subtree is None else ("area__code", "code")
    if subtree is not None:
        rows = rows.filter(area__in=subtree.values("unit_id"))
    return (
        rows.select_related("area")
        .annotate(
            responsible_name=Subquery(current.values("member__full_name")[:1]),
            responsible_id=Subquery(current.values("member__member_id")[:1]),
        )
        .order_by(*order)
    )


def _household_keys(lo: str, hi: str, day: dt.date) -> Callable[[int, int], list[int]]:
    """A page of the households of a subtree's areas in the tree's order (commune by commune,
    village by village, then by number): the path index walked, each area's households read
    by their own index and sorted area by area, stopping at the page."""

    def page(offset: int, limit: int) -> list[int]:
        return [
            row[0]
            for row in _rows(
                "SELECT h.id FROM units_unitspan us CROSS JOIN outreach_household h "
                f"WHERE {_SUBTREE} AND h.area_id = us.unit_id AND h.valid_from <= %s "
                "AND h.valid_to > %s ORDER BY us.path, h.code LIMIT %s OFFSET %s",
                [lo, hi, day, day, day, day, limit, offset],
            )
        ]

    return page


def households_listed(unit: Unit, day: dt.date | None = None) -> QuerySet[Household] | Counted:
    """`households_in` for a list, with the count the coverage tally gives (at the only root
    every household on the register that day, below it those of the subtree's areas), so
    nothing counts the register's rows."""
    day = day or today()
    rows = households_in(unit, day)
    span = span_on(unit, day)
    if _inside(span, day) is None:
        figures = tally.read(day)
        if figures is not None:
            return Counted(rows, int(figures["households"]))
        return rows
    lo, hi = subtree_range(span.path)
    below = tally.read_subtree(lo, hi, day, quarter_start(day))
    if below is None:
        return rows
    return Counted(rows, below["in_areas"], _household_keys(lo, hi, day))


def household_history(household: Household) -> dict[str, Any]:
    return {
        "responsibilities": list(
            household.responsibilities.select_related("member").order_by("-valid_from")
        ),
        "visits": list(household.visits.select_related("member").order_by("-on", "-id")[:50]),
    }


def border_arrangement(
    unit: Unit, day: dt.date | None = None, coverage: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the unit's members do outside it on `day` (the border guard's arrangement): taking
    part in other units' branches, posts in local committees, external roles such as People's
    Council seats (the figures of `coso stats`), and the households they are responsible for."""
    day = day or today()
    figures = stats_as_of(unit, day)
    outside = figures.get("outside") or {}
    return {
        "unit": unit.code,
        "as_of": day.isoformat(),
        "participations": outside.get("participations", {"members": 0, "units": 0}),
        "positions": outside.get("positions", {}),
        "external_roles": outside.get("external_roles", 0),
        "households": coverage if coverage is not None else household_coverage(unit, day),
    }


# --- assignments -----------------------------------------------------------------------------


def assignments_in(unit: Unit, day: dt.date | None = None) -> QuerySet[Assignment]:
    """Assignments running on `day` to follow units of `unit`'s subtree, or made by it."""
    day = day or today()
    span = span_on(unit, day)
    subtree = _inside(span, day)
    followed = (
        Q(unit__valid_from__lte=day, unit__valid_to__gt=day)
        if subtree is None
        else Q(unit__in=subtree.values("unit_id"))
    )
    return (
        Assignment.objects.filter(valid_from__lte=day, valid_to__gt=day)
        .filter(followed | Q(assigned_by=unit))
        .select_related("member", "unit", "assigned_by")
        .order_by("unit__code", "member__sort_key")
    )


@dataclass
class AttendanceRow:
    meeting_id: int
    on: dt.date
    kind: str
    status: str  # the attendance status of the assignee's invitation; "" if not invited

    @property
    def label(self) -> str:
        return str(AttendanceStatus(self.status).label) if self.status else ""


def assigned_attendance(
    assignment: Assignment, until: dt.date | None = None
) -> list[AttendanceRow]:
    """The followed unit's meetings during the term up to `until`, each with the assignee's
    attendance as the guest from the committee above — the attendance "as assigned"."""
    from coso.meetings.models import Meeting

    end = min(assignment.valid_to, (until or today()) + dt.timedelta(days=1))
    meetings = list(
        Meeting.objects.filter(
            unit=assignment.unit, on__gte=assignment.valid_from, on__lt=end
        ).order_by("on", "id")
    )
    invitations = dict(
        Invitation.objects.filter(
            meeting__in=[m.pk for m in meetings],
            member=assignment.member,
            role=InviteeRole.GUEST,
        ).values_list("meeting_id", "status")
    )
    return [AttendanceRow(m.pk, m.on, m.kind, invitations.get(m.pk, "")) for m in meetings]


def attendance_rate(rows: list[AttendanceRow]) -> tuple[int, int]:
    present = sum(1 for r in rows if r.status == AttendanceStatus.PRESENT)
    return present, len(rows)


# --- petitions -------------------------------------------------------------------------------


def petitions_in(unit: Unit, *, status: str | None = None) -> QuerySet[Petition]:
    """Petitions handled by a unit of `unit`'s subtree today or about a place in it, overdue
    first, with the handling unit's path today (`handling_path`, for the identity rule)."""
    day = today()
    span = span_on(unit, day)
    subtree = _inside(span, day)
    inside = subtree.values("unit_id") if subtree is not None else None
    rows = Petition.objects.all()
    if inside is not None:
        rows = rows.filter(Q(handling_unit__in=inside) | Q(place_unit__in=inside))
    if status:
        rows = rows.filter(status=status)
    return with_handling_path(rows).order_by("status", "due_on", "-id")


def with_handling_path(rows: QuerySet[Petition]) -> QuerySet[Petition]:
    day = today()
    path = UnitSpan.objects.filter(
        unit=OuterRef("handling_unit"), valid_from__lte=day, valid_to__gt=day
    ).values("path")[:1]
    return rows.select_related("handling_unit", "place_unit", "handler", "subject_member").annotate(
        handling_path=Subquery(path)
    )


@dataclass
class OverdueRow:
    code: str
    name: str
    open: int = 0
    overdue: int = 0
    own: bool = False


@dataclass
class OverdueView:
    unit: Unit
    name: str
    day: dt.date
    rows: list[OverdueRow]
    total: OverdueRow = field(default_factory=lambda: OverdueRow("", ""))


def _first_segment(start: int) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "split_part(substr(us.path, %s), '/', 1)", [start]
    return "substr(substr(us.path, %s), 1, instr(substr(us.path, %s), '/') - 1)", [start, start]


def overdue_view(unit: Unit, day: dt.date | None = None) -> OverdueView:
    """Petitions open on `day` (received by then, not resolved by then) and overdue (their
    deadline passed) handled in `unit`'s subtree, one row per child unit (its whole subtree)
    and one for the unit's own, overdue first; by the handling unit and deadline they have now
    (an escalated petition counts where it went). Three queries whatever the size of the
    subtree: the children, whether a root is the only one, then one GROUP BY over the path
    range (at the only root, over the open petitions)."""
    day = day or today()
    root = span_on(unit, day)
    children = list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=day, valid_to__gt=day).values_list(
            "unit_id", "unit__code", "name"
        )
    )
    rows = {str(uid): OverdueRow(code, name) for uid, code, name in children}
    own = OverdueRow(unit.code, root.name, own=True)
    rows[""] = own
    grp, grp_params = _first_segment(len(root.path) + 1)
    lo, hi = subtree_range(root.path)
    if _inside(root, day) is None:
        # The only root: the open petitions counted by handling unit, then each unit's span,
        # not every span. Joined petition by petition (19,875 open nationally), SQLite read
        # each through the place index and then its unit's span: 250 ms; by unit (3,553), 45.
        found = _rows(
            f"SELECT {grp} AS grp, SUM(x.n), SUM(x.overdue) FROM ("
            "SELECT p.handling_unit_id AS unit_id, COUNT(*) AS n, "
            "SUM(CASE WHEN p.due_on < %s THEN 1 ELSE 0 END) AS overdue "
            "FROM outreach_petition p "
            "WHERE p.received_on <= %s AND (p.resolved_on IS NULL OR p.resolved_on > %s) "
            "GROUP BY 1) x CROSS JOIN units_unitspan us "
            "WHERE us.unit_id = x.unit_id AND us.valid_from <= %s AND us.valid_to > %s "
            "GROUP BY 1",
            [*grp_params, day, day, day, day, day],
        )
    else:
        found = _rows(
            f"SELECT {grp} AS grp, COUNT(*), SUM(CASE WHEN p.due_on < %s THEN 1 ELSE 0 END) "
            "FROM units_unitspan us CROSS JOIN outreach_petition p "
            f"WHERE {_SUBTREE} AND p.handling_unit_id = us.unit_id "
            "AND p.received_on <= %s AND (p.resolved_on IS NULL OR p.resolved_on > %s) "
            "GROUP BY 1",
            [*grp_params, day, lo, hi, day, day, day, day],
        )
    for key, n_open, n_overdue in found:
        row = rows.get(str(key or ""))
        if row is not None:
            row.open += int(n_open)
            row.overdue += int(n_overdue or 0)
    del rows[""]
    shown = [r for r in rows.values() if r.open]
    shown.sort(key=lambda r: (-r.overdue, -r.open, natural_key(r.code)))
    total = OverdueRow(unit.code, root.name)
    for r in [*shown, own]:
        total.open += r.open
        total.overdue += r.overdue
    if own.open:
        shown.insert(0, own)
    return OverdueView(unit, root.name, day, shown, total)


def petition_steps(petition: Petition) -> list[Any]:
    return list(petition.steps.select_related("unit", "from_unit").order_by("on", "id"))


def linked_cases(petition: Petition) -> list[ViolationCase]:
    """The violation cases linked to this petition, oldest first (one query)."""
    return list(
        ViolationCase.objects.filter(
            pk__in=PetitionCase.objects.filter(petition=petition).values("case_id")
        )
        .select_related("handling_unit")
        .order_by("opened_on", "pk")
    )


OPEN = PetitionStatus.OPEN
