"""The tracking view's tally at the root: a directive's steps counted by the root's children.

A document cascaded to every branch of the country has a few hundred thousand records and about
four steps each; the root's tracking view would read them all on every request (seconds). The
tally holds, per directive, child of the root (`top`), step kind and due date, the steps done on
time, done late and not done (`StepTally`), and the records by the due date of their earliest
step not done (`RecordTally`) — the overdue figures of any day follow from the due dates, so the
rows do not age. Kept in step by the writers:

- a cascade rebuilds its directive's tally (one grouped read of the new records);
- a step reported (or corrected) moves its counts between buckets (`step_changed`);
- unit spans starting or ending on the days a write gives `coso.stats.tally` (a reorganization)
  drop the stamps, since records may now lie under another child; the reader then computes live
  until the nightly job `followup_tally` (or the next cascade) rebuilds them;
- the reader also computes live when asked about a day before the tally's tree, or when the tree
  changed between that day and the day asked (a reorganization dated ahead took effect).

The reader's figures equal the live computation's (`tests/followup/test_tally.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from coso.core.dates import FAR_FUTURE, today
from coso.followup.models import (
    Directive,
    Implementation,
    RecordTally,
    Step,
    StepTally,
    TallyStamp,
)
from coso.units.models import UnitSpan
from coso.units.queries import subtree_range

JOB_NAME = "followup_tally"


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _segment(start: int) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "split_part(substr(us.path, %s), '/', 1)", [start]
    return "substr(substr(us.path, %s), 1, instr(substr(us.path, %s), '/') - 1)", [start, start]


def _root_of(directive: Directive, day: dt.date) -> UnitSpan | None:
    """The root on `day` of the tree of the directive's owner (records lie under the owner)."""
    owner = UnitSpan.objects.filter(
        unit_id=directive.owner_id, valid_from__lte=day, valid_to__gt=day
    ).first()
    if owner is None:
        return None
    root_id = int(owner.path.strip("/").split("/", 1)[0])
    return UnitSpan.objects.filter(unit_id=root_id, valid_from__lte=day, valid_to__gt=day).first()


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def rebuild_directive(directive: Directive, day: dt.date | None = None) -> bool:
    """Recount the directive's tally from its steps, by the children on `day` (default today)
    of the root of its owner's tree; False (and no tally) when the owner does not exist then."""
    day = day or today()
    StepTally.objects.filter(directive=directive).delete()
    RecordTally.objects.filter(directive=directive).delete()
    TallyStamp.objects.filter(directive=directive).delete()
    root = _root_of(directive, day)
    if root is None:
        return False
    grp, grp_params = _segment(len(root.path) + 1)
    lo, hi = subtree_range(root.path)
    inner = (
        f"SELECT {grp} AS grp, im.id AS rec, st.kind AS kind, st.due AS due, "
        "st.done_on AS done_on "
        "FROM followup_implementation im "
        "JOIN units_unitspan us ON us.unit_id = im.unit_id "
        "AND us.valid_from <= %s AND us.valid_to > %s "
        "JOIN followup_step st ON st.implementation_id = im.id "
        "WHERE im.directive_id = %s AND us.path >= %s AND us.path < %s"
    )
    params = [*grp_params, day, day, directive.pk, lo, hi]
    steps = _rows(
        "SELECT x.grp, x.kind, x.due, "
        "SUM(CASE WHEN x.done_on IS NOT NULL AND x.done_on <= x.due THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN x.done_on IS NOT NULL AND x.done_on > x.due THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN x.done_on IS NULL THEN 1 ELSE 0 END) "
        f"FROM ({inner}) x GROUP BY x.grp, x.kind, x.due",
        params,
    )
    records = _rows(
        "SELECT r.grp, r.first_open, COUNT(*) FROM ("
        "SELECT x.grp AS grp, x.rec AS rec, MIN(CASE WHEN x.done_on IS NULL THEN x.due END) "
        f"AS first_open FROM ({inner}) x GROUP BY x.grp, x.rec) r GROUP BY r.grp, r.first_open",
        params,
    )

    def top(key: Any) -> int:
        return int(key) if key not in (None, "") else root.unit_id

    StepTally.objects.bulk_create(
        [
            StepTally(
                directive=directive,
                top_id=top(g),
                kind=kind,
                due=_date(due),
                done=done,
                late=late,
                open=open_,
            )
            for g, kind, due, done, late, open_ in steps
        ],
        batch_size=2000,
    )
    RecordTally.objects.bulk_create(
        [
            RecordTally(
                directive=directive,
                top_id=top(g),
                first_open=_date(first) if first is not None else FAR_FUTURE,
                records=n,
            )
            for g, first, n in records
        ],
        batch_size=2000,
    )
    TallyStamp.objects.create(directive=directive, root_id=root.unit_id, tree_day=day)
    return True


