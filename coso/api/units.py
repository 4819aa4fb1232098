"""The tree as of a date, units (list, detail with history) and their figures."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query
from pydantic import Field

from coso.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Day,
    Pages,
    caller,
    decision_out,
    open_end,
    require_manager,
    scope,
)
from coso.api.schemas import ErrorOut, TreeOut, UnitDetailOut, UnitOut
from coso.authority.scope import Action, get_unit_for_user
from coso.core.dates import add_months, fmt, today
from coso.core.errors import CosoError
from coso.core.numbers import group
from coso.stats.queries import (
    PROFILE_MAX_MEMBERS,
    SERIES_POINTS,
    age_profile,
    members_over_time,
    stats_as_of,
    subtree_total,
)
from coso.units.models import Unit, UnitEventKind, UnitKind, UnitSpan
from coso.units.queries import (
    Existence,
    TreeNode,
    children_on,
    pick_units,
    shown_span,
    tree_as_of,
    unit_events,
)

router = Router(tags=["units"])

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_DEPTH = 20


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def unit_out(span: UnitSpan, parents: dict[int, str] | None = None) -> dict[str, Any]:
    unit = span.unit
    if parents is not None:
        parent = parents.get(span.parent_id) if span.parent_id else None
    else:
        parent = span.parent.code if span.parent_id and span.parent else None
    return {
        "code": unit.code,
        "name": span.name,
        "kind": span.kind,
        "kind_label": _label(UnitKind, span.kind),
        "tags": span.tag_list,
        "parent": parent,
        "depth": span.depth,
        "valid_from": span.valid_from,
        "valid_to": open_end(span.valid_to),
        "unit_valid_from": unit.valid_from,
        "unit_valid_to": open_end(unit.valid_to),
    }


# --- tree ---------------------------------------------------------------------------------


@router.get(
    "/tree/{code}",
    response={200: TreeOut, **READ_ERRORS},
    summary="The subtree of a unit as of a date, with member counts",
)
def tree(
    request: HttpRequest,
    code: str,
    as_of: Day | None = None,
    depth: int = Query(
        1,
        ge=0,
        le=MAX_DEPTH,
        description="levels below the unit (0: alone; 1, the default: its children, as the "
        "tree page shows them)",
    ),
) -> dict[str, Any]:
    """Nested units on `as_of` (default today); `members` counts each node's whole subtree.

    The default is the tree page's question (the unit and its children), answered by the same
    read: for the root and a province the counts are sums of the tallies (`SubtreeDelta`,
    `DailyDelta`); a deeper tree counts the member spans of the whole subtree (seconds at the
    root of the national dataset)."""
    found = require_manager(request)
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    day = as_of or today()
    # Refuses (409) when the unit did not exist that day.
    top = tree_as_of(unit, day, depth=depth, visible=found.span_filter(Action.VIEW))

    def node(n: TreeNode) -> dict[str, Any]:
        return {
            "code": n.span.unit.code,
            "name": n.span.name,
            "kind": n.span.kind,
            "tags": n.span.tag_list,
            "members": n.members,
            "has_children": n.has_children,
            "children": [node(k) for k in n.children],
        }

    return {"as_of": day, "depth": depth, "root": node(top)}


# --- stats --------------------------------------------------------------------------------


@router.get(
    "/units/{code}/stats",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="Figures of a unit's subtree as of a date (the JSON of `coso stats --json`)",
)
def unit_stats(request: HttpRequest, code: str, as_of: Day | None = None) -> dict[str, Any]:
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    return stats_as_of(unit, as_of or today())


# The numbers behind the unit page's charts (issue 13, point 8), the same reads as the page.


class SeriesFilter(Schema):
    start: Day | None = Field(None, alias="from", description="default: a year before `to`")
    end: Day | None = Field(None, alias="to", description="default: today (included)")
    points: int = Field(SERIES_POINTS, ge=2, le=60, description="days spread over the range")


@router.get(
    "/units/{code}/stats/series",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="Members of a unit's subtree on evenly spread days of a range, by status",
)
def unit_stats_series(
    request: HttpRequest,
    code: str,
    filters: SeriesFilter = Query(...),
) -> dict[str, Any]:
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    last = filters.end or today()
    first = filters.start or add_months(last, -12)
    series = members_over_time(unit, first, last, filters.points)
    return {
        "unit": unit.code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "points": [{"day": day.isoformat(), "members": members} for day, members in series],
    }


@router.get(
    "/units/{code}/stats/ages",
    response={200: dict[str, Any], **READ_ERRORS},
    summary="Members of a unit's subtree by gender and age, and by gender and party age",
)
def unit_stats_ages(request: HttpRequest, code: str, as_of: Day | None = None) -> dict[str, Any]:
    require_manager(request)  # as on the page: for those who manage units
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    profile = age_profile(unit, as_of or today())
    if profile is None:
        raise CosoError(
            f"Tháp tuổi chỉ tính cho đơn vị có đến {group(PROFILE_MAX_MEMBERS)} đảng viên: "
            "xin xem ở từng đơn vị cấp dưới."
        )
    return profile


# --- list ---------------------------------------------------------------------------------


class UnitFilter(Schema):
    as_of: Day | None = Field(None, description="default: today")
    kind: UnitKind | None = None
    parent: str | None = Field(None, max_length=40, description="children of this unit code")
    q: str | None = Field(None, max_length=200, description="in the code or the name")


@router.get(
    "/units",
    response={200: list[UnitOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Units in the caller's scope existing on a date",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_units(request: HttpRequest, filters: UnitFilter = Query(...)) -> Any:
    found = scope(request)
    day = filters.as_of or today()
    spans = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
    if day == found.day:
        # Today: the spans in the roles' path ranges (in path order, the page read from the
        # path index), nothing at all at the centre; another day: the scope's units, which
        # include those ended since.
        today_scope = found.spans_today(Action.VIEW)
        if today_scope is not None:
            spans = spans.filter(today_scope)
    elif not found.is_admin:
        spans = spans.filter(unit__in=found.units(Action.VIEW).values("pk"))
    if filters.kind:
        spans = spans.filter(kind=filters.kind)
    if filters.parent:
        parent = get_unit_for_user(caller(request), filters.parent, Action.VIEW)
        spans = spans.filter(parent=parent)
    text = (filters.q or "").strip()
    if text:
        spans = spans.filter(Q(unit__code__istartswith=text) | Q(name__icontains=text))
    return _UnitPage(spans.select_related("unit", "parent").order_by("path"))


class _UnitPage:
    """A lazily sliced queryset whose items are shaped as UnitOut (only the page is read)."""

    def __init__(self, spans: Any) -> None:
        self.spans = spans

    def count(self) -> int:
        return int(self.spans.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [unit_out(s) for s in self.spans[item]]


# --- picker -------------------------------------------------------------------------------


class PickedOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    parent: str | None = Field(None, description="code of the parent unit today")
    parent_name: str = Field("", description="its name today")


class PickFilter(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="code, or name without tones")
    action: Action = Field(
        Action.VIEW, description="the scope searched: units the caller may do this on"
    )


@router.get(
    "/pick/units",
    response={200: list[PickedOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Units today matching a code or a name typed without tones (the unit picker)",
)
def pick(request: HttpRequest, filters: PickFilter = Query(...)) -> list[dict[str, Any]]:
    """The search behind every unit field of the pages: code prefix first, then the name
    («chi bo thon thong nhat», «thong nhat»); at most 20 units of the caller's scope for
    `action`, as the page's picker offers them. Roles only (404 for a plain member)."""
    found = require_manager(request)
    picked = pick_units(filters.q, today(), found.spans_today(filters.action))
    return [
        {
            "code": p.code,
            "name": p.span.name,
            "kind": p.span.kind,
            "kind_label": _label(UnitKind, p.span.kind),
            "parent": p.span.parent.code if p.span.parent_id and p.span.parent else None,
            "parent_name": p.parent_name,
        }
        for p in picked
    ]


