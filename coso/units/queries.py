"""Reads of the unit tree as of a date."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.units.models import Unit, UnitSpan


def get_unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise CosoError(f"Không có đơn vị mã «{code}».")
    return unit


def span_on(unit: Unit, day: dt.date) -> UnitSpan:
    """The unit's span valid on `day`; refuses if the unit did not exist then."""
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        raise CosoError(f"Đơn vị «{unit.code}» không tồn tại vào ngày {fmt(day)}.")
    return span


def subtree_range(path: str) -> tuple[str, str]:
    """Bounds such that lo <= p < hi exactly for paths p starting with `path` (which ends in /)."""
    return path, path[:-1] + "0"  # "0" sorts right after "/"


def subtree_spans(span: UnitSpan, day: dt.date) -> QuerySet[UnitSpan]:
    """Spans valid on `day` of the unit and everything below it then."""
    lo, hi = subtree_range(span.path)
    return UnitSpan.objects.filter(path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day)
