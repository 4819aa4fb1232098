"""Reorganization operations. Each is atomic, dated, and recorded as a `UnitEvent`.

The time model is in docs/ARCHITECTURE.md: a change on D closes the span valid on D and opens a
new one from D, or corrects it in place when it starts on D. History is appended in date order,
so an operation dated before the start of a unit's latest span is refused, and so is anything on
a unit that has ended.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from django.db import models, transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext

from coso.core.dates import FAR_FUTURE, fmt
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.core.rules import rule
from coso.members.models import Member, MemberSpan, Participation, Position
from coso.members.rehome import rehome_members
from coso.stats.tally import refresh_days
from coso.units.models import (
    Unit,
    UnitEvent,
    UnitEventKind,
    UnitKind,
    UnitSpan,
    format_tags,
    kind_label,
    kind_labels,
)
from coso.units.posts import (
    PostFate,
    Problem,
    default_fate,
    fate_problem,
    role_after,
    role_label,
    role_rank,
)
from coso.units.queries import subtree_range

# Days whose tally a plan refreshes once at its end instead of after every operation.
_pending_days: ContextVar[set[dt.date] | None] = ContextVar("pending_tally_days", default=None)


@contextmanager
def tally_refreshed_once(*, refresh: bool = True) -> Iterator[None]:
    """Operations inside collect their days; the tally is refreshed once when the block ends.

    For plans of hundreds of operations on one day, where refreshing after each would recount
    the same day hundreds of times. Use it inside the plan's transaction. `refresh=False` for a
    dry run, rolled back whatever happens: the tallies it would recount are thrown away unread.
    """
    days: set[dt.date] = set()
    token = _pending_days.set(days)
    try:
        yield
    finally:
        _pending_days.reset(token)
    if refresh:
        refresh_days(days)


def _refresh(days: Iterable[dt.date]) -> None:
    pending = _pending_days.get()
    if pending is None:
        refresh_days(days)
    else:
        pending.update(days)


def allowed_kinds(parent_kind: str | None, on: dt.date) -> list[str]:
    """The kinds a unit may have under a unit of `parent_kind` on `on` (None: as a root), in
    the order of UnitKind: what the forms offer and the refusals name."""
    if parent_kind is None:
        allowed = rule("unit_kinds.root_kinds", on)
    else:
        allowed = rule("unit_kinds.allowed_children", on).get(parent_kind, [])
    return [k for k in UnitKind.values if k in allowed]


def check_kind_allowed(kind: str, parent_kind: str | None, on: dt.date) -> None:
    if kind not in UnitKind.values:
        raise CosoError(
            gettext("Loại đơn vị «%(kind)s» không tồn tại (các loại: %(kinds)s).")
            % {"kind": kind, "kinds": kind_labels(UnitKind.values)}
        )
    allowed = allowed_kinds(parent_kind, on)
    if parent_kind is None:
        if kind not in allowed:
            raise CosoError(
                gettext("Loại «%(kind)s» không thể là gốc của cây (chỉ: %(allowed)s).")
                % {"kind": kind_label(kind), "allowed": kind_labels(allowed)}
            )
        return
    if kind not in allowed:
        raise CosoError(
            gettext(
                "Loại «%(kind)s» không được đặt dưới loại «%(parent)s» (được phép: %(allowed)s)."
            )
            % {
                "kind": kind_label(kind),
                "parent": kind_label(parent_kind),
                "allowed": kind_labels(allowed) or gettext("không có"),
            }
        )


def _check_placement(what: str, kind: str, parent_span: UnitSpan | None, on: dt.date) -> None:
    """check_kind_allowed, with the units named in the message."""
    try:
        check_kind_allowed(kind, parent_span.kind if parent_span else None, on)
    except CosoError as exc:
        where = (
            gettext("dưới «%(code)s»") % {"code": parent_span.unit.code}
            if parent_span
            else gettext("làm gốc")
        )
        raise CosoError(
            gettext("Không thể đặt %(what)s %(where)s ngày %(on)s: %(why)s")
            % {"what": what, "where": where, "on": fmt(on), "why": exc}
        ) from None


def current_span(unit: Unit, on: dt.date) -> UnitSpan:
    """The unit's latest span, which must be valid on `on` for a change dated `on`."""
    unit.valid_to = Unit.objects.values_list("valid_to", flat=True).get(pk=unit.pk)
    if unit.valid_to != FAR_FUTURE:
        raise CosoError(
            gettext(
                "Đơn vị «%(code)s» đã kết thúc từ ngày %(valid_to)s; không thể thay đổi đơn vị đã kết thúc."
            )
            % {"code": unit.code, "valid_to": fmt(unit.valid_to)}
        )
    latest = (
        UnitSpan.objects.filter(unit=unit).select_related("unit").order_by("-valid_from").first()
    )
    if latest is None or on < unit.valid_from:
        raise CosoError(
            gettext(
                "Đơn vị «%(code)s» không tồn tại vào ngày %(on)s (thành lập ngày %(valid_from)s)."
            )
            % {"code": unit.code, "on": fmt(on), "valid_from": fmt(unit.valid_from)}
        )
    if on < latest.valid_from:
        raise CosoError(
            gettext(
                "Đơn vị «%(code)s» đã có thay đổi từ ngày %(valid_from)s; không thể ghi thay đổi ngày %(on)s trước đó (lịch sử được ghi theo thứ tự ngày)."
            )
            % {"code": unit.code, "valid_from": fmt(latest.valid_from), "on": fmt(on)}
        )
    return latest