# --- detail -------------------------------------------------------------------------------


def _shown_span(unit: Unit, day: dt.date, asked: bool) -> tuple[UnitSpan, dt.date, str]:
    """The span to show (the page's choice, coso.units.queries), the day shown, and a note.

    A day asked for must be one on which the unit existed (409 otherwise).
    """
    shown = shown_span(unit, day)
    if shown is None or (asked and not shown.exists):
        raise CosoError(f"Đơn vị «{unit.code}» không tồn tại vào ngày {fmt(day)}.")
    note = ""
    if shown.existence == Existence.NOT_YET:
        note = f"Đơn vị được thành lập từ ngày {fmt(shown.span.valid_from)}."
    elif shown.existence == Existence.ENDED:
        note = f"Đơn vị đã kết thúc hoạt động ngày {fmt(shown.span.valid_to)}."
    return shown.span, shown.day, note


@router.get(
    "/units/{code}",
    response={200: UnitDetailOut, **READ_ERRORS},
    summary="A unit as of a date, its children and its whole history",
)
def unit_detail(request: HttpRequest, code: str, as_of: Day | None = None) -> dict[str, Any]:
    found = scope(request)
    unit = get_unit_for_user(caller(request), code, Action.VIEW)
    span, day, note = _shown_span(unit, as_of or today(), as_of is not None)
    children = [
        {"code": k.unit.code, "name": k.name, "kind": k.kind}
        for k in children_on(unit, day, found.span_filter(Action.VIEW))
    ]
    history = [
        {
            "kind": e.kind,
            "kind_label": _label(UnitEventKind, e.kind),
            "effective_on": e.effective_on,
            "decision": decision_out(e.decision),
            "other": e.other.code if e.other_id and e.other else None,
            "details": e.details or {},
        }
        for e in unit_events(unit)
    ]
    return {
        **unit_out(span),
        "as_of": day,
        "note": note,
        "children": children,
        "members": subtree_total(unit, day),
        "history": history,
    }
