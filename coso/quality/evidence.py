"""Evidence prefilled for an assessment: one figure per source, each with where it comes from.

`SOURCES` is a list of functions (unit, start, end) -> list of Figure. The meetings, the
directives (steps done on time, coso.followup) and the discipline (cases and decisions,
coso.oversight, a layer below quality) sources are here; apps above quality add theirs with
`register_source`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.urls import reverse

from coso.core.dates import fmt
from coso.followup.queries import directive_timeliness
from coso.meetings.reports import meeting_report
from coso.oversight.queries import discipline_counts
from coso.units.models import Unit


@dataclass(frozen=True)
class Figure:
    key: str  # stable name, e.g. "meetings.regular"
    label: str  # what is counted, in words
    value: str  # the figure as shown ("11/12", "87,5%")
    source: str  # where it comes from, in words
    link: str = ""  # the page that shows the data (empty: none)
    numbers: tuple[int, ...] = ()  # the raw numbers (held, required; present, expected)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["numbers"] = list(self.numbers)
        return data


Source = Callable[[Unit, dt.date, dt.date], list[Figure]]


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b}" if b else f"{a}/0"


def meetings_source(unit: Unit, start: dt.date, end: dt.date) -> list[Figure]:
    """Meetings held against those required and attendance, from the activity report."""
    report = meeting_report(unit, start, end, on=end)
    total = report.total
    where = (
        f"Báo cáo sinh hoạt chi bộ của {unit.code}, {fmt(start)} – "
        f"{fmt(end - dt.timedelta(days=1))} (ghi nhận các cuộc họp đã họp, đã khóa sổ)"
    )
    link = (
        reverse("meetings:report", args=[unit.code])
        + f"?from={fmt(start)}&to={fmt(end - dt.timedelta(days=1))}"
    )
    rate = total.attendance_rate
    return [
        Figure(
            "meetings.regular",
            "Sinh hoạt thường kỳ: đã họp / phải họp",
            _ratio(total.regular_held, total.regular_required),
            where,
            link,
            (total.regular_held, total.regular_required),
        ),
        Figure(
            "meetings.thematic",
            "Sinh hoạt chuyên đề: đã họp / phải họp",
            _ratio(total.thematic_held, total.thematic_required),
            where,
            link,
            (total.thematic_held, total.thematic_required),
        ),
        Figure(
            "meetings.attendance",
            "Tỉ lệ dự họp: lượt có mặt / lượt phải dự",
            "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ","),
            where,
            link,
            (total.present, total.expected),
        ),
    ]


def directives_source(unit: Unit, start: dt.date, end: dt.date) -> list[Figure]:
    """Steps of the directives cascaded to the unit's subtree that fell due in the period: done
    on time against due (coso.followup.queries.directive_timeliness)."""
    t = directive_timeliness(unit, start, end)
    where = (
        f"Theo dõi thực hiện văn bản cấp trên của {unit.code}: các bước đến hạn từ {fmt(start)} "
        f"đến {fmt(end - dt.timedelta(days=1))} (đúng hạn {t['on_time']}, trễ hạn {t['late']}, "
        f"quá hạn {t['overdue']}, chưa đến hạn {t['pending']})"
    )
    return [
        Figure(
            "directives.on_time",
            "Thực hiện văn bản cấp trên: bước hoàn thành đúng hạn / bước đến hạn",
            _ratio(t["on_time"], t["due"]),
            where,
            reverse("followup:unit", args=[unit.code]),
            (t["on_time"], t["due"]),
        )
    ]


def discipline_source(unit: Unit, start: dt.date, end: dt.date) -> list[Figure]:
    """Violation cases handled in the unit's subtree in the period and the discipline decided
    (coso.oversight.queries.discipline_counts: decisions annulled on appeal not counted)."""
    c = discipline_counts(unit, start, end)
    where = (
        f"Hồ sơ kiểm tra, kỷ luật của {unit.code}: vụ việc mở từ {fmt(start)} đến "
        f"{fmt(end - dt.timedelta(days=1))} ({c['self_reported']} do tự phát hiện); quyết định "
        "kỷ luật trong kỳ, trừ quyết định đã bị hủy do khiếu nại"
    )
    link = reverse("oversight:unit_cases", args=[unit.code])
    return [
        Figure(
            "discipline.cases",
            "Vụ việc vi phạm: tổng số / do tự phát hiện",
            f"{c['opened']}/{c['self_reported']}",
            where,
            link,
            (c["opened"], c["self_reported"]),
        ),
        Figure(
            "discipline.decisions",
            "Kỷ luật trong kỳ: đảng viên / tổ chức đảng",
            f"{c['members_disciplined']}/{c['units_disciplined']}",
            where,
            link,
            (c["members_disciplined"], c["units_disciplined"]),
        ),
    ]


SOURCES: list[Source] = [meetings_source, directives_source, discipline_source]


def register_source(source: Source) -> None:
    """Add a source of evidence (directives done on time, discipline cases, petitions)."""
    if source not in SOURCES:
        SOURCES.append(source)


def prefill(unit: Unit, start: dt.date, end: dt.date) -> list[Figure]:
    figures: list[Figure] = []
    for source in SOURCES:
        figures.extend(source(unit, start, end))
    return figures
