"""Two years of invented meeting history for the demo's branches, written in bulk.

Every branch holds its regular meeting each month and a thematic one each quarter, with
attendance per member from the member spans of the day. Border posts (units tagged border) meet
online some months; large residential branches of Hoàn Lão meet by party group some months; a few
branches have gaps, a few members miss meetings without reason, and a few past meetings are left
unrecorded, so that every warning has something to show. Meetings after today stay planned.

The demo has no party groups: when a branch has none, its by-group meeting is split into
sub-meetings of about ten members each (group left empty, titled "Nhóm k").
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from coso.core.dates import add_months, fmt, today
from coso.core.errors import CosoError
from coso.meetings.activity import rebuild_activity
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
    OnlineGround,
    Resolution,
)
from coso.members.models import MemberSpan, Participation, ParticipationKind
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan

HOAN_LAO = "19111"  # coso.demo.quangbinh.HOAN_LAO
BATCH = 5000
BY_GROUP_MIN_MEMBERS = 25


@dataclass
class HistoryReport:
    meetings: int = 0
    invitations: int = 0
    resolutions: int = 0
    seconds: float = 0.0
    gap_branches: list[str] = field(default_factory=list)


@dataclass
class _Branch:
    unit_id: int
    code: str
    spans: list[tuple[dt.date, dt.date, str, str]]  # from, to, tags, path

    def on(self, day: dt.date) -> tuple[str, str] | None:
        for lo, hi, tags, path in self.spans:
            if lo <= day < hi:
                return tags, path
        return None


def _adapt(value: Any, ops: Any = None) -> Any:
    ops = ops or connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, dt.time):
        return ops.adapt_timefield_value(value)
    return value


def _insert(
    model: Any, columns: list[str], rows: Iterable[Iterable[Any]], *, adapt: bool = True
) -> int:
    """Plain multi-row INSERTs: the ORM's per-field preparation is the slow part of bulk_create."""
    # One lookup: `connection` is a per-thread proxy, slow to go through for every value.
    ops = connection.ops
    qn = ops.quote_name
    names = [model._meta.get_field(c).column if not c.endswith("_id") else c for c in columns]
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    count = 0
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple([_adapt(v, ops) for v in row]) if adapt else tuple(row))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _pick_status(rng: random.Random, reliability: float) -> str:
    if rng.random() < reliability:
        return AttendanceStatus.PRESENT
    # Most absences have a reason; those who drift away (reliability < 0.7) mostly do not.
    unexcused = 0.7 if reliability < 0.7 else 0.1
    return (
        AttendanceStatus.ABSENT_UNEXCUSED
        if rng.random() < unexcused
        else AttendanceStatus.ABSENT_EXCUSED
    )