def _event(
    kind: str,
    unit: Unit,
    on: dt.date,
    decision: Decision | None,
    batch: str,
    details: dict[str, Any],
    other: Unit | None = None,
) -> UnitEvent:
    return UnitEvent.objects.create(
        kind=kind,
        unit=unit,
        other=other,
        effective_on=on,
        decision=decision,
        batch=batch,
        details=details,
    )


def _change_span(span: UnitSpan, on: dt.date, event: UnitEvent, **changes: Any) -> UnitSpan:
    """Close `span` on `on` and open a copy with `changes`; in place if it starts on `on`."""
    if span.valid_from == on:
        for field, value in changes.items():
            setattr(span, field, value)
        span.event = event
        span.save()
        return span
    UnitSpan.objects.filter(pk=span.pk).update(valid_to=on)
    values = {
        "unit_id": span.unit_id,
        "valid_from": on,
        "valid_to": span.valid_to,
        "name": span.name,
        "kind": span.kind,
        "parent_id": span.parent_id,
        "path": span.path,
        "depth": span.depth,
        "tags": span.tags,
        "event": event,
    }
    values.update(changes)
    return UnitSpan.objects.create(**values)


def _members_from(on: dt.date) -> models.QuerySet[MemberSpan]:
    """Member spans valid on `on` or later."""
    return MemberSpan.objects.filter(valid_to__gt=on)


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    on: dt.date,
    tags: Iterable[str] = (),
    decision: Decision | None = None,
    batch: str = "",
) -> Unit:
    code = code.strip()
    name = name.strip()
    tags = [t.strip() for t in tags if t and t.strip()]
    if not code:
        raise CosoError(gettext("Mã đơn vị trống."))
    if not name:
        raise CosoError(gettext("Tên đơn vị «%(code)s» trống.") % {"code": code})
    if Unit.objects.filter(code=code).exists():
        raise CosoError(
            gettext("Mã đơn vị «%(code)s» đã được dùng; mã không bao giờ được dùng lại.")
            % {"code": code}
        )
    parent_span = current_span(parent, on) if parent is not None else None
    _check_placement(gettext("đơn vị mới «%(code)s»") % {"code": code}, kind, parent_span, on)
    unit = Unit.objects.create(code=code, valid_from=on)
    event = UnitEvent.objects.create(
        kind=UnitEventKind.CREATE,
        unit=unit,
        other=parent,
        effective_on=on,
        decision=decision,
        batch=batch,
        details={"name": name, "kind": kind, "tags": sorted(tags)},
    )
    UnitSpan.objects.create(
        unit=unit,
        valid_from=on,
        name=name,
        kind=kind,
        parent=parent,
        path=f"{parent_span.path if parent_span else '/'}{unit.pk}/",
        depth=(parent_span.depth + 1) if parent_span else 0,
        tags=format_tags(tags),
        event=event,
    )
    _refresh([on])
    return unit


