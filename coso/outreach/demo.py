"""The demo's outreach: the border guard's soldiers responsible for households, households of
Hoàn Lão's residential areas, committee members assigned to follow branches, and a year of
citizens' petitions (mostly land), some overdue.

Figures it makes exact (BRIEF.md §7): on `figures_day` the members at home in the border guard's
posts responsible for households are `responsible` (377) and the households they look after
`households` (1,741): `coso report households 44-BDBP --as-of 2024-12-31 --json`.

Households are written in bulk (a few thousand rows) with one audit entry for the whole load;
petitions go through the operations, as an officer's would.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import add_months, today
from coso.members.models import IN_PARTY, Member, MemberSpan, Position
from coso.outreach import tally
from coso.outreach.models import (
    Assignment,
    AssignmentReport,
    Household,
    HouseholdResponsibility,
    PetitionCategory,
    PetitionKind,
    Satisfaction,
    Visit,
)
from coso.outreach.operations import (
    escalate_petition,
    receive_petition,
    record_petition_step,
    resolve_petition,
)
from coso.outreach.queries import quarter_start
from coso.units.models import Unit, UnitSpan
from coso.units.queries import span_on, subtree_range

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Hồ", "Võ", "Đinh", "Cao", "Hồ Thị", "Đặng"]
MIDDLE = ["Văn", "Thị", "Đình", "Xuân", "Minh", "Thanh", "Hữu", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai",
         "Nam", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Tuấn", "Vân", "Xuân", "Yến",
         "Pả", "Y Thiêm", "Hồ Lâm", "Kăn"]  # fmt: skip
LAND_TOPICS = [
    "Tranh chấp ranh giới đất vườn với hộ liền kề",
    "Đề nghị cấp giấy chứng nhận quyền sử dụng đất",
    "Bồi thường khi thu hồi đất làm đường",
    "Phản ánh lấn chiếm đất công ở đầu thôn",
    "Khiếu nại về giá đất bồi thường",
]
OTHER_TOPICS = {
    PetitionCategory.ENVIRONMENT: "Phản ánh xả thải của cơ sở chế biến gây ô nhiễm",
    PetitionCategory.POLICY: "Đề nghị xem xét chế độ hộ cận nghèo, bảo hiểm y tế",
    PetitionCategory.CONDUCT: "Phản ánh thái độ của cán bộ khi giải quyết thủ tục",
    PetitionCategory.OTHER: "Kiến nghị sửa chữa đường liên thôn",
}


@dataclass
class OutreachReport:
    responsible: int = 0
    households: int = 0
    visits: int = 0
    assignments: int = 0
    petitions: int = 0
    overdue: int = 0


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _members_at(unit: Unit, day: dt.date) -> list[Member]:
    """Members at home in `unit`'s subtree on `day`, by registry number (deterministic)."""
    lo, hi = subtree_range(span_on(unit, day).path)
    units = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day
    ).values("unit_id")
    return list(
        Member.objects.filter(
            pk__in=MemberSpan.objects.filter(
                unit__in=units, valid_from__lte=day, valid_to__gt=day
            ).values("member_id")
        ).order_by("member_id")
    )


def _villages(commune_codes: Sequence[str], day: dt.date) -> list[Unit]:
    return list(
        Unit.objects.filter(
            spans__parent__code__in=commune_codes,
            spans__valid_from__lte=day,
            spans__valid_to__gt=day,
            spans__kind="branch",
        )
        .distinct()
        .order_by("code")
    )


def _visits(
    rng: random.Random, rows: list[Visit], h: Household, m: Member, start: dt.date, end: dt.date
) -> None:
    """About three visits in four quarters from `start` to `end` (exclusive)."""
    q = quarter_start(start)
    while q < end:
        if rng.random() < 0.75:
            day = q + dt.timedelta(days=rng.randint(5, 80))
            if start <= day < end:
                rows.append(Visit(household=h, member=m, on=day, note="Thăm hỏi, nắm tình hình"))
        q = add_months(q, 3)