@transaction.atomic
def load_meeting_history(*, seed: int, start: dt.date, end: dt.date) -> HistoryReport:
    """Meetings from `start` to `end` (exclusive) for every branch; refused if any exist there."""
    started = time.monotonic()
    if Meeting.objects.filter(on__gte=start, on__lt=end).exists():
        raise CosoError(
            f"Đã có cuộc họp từ {fmt(start)} đến {fmt(end)}: không nạp lịch sử sinh hoạt mẫu lần nữa."
        )
    rng = random.Random(seed * 7919 + 4)
    report = HistoryReport()
    now = timezone.now()
    current = today()
    hoan_lao = Unit.objects.filter(code=HOAN_LAO).values_list("pk", flat=True).first()
    hl_marker = f"/{hoan_lao}/" if hoan_lao else None

    branches: dict[int, _Branch] = {}
    for unit_id, code, lo, hi, tags, path in (
        UnitSpan.objects.filter(kind__in=HOME_KINDS, valid_from__lt=end, valid_to__gt=start)
        .order_by("unit_id", "valid_from")
        .values_list("unit_id", "unit__code", "valid_from", "valid_to", "tags", "path")
    ):
        branches.setdefault(unit_id, _Branch(unit_id, code, [])).spans.append((lo, hi, tags, path))
    spans_by_unit: dict[int, list[tuple[int, int | None, bool, bool, dt.date, dt.date]]] = (
        defaultdict(list)
    )
    for member_id, unit_id, group_id, exempt, transit, lo, hi in MemberSpan.objects.filter(
        valid_from__lt=end, valid_to__gt=start
    ).values_list(
        "member_id", "unit_id", "group_id", "exempt", "in_transit", "valid_from", "valid_to"
    ):
        spans_by_unit[unit_id].append((member_id, group_id, exempt, transit, lo, hi))
    taking_part: dict[int, list[tuple[int, str, dt.date, dt.date]]] = defaultdict(list)
    away: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for member_id, unit_id, kind, lo, hi in Participation.objects.filter(
        Q(kind=ParticipationKind.ACTIVITY) | Q(kind=ParticipationKind.TEMPORARY),
        valid_from__lt=end,
        valid_to__gt=start,
    ).values_list("member_id", "unit_id", "kind", "valid_from", "valid_to"):
        taking_part[unit_id].append((member_id, kind, lo, hi))
        if kind == ParticipationKind.TEMPORARY:
            away[member_id].append((lo, hi))
    groups: dict[int, list[tuple[int, str, dt.date, dt.date]]] = defaultdict(list)
    for group_id, parent_id, name, lo, hi in UnitSpan.objects.filter(
        kind=UnitKind.GROUP, valid_from__lt=end, valid_to__gt=start
    ).values_list("unit_id", "parent_id", "name", "valid_from", "valid_to"):
        groups[parent_id].append((group_id, name, lo, hi))

    codes = sorted(b.code for b in branches.values())
    gap_codes = set(rng.sample(codes, max(1, len(codes) // 40))) if codes else set()
    report.gap_branches = sorted(gap_codes)
    member_ids = {m for rows in spans_by_unit.values() for m, *_ in rows}
    reliability = {m: rng.uniform(0.9, 0.995) for m in sorted(member_ids)}
    for m in rng.sample(sorted(member_ids), max(1, len(member_ids) // 600)) if member_ids else []:
        reliability[m] = 0.55  # the few who drift away: the strike-off warning shows them

    months: list[dt.date] = []
    first = start.replace(day=1) if start.day == 1 else add_months(start.replace(day=1), 1)
    while first < end:
        months.append(first)
        first = add_months(first, 1)

    # (meeting, [(member, role, counted, exempt, status)], sub-meetings [(meeting, invitees)])
    planned: list[tuple[Meeting, list[tuple[int, str, bool, bool, str]], list[Any]]] = []
    for branch in sorted(branches.values(), key=lambda b: b.code):
        gaps = set(rng.sample(range(len(months)), min(len(months), rng.randint(2, 5))))
        gaps = gaps if branch.code in gap_codes else set()
        for index, month in enumerate(months):
            slots = [(MeetingKind.REGULAR, month + dt.timedelta(days=rng.randint(4, 14)))]
            if month.month % 3 == 2 and branch.code not in gap_codes:
                slots.append((MeetingKind.THEMATIC, month + dt.timedelta(days=rng.randint(16, 24))))
            for kind, day in slots:
                if day >= end or (kind == MeetingKind.REGULAR and index in gaps):
                    continue
                state = branch.on(day)
                if state is None:
                    continue
                planned.append(
                    _meeting(
                        rng,
                        branch,
                        kind,
                        day,
                        state,
                        spans_by_unit,
                        taking_part,
                        away,
                        groups,
                        reliability,
                        hl_marker,
                        current,
                    )
                )

    parents = [m for m, _, _ in planned]
    subs = []
    next_id = (Meeting.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    for meeting, _, children in planned:
        meeting.pk, next_id = next_id, next_id + 1
        for sub, _ in children:
            sub.pk, next_id = next_id, next_id + 1
            sub.parent_id = meeting.pk
            subs.append(sub)
    for m in parents + subs:
        m.created_at = now
    fields = Meeting._meta.concrete_fields
    _insert(
        Meeting,
        [f.column for f in fields],
        ([getattr(m, f.attname) for f in fields] for m in parents + subs),
    )
    resolutions: list[tuple[Any, ...]] = []
    book: dict[tuple[int, int], int] = defaultdict(int)

    stamp = _adapt(now)

    def invitation_rows() -> Any:
        for meeting, invitees, children in planned:
            for target, rows in [(meeting, invitees), *children]:
                online = target.form == MeetingForm.ONLINE
                for member_id, role, counted, exempt, status in rows:
                    excused = status == AttendanceStatus.ABSENT_EXCUSED
                    present = status == AttendanceStatus.PRESENT
                    yield (
                        target.pk,
                        member_id,
                        role,
                        counted,
                        exempt,
                        status,
                        "Đi công tác" if excused else "",
                        stamp if online and present else None,
                    )
            if meeting.status == MeetingStatus.CLOSED and meeting.present_count:
                key = (meeting.unit_id, meeting.on.year)
                book[key] += 1
                resolutions.append(
                    (
                        meeting.pk,
                        meeting.unit_id,
                        meeting.on.year,
                        book[key],
                        f"Nghị quyết {MeetingKind(meeting.kind).label.lower()} tháng {meeting.on:%m/%Y}",
                        "",
                        meeting.present_count,
                        0,
                        0,
                        meeting.on,
                        now,
                    )
                )

    report.invitations = _insert(
        Invitation,
        [
            "meeting_id",
            "member_id",
            "role",
            "counted",
            "exempt",
            "status",
            "reason",
            "checked_in_at",
        ],
        invitation_rows(),
        adapt=False,
    )
    report.resolutions = _insert(
        Resolution,
        [
            "meeting_id",
            "unit_id",
            "year",
            "number",
            "title",
            "text",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "adopted_on",
            "recorded_at",
        ],
        resolutions,
    )
    # Ids were given explicitly: PostgreSQL's sequences must move past them.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Meeting, Invitation, Resolution]):
            cursor.execute(sql)
    rebuild_activity()  # written in bulk, past the operations that keep it in step
    report.meetings = len(parents) + len(subs)
    report.seconds = time.monotonic() - started
    return report


def _meeting(
    rng: random.Random,
    branch: _Branch,
    kind: str,
    day: dt.date,
    state: tuple[str, str],
    spans_by_unit: dict[int, list[tuple[int, int | None, bool, bool, dt.date, dt.date]]],
    taking_part: dict[int, list[tuple[int, str, dt.date, dt.date]]],
    away: dict[int, list[tuple[dt.date, dt.date]]],
    groups: dict[int, list[tuple[int, str, dt.date, dt.date]]],
    reliability: dict[int, float],
    hl_marker: str | None,
    current: dt.date,
) -> tuple[Meeting, list[tuple[int, str, bool, bool, str]], list[Any]]:
    tags, path = state
    past = day < current
    unrecorded = past and rng.random() < 0.004
    recorded = past and not unrecorded
    invitees: list[tuple[int, str, bool, bool, str]] = []
    by_group_of: dict[int, int | None] = {}
    for member_id, group_id, exempt, transit, lo, hi in spans_by_unit.get(branch.unit_id, ()):
        if not lo <= day < hi:
            continue
        elsewhere = any(a <= day < b for a, b in away.get(member_id, ()))
        counted = not exempt and not transit and not elsewhere
        # Exempt members and those meeting elsewhere are not marked: outside the count.
        status: str = AttendanceStatus.PENDING
        if recorded and counted:
            status = _pick_status(rng, reliability.get(member_id, 0.9))
        invitees.append((member_id, InviteeRole.MEMBER, counted, exempt, status))
        by_group_of[member_id] = group_id
    seen = {row[0] for row in invitees}
    for member_id, part_kind, lo, hi in taking_part.get(branch.unit_id, ()):
        if lo <= day < hi and member_id not in seen:
            seen.add(member_id)
            temporary = part_kind == ParticipationKind.TEMPORARY
            status = _pick_status(rng, 0.9) if recorded else AttendanceStatus.PENDING
            role = InviteeRole.TEMPORARY if temporary else InviteeRole.PARTICIPANT
            invitees.append((member_id, role, temporary, False, status))
    form = MeetingForm.IN_PERSON
    if ";border;" in tags and rng.random() < 0.35:
        form = MeetingForm.ONLINE
    elif (
        hl_marker
        and hl_marker in path
        and ";residential;" in tags
        and len(invitees) >= BY_GROUP_MIN_MEMBERS
        and kind == MeetingKind.REGULAR
        and rng.random() < 0.5
    ):
        form = MeetingForm.BY_GROUP
    counted_rows = [r for r in invitees if r[2]]
    present = sum(1 for r in counted_rows if r[4] == AttendanceStatus.PRESENT)
    online = form == MeetingForm.ONLINE
    meeting = Meeting(
        unit_id=branch.unit_id,
        kind=kind,
        form=form,
        status=MeetingStatus.CLOSED if recorded else MeetingStatus.PLANNED,
        on=day,
        starts_at=dt.time(19, 30) if ";residential;" in tags else dt.time(14, 0),
        title=f"{MeetingKind(kind).label} tháng {day:%m/%Y}",
        place="" if online else "Hội trường chi bộ",
        online_link=f"https://hop.quangtri.gov.vn/{branch.code.lower()}" if online else "",
        online_platform="Hệ thống họp trực tuyến của tỉnh" if online else "",
        online_ground=OnlineGround.SPECIAL_CATEGORY if online else "",
        online_reason="Đơn vị làm nhiệm vụ biên giới, không rời vị trí" if online else "",
        agenda="Kiểm điểm tháng; nhiệm vụ tháng tới; thông tin thời sự; thu đảng phí.",
        review="Chi bộ hoàn thành các nhiệm vụ trong tháng." if recorded else "",
        tasks_ahead="Triển khai nghị quyết cấp trên; vận động nhân dân." if recorded else "",
        political_news="Thông tin thời sự trong nước và quốc tế." if recorded else "",
        dues_collected_vnd=len(counted_rows) * 10000 if recorded else None,
        expected_count=len(counted_rows) if recorded else None,
        present_count=present if recorded else None,
        closed_at=timezone.now() if recorded else None,
    )
    children: list[Any] = []
    if form == MeetingForm.BY_GROUP:
        real = [g for g in groups.get(branch.unit_id, ()) if g[2] <= day < g[3]]
        parts: dict[Any, list[tuple[int, str, bool, bool, str]]] = defaultdict(list)
        ordered = sorted(invitees, key=lambda r: r[0])
        for position, row in enumerate(ordered):
            if real:
                parts[by_group_of.get(row[0])].append(row)
            else:
                parts[position // 10].append(row)
        for key, rows in sorted(parts.items(), key=lambda item: str(item[0])):
            group_id = key if real and key is not None else None
            name = next(
                (g[1] for g in real if g[0] == key),
                f"Nhóm {int(key) + 1}" if not real else "Chưa vào tổ",
            )
            sub_counted = [r for r in rows if r[2]]
            children.append(
                (
                    Meeting(
                        unit_id=branch.unit_id,
                        kind=kind,
                        form=MeetingForm.IN_PERSON,
                        status=meeting.status,
                        on=day,
                        starts_at=meeting.starts_at,
                        title=name,
                        place="Nhà văn hóa tổ dân phố",
                        agenda=meeting.agenda,
                        group_id=group_id,
                        expected_count=len(sub_counted) if recorded else None,
                        present_count=sum(
                            1 for r in sub_counted if r[4] == AttendanceStatus.PRESENT
                        )
                        if recorded
                        else None,
                        closed_at=meeting.closed_at,
                    ),
                    rows,
                )
            )
    return meeting, invitees, children