@transaction.atomic
def rename_unit(
    unit: Unit, *, name: str, on: dt.date, decision: Decision | None = None, batch: str = ""
) -> UnitEvent:
    span = current_span(unit, on)
    name = name.strip()
    if not name:
        raise CosoError(gettext("Tên mới của đơn vị «%(code)s» trống.") % {"code": unit.code})
    if name == span.name:
        raise CosoError(
            gettext("Đơn vị «%(code)s» đã mang tên «%(name)s» vào ngày %(on)s.")
            % {"code": unit.code, "name": name, "on": fmt(on)}
        )
    event = _event(
        UnitEventKind.RENAME,
        unit,
        on,
        decision,
        batch,
        {"before": {"name": span.name}, "after": {"name": name}},
    )
    _change_span(span, on, event, name=name)
    _refresh([on])
    return event


@transaction.atomic
def retype_unit(
    unit: Unit, *, kind: str, on: dt.date, decision: Decision | None = None, batch: str = ""
) -> UnitEvent:
    span = current_span(unit, on)
    kind = kind.strip()
    if kind == span.kind:
        raise CosoError(
            gettext("Đơn vị «%(code)s» đã là loại «%(kind)s» vào ngày %(on)s.")
            % {"code": unit.code, "kind": kind_label(kind), "on": fmt(on)}
        )
    parent_span = (
        UnitSpan.objects.select_related("unit")
        .filter(unit_id=span.parent_id, valid_from__lte=on, valid_to__gt=on)
        .first()
        if span.parent_id
        else None
    )
    _check_placement(
        gettext("«%(code)s» với loại mới «%(kind)s»")
        % {"code": unit.code, "kind": kind_label(kind)},
        kind,
        parent_span,
        on,
    )
    # Children recorded from `on` on, including any placed later, must fit under the new kind.
    children = (
        UnitSpan.objects.filter(parent=unit, valid_to__gt=on)
        .values_list("kind", "unit__code")
        .order_by("unit__code")
    )
    allowed = allowed_kinds(kind, on) if kind in UnitKind.values else []
    misfits = sorted({code for child_kind, code in children if child_kind not in allowed})
    if misfits:
        raise CosoError(
            gettext(
                "Không thể đổi «%(code)s» sang loại «%(kind)s» ngày %(on)s: đơn vị trực thuộc %(value)s không được đặt dưới loại «%(kind)s» (được phép: %(allowed)s)."
            )
            % {
                "code": unit.code,
                "kind": kind_label(kind),
                "on": fmt(on),
                "value": ", ".join(f"«{c}»" for c in misfits[:5]),
                "allowed": kind_labels(allowed) or gettext("không có"),
            }
        )
    home_members = _members_from(on).filter(unit=unit).values("member_id").distinct().count()
    if home_members and kind not in rule("unit_kinds.home_kinds", on):
        raise CosoError(
            gettext(
                "Không thể đổi «%(code)s» sang loại «%(kind)s» ngày %(on)s: %(home_members)s đảng viên đang sinh hoạt tại đây, mà loại mới không phải chi bộ."
            )
            % {
                "code": unit.code,
                "kind": kind_label(kind),
                "on": fmt(on),
                "home_members": home_members,
            }
        )
    group_members = _members_from(on).filter(group=unit).values("member_id").distinct().count()
    if group_members and kind != UnitKind.GROUP:
        raise CosoError(
            gettext(
                "Không thể đổi «%(code)s» sang loại «%(kind)s» ngày %(on)s: %(group_members)s đảng viên đang thuộc tổ đảng này."
            )
            % {
                "code": unit.code,
                "kind": kind_label(kind),
                "on": fmt(on),
                "group_members": group_members,
            }
        )
    event = _event(
        UnitEventKind.RETYPE,
        unit,
        on,
        decision,
        batch,
        {
            "before": {"kind": span.kind},
            "after": {"kind": kind},
            "children": len({code for _kind, code in children}),
            "members": home_members,
        },
    )
    _change_span(span, on, event, kind=kind)
    _refresh([on])
    return event


@transaction.atomic
def retag_unit(
    unit: Unit,
    *,
    tags: Iterable[str],
    on: dt.date,
    decision: Decision | None = None,
    batch: str = "",
) -> UnitEvent:
    span = current_span(unit, on)
    new_tags = format_tags([t.strip() for t in tags if t and t.strip()])
    if new_tags == span.tags:
        raise CosoError(
            gettext("Đơn vị «%(code)s» đã có phân loại này vào ngày %(on)s.")
            % {"code": unit.code, "on": fmt(on)}
        )
    event = _event(
        UnitEventKind.RETAG,
        unit,
        on,
        decision,
        batch,
        {
            "before": {"tags": span.tag_list},
            "after": {"tags": [t for t in new_tags.split(";") if t]},
        },
    )
    _change_span(span, on, event, tags=new_tags)
    _refresh([on])
    return event


