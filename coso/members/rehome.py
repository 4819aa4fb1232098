"""Members following their unit when it is merged into another.

A merge does not change anything a member did: the member stays official or probationary,
exempt or not, in transit or not. Only the unit changes, from the merge date on, so the span
valid on that date is closed and an identical one opens at the target. Everything is done in
bulk because a merged commune can hold thousands of members.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from coso.core.dates import FAR_FUTURE, fmt
from coso.core.errors import CosoError
from coso.core.rules import rule
from coso.members.models import Member, MemberEvent, MemberEventKind, MemberSpan
from coso.stats.tally import refresh_days
from coso.units.models import Unit, UnitEvent, UnitKind
from coso.units.queries import span_on

BATCH = 5000
# Kept below SQLite's historical limit of 999 parameters per statement.
ID_CHUNK = 900


def _check_nothing_after(source: Unit, on: dt.date) -> None:
    """History is appended: a member whose record at the source changes after `on` blocks it."""
    later = MemberSpan.objects.filter(Q(unit=source) | Q(group=source), valid_to__gt=on).filter(
        Q(valid_from__gt=on) | Q(valid_to__lt=FAR_FUTURE)
    )
    count = later.values("member_id").distinct().count()
    if count:
        examples = sorted(set(later.values_list("member__member_id", flat=True)[:20]))[:5]
        raise CosoError(
            gettext(
                "%(count)s đảng viên của «%(code)s» đã có thay đổi ghi sau ngày %(on)s (ví dụ: %(examples)s); không thể chuyển họ theo tổ chức vào ngày %(on)s vì lịch sử phải được ghi theo thứ tự ngày."
            )
            % {"count": count, "code": source.code, "on": fmt(on), "examples": ", ".join(examples)}
        )


def _group_destination(source: Unit, target: Unit, on: dt.date) -> tuple[int, int | None]:
    """(home unit id, group id) for members whose party group is `source`."""
    target_span = span_on(target, on)
    if target_span.kind in rule("unit_kinds.home_kinds", on):
        return target.pk, None
    if target_span.kind == UnitKind.GROUP and target_span.parent_id is not None:
        return target_span.parent_id, target.pk
    raise CosoError(
        gettext(
            "Không thể chuyển đảng viên của tổ đảng «%(code)s» sang «%(code2)s» ngày %(on)s: «%(code2)s» không phải chi bộ hay tổ đảng."
        )
        % {"code": source.code, "code2": target.code, "on": fmt(on)}
    )


@transaction.atomic
def rehome_members(
    source: Unit,
    target: Unit,
    *,
    on: dt.date,
    unit_event: UnitEvent | None = None,
    refresh: bool = True,
) -> int:
    """Move every member whose home (or party group) is `source` on `on` to `target`.

    Their spans valid on `on` are closed and identical spans open at the target from `on`
    (corrected in place when they start on `on`); each member gets a REHOME event and the
    Member snapshot follows. Returns the number of members re-homed. `refresh=False` leaves
    the tally of day `on` to the caller (merge_units refreshes it once for the whole merge).
    """
    _check_nothing_after(source, on)
    valid = MemberSpan.objects.filter(valid_from__lte=on, valid_to__gt=on)
    home_rows = list(
        valid.filter(unit=source).values_list(
            "id", "member_id", "group_id", "status", "exempt", "in_transit", "valid_from"
        )
    )
    group_rows = list(
        valid.filter(group=source)
        .exclude(unit=source)
        .values_list("id", "member_id", "unit_id", "status", "exempt", "in_transit", "valid_from")
    )
    if not home_rows and not group_rows:
        return 0

    target_span = span_on(target, on)
    if home_rows and target_span.kind not in rule("unit_kinds.home_kinds", on):
        raise CosoError(
            gettext(
                "Không thể chuyển %(n_home_rows)s đảng viên của «%(code)s» sang «%(code2)s» ngày %(on)s: «%(code2)s» là %(value)s, không phải chi bộ nên không thể là nơi sinh hoạt của đảng viên."
            )
            % {
                "n_home_rows": len(home_rows),
                "code": source.code,
                "code2": target.code,
                "on": fmt(on),
                "value": UnitKind(target_span.kind).label.lower(),
            }
        )

    # (span id, member id, old unit, old group, new unit, new group, status, exempt, transit, from)
    moves: list[tuple[int, int, int, int | None, int, int | None, str, bool, bool, dt.date]] = []
    for sid, mid, gid, status, exempt, transit, start in home_rows:
        # Party groups inside the source move under the target with it, so the group is kept.
        moves.append((sid, mid, source.pk, gid, target.pk, gid, status, exempt, transit, start))
    if group_rows:
        new_unit, new_group = _group_destination(source, target, on)
        for sid, mid, uid, status, exempt, transit, start in group_rows:
            moves.append(
                (sid, mid, uid, source.pk, new_unit, new_group, status, exempt, transit, start)
            )

    # Same day as the span's start: the period is corrected in place (docs/ARCHITECTURE.md).
    valid.filter(unit=source, valid_from=on).update(unit=target)
    if group_rows:
        valid.filter(group=source, valid_from=on).exclude(unit=source).update(
            unit_id=new_unit, group_id=new_group
        )
    valid.filter(Q(unit=source) | Q(group=source), valid_from__lt=on).update(valid_to=on)
    MemberSpan.objects.bulk_create(
        [
            MemberSpan(
                member_id=mid,
                unit_id=nu,
                group_id=ng,
                status=status,
                exempt=exempt,
                in_transit=transit,
                valid_from=on,
                valid_to=FAR_FUTURE,
            )
            for _sid, mid, _ou, _og, nu, ng, status, exempt, transit, start in moves
            if start < on
        ],
        batch_size=BATCH,
    )

    decision = unit_event.decision if unit_event else None
    codes = dict(
        Unit.objects.filter(
            pk__in={m[2] for m in moves} | {m[4] for m in moves} | {source.pk, target.pk}
        ).values_list("pk", "code")
    )
    group_codes = dict(
        Unit.objects.filter(
            pk__in={m[3] for m in moves if m[3]} | {m[5] for m in moves if m[5]}
        ).values_list("pk", "code")
    )
    MemberEvent.objects.bulk_create(
        [
            MemberEvent(
                kind=MemberEventKind.REHOME,
                member_id=mid,
                effective_on=on,
                decided_on=decision.signed_on if decision else None,
                decision=decision,
                unit_id=nu,
                other_unit_id=ou,
                unit_event=unit_event,
                details={
                    "before": {"unit": codes[ou], "group": group_codes.get(og) if og else None},
                    "after": {"unit": codes[nu], "group": group_codes.get(ng) if ng else None},
                    "merged": source.code,
                },
            )
            for _sid, mid, ou, og, nu, ng, _s, _e, _t, _f in moves
        ],
        batch_size=BATCH,
    )

    # The snapshot shows today's home; only rows still pointing at the old home are rewritten.
    by_destination: dict[tuple[int, int], list[int]] = {}
    for _sid, mid, ou, _og, nu, _ng, _s, _e, _t, _f in moves:
        if ou != nu:
            by_destination.setdefault((ou, nu), []).append(mid)
    for (old_unit, new_unit_id), member_ids in by_destination.items():
        for i in range(0, len(member_ids), ID_CHUNK):
            Member.objects.filter(
                pk__in=member_ids[i : i + ID_CHUNK], home_unit_id=old_unit
            ).update(home_unit_id=new_unit_id)

    if refresh:
        refresh_days([on])
    return len({m[1] for m in moves})


__all__ = ["rehome_members"]
