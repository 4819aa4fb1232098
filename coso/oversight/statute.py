"""The statute of limitations of discipline (brief section 5), read from the `discipline` rule
set in force on the decision's day: years per form for members and organizations (None: no
limitation), counted from the day of the violation; a newer violation committed within the
period restarts the clock from its own day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coso.core.rules import ruleset


@dataclass(frozen=True)
class StatuteCheck:
    years: int | None  # None: no limitation for this form
    start: dt.date  # the violation day the clock ran from
    ends: dt.date | None  # the last day a decision may be taken
    expired: bool
    restarted: bool  # a newer violation restarted the clock
    source: str

    def as_json(self) -> dict[str, object]:
        return {
            "years": self.years,
            "from": self.start.isoformat(),
            "ends": self.ends.isoformat() if self.ends else None,
            "expired": self.expired,
            "restarted": self.restarted,
        }


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def limitation_years(subject_kind: str, form: str, on: dt.date) -> tuple[int | None, str]:
    values, source = ruleset("discipline", on)
    table = values["limitation_years"][subject_kind]
    years = table.get(form)
    return (None if years is None else int(years)), source


def check_statute(
    subject_kind: str,
    form: str,
    violated_on: dt.date,
    *,
    newer_violations: list[dt.date],
    on: dt.date,
) -> StatuteCheck:
    """Whether a decision of `form` on `on` is within the limitation for a violation on
    `violated_on`, given the subject's other violations (their days)."""
    years, source = limitation_years(subject_kind, form, on)
    values, _source = ruleset("discipline", on)
    start, restarted = violated_on, False
    if years is None:
        return StatuteCheck(None, start, None, False, False, source)
    if values.get("newer_violation_restarts", True):
        for day in sorted(newer_violations):
            if start < day <= min(add_years(start, years), on):
                start, restarted = day, True
    ends = add_years(start, years)
    return StatuteCheck(years, start, ends, on > ends, restarted, source)
