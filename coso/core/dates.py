"""Dates as the registry uses them: half-open periods [valid_from, valid_to)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils import timezone

# Open periods end on this sentinel rather than NULL so that "valid on D" is two plain
# range comparisons that an index can serve.
FAR_FUTURE = dt.date(9999, 12, 31)
FAR_PAST = dt.date(1900, 1, 1)


def today() -> dt.date:
    return timezone.localdate()


def parse_date(text: str) -> dt.date:
    """Accept YYYY-MM-DD or DD/MM/YYYY (also D/M/YYYY); raise ValueError in Vietnamese."""
    value = (text or "").strip()
    if not value:
        raise ValueError("ngày trống")
    try:
        if "/" in value:
            day, month, year = value.split("/")
            return dt.date(int(year), int(month), int(day))
        if len(value) >= 10 and value[4] == "-":
            return dt.date.fromisoformat(value[:10])
    except (ValueError, TypeError):
        pass
    raise ValueError(f"ngày không hợp lệ «{value}» (dùng YYYY-MM-DD hoặc DD/MM/YYYY)")


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def add_working_days(day: dt.date, count: int) -> dt.date:
    """Monday to Friday; public holidays are not subtracted (see docs/ARCHITECTURE.md)."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def working_days_before(day: dt.date, count: int) -> dt.date:
    """The working day `count` working days before `day` (Monday to Friday, as above)."""
    current = day
    remaining = count
    while remaining > 0:
        current -= dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    days = (end - start).days
    full_weeks, extra = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(1, extra + 1):
        if (start + dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def fmt(day: dt.date | None) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return "" if day is None else day.strftime("%d/%m/%Y")