class _Row(NamedTuple):
    pk: int
    unit_id: int
    valid_from: dt.date
    valid_to: dt.date
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    tags: str
    search_name: str
    search_key: str


def _subtree_rows(span: UnitSpan, on: dt.date) -> list[_Row]:
    """The spans valid on `on` under `span` (itself included), read once."""
    lo, hi = subtree_range(span.path)
    # Filtered on the path range and periods only: an equality on valid_from would lead SQLite
    # to the valid_from index, which after a big same-day change covers thousands of rows.
    return [
        _Row(*values)
        for values in UnitSpan.objects.filter(
            path__gte=lo, path__lt=hi, valid_from__lte=on, valid_to__gt=on
        ).values_list(*_Row._fields)
    ]


def _members_by_unit(span: UnitSpan, on: dt.date) -> dict[int, int]:
    """Members at home on `on` in each unit of the subtree of `span`."""
    lo, hi = subtree_range(span.path)
    unit_ids = list(
        UnitSpan.objects.filter(
            path__gte=lo, path__lt=hi, valid_from__lte=on, valid_to__gt=on
        ).values_list("unit_id", flat=True)
    )
    # An explicit id list, not a subquery: inside one long transaction (a plan, the demo load)
    # PostgreSQL has no statistics for the rows just written and planned the subquery as a scan
    # of every member span per call. Chunks stay under SQLite's limit on bound variables.
    counts: dict[int, int] = {}
    for i in range(0, len(unit_ids), 10_000):
        counts.update(
            MemberSpan.objects.filter(
                unit_id__in=unit_ids[i : i + 10_000], valid_from__lte=on, valid_to__gt=on
            )
            .values("unit_id")
            .annotate(n=Count("id"))
            .values_list("unit_id", "n")
        )
    return counts


def _check_subtree_unchanged_after(span: UnitSpan, on: dt.date) -> None:
    """A move rewrites the subtree's paths from `on` on: nothing in it may change later."""
    lo, hi = subtree_range(span.path)
    later = (
        UnitSpan.objects.filter(path__gte=lo, path__lt=hi, valid_to__gt=on)
        .filter(Q(valid_from__gt=on) | Q(valid_to__lt=FAR_FUTURE))
        .select_related("unit")
        .order_by("valid_from")
        .first()
    )
    if later is not None:
        when = later.valid_from if later.valid_from > on else later.valid_to
        raise CosoError(
            gettext(
                "Đơn vị «%(code)s» thuộc «%(code2)s» đã có thay đổi từ ngày %(when)s; không thể chuyển «%(code2)s» vào ngày %(on)s trước đó (lịch sử được ghi theo thứ tự ngày)."
            )
            % {"code": later.unit.code, "code2": span.unit.code, "when": fmt(when), "on": fmt(on)}
        )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    # Below SQLite's historical limit of 999 parameters per statement.
    for i in range(0, len(ids), 900):
        yield ids[i : i + 900]


def _top_of(path: str, old_prefix: str) -> int:
    """The id right below `old_prefix` in `path`: the moved unit this span belongs to."""
    return int(path[len(old_prefix) :].split("/", 1)[0])