def _bucket(done_on: dt.date | None, due: dt.date) -> str:
    if done_on is None:
        return "open"
    return "done" if done_on <= due else "late"


def _first_open(steps: Iterable[tuple[int, dt.date, dt.date | None]]) -> dt.date:
    return min((due for _pk, due, done in steps if done is None), default=FAR_FUTURE)


def step_changed(step: Step, old_done_on: dt.date | None) -> None:
    """Move a reported (or corrected) step's counts between buckets, inside the writer's
    transaction. A few single-row statements; nothing when the directive has no tally."""
    if old_done_on == step.done_on:
        return
    implementation = Implementation.objects.only("directive_id", "unit_id").get(
        pk=step.implementation_id
    )
    stamp = TallyStamp.objects.filter(directive_id=implementation.directive_id).first()
    if stamp is None:
        return
    root = UnitSpan.objects.filter(
        unit_id=stamp.root_id, valid_from__lte=stamp.tree_day, valid_to__gt=stamp.tree_day
    ).first()
    span = UnitSpan.objects.filter(
        unit_id=implementation.unit_id,
        valid_from__lte=stamp.tree_day,
        valid_to__gt=stamp.tree_day,
    ).first()
    if root is None or span is None or not span.path.startswith(root.path):
        TallyStamp.objects.filter(pk=stamp.pk).delete()  # cannot place it: compute live
        return
    rest = span.path[len(root.path) :]
    top = int(rest.split("/", 1)[0]) if rest else root.unit_id
    keys = {"directive_id": implementation.directive_id, "top_id": top}
    old, new = _bucket(old_done_on, step.due), _bucket(step.done_on, step.due)
    if old != new:
        StepTally.objects.filter(**keys, kind=step.kind, due=step.due).update(
            **{old: F(old) - 1, new: F(new) + 1}
        )
    now = list(
        Step.objects.filter(implementation_id=step.implementation_id).values_list(
            "pk", "due", "done_on"
        )
    )
    before = [(pk, due, old_done_on if pk == step.pk else done) for pk, due, done in now]
    first_before, first_after = _first_open(before), _first_open(now)
    if first_before != first_after:
        RecordTally.objects.filter(**keys, first_open=first_before).update(records=F("records") - 1)
        row, created = RecordTally.objects.get_or_create(
            **keys, first_open=first_after, defaults={"records": 1}
        )
        if not created:
            RecordTally.objects.filter(pk=row.pk).update(records=F("records") + 1)


def usable(directive: Directive, root: UnitSpan, day: dt.date) -> bool:
    """Whether the tally answers for `root` on `day`: built under that root from the tree of a
    day no later than `day`, the tree unchanged since (two index probes)."""
    stamp = TallyStamp.objects.filter(directive=directive, root_id=root.unit_id).first()
    if stamp is None or day < stamp.tree_day:
        return False
    if day == stamp.tree_day:
        return True
    moved = Q(valid_from__gt=stamp.tree_day, valid_from__lte=day) | Q(
        valid_to__gt=stamp.tree_day, valid_to__lte=day
    )
    return not UnitSpan.objects.filter(moved).exists()


def read(
    directive: Directive, day: dt.date
) -> tuple[dict[tuple[int, str], list[int]], dict[int, int]]:
    """{(top, kind): [done, late, overdue, pending]} and {top: records overdue} on `day`."""
    steps: dict[tuple[int, str], list[int]] = {}
    rows = (
        StepTally.objects.filter(directive=directive)
        .values_list("top_id", "kind")
        .annotate(
            n_done=Coalesce(Sum("done"), 0),
            n_late=Coalesce(Sum("late"), 0),
            n_overdue=Coalesce(Sum("open", filter=Q(due__lt=day)), 0),
            n_pending=Coalesce(Sum("open", filter=Q(due__gte=day)), 0),
        )
        .order_by()
    )
    for top, kind, done, late, overdue, pending in rows:
        steps[(top, kind)] = [int(done), int(late), int(overdue), int(pending)]
    overdue_records = dict(
        RecordTally.objects.filter(directive=directive, first_open__lt=day)
        .values_list("top_id")
        .annotate(n=Sum("records"))
        .order_by()
    )
    return steps, {int(k): int(v) for k, v in overdue_records.items()}


def refresh_for_days(days: list[dt.date], units: set[int]) -> None:
    """Unit spans starting or ending on the days written: records may have changed child of
    the root, so the stamps go (the reader computes live until rebuilt)."""
    if days and UnitSpan.objects.filter(Q(valid_from__in=days) | Q(valid_to__in=days)).exists():
        TallyStamp.objects.all().delete()


