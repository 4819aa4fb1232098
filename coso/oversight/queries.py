"""Reads of oversight, one function per question, for pages, API, quality and the CLI alike.

A case list is what a reader holding a role over `unit` may see: the cases handled by `unit` or
any unit below it (the handling body and those above it see a case file; nobody else). The
subtree is a join on the path range of the handling units' spans today, never a list of ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from coso.core.dates import today
from coso.core.paging import Counted
from coso.members.models import Member
from coso.oversight.models import (
    Appeal,
    CaseSource,
    CaseStatus,
    DecisionStatus,
    DisciplineDecision,
    InspectionPlan,
    ViolationCase,
    ViolationCatalogue,
    ViolationItem,
)
from coso.units.models import Unit, UnitSpan
from coso.units.queries import span_on, spans_outside, subtree_range

# A page of a case list: a register officers read a page at a time (200 rows took 85-210 ms
# to render at the centre on the national dataset, beside 20-100 ms of queries).
PER_PAGE = 50
# The newest inspection plans of a unit's list.
LIST_LIMIT = 200


def _in_subtree(field: str, span: UnitSpan, day: dt.date) -> Q:
    """Rows whose `field` (a unit) lies in the subtree of `span` (valid on `day`) on `day`
    (path range join; under the only root of the day, every unit existing then: a check of the
    unit, no join)."""
    if span.parent_id is None and not spans_outside(span.path, on=day):
        return Q(**{f"{field}__valid_from__lte": day, f"{field}__valid_to__gt": day})
    lo, hi = subtree_range(span.path)
    return Q(
        **{
            f"{field}__spans__path__gte": lo,
            f"{field}__spans__path__lt": hi,
            f"{field}__spans__valid_from__lte": day,
            f"{field}__spans__valid_to__gt": day,
        }
    )


def catalogue_items(on: dt.date | None = None) -> list[ViolationItem]:
    """The items of the catalogues in force on `on` (default today), in order."""
    day = on or today()
    current = ViolationCatalogue.objects.filter(effective_from__lte=day, effective_to__gt=day)
    return list(ViolationItem.objects.filter(catalogue__in=current).select_related("catalogue"))


@dataclass
class CaseList:
    unit: Unit
    page: Page[ViolationCase]
    count: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> list[ViolationCase]:
        return list(self.page.object_list)


def cases_in_subtree(
    unit: Unit,
    *,
    status: str = "",
    source: str = "",
    year: int | None = None,
    day: dt.date | None = None,
    page: int | str | None = 1,
    per_page: int | None = None,
) -> CaseList:
    """Cases handled in `unit`'s subtree, newest first, with filters, one page of them (a page
    number out of range gives the nearest page, as Paginator.get_page); four or five queries
    whatever the size of the subtree (the status counts; below a root, with few cases, their
    keys; the page's rows with their subject and handling unit; their decisions)."""
    day = day or today()
    span = span_on(unit, day)
    base = ViolationCase.objects.filter(_in_subtree("handling_unit", span, day))
    if source:
        base = base.filter(source=source)
    if year:
        base = base.filter(
            opened_on__gte=dt.date(year, 1, 1), opened_on__lt=dt.date(year + 1, 1, 1)
        )
    by_status = {
        row["status"]: row["n"] for row in base.values("status").annotate(n=Count("pk")).order_by()
    }
    chosen = base.filter(status=status) if status else base
    count = by_status.get(status, 0) if status else sum(by_status.values())
    newest = (
        chosen.select_related("member", "unit", "handling_unit")
        .prefetch_related(
            Prefetch("decisions", queryset=DisciplineDecision.objects.order_by("decided_on", "pk"))
        )
        .order_by("-opened_on", "-pk")
    )
    keys = None
    if span.parent_id is not None and count <= SORTED_UP_TO:
        # Few cases below a root: their keys read from the subtree and sorted here. Paged
        # along the national (opened, id) index, PostgreSQL walks the country's cases until
        # the page's last of the subtree, trusting them spread evenly: all 33,600, 290 ms,
        # for a province with three (more as the country's grow).
        keys = _sorted_keys(chosen)
    # The count is known from the status counts: the paginator reads only the page's rows.
    listed = Counted(newest, count, keys)
    pages: Paginator[ViolationCase] = Paginator(listed, per_page or PER_PAGE)  # type: ignore[arg-type]
    shown = pages.get_page(page)
    shown.object_list = list(shown.object_list)  # read once, here
    return CaseList(unit=unit, page=shown, count=count, by_status=by_status)


# Up to this many cases a subtree's list is sorted from its own keys (cases_in_subtree).
SORTED_UP_TO = 5_000


def _sorted_keys(cases: QuerySet[ViolationCase]) -> Callable[[int, int], list[int]]:
    """`Counted`'s keys of `cases` newest first, all read at the first page asked."""
    read: list[int] = []

    def keys(offset: int, limit: int) -> list[int]:
        if not read:
            rows = cases.order_by().values_list("opened_on", "pk")
            read.extend(pk for _on, pk in sorted(rows, reverse=True))
        return read[offset : offset + limit]

    return keys


def case_record(case: ViolationCase) -> dict[str, Any]:
    """A case with its items, files, decisions and appeals (what the detail shows)."""
    decisions = list(
        DisciplineDecision.objects.filter(case=case)
        .select_related("body", "decision", "position__unit", "replaces")
        .prefetch_related(
            Prefetch(
                "appeals",
                queryset=Appeal.objects.select_related("decided_by", "outcome_decision").order_by(
                    "lodged_on", "pk"
                ),
            )
        )
        .order_by("decided_on", "pk")
    )
    return {
        "case": case,
        "items": list(case.items.select_related("catalogue")),
        "files": list(case.files.order_by("uploaded_at", "pk")),
        "decisions": decisions,
    }


def member_cases(member: Member) -> QuerySet[ViolationCase]:
    return ViolationCase.objects.filter(member=member).select_related("handling_unit")


@dataclass(frozen=True)
class YearDiscipline:
    """A decision that counts as discipline in a year (for the classification caps)."""

    number: str
    form: str
    decided_on: dt.date
    self_detected: bool  # the case came from the organization's own finding


def disciplined_in_year(subject: Member | Unit, year: int) -> list[YearDiscipline]:
    """The discipline decisions on `subject` decided in `year` that were not annulled on appeal
    (a reduced one still counts: the subject was disciplined). One query."""
    rows = DisciplineDecision.objects.filter(
        decided_on__gte=dt.date(year, 1, 1), decided_on__lt=dt.date(year + 1, 1, 1)
    ).exclude(status=DecisionStatus.ANNULLED)
    rows = rows.filter(member=subject) if isinstance(subject, Member) else rows.filter(unit=subject)
    return [
        YearDiscipline(
            number=(d.decision.number if d.decision else f"#{d.pk}"),
            form=d.form,
            decided_on=d.decided_on,
            self_detected=d.case.source == CaseSource.SELF_REPORT,
        )
        for d in rows.select_related("decision", "case").order_by("decided_on", "pk")
    ]


def discipline_counts(unit: Unit, start: dt.date, end: dt.date) -> dict[str, int]:
    """For the subtree of `unit` on the last day of [start, end): cases opened in the period,
    of which self-reported, and decisions taken on members and on organizations (not annulled).
    Two queries."""
    day = max(start, end - dt.timedelta(days=1))
    span = span_on(unit, day)
    cases = ViolationCase.objects.filter(
        _in_subtree("handling_unit", span, day), opened_on__gte=start, opened_on__lt=end
    ).aggregate(
        opened=Count("pk", distinct=True),
        self_reported=Count("pk", filter=Q(source=CaseSource.SELF_REPORT), distinct=True),
    )
    decided = (
        DisciplineDecision.objects.filter(
            _in_subtree("case__handling_unit", span, day), decided_on__gte=start, decided_on__lt=end
        )
        .exclude(status=DecisionStatus.ANNULLED)
        .aggregate(
            members=Count("pk", filter=Q(member__isnull=False), distinct=True),
            units=Count("pk", filter=Q(unit__isnull=False), distinct=True),
        )
    )
    return {
        "opened": cases["opened"] or 0,
        "self_reported": cases["self_reported"] or 0,
        "members_disciplined": decided["members"] or 0,
        "units_disciplined": decided["units"] or 0,
    }


def plans_of(unit: Unit, *, limit: int = LIST_LIMIT) -> list[InspectionPlan]:
    """The unit's own inspection and supervision plans, newest first."""
    return list(InspectionPlan.objects.filter(unit=unit).order_by("-period_start", "-pk")[:limit])


def open_cases_count(unit: Unit) -> int:
    return ViolationCase.objects.filter(
        _in_subtree("handling_unit", span_on(unit, today()), today()), status=CaseStatus.OPEN
    ).count()