def _reroot(
    rows: list[_Row],
    old_prefix: str,
    parent_span: UnitSpan | None,
    on: dt.date,
    events: dict[int, UnitEvent],
) -> None:
    """Reopen `rows` from `on` with `old_prefix` replaced by the new parent's path.

    `events` maps each moved unit (a child of old_prefix) to its MOVE event. Set-based: UPDATEs
    by id close the old spans and correct same-day ones in place, and the new spans are
    bulk-created, so a province of thousands of units takes a few dozen statements.
    """
    new_prefix = parent_span.path if parent_span else "/"
    depth_shift = new_prefix.count("/") - old_prefix.count("/")
    new_parent_id = parent_span.unit_id if parent_span else None
    for ids in _chunks([r.pk for r in rows if r.valid_from < on]):
        UnitSpan.objects.filter(pk__in=ids).update(valid_to=on)
    same_day: dict[int, list[int]] = {}
    for r in rows:
        if r.valid_from == on:
            same_day.setdefault(_top_of(r.path, old_prefix), []).append(r.pk)
    for top, pks in same_day.items():
        for ids in _chunks(pks):
            UnitSpan.objects.filter(pk__in=ids).update(
                path=Concat(
                    Value(new_prefix),
                    Substr("path", len(old_prefix) + 1),
                    output_field=CharField(),
                ),
                depth=F("depth") + depth_shift,
                event=events[top],
            )
    UnitSpan.objects.filter(
        pk__in=[r.pk for r in rows if r.valid_from == on and r.unit_id in events]
    ).update(parent_id=new_parent_id)
    UnitSpan.objects.bulk_create(
        [
            UnitSpan(
                unit_id=r.unit_id,
                valid_from=on,
                valid_to=r.valid_to,
                name=r.name,
                kind=r.kind,
                parent_id=new_parent_id if r.unit_id in events else r.parent_id,
                path=new_prefix + r.path[len(old_prefix) :],
                depth=r.depth + depth_shift,
                tags=r.tags,
                event=events[_top_of(r.path, old_prefix)],
                search_name=r.search_name,
                search_key=r.search_key,
            )
            for r in rows
            if r.valid_from < on
        ],
        batch_size=2000,
    )


def _check_move(
    span: UnitSpan, parent_span: UnitSpan | None, on: dt.date, *, later_checked: bool = False
) -> None:
    code = span.unit.code
    if parent_span is not None and parent_span.path.startswith(span.path):
        raise CosoError(
            gettext(
                "Không thể chuyển «%(code)s» vào «%(code2)s» ngày %(on)s: «%(code2)s» nằm trong chính «%(code)s» (tạo thành vòng)."
            )
            % {"code": code, "code2": parent_span.unit.code, "on": fmt(on)}
        )
    _check_placement(
        gettext("«%(code)s» (loại «%(kind)s»)") % {"code": code, "kind": kind_label(span.kind)},
        span.kind,
        parent_span,
        on,
    )
    if not later_checked:
        _check_subtree_unchanged_after(span, on)


@transaction.atomic
def move_unit(
    unit: Unit,
    *,
    parent: Unit | None,
    on: dt.date,
    decision: Decision | None = None,
    batch: str = "",
) -> UnitEvent:
    """Place `unit`, with its whole subtree, under `parent` (None: as a root) from `on`.

    Members keep their home unit, so they follow through the new paths without being touched.
    """
    span = current_span(unit, on)
    parent_span = current_span(parent, on) if parent is not None else None
    if (parent.pk if parent else None) == span.parent_id:
        where = f"«{parent.code}»" if parent else gettext("gốc của cây")
        raise CosoError(
            gettext("Đơn vị «%(code)s» đã trực thuộc %(where)s vào ngày %(on)s.")
            % {"code": unit.code, "where": where, "on": fmt(on)}
        )
    _check_move(span, parent_span, on)
    old_parent = Unit.objects.filter(pk=span.parent_id).first() if span.parent_id else None
    rows = _subtree_rows(span, on)
    event = _event(
        UnitEventKind.MOVE,
        unit,
        on,
        decision,
        batch,
        {
            "before": {"parent": old_parent.code if old_parent else None, "path": span.path},
            "after": {
                "parent": parent.code if parent else None,
                "path": f"{parent_span.path if parent_span else '/'}{unit.pk}/",
            },
            "units": len(rows),
            "members": sum(_members_by_unit(span, on).values()),
        },
        other=parent,
    )
    _reroot(rows, span.path[: -len(f"{unit.pk}/")], parent_span, on, {unit.pk: event})
    _refresh([on])
    return event


def _end_unit(unit: Unit, span: UnitSpan, on: dt.date) -> None:
    if span.valid_from == on:
        if unit.valid_from == on:
            raise CosoError(
                gettext("Không thể kết thúc «%(code)s» vào chính ngày thành lập %(on)s.")
                % {"code": unit.code, "on": fmt(on)}
            )
        # Changed earlier the same day: that change is folded into the ending, the previous
        # span already ends on `on`.
        UnitSpan.objects.filter(pk=span.pk).delete()
    else:
        UnitSpan.objects.filter(pk=span.pk).update(valid_to=on)
    Unit.objects.filter(pk=unit.pk).update(valid_to=on)
    unit.valid_to = on


