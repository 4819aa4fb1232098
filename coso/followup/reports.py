"""The tracking view of a directive as a spreadsheet (xlsx), one row per child unit.

Unit names, numbers and titles are user text: coso.core.spreadsheet.SheetWriter keeps any that
starts like a formula a plain string (quote prefix), as for every sheet Coso writes.
"""

from __future__ import annotations

from coso.core.dates import fmt
from coso.core.spreadsheet import SheetWriter
from coso.followup.models import StepKind, StepState
from coso.followup.queries import KINDS, STATES, Tracking, TrackingRow


def headers() -> list[str]:
    out = ["Mã đơn vị", "Tên đơn vị", "Số đơn vị nhận", "Đơn vị có bước quá hạn"]
    for kind in KINDS:
        label = str(StepKind(kind).label)
        out += [f"{label}: {StepState(state).label}" for state in STATES]
        out += [f"{label}: tỉ lệ hoàn thành (%)"]
    return out


def _values(row: TrackingRow, *, total: bool = False) -> list[object]:
    name = "Tổng cộng" if total else (f"{row.name} (bản thân đơn vị)" if row.own else row.name)
    values: list[object] = [row.code, name, row.units, row.overdue_units]
    for kind in KINDS:
        counts = row.steps[kind]
        values += [counts.counts[state] for state in STATES]
        values += [round(100 * counts.completed / counts.total) if counts.total else None]
    return values


def export_tracking_xlsx(report: Tracking) -> bytes:
    book = SheetWriter("Theo dõi thực hiện")
    book.append(
        [
            f"{report.directive.label} — {report.directive.title}",
        ]
    )
    book.append([f"{report.name} ({report.unit.code}), số liệu ngày {fmt(report.day)}"])
    book.append(headers())
    for row in report.rows:
        book.append(_values(row))
    book.append(_values(report.total, total=True))
    return book.bytes()
