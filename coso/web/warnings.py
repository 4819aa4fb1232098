"""Warnings for the home page, computed from the data over the user's scope.

Each check is one set-based query over the units (or members) in scope that exist today; the
regulation numbers come from the rule sets. A check returns the offending units or members with
enough to show and link them. The same checks are stored for the day (`HomeWarning`, and their
counts per kind and day in `HomeWarningCount`), refreshed by the writes that change them and
rolled over by the nightly job; the home page reads those when they are judged on today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from coso.core.dates import add_months, add_working_days, judged_on, today, working_days_between
from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.meetings.activity import home_counts, home_windows, refresh_activity
from coso.meetings.warnings import (
    CHUNK,
    Period,
    WarningKind,
    absent_without_reason,
    branches_under,
    low_attendance,
    missing_regular_meetings,
    missing_thematic_meetings,
    unrecorded_meetings,
)
from coso.members.models import (
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    MemberStatus,
    Position,
    PositionRole,
)
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan
from coso.web.models import HomeWarning, HomeWarningCount, HomeWarningState

# Probation ending within this many days is announced ahead.
PROBATION_NOTICE_DAYS = 30
# Lists on the home page stop here; the count says how many there are in all.
SHOWN = 20


@dataclasses.dataclass
class Item:
    """One unit or member a warning is about."""

    label: str
    code: str  # unit code or member id, for the link
    is_member: bool
    detail: str = ""
    day: dt.date | None = None


@dataclasses.dataclass
class Alert:
    key: str
    title: str
    items: list[Item]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def probation_warnings(units: QuerySet[Unit], day: dt.date) -> Alert:
    """Probationary members whose 12 months end within 30 days or have passed undecided."""
    months = int(rule("charter.probation_months", day))
    # Start of probation: the ceremony, else the admission, else the span (imports may lack both).
    latest_start = add_months(day + dt.timedelta(days=PROBATION_NOTICE_DAYS), -months)
    spans = (
        MemberSpan.objects.filter(
            unit__in=units,
            status=MemberStatus.PROBATIONARY,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .annotate(
            start=Coalesce(
                "member__probation_from",
                "member__admitted_on",
                "valid_from",
                output_field=DateField(),
            )
        )
        .filter(start__lte=latest_start)
        .order_by("start", "member__sort_key")
        .values("member__member_id", "member__full_name", "start", "unit__code")
    )
    total = spans.count()
    items = []
    for row in spans[:SHOWN]:
        start = row["start"]
        end = add_months(start, int(rule("charter.probation_months", start)))
        detail = (
            _("hết dự bị ngày %(d)s, chưa có quyết định")
            if end <= day
            else _("hết dự bị ngày %(d)s")
        ) % {"d": end.strftime("%d/%m/%Y")}
        items.append(
            Item(row["member__full_name"], row["member__member_id"], True, str(detail), end)
        )
    title = _("Đảng viên dự bị sắp hết hoặc đã quá %(n)s tháng") % {"n": months}
    return Alert("probation", str(title), items, total)


def small_branch_warnings(units: QuerySet[Unit], day: dt.date) -> Alert:
    """Branches with fewer official members than the charter's minimum."""
    minimum = int(rule("charter.min_official_members", day))
    official = (
        MemberSpan.objects.filter(
            unit_id=OuterRef("unit_id"),
            status=MemberStatus.OFFICIAL,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    branches = (
        UnitSpan.objects.filter(
            unit__in=units, kind__in=HOME_KINDS, valid_from__lte=day, valid_to__gt=day
        )
        .annotate(n=Coalesce(Subquery(official, output_field=IntegerField()), Value(0)))
        .filter(n__lt=minimum)
        .order_by("path")
        .values("unit__code", "name", "n")
    )
    total = branches.count()
    items = [
        Item(
            row["name"],
            row["unit__code"],
            False,
            str(_("%(n)s đảng viên chính thức") % {"n": row["n"]}),
        )
        for row in branches[:SHOWN]
    ]
    title = _("Chi bộ có dưới %(n)s đảng viên chính thức") % {"n": minimum}
    return Alert("small_branch", str(title), items, total)


def no_secretary_warnings(units: QuerySet[Unit], day: dt.date) -> Alert:
    """Units (party groups aside: they have leaders) with no secretary in office today."""
    secretary = Position.objects.filter(
        unit_id=OuterRef("unit_id"),
        role=PositionRole.SECRETARY,
        valid_from__lte=day,
        valid_to__gt=day,
    )
    spans = (
        UnitSpan.objects.filter(unit__in=units, valid_from__lte=day, valid_to__gt=day)
        .exclude(kind__in=[UnitKind.GROUP, UnitKind.CENTRAL])
        .filter(~Exists(secretary))
        .order_by("path")
        .values("unit__code", "name", "kind")
    )
    total = spans.count()
    items = [
        Item(row["name"], row["unit__code"], False, str(UnitKind(row["kind"]).label))
        for row in spans[:SHOWN]
    ]
    return Alert("no_secretary", str(_("Tổ chức đảng chưa có bí thư")), items, total)


def transit_warnings(units: QuerySet[Unit], day: dt.date) -> Alert:
    """Members in transit longer than the working days allowed to present the letter."""
    sent = (
        MemberEvent.objects.filter(
            member_id=OuterRef("member_id"), kind=MemberEventKind.TRANSFER_OUT
        )
        .order_by("-effective_on", "-id")
        .values("effective_on")[:1]
    )
    # The latest sending day that is already over the limit: a cut-off the database can use.
    limit = int(rule("transfer.present_letter_working_days", day))
    cutoff = day - dt.timedelta(days=1)
    while working_days_between(cutoff, day) <= limit:
        cutoff -= dt.timedelta(days=1)
    spans = (
        MemberSpan.objects.filter(
            unit__in=units, in_transit=True, valid_from__lte=day, valid_to__gt=day
        )
        .annotate(sent_on=Coalesce(Subquery(sent, output_field=DateField()), "valid_from"))
        .filter(sent_on__lte=cutoff)
        .order_by("sent_on", "member__sort_key")
        .values("member__member_id", "member__full_name", "sent_on")
    )
    total = spans.count()
    items = []
    for row in spans[:SHOWN]:
        sent_on = row["sent_on"]
        allowed = int(rule("transfer.present_letter_working_days", sent_on))
        detail = _("chuyển đi ngày %(d)s, quá hạn %(n)s ngày làm việc từ %(due)s") % {
            "d": sent_on.strftime("%d/%m/%Y"),
            "n": allowed,
            "due": add_working_days(sent_on, allowed).strftime("%d/%m/%Y"),
        }
        items.append(
            Item(row["member__full_name"], row["member__member_id"], True, str(detail), sent_on)
        )
    title = _("Đảng viên đang chuyển sinh hoạt quá %(n)s ngày làm việc") % {"n": limit}
    return Alert("transit", str(title), items, total)


# --------------------------------------------------------------------------------------------
# Branch activities (issue 4, section 3): over the home unit's subtree, each over its own window.


@dataclasses.dataclass
class ActivityItem:
    """One warning of a branch, with where to act on it."""

    detail: str
    href: str
    action: str


@dataclasses.dataclass
class ActivityAlert:
    key: str  # coso.meetings.warnings.WarningKind
    title: str
    window: str  # the period judged, as people say it
    branches: int  # branches with this warning
    total: int  # warnings in all
    report_url: str  # the activity report over the same window
    items: list[ActivityItem]  # listed for a branch only; above it, the counts say it all
    note: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.items) if self.items else 0


def activity_windows(day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """[start, end) judged on `day` for each activity warning (coso.meetings.activity keeps
    their counts for every branch)."""
    return home_windows(day)


def _window_label(kind: str, start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    if kind == WarningKind.NO_REGULAR:
        return str(_("tháng %(m)s") % {"m": start.strftime("%m/%Y")})
    if kind == WarningKind.NO_THEMATIC:
        return str(_("quý %(q)s/%(y)s") % {"q": (start.month - 1) // 3 + 1, "y": start.year})
    return str(
        _("từ %(f)s đến %(t)s") % {"f": start.strftime("%d/%m/%Y"), "t": last.strftime("%d/%m/%Y")}
    )


def _first_url(*candidates: tuple[str, Any]) -> str:
    """The first of these pages that exists (the meeting pages come with another part of the
    issue; until they do, the home page links to the report instead of breaking)."""
    for name, arg in candidates:
        try:
            return reverse(name, args=[arg])
        except NoReverseMatch:
            continue
    return ""


def _activity_item(warning: Any, report_url: str) -> ActivityItem:
    kind, code = warning.kind, warning.unit_code
    if kind in (WarningKind.NO_REGULAR, WarningKind.NO_THEMATIC):
        href = _first_url(("meetings:plan", code), ("meetings:unit_meetings", code))
        return ActivityItem(warning.detail, href or report_url, str(_("Lên kế hoạch họp")))
    if kind == WarningKind.ABSENT_UNEXCUSED:
        return ActivityItem(
            warning.detail,
            _first_url(("web:member", warning.member_id)),
            str(_("Xem hồ sơ đảng viên")),
        )
    if kind == WarningKind.UNRECORDED:
        href = _first_url(
            ("meetings:attendance", warning.meeting_id), ("meetings:detail", warning.meeting_id)
        )
        return ActivityItem(warning.detail, href or report_url, str(_("Ghi kết quả cuộc họp")))
    href = _first_url(("meetings:detail", warning.meeting_id))
    return ActivityItem(warning.detail, href or report_url, str(_("Xem cuộc họp")))


def activity_alerts(
    unit: Unit, asked: dt.date, *, list_items: bool
) -> tuple[list[ActivityAlert], dt.date]:
    """The activity warnings of `unit`'s subtree, one alert per kind that has any, and the day
    they are judged on. A branch gets its warnings listed, each with where to act, judged
    today; a unit above gets how many of its branches have each, linked to the report, from
    the precomputed counts (yesterday's until they roll over: `home_counts`). A few queries
    whatever the subtree's size."""
    counted, day = (None, asked) if list_items else home_counts(unit, asked)
    windows = activity_windows(day)
    branches = []
    if counted is None:
        try:
            branches = branches_under(
                unit, min(lo for lo, _hi in windows.values()), day + dt.timedelta(days=1)
            )
        except CosoError:
            return [], day  # the unit has ended: nothing to act on today
    checks = {
        WarningKind.NO_REGULAR: missing_regular_meetings,
        WarningKind.NO_THEMATIC: missing_thematic_meetings,
        WarningKind.ABSENT_UNEXCUSED: absent_without_reason,
        WarningKind.LOW_ATTENDANCE: low_attendance,
        WarningKind.UNRECORDED: unrecorded_meetings,
    }
    titles = {
        WarningKind.NO_REGULAR: _("Chi bộ chưa sinh hoạt thường kỳ tháng trước"),
        WarningKind.NO_THEMATIC: _("Chi bộ chưa sinh hoạt chuyên đề quý trước"),
        WarningKind.ABSENT_UNEXCUSED: _(
            "Đảng viên vắng sinh hoạt không lý do %(n)s tháng trong năm: hệ thống chỉ đề xuất, "
            "chi bộ xem xét và quyết định"
        ),
        WarningKind.LOW_ATTENDANCE: _("Cuộc họp có tỉ lệ đảng viên dự dưới %(rate)s%%"),
        WarningKind.UNRECORDED: _("Cuộc họp đã qua nhưng chưa ghi kết quả"),
    }
    numbers = {
        "n": rule("meetings.absent_months_strike_off", day),
        "rate": round(float(rule("meetings.attendance_warning_rate", day)) * 100),
    }
    # Above the branches the precomputed counts (coso.meetings.activity) answer when current.
    found_counts = {c.kind: (c.branches, c.total) for c in counted or []}
    alerts = []
    for kind, check in checks.items():
        start, end = windows[kind]
        found = [] if counted is not None else check(branches, Period(start, end, day))  # type: ignore[operator]
        n_branches, total = found_counts.get(kind) or (len({w.unit_id for w in found}), len(found))
        if not total:
            continue
        last = end - dt.timedelta(days=1)
        report_url = (
            reverse("meetings:report", args=[unit.code])
            + f"?from={start:%d/%m/%Y}&to={last:%d/%m/%Y}"
        )
        items = [_activity_item(w, report_url) for w in found[:SHOWN]] if list_items else []
        alerts.append(
            ActivityAlert(
                key=kind,
                title=str(titles[kind] % numbers),
                window=_window_label(kind, start, end),
                branches=n_branches,
                total=total,
                report_url=report_url,
                items=items,
            )
        )
    return alerts, day


def warnings_for(
    units: QuerySet[Unit] | None, asked: dt.date, *, spans: Q | None = None
) -> tuple[list[Alert], dt.date]:
    """Every check over `units` (a scope's units; None: every unit), empty checks left out, and
    the day they are judged on. From the precomputed rows (`HomeWarning`) when they are judged
    on `asked`, or on the day before until they roll over (`coso.core.dates.judged_on`: the
    page says so); computed live on `asked` otherwise.

    `spans`, when given, is the same scope as a condition on today's unit spans
    (`Scope.spans_today`: path ranges, the own branch); the stored rows carry their unit's path
    and id, so they are read by it directly (the (kind, path) index) instead of by a semi-join
    over the scope's units."""
    stored = stored_day()
    day = judged_on(stored, asked)
    if stored == day:
        alerts = stored_alerts(units, day, spans=spans)
    else:
        scope_units = Unit.objects.all() if units is None else units
        checks: list[Any] = [
            probation_warnings,
            small_branch_warnings,
            no_secretary_warnings,
            transit_warnings,
        ]
        alerts = [check(scope_units, day) for check in checks]
    return [w for w in alerts if w.total], day


# --------------------------------------------------------------------------------------------
# The same checks precomputed (HomeWarning): every unit's rows, refreshed by the writes.

STORED = (
    "kind",
    "unit_id",
    "member_id",
    "label",
    "code",
    "day",
    "sort_key",
    "number",
    "unit_kind",
    "path",
)


def _over(units: QuerySet[Unit] | None, day: dt.date) -> list[QuerySet[Any]]:
    """What the four checks find among `units` (None: all) on `day`, uncut, as queries of the
    STORED columns: probation and transit rows for every probationary (in transit) member, cut
    by the day read."""

    def scoped(query: QuerySet[Any]) -> QuerySet[Any]:
        return query if units is None else query.filter(unit__in=units)

    def text(value: str) -> Value:
        return Value(value, output_field=CharField())

    def number(value: int | None) -> Value:
        return Value(value, output_field=IntegerField())

    none_day = Value(None, output_field=DateField())
    # A member's row carries the path of its unit on the day (a scope reads path ranges).
    unit_path = Coalesce(
        Subquery(
            UnitSpan.objects.filter(
                unit_id=OuterRef("unit_id"), valid_from__lte=day, valid_to__gt=day
            )
            .order_by()
            .values("path")[:1]
        ),
        text(""),
    )
    # No order: the spans' default order would have SQLite walk every span of the country
    # (15.8 million) in member order instead of the open ones.
    probation = scoped(
        MemberSpan.objects.filter(
            status=MemberStatus.PROBATIONARY, valid_from__lte=day, valid_to__gt=day
        ).order_by()
    ).annotate(
        w_kind=text("probation"),
        w_start=Coalesce(
            "member__probation_from", "member__admitted_on", "valid_from", output_field=DateField()
        ),
        w_empty=text(""),
        w_zero=number(0),
        w_path=unit_path,
    )
    minimum = int(rule("charter.min_official_members", day))
    official = (
        MemberSpan.objects.filter(
            unit_id=OuterRef("unit_id"),
            status=MemberStatus.OFFICIAL,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    small = (
        scoped(UnitSpan.objects.filter(kind__in=HOME_KINDS, valid_from__lte=day, valid_to__gt=day))
        .order_by()
        .annotate(
            w_kind=text("small_branch"),
            w_member=number(None),
            w_day=none_day,
            n=Coalesce(Subquery(official, output_field=IntegerField()), number(0)),
        )
        .filter(n__lt=minimum)
    )
    secretary = Position.objects.filter(
        unit_id=OuterRef("unit_id"),
        role=PositionRole.SECRETARY,
        valid_from__lte=day,
        valid_to__gt=day,
    )
    lacking = (
        scoped(UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day))
        .exclude(kind__in=[UnitKind.GROUP, UnitKind.CENTRAL])
        .filter(~Exists(secretary))
        .order_by()
        .annotate(
            w_kind=text("no_secretary"), w_member=number(None), w_day=none_day, w_zero=number(0)
        )
    )
    sent = (
        MemberEvent.objects.filter(
            member_id=OuterRef("member_id"), kind=MemberEventKind.TRANSFER_OUT
        )
        .order_by("-effective_on", "-id")
        .values("effective_on")[:1]
    )
    transit = scoped(
        MemberSpan.objects.filter(in_transit=True, valid_from__lte=day, valid_to__gt=day).order_by()
    ).annotate(
        w_kind=text("transit"),
        w_sent=Coalesce(Subquery(sent, output_field=DateField()), "valid_from"),
        w_empty=text(""),
        w_zero=number(0),
        w_path=unit_path,
    )

    # Each in the order of STORED: a member's row (its day), a unit's row (its number).
    def member_row(query: QuerySet[Any], day_field: str) -> QuerySet[Any]:
        fields = ("member_id", "member__full_name", "member__member_id", day_field)
        return query.values_list(
            "w_kind", "unit_id", *fields, "w_empty", "w_zero", "w_empty", "w_path"
        )

    def unit_row(query: QuerySet[Any], number: str) -> QuerySet[Any]:
        fields = ("w_member", "name", "unit__code", "w_day", "path", number)
        return query.values_list("w_kind", "unit_id", *fields, "kind", "path")

    return [
        member_row(probation, "w_start"),
        unit_row(small, "n"),
        unit_row(lacking, "w_zero"),
        member_row(transit, "w_sent"),
    ]


def _insert_over(units: QuerySet[Unit] | None, day: dt.date) -> int:
    """Store what the checks find among `units` (None: all) on `day`: one INSERT ... SELECT
    per check, so that the national rebuild's half a million rows never leave the database."""
    table = HomeWarning._meta.db_table
    written = 0
    with connection.cursor() as cur:
        for query in _over(units, day):
            sql, params = query.query.sql_with_params()
            cur.execute(f"INSERT INTO {table} ({', '.join(STORED)}) {sql}", params)
            written += cur.rowcount
    return written


def stored_day() -> dt.date | None:
    return HomeWarningState.objects.values_list("day", flat=True).first()


def _set_day(day: dt.date) -> None:
    if not HomeWarningState.objects.update(day=day):
        HomeWarningState.objects.create(day=day)


@transaction.atomic
def rebuild_home_warnings(day: dt.date | None = None) -> int:
    """Every row again, judged on `day` (today): bulk loaders, month ends."""
    day = day or today()
    HomeWarning.objects.all().delete()
    written = _insert_over(None, day)
    _recount()
    _set_day(day)
    return written


# --------------------------------------------------------------------------------------------
# HomeWarningCount: the rows per kind and day, so the whole registry's counts are small sums.

Counts = Counter[tuple[str, dt.date | None]]
# Past this many (kind, day) counts changed by a refresh, the table is recounted instead.
RECOUNT_ABOVE = 200


def _recount() -> None:
    """Every count again from the rows (one GROUP BY, from the (kind, day, ...) index)."""
    HomeWarningCount.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {HomeWarningCount._meta.db_table} (kind, day, n) "
            f"SELECT kind, day, COUNT(*) FROM {HomeWarning._meta.db_table} GROUP BY kind, day"
        )


def _counted(rows: QuerySet[HomeWarning]) -> Counts:
    return Counter(
        {
            (kind, day): n
            for kind, day, n in rows.order_by()
            .values("kind", "day")
            .annotate(n=Count("*"))
            .values_list("kind", "day", "n")
        }
    )


def _add_counts(changes: Counts) -> None:
    """Add the difference a refresh made to the rows (two writers adding a missing count
    both insert one: the reads sum them)."""
    changed = {key: n for key, n in changes.items() if n}
    if len(changed) > RECOUNT_ABOVE:
        _recount()
        return
    for (kind, day), n in changed.items():
        # One row of the key takes the difference: were there two (from two writers), adding
        # to both would count it twice.
        first = HomeWarningCount.objects.filter(kind=kind, day=day).order_by("pk").values("pk")
        if not HomeWarningCount.objects.filter(pk=Subquery(first[:1])).update(n=F("n") + n):
            HomeWarningCount.objects.create(kind=kind, day=day, n=n)
    if changed:
        HomeWarningCount.objects.filter(n=0).delete()


def whole_counts(latest_start: dt.date, cutoff: dt.date) -> dict[str, int]:
    """How many rows of each kind the whole registry has, probation rows started by
    `latest_start` and transit rows sent by `cutoff` (as `stored_alerts` cuts them)."""
    sums = HomeWarningCount.objects.aggregate(
        probation=Sum("n", filter=Q(kind="probation", day__lte=latest_start)),
        small_branch=Sum("n", filter=Q(kind="small_branch")),
        no_secretary=Sum("n", filter=Q(kind="no_secretary")),
        transit=Sum("n", filter=Q(kind="transit", day__lte=cutoff)),
    )
    return {kind: int(n or 0) for kind, n in sums.items()}


# Past this many units to refresh (a reorganization of the whole country), one rebuild.
REBUILD_ABOVE = 20_000


def _refresh_units(ids: set[int], day: dt.date) -> None:
    if len(ids) > REBUILD_ABOVE:
        rebuild_home_warnings(day)
        return
    ordered = sorted(ids)
    changes: Counts = Counter()
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        rows = HomeWarning.objects.filter(unit_id__in=chunk)
        changes.subtract(_counted(rows))
        rows.delete()
        _insert_over(Unit.objects.filter(pk__in=chunk), day)
        changes.update(_counted(rows))
    _add_counts(changes)


def _units_changed(**days: Any) -> set[int]:
    """Units with a member span, unit span or position starting or ending on the days (`days`:
    lookups on the day, as `in=[...]` or `gt=..., lte=...`)."""
    ids: set[int] = set()
    models: tuple[Any, ...] = (MemberSpan, UnitSpan, Position)
    for model in models:
        for field in ("valid_from", "valid_to"):
            condition = Q(**{f"{field}__{k}": v for k, v in days.items()})
            ids.update(model.objects.filter(condition).order_by().values_list("unit_id", flat=True))
    return ids


def _catch_up(day: dt.date) -> bool:
    """Rows judged on `day`; True if rebuilt."""
    judged = stored_day()
    if judged == day:
        return False
    if judged is None or judged > day or (judged.year, judged.month) != (day.year, day.month):
        rebuild_home_warnings(day)  # also takes in rule changes, month by month at least
        return True
    # Spans and positions that began or ended since change what is valid on the day.
    _refresh_units(_units_changed(gt=judged, lte=day), day)
    _set_day(day)
    return False


def refresh_for(days: list[dt.date], units: set[int]) -> None:
    """After a write (coso.stats.tally.keep_in_step): the units whose spans or positions start
    or end on `days`, and `units`, recomputed; inside the writer's transaction."""
    if stored_day() is None:
        return  # never built: a loader or the daily refresh builds it
    day = today()
    with transaction.atomic():
        if _catch_up(day):
            return
        ids = set(units)
        for i in range(0, len(days), 400):
            ids |= _units_changed(**{"in": days[i : i + 400]})
        _refresh_units(ids, day)


def stored_alerts(
    units: QuerySet[Unit] | None, day: dt.date, *, spans: Q | None = None
) -> list[Alert]:
    """The four alerts from the rows judged on `day` (`spans`: see `warnings_for`)."""
    if units is None:
        rows = HomeWarning.objects.all()
    elif spans is not None:
        rows = HomeWarning.objects.filter(spans)
    else:
        rows = HomeWarning.objects.filter(unit__in=units)

    def order(*keys: str) -> list[Any]:
        # Every row (the administrator): the (kind, day, sort_key) indexes give the first 20.
        # A scope: its rows found by the (kind, unit) index, then sorted; were the order taken
        # from those indexes, SQLite would walk the whole country's rows to find the scope's.
        return list(keys) if units is None else [Coalesce(k, k) for k in keys]

    months = int(rule("charter.probation_months", day))
    latest_start = add_months(day + dt.timedelta(days=PROBATION_NOTICE_DAYS), -months)
    limit = int(rule("transfer.present_letter_working_days", day))
    cutoff = day - dt.timedelta(days=1)
    while working_days_between(cutoff, day) <= limit:
        cutoff -= dt.timedelta(days=1)
    # Every row (the administrator, the centre): the counts kept beside the rows, one small
    # sum instead of counting half a million rows at national size.
    whole = whole_counts(latest_start, cutoff) if units is None else None

    def total(kind: str, found: QuerySet[Any]) -> int:
        return found.count() if whole is None else whole[kind]

    probation = rows.filter(kind="probation", day__lte=latest_start).order_by(
        *order("day", "member__sort_key")
    )
    items = []
    for start, name, member_id in probation.values_list(
        "day", "member__full_name", "member__member_id"
    )[:SHOWN]:
        assert start is not None  # cut by day above
        end = add_months(start, int(rule("charter.probation_months", start)))
        detail = (
            _("hết dự bị ngày %(d)s, chưa có quyết định")
            if end <= day
            else _("hết dự bị ngày %(d)s")
        ) % {"d": end.strftime("%d/%m/%Y")}
        items.append(Item(name, member_id, True, str(detail), end))
    title = _("Đảng viên dự bị sắp hết hoặc đã quá %(n)s tháng") % {"n": months}
    alerts = [Alert("probation", str(title), items, total("probation", probation))]

    small = rows.filter(kind="small_branch").order_by(*order("sort_key"))
    minimum = int(rule("charter.min_official_members", day))
    alerts.append(
        Alert(
            "small_branch",
            str(_("Chi bộ có dưới %(n)s đảng viên chính thức") % {"n": minimum}),
            [
                Item(label, code, False, str(_("%(n)s đảng viên chính thức") % {"n": n}))
                for label, code, n in small.values_list("label", "code", "number")[:SHOWN]
            ],
            total("small_branch", small),
        )
    )
    lacking = rows.filter(kind="no_secretary").order_by(*order("sort_key"))
    alerts.append(
        Alert(
            "no_secretary",
            str(_("Tổ chức đảng chưa có bí thư")),
            [
                Item(label, code, False, str(UnitKind(kind).label))
                for label, code, kind in lacking.values_list("label", "code", "unit_kind")[:SHOWN]
            ],
            total("no_secretary", lacking),
        )
    )
    transit = rows.filter(kind="transit", day__lte=cutoff).order_by(
        *order("day", "member__sort_key")
    )
    items = []
    for sent_on, name, member_id in transit.values_list(
        "day", "member__full_name", "member__member_id"
    )[:SHOWN]:
        assert sent_on is not None  # cut by day above
        allowed = int(rule("transfer.present_letter_working_days", sent_on))
        detail = _("chuyển đi ngày %(d)s, quá hạn %(n)s ngày làm việc từ %(due)s") % {
            "d": sent_on.strftime("%d/%m/%Y"),
            "n": allowed,
            "due": add_working_days(sent_on, allowed).strftime("%d/%m/%Y"),
        }
        items.append(Item(name, member_id, True, str(detail), sent_on))
    title = _("Đảng viên đang chuyển sinh hoạt quá %(n)s ngày làm việc") % {"n": limit}
    alerts.append(Alert("transit", str(title), items, total("transit", transit)))
    return alerts


def refresh_warnings(day: dt.date) -> str:
    """The daily job: the precomputed warnings of the home page (member and unit warnings here,
    branch activity in coso.meetings.activity) judged on `day`. Idempotent; catches up after
    missed days (a new month rebuilds); one line to log."""
    before = stored_day()
    with transaction.atomic():
        rebuilt = _catch_up(day)
    if before == day:
        how = "already current"
    elif rebuilt:
        how = "rebuilt"
    else:
        how = f"rolled over from {before:%d/%m/%Y}"
    n = HomeWarning.objects.count()
    return f"home warnings judged on {day:%d/%m/%Y}: {n} rows, {how}; " + refresh_activity(day)


__all__ = [
    "ActivityAlert",
    "ActivityItem",
    "Alert",
    "Item",
    "activity_alerts",
    "activity_windows",
    "no_secretary_warnings",
    "probation_warnings",
    "rebuild_home_warnings",
    "refresh_for",
    "refresh_warnings",
    "small_branch_warnings",
    "stored_alerts",
    "transit_warnings",
    "warnings_for",
    "whole_counts",
]