@transaction.atomic
def load_households(
    *,
    posts: Mapping[str, Sequence[str]],
    figures_day: dt.date,
    responsible: int,
    households: int,
    town: str | None = None,
    seed: int = 2020,
) -> OutreachReport:
    """Households of the villages each post covers (`posts`: post unit code → commune codes),
    `households` of them looked after by `responsible` members of the posts on `figures_day`;
    and, in `town`, households of its residential areas, most with a member responsible."""
    rng = random.Random(seed * 7 + 12)
    report = OutreachReport()
    now = today()
    pools: dict[str, list[Member]] = {}
    for code in posts:
        pools[code] = [
            m for m in _members_at(Unit.objects.get(code=code), figures_day) if m.official_on
        ]
    available = sum(len(p) for p in pools.values())
    if available < responsible:
        raise ValueError(f"{available} members at the posts, {responsible} needed")
    # Each post gives its share of the responsible members (largest remainders).
    shares = {c: responsible * len(p) / available for c, p in pools.items()}
    counts = {c: int(s) for c, s in shares.items()}
    for c in sorted(shares, key=lambda c: -(shares[c] - counts[c]))[
        : responsible - sum(counts.values())
    ]:
        counts[c] += 1
    chosen = {c: rng.sample(pools[c], counts[c]) for c in posts}
    per_member = [households // responsible] * responsible
    for i in rng.sample(range(responsible), households - sum(per_member)):
        per_member[i] += 1
    loads = iter(per_member)
    house_rows: list[Household] = []
    plan: list[tuple[Household, Member, Member | None, dt.date, dt.date]] = []
    n = 0
    for code, communes in posts.items():
        villages = _villages(communes, figures_day)
        if not villages:
            continue
        former_pool = [m for m in pools[code] if m not in chosen[code]]
        for member in chosen[code]:
            for _ in range(next(loads)):
                n += 1
                village = villages[n % len(villages)]
                poor = rng.random() < 0.18
                h = Household(
                    code=f"HGD-{village.code}-{n:05d}",
                    head_name=_name(rng),
                    address=f"Số {rng.randint(1, 90)}, {span_on(village, figures_day).name}",
                    area=village,
                    area_name=span_on(village, figures_day).name.removeprefix("Chi bộ "),
                    size=rng.randint(2, 7),
                    poor=poor,
                    near_poor=not poor and rng.random() < 0.14,
                    policy_family=rng.random() < 0.08,
                    valid_from=dt.date(2019, 1, 1),
                )
                house_rows.append(h)
                start = dt.date(2021, 1, 4) + dt.timedelta(days=rng.randint(0, 1200))
                start = min(start, figures_day)
                former = rng.choice(former_pool) if former_pool and rng.random() < 0.12 else None
                plan.append((h, member, former, start, figures_day))
    _add_town_households(rng, town, figures_day, house_rows, plan)
    Household.objects.bulk_create(house_rows, batch_size=1000)
    resp_rows: list[HouseholdResponsibility] = []
    visit_rows: list[Visit] = []
    for h, member, former, start, _day in plan:
        if member is None:
            continue
        if former is not None:
            begun = dt.date(2019, 6, 3)
            if begun < start:
                resp_rows.append(
                    HouseholdResponsibility(
                        household=h,
                        member=former,
                        valid_from=begun,
                        valid_to=start,
                        note="Phân công trước khi luân chuyển",
                    )
                )
                _visits(rng, visit_rows, h, former, begun, start)
        resp_rows.append(HouseholdResponsibility(household=h, member=member, valid_from=start))
        _visits(rng, visit_rows, h, member, start, now + dt.timedelta(days=1))
    HouseholdResponsibility.objects.bulk_create(resp_rows, batch_size=1000)
    Visit.objects.bulk_create(visit_rows, batch_size=2000)
    tally.rebuild()  # the coverage figures (root and units)
    report.responsible = responsible
    report.households = len(house_rows)
    report.visits = len(visit_rows)
    record_write(
        Actor.cli(),
        AuditAction.HOUSEHOLD_REGISTER,
        "demo",
        None,
        {"households": len(house_rows), "responsibilities": len(resp_rows)},
    )
    return report


def _add_town_households(
    rng: random.Random,
    town: str | None,
    day: dt.date,
    house_rows: list[Household],
    plan: list[tuple[Household, Member, Member | None, dt.date, dt.date]],
) -> None:
    """Ten households in each residential branch of the town; its members look after eight."""
    if not town:
        return
    unit = Unit.objects.filter(code=town).first()
    if unit is None:
        return
    branches = UnitSpan.objects.filter(
        parent=unit, valid_from__lte=day, valid_to__gt=day, tags__contains="residential"
    ).select_related("unit")
    for span in branches.order_by("unit__code"):
        members = [
            m
            for m in Member.objects.filter(home_unit=span.unit, status__in=IN_PARTY).order_by(
                "member_id"
            )[:8]
        ]
        for i in range(10):
            h = Household(
                code=f"HGD-{span.unit.code}-{i + 1:03d}",
                head_name=_name(rng),
                address=f"Số {rng.randint(1, 200)}, {span.name.removeprefix('Chi bộ ')}",
                area=span.unit,
                area_name=span.name.removeprefix("Chi bộ "),
                size=rng.randint(1, 6),
                poor=rng.random() < 0.04,
                policy_family=rng.random() < 0.1,
                valid_from=dt.date(2020, 2, 1),
            )
            house_rows.append(h)
            if i < len(members):
                start = dt.date(2021, 3, 1) + dt.timedelta(days=rng.randint(0, 500))
                plan.append((h, members[i], None, start, day))


# --- assignments and petitions ---------------------------------------------------------------


def load_assignments(*, committee: str, seed: int = 2020) -> int:
    """Members of `committee`'s committee assigned to follow its branches (term 2020–2025),
    with half-yearly reports."""
    rng = random.Random(seed * 11 + 12)
    unit = Unit.objects.filter(code=committee).first()
    if unit is None:
        return 0
    start = dt.date(2020, 9, 1)
    holders = list(
        Position.objects.filter(
            unit=unit, valid_from__lte=start, valid_to__gt=start, member__status__in=IN_PARTY
        )
        .select_related("member")
        .order_by("member__member_id")
    )
    branches = list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=start, valid_to__gt=start)
        .select_related("unit")
        .order_by("unit__code")
    )
    if not holders or not branches:
        return 0
    end = dt.date(2025, 7, 1)
    made = 0
    for i, span in enumerate(branches):
        holder = holders[i % len(holders)].member
        a = Assignment.objects.create(
            member=holder,
            unit=span.unit,
            assigned_by=unit,
            area="Theo dõi, chỉ đạo sinh hoạt chi bộ",
            valid_from=start,
            valid_to=min(end, span.valid_to) if span.valid_to > start else end,
            report_every_months=6,
            decision=f"{100 + i}-QĐ/ĐU",
        )
        made += 1
        period = add_months(start, 6)
        while period <= min(a.valid_to, today()):
            if rng.random() < 0.85:
                AssignmentReport.objects.create(
                    assignment=a,
                    period_end=period,
                    filed_on=period + dt.timedelta(days=rng.randint(1, 20)),
                    text="Chi bộ duy trì sinh hoạt đều; đã dự họp và nắm tình hình đảng viên.",
                )
            period = add_months(period, 6)
    record_write(Actor.cli(), AuditAction.ASSIGNMENT_CREATE, unit, None, {"assignments": made})
    return made


