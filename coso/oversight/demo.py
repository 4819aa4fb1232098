"""A handful of violation cases and discipline decisions in the demo's commune (Hoàn Lão), this
year, written through the operations and the catalogue's acts (as a decision would run them):

- the commune committee's inspection plan for the year, with its result;
- a member's self-reported violation, reprimanded by the branch;
- an inspection finding, a warning by the branch, appealed and upheld by the commune committee;
- a branch officer removed from post by the commune committee (the branch proposed it);
- a case from a citizen's petition about land, still under review;
- a press report found groundless, closed without discipline.

Dated relative to today, so the statute of limitations and the year's caps read sensibly
whenever the demo is loaded. Nobody is expelled: the seed's membership figures stay as they are.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from coso.audit.log import Actor
from coso.authority import catalogue
from coso.authority.proposals import decision_form
from coso.core.dates import today
from coso.members.models import Member, MemberSpan, MemberStatus, Position
from coso.oversight import operations as ops
from coso.oversight.acts import MEMBER_DISCIPLINE
from coso.oversight.models import ViolationCase, ViolationItem
from coso.units.models import Unit, UnitEvent, UnitEventKind, UnitSpan
from coso.units.queries import span_on, subtree_range


@dataclass
class OversightReport:
    cases: int = 0
    decisions: int = 0
    appeals: int = 0
    plans: int = 0


def _items(*codes: str) -> list[ViolationItem]:
    return list(ViolationItem.objects.filter(code__in=codes, catalogue__code="37-QĐ/TW"))


def _decide(case: ViolationCase, form: str, on: dt.date, number: str) -> None:
    """Run the discipline act as the competent body's decision would (audit entry included)."""
    act = MEMBER_DISCIPLINE[form]  # type: ignore[index]
    member = case.member
    assert member is not None
    made = decision_form(
        act, {"case": case.pk}, on=on, decision_number=number, user=None, subject=member
    )
    catalogue.execute(act, made, member, actor=Actor.cli())