def rebuild_all() -> int:
    """Every directive with records: a fresh tally (bulk loaders, the nightly job)."""
    count = 0
    for directive in Directive.objects.filter(
        pk__in=Implementation.objects.values("directive_id")
    ).order_by("pk"):
        count += rebuild_directive(directive)
    return count


def rebuild_stale(day: dt.date) -> str:
    """The scheduled job: rebuild the tallies missing or built on a tree that changed since."""
    day = max(day, today())
    rebuilt = 0
    for directive in Directive.objects.filter(
        pk__in=Implementation.objects.values("directive_id")
    ).order_by("pk"):
        root = _root_of(directive, day)
        if root is not None and usable(directive, root, day):
            continue
        rebuilt += rebuild_directive(directive, day)
    return f"Đã đếm lại bảng theo dõi của {rebuilt} văn bản."


@dataclass(frozen=True)
class ReminderTally:
    """What the tallies say of the steps not done in a subtree (a root, or a child of one) that
    a home page's reminders list: how many overdue and due soon, and what each way of finding
    the first few of them would pass (see `coso.followup.queries.reminders`)."""

    overdue: int
    soon: int
    # The due dates of the subtree's first step not done and of its `wanted`-th (or last, if
    # fewer): the first `wanted` lie between them (None: there is none).
    first_due: dt.date | None
    last_due: dt.date | None
    # Steps not done of the whole root due from `first_due` to `last_due`: the most a walk of
    # the due-date index between them passes to find the subtree's first `wanted`.
    window: int
    # Every step of the subtree, done or not: what a read driven from the subtree passes.
    steps: int
    # The directives and the kinds of the subtree's steps not done due from `first_due` to
    # `last_due`: a read driven from the subtree need not look at the others' records.
    directives: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()


def reminder_tally(
    span: UnitSpan, day: dt.date, horizon: int, *, wanted: int
) -> ReminderTally | None:
    """Steps not done in the subtree of `span` — a root, or a child of one — overdue on `day`
    and due within `horizon` days, summed from the tallies (a province's home page would
    otherwise join a few hundred thousand steps to its subtree), with what finding the first
    `wanted` of them costs each way. None, for the live count, when some directive with
    records has no tally for that root, or the tree changed since the oldest tally's tree (one
    conservative probe)."""
    root: UnitSpan | None = span
    top: int | None = None
    if span.parent_id is not None:
        root = UnitSpan.objects.filter(
            unit_id=span.parent_id, parent__isnull=True, valid_from__lte=day, valid_to__gt=day
        ).first()
        top = span.unit_id
    if root is None:
        return None
    stamps = dict(
        TallyStamp.objects.filter(root_id=root.unit_id).values_list("directive_id", "tree_day")
    )
    if not stamps or min(stamps.values()) > day:
        return None
    unstamped = Directive.objects.exclude(pk__in=list(stamps)).filter(
        models.Exists(Implementation.objects.filter(directive_id=models.OuterRef("pk")))
    )
    if unstamped.exists():
        return None
    oldest = min(stamps.values())
    moved = Q(valid_from__gt=oldest, valid_from__lte=day) | Q(
        valid_to__gt=oldest, valid_to__lte=day
    )
    if oldest < day and UnitSpan.objects.filter(moved).exists():
        return None
    rows = StepTally.objects.filter(directive_id__in=list(stamps))
    in_subtree = Q() if top is None else Q(top_id=top)
    mine = rows.filter(in_subtree)
    last = day + dt.timedelta(days=horizon)
    # The subtree's steps not done by due date, up to the horizon: a few rows a directive.
    found = list(
        mine.filter(open__gt=0, due__lte=last)
        .values_list("due", "directive_id", "kind")
        .annotate(n=Sum("open"))
        .order_by("due")
    )
    by_due: dict[dt.date, int] = {}  # in due order, as `found`
    for due, _directive, _kind, n in found:
        by_due[due] = by_due.get(due, 0) + n
    overdue = sum(n for due, n in by_due.items() if due < day)
    soon = sum(n for due, n in by_due.items() if due >= day)
    if not by_due:
        return ReminderTally(overdue, soon, None, None, 0, 0)
    first_due, upto, seen = found[0][0], found[-1][0], 0
    for due, n in by_due.items():
        seen += n
        if seen >= wanted:
            upto = due
            break
    window = [(d, k) for due, d, k, _n in found if first_due <= due <= upto]
    figures = rows.aggregate(
        window=Coalesce(Sum("open", filter=Q(due__gte=first_due, due__lte=upto)), 0),
        steps=Coalesce(Sum(F("done") + F("late") + F("open"), filter=in_subtree), 0),
    )
    return ReminderTally(
        overdue,
        soon,
        first_due,
        upto,
        int(figures["window"]),
        int(figures["steps"]),
        tuple(sorted({d for d, _k in window})),
        tuple(sorted({k for _d, k in window})),
    )