def _check_attached_not_after(unit: Unit, on: dt.date, what: str) -> None:
    for model, label in (
        (Position, gettext("chức vụ")),
        (Participation, gettext("lượt tham gia sinh hoạt")),
    ):
        later = model.objects.filter(unit=unit, valid_from__gt=on).count()
        if later:
            raise CosoError(
                gettext(
                    "Không thể %(what)s «%(code)s» ngày %(on)s: có %(later)s %(label)s bắt đầu sau ngày đó (lịch sử được ghi theo thứ tự ngày)."
                )
                % {"what": what, "code": unit.code, "on": fmt(on), "later": later, "label": label}
            )


def _carry_attached(
    model: type[Participation],
    source: Unit,
    target: Unit,
    on: dt.date,
) -> int:
    """End `source`'s open rows of `model` on `on` and open the same ones at `target`."""
    same_day = model.objects.filter(unit=source, valid_from=on).update(unit=target)
    open_rows: list[Any] = list(
        model.objects.filter(unit=source, valid_from__lt=on, valid_to__gt=on)
    )
    model.objects.filter(unit=source, valid_from__lt=on, valid_to__gt=on).update(valid_to=on)
    for row in open_rows:
        row.pk = None
        row.unit = target
        row.valid_from = on
    model.objects.bulk_create(open_rows, batch_size=2000)
    return same_day + len(open_rows)


def _person(member: Member) -> str:
    return f"{member.full_name} ({member.member_id})"


def _posts_refusal(
    source: Unit, into: Unit, on: dt.date, post: Position, fate: str, problem: str
) -> CosoError:
    """The Vietnamese refusal of a chosen fate, naming the post and the people."""
    role = role_label(post.role)
    after = role_after(post.role, fate)
    head = gettext(
        "Không thể sáp nhập «%(code)s» vào «%(into)s» ngày %(on)s: %(role)s %(who)s của «%(code)s»"
    ) % {
        "code": source.code,
        "into": into.code,
        "on": fmt(on),
        "role": role,
        "who": _person(post.member),
    }
    if problem == Problem.TAKEN and after is not None:
        holder = (
            Position.objects.filter(unit=into, role=after, valid_from__lte=on, valid_to__gt=on)
            .select_related("member")
            .first()
        )
        who = _person(holder.member) if holder else gettext("người khác")
        return CosoError(
            gettext(
                "%(head)s không thể giữ chức vụ %(post)s vì «%(into)s» đã có %(post)s là "
                "%(who)s; một đơn vị chỉ có một %(post)s. Hãy chọn kết thúc chức vụ hoặc giữ "
                "làm cấp phó."
            )
            % {"head": head, "post": role_label(after), "into": into.code, "who": who}
        )
    if problem == Problem.ALREADY_HELD and after is not None:
        return CosoError(
            gettext(
                "%(head)s: người này đã giữ chức vụ %(post)s ở «%(into)s»; hãy chọn kết thúc chức vụ."
            )
            % {"head": head, "post": role_label(after), "into": into.code}
        )
    if problem == Problem.GROUP_ONLY:
        return CosoError(
            gettext("%(head)s: chức vụ tổ đảng chỉ có ở tổ đảng; hãy chọn kết thúc chức vụ.")
            % {"head": head}
        )
    if problem == Problem.SAME_DAY_END:
        return CosoError(
            gettext(
                "%(head)s bắt đầu đúng ngày sáp nhập nên không thể kết thúc ngày đó; hãy chọn giữ "
                "chức vụ hoặc sửa ngày hiệu lực."
            )
            % {"head": head}
        )
    if problem == Problem.NO_DEPUTY:
        return CosoError(
            gettext("%(head)s: chức vụ này không có cấp phó; hãy chọn giữ hoặc kết thúc.")
            % {"head": head}
        )
    return CosoError(
        gettext("%(head)s: cách xử lý «%(fate)s» không hợp lệ.") % {"head": head, "fate": fate}
    )