def load_oversight(commune_code: str, *, seed: int = 7) -> OversightReport:
    report = OversightReport()
    now = today()
    commune = _alive(Unit.objects.filter(code=commune_code).first(), now)
    if commune is None:
        return report
    rng = random.Random(seed)
    decided_on = now - dt.timedelta(days=120)
    span = span_on(commune, now)
    lo, hi = subtree_range(span.path)
    branches = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=decided_on, valid_to__gt=now
    ).values("unit_id")
    official = list(
        MemberSpan.objects.filter(
            unit_id__in=branches,
            valid_from__lt=decided_on - dt.timedelta(days=300),
            valid_to__gt=now,
            status=MemberStatus.OFFICIAL,
            exempt=False,
        )
        .order_by("member_id")
        .values_list("member_id", flat=True)[:400]
    )
    posts = list(
        Position.objects.filter(
            unit_id__in=branches,
            valid_from__lt=decided_on - dt.timedelta(days=30),
            valid_to__gt=now,
            member_id__in=official,
        ).order_by("pk")[:50]
    )
    if len(official) < 6:
        return report
    with transaction.atomic():
        actor = Actor.cli()
        plan = ops.add_inspection_plan(
            commune,
            kind="inspection",
            title=f"Kiểm tra việc chấp hành Điều lệ Đảng năm {now.year}",
            period_start=now.replace(month=1, day=1),
            period_end=now.replace(month=12, day=31),
            targets="Các chi bộ trực thuộc; đảng viên là cấp ủy viên chi bộ.",
            actor=actor,
        )
        ops.record_plan_result(
            plan,
            result="Đã kiểm tra 6 chi bộ; 2 đảng viên có vi phạm, đã xử lý kỷ luật.",
            on=decided_on,
            actor=actor,
        )
        report.plans = 1
        chosen = rng.sample(official, 5)
        post_holder = posts[0] if posts else None
        if post_holder is not None and post_holder.member_id in chosen:
            chosen.remove(post_holder.member_id)
        members = {m.pk: m for m in Member.objects.filter(pk__in=chosen)}

        def home(member: Member) -> Unit:
            found = MemberSpan.objects.filter(
                member=member, valid_from__lte=now, valid_to__gt=now
            ).select_related("unit")
            return found.get().unit

        def open_case(
            member: Member,
            handler: Unit | None,
            source: str,
            title: str,
            facts: str,
            items: list[ViolationItem],
            days_ago: int,
        ) -> ViolationCase:
            report.cases += 1
            return ops.open_case(
                subject=member,
                handling_unit=handler or home(member),
                source=source,
                title=title,
                facts=facts,
                violated_on=now - dt.timedelta(days=days_ago + 40),
                opened_on=now - dt.timedelta(days=days_ago),
                items=items,
                plan=plan if handler is commune else None,
                actor=actor,
            )

        first, second, third, fourth = (members[pk] for pk in chosen[:4])
        case = open_case(
            first,
            None,
            "self_report",
            "Không tham gia sinh hoạt chi bộ ba tháng",
            "Đảng viên tự kiểm điểm trước chi bộ về việc vắng sinh hoạt không lý do.",
            _items("Đ2"),
            180,
        )
        _decide(case, "reprimand", decided_on, "")
        report.decisions += 1
        case = open_case(
            second,
            None,
            "inspection",
            "Vi phạm quy định về kê khai tài sản",
            "Kê khai tài sản, thu nhập không đầy đủ (phát hiện qua kiểm tra của chi bộ).",
            _items("Đ8"),
            170,
        )
        _decide(case, "warning", decided_on, "")
        report.decisions += 1
        warning = case.decisions.get()
        appeal = ops.lodge_appeal(
            warning,
            lodged_on=decided_on + dt.timedelta(days=10),
            grounds="Đề nghị xem xét giảm hình thức do đã khắc phục.",
            actor=actor,
        )
        ops.decide_appeal(
            appeal,
            outcome="upheld",
            on=decided_on + dt.timedelta(days=40),
            decided_by=commune,
            decision=_decision(f"{rng.randint(40, 90)}-QĐ/ĐU", decided_on + dt.timedelta(days=40)),
            actor=actor,
        )
        report.appeals = 1
        if post_holder is not None:
            holder = Member.objects.get(pk=post_holder.member_id)
            case = open_case(
                holder,
                commune,
                "inspection",
                "Thiếu trách nhiệm trong quản lý đất đai",
                "Buông lỏng quản lý để xảy ra lấn chiếm đất công tại thôn (kết luận kiểm tra).",
                _items("Đ1", "Đ19"),
                160,
            )
            _decide(case, "removal_from_post", decided_on, f"{rng.randint(10, 39)}-QĐ/ĐU")
            report.decisions += 1
        open_case(
            third,
            commune,
            "petition",
            "Đơn phản ánh về cấp giấy chứng nhận quyền sử dụng đất",
            "Công dân phản ánh việc xác nhận nguồn gốc đất không đúng; đang xác minh.",
            _items("Đ9"),
            30,
        )
        case = open_case(
            fourth,
            commune,
            "press",
            "Báo phản ánh việc sử dụng xe công",
            "Xác minh cho thấy nội dung phản ánh không đúng sự thật.",
            [],
            90,
        )
        ops.close_case(
            case,
            on=now - dt.timedelta(days=45),
            conclusion="Không có vi phạm; thông báo kết quả xác minh cho cơ quan báo chí.",
            actor=actor,
        )
    return report


def _alive(unit: Unit | None, now: dt.date) -> Unit | None:
    """The unit, or the one it was merged into (the 2025 reform), as it stands today."""
    seen: set[int] = set()
    while unit is not None and unit.valid_to <= now and unit.pk not in seen:
        seen.add(unit.pk)
        event = UnitEvent.objects.filter(
            unit=unit, kind=UnitEventKind.MERGE, other__isnull=False
        ).first()
        unit = event.other if event is not None else None
    return unit if unit is not None and unit.valid_to > now else None


def _decision(number: str, on: dt.date):  # type: ignore[no-untyped-def]
    from coso.core.models import get_decision

    return get_decision(number, on)
