"""Reorganization operations. Each is atomic, dated, and recorded as a `UnitEvent`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.core.rules import rule
from coso.stats.tally import refresh_days
from coso.units.models import Unit, UnitEvent, UnitEventKind, UnitKind, UnitSpan, format_tags
from coso.units.queries import span_on


def check_kind_allowed(kind: str, parent_kind: str | None, on: dt.date) -> None:
    if kind not in UnitKind.values:
        raise CosoError(
            f"Loại đơn vị «{kind}» không tồn tại (các loại: {', '.join(UnitKind.values)})."
        )
    if parent_kind is None:
        roots = rule("unit_kinds.root_kinds", on)
        if kind not in roots:
            raise CosoError(f"Loại «{kind}» không thể là gốc của cây (chỉ: {', '.join(roots)}).")
        return
    allowed = rule("unit_kinds.allowed_children", on).get(parent_kind, [])
    if kind not in allowed:
        raise CosoError(
            f"Loại «{kind}» không được đặt dưới loại «{parent_kind}» "
            f"(được phép: {', '.join(allowed) or 'không có'})."
        )


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
    if not code:
        raise CosoError("Mã đơn vị trống.")
    if Unit.objects.filter(code=code).exists():
        raise CosoError(f"Mã đơn vị «{code}» đã được dùng; mã không bao giờ được dùng lại.")
    parent_span = span_on(parent, on) if parent is not None else None
    check_kind_allowed(kind, parent_span.kind if parent_span else None, on)
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
        name=name.strip(),
        kind=kind,
        parent=parent,
        path=f"{parent_span.path if parent_span else '/'}{unit.pk}/",
        depth=(parent_span.depth + 1) if parent_span else 0,
        tags=format_tags(list(tags)),
        event=event,
    )
    refresh_days([on])
    return unit


__all__ = ["check_kind_allowed", "create_unit", "fmt"]