def _carry_posts(
    source: Unit,
    into: Unit,
    tgt_span: UnitSpan,
    on: dt.date,
    decision: Decision | None,
    chosen: Mapping[int, str],
) -> tuple[int, list[dict[str, Any]]]:
    """Carry, turn into deputies or end `source`'s open posts (coso.units.posts); returns the
    number carried and what became of each post (the merge event's `posts`)."""
    posts = sorted(
        Position.objects.filter(unit=source, valid_from__lte=on, valid_to__gt=on).select_related(
            "member"
        ),
        key=lambda p: (role_rank(p.role), p.member_id, p.pk),
    )
    unknown = sorted(set(chosen) - {p.pk for p in posts})
    if unknown:
        raise CosoError(
            f"Không thể sáp nhập «{source.code}» vào «{into.code}» ngày {fmt(on)}: chức vụ số "
            f"{', '.join(str(pk) for pk in unknown)} không thuộc cấp ủy của «{source.code}»."
        )
    holders = set(
        Position.objects.filter(unit=into, valid_from__lte=on, valid_to__gt=on).values_list(
            "role", "member_id"
        )
    )
    target_is_group = tgt_span.kind == UnitKind.GROUP
    fates: list[tuple[Position, str, str | None]] = []
    for post in posts:
        fate = chosen.get(post.pk) or default_fate(
            post.role, post.member_id, target_is_group=target_is_group, holders=holders
        )
        problem = fate_problem(
            post.role,
            post.member_id,
            fate,
            target_is_group=target_is_group,
            holders=holders,
            same_day=post.valid_from == on,
        )
        if problem is not None:
            raise _posts_refusal(source, into, on, post, fate, problem)
        after = role_after(post.role, fate)
        if after is not None:
            holders.add((after, post.member_id))
        fates.append((post, fate, after))
    # Ends first, then the posts opened at the target: never two open holders, even in between.
    Position.objects.filter(pk__in=[p.pk for p, _f, _a in fates if p.valid_from < on]).update(
        valid_to=on
    )
    for post, _fate, after in fates:
        if post.valid_from == on and after is not None:
            Position.objects.filter(pk=post.pk).update(unit=into, role=after)
    Position.objects.bulk_create(
        [
            Position(
                member_id=post.member_id,
                unit=into,
                role=after,
                valid_from=on,
                valid_to=post.valid_to,
                decision_id=decision.pk if decision is not None else post.decision_id,
            )
            for post, _fate, after in fates
            if after is not None and post.valid_from < on
        ]
    )
    carried = sum(1 for _p, _f, after in fates if after is not None)
    details = [
        {"member": post.member_id, "role": post.role, "fate": fate, "role_after": after}
        for post, fate, after in fates
    ]
    return carried, details


@transaction.atomic
def merge_units(
    source: Unit,
    *,
    into: Unit,
    on: dt.date,
    decision: Decision | None = None,
    batch: str = "",
    posts: Mapping[int, str] | None = None,
) -> UnitEvent:
    """Merge `source` into `into` on `on`; the source ends. Returns the MERGE event.

    `posts`: the fate (coso.units.posts.PostFate) chosen for some of the source's open posts,
    by Position id; the others take `default_fate`. No unit ends with two holders of a
    single-holder post: such a choice is refused with the post and the people named."""
    src_span = current_span(source, on)
    if into.pk == source.pk:
        raise CosoError(
            gettext("Không thể sáp nhập «%(code)s» vào chính nó.") % {"code": source.code}
        )
    tgt_span = current_span(into, on)
    if tgt_span.path.startswith(src_span.path):
        raise CosoError(
            gettext(
                "Không thể sáp nhập «%(code)s» vào «%(code2)s» ngày %(on)s: «%(code2)s» nằm trong chính «%(code)s»."
            )
            % {"code": source.code, "code2": into.code, "on": fmt(on)}
        )
    _check_subtree_unchanged_after(src_span, on)
    _check_attached_not_after(source, on, gettext("sáp nhập"))
    children = list(
        UnitSpan.objects.select_related("unit")
        .filter(parent=source, valid_from__lte=on, valid_to__gt=on)
        .order_by("unit__code")
    )
    for child in children:
        # The whole source subtree was checked for later changes just above.
        _check_move(child, tgt_span, on, later_checked=True)

    # All children move under the target at once: their subtrees are the source's subtree
    # without the source, and their paths all start with the source's path.
    rows = [r for r in _subtree_rows(src_span, on) if r.unit_id != source.pk]
    by_unit = _members_by_unit(src_span, on)
    units_per_child: Counter[int] = Counter()
    members_per_child: Counter[int] = Counter()
    for r in rows:
        top = _top_of(r.path, src_span.path)
        units_per_child[top] += 1
        members_per_child[top] += by_unit.get(r.unit_id, 0)
    merge_event = _event(UnitEventKind.MERGE, source, on, decision, batch, {}, other=into)
    absorb_event = _event(UnitEventKind.ABSORB, into, on, decision, batch, {}, other=source)
    move_events = UnitEvent.objects.bulk_create(
        [
            UnitEvent(
                kind=UnitEventKind.MOVE,
                unit_id=child.unit_id,
                other=into,
                effective_on=on,
                decision=decision,
                batch=batch,
                details={
                    "before": {"parent": source.code, "path": child.path},
                    "after": {"parent": into.code, "path": f"{tgt_span.path}{child.unit_id}/"},
                    "units": units_per_child[child.unit_id],
                    "members": members_per_child[child.unit_id],
                    "merge_of": source.code,
                },
            )
            for child in children
        ]
    )
    _reroot(rows, src_span.path, tgt_span, on, {e.unit_id: e for e in move_events})

    rehomed = rehome_members(source, into, on=on, unit_event=merge_event, refresh=False)
    positions, post_fates = _carry_posts(source, into, tgt_span, on, decision, posts or {})
    participations = _carry_attached(Participation, source, into, on)
    _end_unit(source, src_span, on)

    details = {
        "source": {"code": source.code, "name": src_span.name, "kind": src_span.kind},
        "target": {"code": into.code, "name": tgt_span.name, "kind": tgt_span.kind},
        "children_moved": [c.unit.code for c in children],
        "units_moved": len(rows),
        "members_rehomed": rehomed,
        "members_in_subtree": sum(by_unit.values()),
        "positions_moved": positions,
        "participations_moved": participations,
        "posts": post_fates,
    }
    for event in (merge_event, absorb_event):
        event.details = details
        event.save(update_fields=["details"])
    _refresh([on])
    return merge_event


