"""Two documents from above cascaded across the demo's province, with realistic lateness.

- Directive 50-CT/TW of the Secretariat (23/07/2025) on renewing branch meetings, cascaded to
  every branch of the province on 15/08/2025: by today most branches studied it (many at a
  thematic meeting of theirs, which then gives the attendance) and made their plan, some late,
  some not at all; progress reports are patchier.
- A plan of the provincial committee registered a few weeks ago (invented for the demo, said so
  in its summary), whose study session fell due recently and whose action plan falls due within
  the reminder window: the home pages have something to remind of.

Steps are reported as branches would: on time for most, late for some, never for a few. The
loader writes through the operations (one cascade each), then marks the steps done in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from coso.audit.log import Actor
from coso.core.dates import today
from coso.followup import operations as ops
from coso.followup.models import Directive, LocalTarget, Step, StepKind
from coso.followup.tally import rebuild_directive
from coso.meetings.models import Meeting, MeetingKind, MeetingStatus, Resolution
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

PROVINCE = "44"  # coso.demo.quangbinh.PROVINCE
HOAN_LAO = "19111"
DIRECTIVE_50 = ("50-CT/TW", dt.date(2025, 7, 23), dt.date(2025, 8, 15))
# Chances per step kind: done on time, done late (the rest: never reported).
CHANCES = {
    StepKind.STUDY: (0.68, 0.22),
    StepKind.PLAN: (0.58, 0.27),
    StepKind.REPORT: (0.45, 0.30),
}


@dataclass
class DirectivesReport:
    directives: int = 0
    records: int = 0
    steps_done: int = 0
    targets: int = 0


def _done_on(
    rng: random.Random, kind: str, due: dt.date, start: dt.date, now: dt.date
) -> dt.date | None:
    on_time, late = CHANCES[StepKind(kind)]
    draw = rng.random()
    if draw < on_time:
        day = due - dt.timedelta(days=rng.randint(0, max(0, min(20, (due - start).days))))
    elif draw < on_time + late:
        day = due + dt.timedelta(days=rng.randint(1, 60))
    else:
        return None
    return day if start <= day <= now else None


def _mark(
    rng: random.Random, directive: Directive, now: dt.date, meetings: dict[int, tuple[int, dt.date]]
) -> int:
    steps = list(
        Step.objects.filter(implementation__directive=directive).select_related("implementation")
    )
    changed = []
    for step in steps:
        start = step.implementation.cascaded_on
        held = meetings.get(step.implementation.unit_id) if step.kind == StepKind.STUDY else None
        if held is not None and held[1] <= now and rng.random() < 0.5:
            step.meeting_id, step.done_on = held
            step.note = "Học tập, quán triệt tại buổi sinh hoạt chuyên đề."
        else:
            step.done_on = _done_on(rng, step.kind, step.due, start, now)
            if step.done_on is not None and step.kind == StepKind.PLAN:
                step.note = "Chi bộ đã ban hành kế hoạch thực hiện."
        if step.done_on is not None:
            changed.append(step)
    Step.objects.bulk_update(changed, ["done_on", "meeting", "note"], batch_size=2000)
    rebuild_directive(directive)
    return len(changed)


def _thematic_meetings(
    province: Unit, start: dt.date, end: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """Each branch's first held thematic meeting in [start, end): where it studied."""
    span = span_on(province, start)
    lo, hi = subtree_range(span.path)
    units = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=start, valid_to__gt=start, kind__in=HOME_KINDS
    ).values("unit_id")
    found: dict[int, tuple[int, dt.date]] = {}
    rows = (
        Meeting.objects.filter(
            unit__in=units,
            parent__isnull=True,
            kind=MeetingKind.THEMATIC,
            status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED],
            on__gte=start,
            on__lt=end,
        )
        .order_by("on", "pk")
        .values_list("unit_id", "pk", "on")
    )
    for unit_id, pk, on in rows:
        found.setdefault(unit_id, (pk, on))
    return found


def _targets(rng: random.Random, year: int) -> int:
    """Two targets on the first resolution of the year of each Hoàn Lão branch, with actuals."""
    hoan_lao = Unit.objects.filter(code=HOAN_LAO).first()
    if hoan_lao is None:
        return 0
    firsts: dict[int, Resolution] = {}
    for resolution in Resolution.objects.filter(
        unit__code__startswith=f"{HOAN_LAO}-", year=year
    ).order_by("number", "pk"):
        firsts.setdefault(resolution.unit_id, resolution)
    rows = []
    for resolution in firsts.values():
        admissions = rng.randint(1, 3)
        rows += [
            LocalTarget(
                resolution=resolution,
                indicator="Kết nạp đảng viên mới",
                measure="người",
                target=admissions,
                actual=rng.randint(0, admissions),
                actual_on=today(),
            ),
            LocalTarget(
                resolution=resolution,
                indicator="Tỉ lệ đảng viên dự sinh hoạt",
                measure="%",
                target=90,
                actual=rng.randint(75, 98),
                actual_on=today(),
            ),
        ]
    LocalTarget.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def load_directives(*, seed: int) -> DirectivesReport:
    """The two documents and their implementation (refused if the province is missing)."""
    rng = random.Random(seed * 104729 + 11)
    now = today()
    report = DirectivesReport()
    province = Unit.objects.filter(code=PROVINCE).first()
    if province is None:
        return report
    actor = Actor.cli()
    number, issued, cascaded = DIRECTIVE_50
    batches = []
    if cascaded <= now:
        first = ops.register_directive(
            owner=province,
            kind="directive",
            number=number,
            issued_on=issued,
            issuer="Ban Bí thư Trung ương Đảng",
            title="Về đổi mới, nâng cao chất lượng sinh hoạt chi bộ",
            summary=(
                "Chi bộ học tập, quán triệt chỉ thị, xây dựng kế hoạch thực hiện và báo cáo kết "
                "quả định kỳ sáu tháng một lần (tóm tắt của dữ liệu mẫu)."
            ),
            actor=actor,
        )
        batches.append((first, cascaded, ops.Terms(30, 45, 6, 2)))
    recent = now - dt.timedelta(days=40)
    second = ops.register_directive(
        owner=province,
        kind="plan",
        number="DEMO-15-KH/TU",
        issued_on=now - dt.timedelta(days=50),
        issuer="Ban Thường vụ Tỉnh ủy",
        title="Kế hoạch theo dõi việc thực hiện nhiệm vụ trên hệ thống dữ liệu",
        summary="Văn bản bịa cho dữ liệu mẫu, không phải văn bản thật của Tỉnh ủy.",
        actor=actor,
    )
    # Study due 10 days ago, plan due in 10 days (within the home pages' reminder window).
    batches.append((second, recent, ops.Terms(30, 50, 3, 2)))
    for directive, on, terms in batches:
        result = ops.cascade_directive(
            directive, province, list(HOME_KINDS), on, terms, actor=actor
        )
        meetings = _thematic_meetings(province, on, on + dt.timedelta(days=75))
        report.directives += 1
        report.records += result.implementations
        report.steps_done += _mark(rng, directive, now, meetings)
    report.targets = _targets(rng, now.year)
    return report