def load_petitions(*, root: str, seed: int = 2020, per_month: int = 12) -> OutreachReport:
    """A year of petitions up to today at the commune-level committees under `root`: mostly
    land, handled with steps, some escalated to the committee above, most resolved on time,
    some late, some still open past their deadline."""
    rng = random.Random(seed * 13 + 12)
    report = OutreachReport()
    now = today()
    actor = Actor.cli()
    unit = Unit.objects.filter(code=root).first()
    if unit is None:
        return report
    first = add_months(now, -12)
    lo, hi = subtree_range(span_on(unit, now).path)
    communes = list(
        UnitSpan.objects.filter(
            path__gte=lo, path__lt=hi, valid_from__lte=first, valid_to__gt=now, kind="commune"
        )
        .select_related("unit", "parent")
        .order_by("unit__code")
    )
    if not communes:
        return report
    categories = (
        [PetitionCategory.LAND] * 6
        + [PetitionCategory.ENVIRONMENT, PetitionCategory.POLICY, PetitionCategory.CONDUCT]
        + [PetitionCategory.OTHER]
    )
    day = first
    while day < now:
        for _ in range(per_month):
            received = day + dt.timedelta(days=rng.randint(0, 27))
            if received > now:
                continue
            span = rng.choice(communes)
            branches = list(
                UnitSpan.objects.filter(
                    parent=span.unit, valid_from__lte=received, valid_to__gt=now
                ).values_list("unit_id", flat=True)[:40]
            )
            members = list(
                Member.objects.filter(home_unit_id__in=branches, status__in=IN_PARTY).order_by(
                    "member_id"
                )[:30]
            )
            category = rng.choice(categories)
            subject = handler = None
            if members:
                handler = members[0]
                if category == PetitionCategory.CONDUCT and len(members) > 1:
                    subject = rng.choice(members[1:])
            kind = (
                PetitionKind.COMPLAINT
                if category == PetitionCategory.LAND and rng.random() < 0.5
                else PetitionKind.DENUNCIATION
                if category == PetitionCategory.CONDUCT
                else PetitionKind.PETITION
            )
            topic = (
                rng.choice(LAND_TOPICS)
                if category == PetitionCategory.LAND
                else OTHER_TOPICS[category]
            )
            place_unit = Unit.objects.filter(pk=rng.choice(branches)).first() if branches else None
            p = receive_petition(
                kind=kind,
                category=category,
                received_on=received,
                petitioner_name=_name(rng),
                petitioner_contact=f"09{rng.randint(10000000, 99999999)}",
                summary=topic,
                place=span.name.removeprefix("Đảng bộ "),
                handling_unit=span.unit,
                place_unit=place_unit,
                subject_member=subject,
                handler=handler,
                actor=actor,
            )
            report.petitions += 1
            step_day = received + dt.timedelta(days=rng.randint(2, 10))
            if step_day <= now:
                record_petition_step(
                    p, on=step_day, text="Xác minh tại thực địa, làm việc với các bên", actor=actor
                )
            roll = rng.random()
            if roll < 0.08 and span.parent is not None and step_day + dt.timedelta(days=5) <= now:
                p = escalate_petition(
                    p,
                    to=span.parent,
                    on=step_day + dt.timedelta(days=5),
                    reason="Vượt thẩm quyền giải quyết của cấp xã",
                    actor=actor,
                )
            done = p.due_on + dt.timedelta(days=rng.randint(-20, 25))
            done = max(done, step_day)
            if done <= now and rng.random() < 0.88:
                resolve_petition(
                    p,
                    on=done,
                    resolution="Đã giải quyết, trả lời bằng văn bản cho người gửi đơn",
                    satisfaction=rng.choice(
                        [Satisfaction.SATISFIED] * 5
                        + [Satisfaction.PARTLY, Satisfaction.NOT_SATISFIED]
                    ),
                    actor=actor,
                )
            elif p.due_on < now:
                report.overdue += 1
        day = add_months(day, 1)
    return report
