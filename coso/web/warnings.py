"""Warnings for the home page, computed from the data over the user's scope.

Each check is one set-based query over the units (or members) in scope that exist today; the
regulation numbers come from the rule sets. A check returns the offending units or members with
enough to show and link them; nothing here is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coso.core.dates import add_months, add_working_days, working_days_between
from coso.core.rules import rule
from coso.members.models import (
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    MemberStatus,
    Position,
    PositionRole,
)
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan

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
        .annotate(n=Count("id"))
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


def warnings_for(units: QuerySet[Unit], day: dt.date) -> list[Alert]:
    """Every check over `units` (a scope's units) on `day`; empty checks are left out."""
    checks: list[Any] = [
        probation_warnings,
        small_branch_warnings,
        no_secretary_warnings,
        transit_warnings,
    ]
    return [w for w in (check(units, day) for check in checks) if w.total]


__all__ = [
    "Alert",
    "Item",
    "no_secretary_warnings",
    "probation_warnings",
    "small_branch_warnings",
    "transit_warnings",
    "warnings_for",
]
