"""Dates as the registry uses them: half-open periods [valid_from, valid_to)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext

# Open periods end on this sentinel rather than NULL so that "valid on D" is two plain
# range comparisons that an index can serve.
FAR_FUTURE = dt.date(9999, 12, 31)
FAR_PAST = dt.date(1900, 1, 1)


def later_sql(a: str, b: str) -> str:
    """SQL for the later of two date expressions (ISO text on SQLite orders as dates do)."""
    return f"(CASE WHEN {a} > {b} THEN {a} ELSE {b} END)"


def earlier_sql(a: str, b: str) -> str:
    """SQL for the earlier of two date expressions."""
    return f"(CASE WHEN {a} < {b} THEN {a} ELSE {b} END)"


def today() -> dt.date:
    return timezone.localdate()


# Day first, as Vietnamese write dates, with the separator a phone's number pad offers:
# 31/12/2024, 31.12.2024, 31-12-2024 (one separator throughout), or eight digits 31122024.
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\- ])(\d{1,2})\2(\d{4})", re.ASCII)
_EIGHT_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})", re.ASCII)
# ISO, year first: 2024-12-31 (a time after it, as in 2024-12-31T08:00, is ignored).
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", re.ASCII | re.DOTALL)


def judged_on(stored: dt.date | None, day: dt.date) -> dt.date:
    """The day to read rows kept judged on a day (`stored`) as of, asked on `day`: `day`, or
    yesterday while the nightly job (or the day's first write) has not yet rolled yesterday's
    rows over. The reader says which day it shows; the alternative, computing live over the
    whole scope, takes 17–23 s at the centre at national scale (docs/PERFORMANCE.md)."""
    return stored if stored == day - dt.timedelta(days=1) else day


def parse_date(text: str) -> dt.date:
    """Read a typed date: DD/MM/YYYY (also D/M/YYYY), DD.MM.YYYY, DD-MM-YYYY, DDMMYYYY or
    ISO YYYY-MM-DD. Day first unless the year leads (four digits, then "-"), so 31-12-2024 and
    2024-12-31 are the same day. Raises ValueError with a message in the active language."""
    value = (text or "").strip()
    if not value:
        raise ValueError(gettext("ngày trống"))
    parts: tuple[str, str, str] | None = None
    if found := _ISO.fullmatch(value):
        parts = found.group(1), found.group(2), found.group(3)
    elif found := _DAY_FIRST.fullmatch(value):
        parts = found.group(4), found.group(3), found.group(1)
    elif found := _EIGHT_DIGITS.fullmatch(value):
        parts = found.group(3), found.group(2), found.group(1)
    if parts is not None:
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValueError(
        gettext("ngày không hợp lệ «%(value)s» (dùng DD/MM/YYYY, ví dụ 31/12/2024 hoặc 31122024)")
        % {"value": value}
    )


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