@transaction.atomic
def dissolve_unit(
    unit: Unit, *, on: dt.date, decision: Decision | None = None, batch: str = ""
) -> UnitEvent:
    """End an empty unit on `on`; refused while it has child units or members."""
    span = current_span(unit, on)
    children = UnitSpan.objects.filter(parent=unit, valid_to__gt=on).values("unit_id").distinct()
    members = _members_from(on).filter(Q(unit=unit) | Q(group=unit)).values("member_id").distinct()
    n_children, n_members = children.count(), members.count()
    if n_children or n_members:
        raise CosoError(
            gettext(
                "Không thể giải thể «%(code)s» ngày %(on)s: còn %(n_children)s đơn vị trực thuộc và %(n_members)s đảng viên sinh hoạt; hãy chuyển hoặc sáp nhập trước."
            )
            % {"code": unit.code, "on": fmt(on), "n_children": n_children, "n_members": n_members}
        )
    _check_attached_not_after(unit, on, gettext("giải thể"))
    # Posts and participations cannot outlive the unit.
    positions = Position.objects.filter(unit=unit, valid_to__gt=on)
    participations = Participation.objects.filter(unit=unit, valid_to__gt=on)
    for rows in (positions, participations):
        if rows.filter(valid_from=on).exists():
            raise CosoError(
                gettext(
                    "Không thể giải thể «%(code)s» ngày %(on)s: có chức vụ hoặc lượt tham gia sinh hoạt bắt đầu đúng ngày đó."
                )
                % {"code": unit.code, "on": fmt(on)}
            )
    ended_posts = sorted(
        positions.values_list("role", "member_id"), key=lambda p: (role_rank(p[0]), p[1])
    )
    details = {
        "before": {"name": span.name, "kind": span.kind},
        "posts": [
            {"member": member, "role": role, "fate": PostFate.END.value, "role_after": None}
            for role, member in ended_posts
        ],
        "positions_ended": positions.update(valid_to=on),
        "participations_ended": participations.update(valid_to=on),
    }
    event = _event(UnitEventKind.DISSOLVE, unit, on, decision, batch, details)
    _end_unit(unit, span, on)
    _refresh([on])
    return event


__all__ = [
    "allowed_kinds",
    "check_kind_allowed",
    "create_unit",
    "current_span",
    "dissolve_unit",
    "merge_units",
    "move_unit",
    "rename_unit",
    "retag_unit",
    "retype_unit",
    "tally_refreshed_once",
]
