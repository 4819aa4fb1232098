"""Reorganization plans: one file of operations applied in order, all or nothing.

A plan (`coso reorg apply`) has the columns `op,unit,into,name,kind,category` and one operation
a row. Every row runs inside one transaction; a refused row is recorded and the next rows still
run (each in its own savepoint), so the officer sees every bad row at once. Any error rolls the
whole plan back. A dry run applies the plan for real and rolls it back, so what it reports is
exactly what applying would do.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import fmt
from coso.core.errors import CosoError, RowError, RowErrors
from coso.core.models import Decision, get_decision
from coso.core.tabular import Row, Table, check_columns, progress_bar, read_table, sort_errors
from coso.units.models import Unit, UnitKind, kind_label
from coso.units.operations import (
    create_unit,
    dissolve_unit,
    merge_units,
    move_unit,
    rename_unit,
    retag_unit,
    retype_unit,
    tally_refreshed_once,
)
from coso.units.setwise import Refused, SetwisePlan

COLUMNS = ("op", "unit", "into", "name", "kind", "category")
AUDIT_LINES = 200  # lines of the report kept in the audit entry (the summary counts them all)
# The columns each operation reads besides `op` and `unit`.
NEEDS: dict[str, tuple[str, ...]] = {
    "create": ("into", "name", "kind"),
    "rename": ("name",),
    "retype": ("kind",),
    "retag": ("category",),
    "move": ("into",),
    "merge": ("into",),
    "dissolve": (),
}
# Which column a refusal from the operation itself is about.
BLAME = {
    "create": "kind",
    "rename": "name",
    "retype": "kind",
    "retag": "category",
    "move": "into",
    "merge": "into",
    "dissolve": "unit",
}


@dataclass
class PlanReport:
    file: str
    on: dt.date
    decision: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    renamed: int = 0
    retyped: int = 0
    retagged: int = 0
    moved: int = 0
    merged: int = 0
    ended: int = 0
    members_rehomed: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            f"{'Chạy thử phương án' if self.dry_run else 'Đã áp dụng phương án'} «{self.file}» "
            f"({self.rows} thao tác), hiệu lực ngày {fmt(self.on)}"
        )
        if self.decision:
            head += f", theo quyết định {self.decision}"
        parts = [
            head + ":",
            f"  Thành lập: {self.created} đơn vị",
            f"  Đổi tên: {self.renamed}; đổi loại hình: {self.retyped}; "
            f"đổi phân loại: {self.retagged}",
            f"  Chuyển trực thuộc: {self.moved} đơn vị (kể cả đơn vị chuyển theo sáp nhập)",
            f"  Sáp nhập: {self.merged} đơn vị",
            f"  Kết thúc (sáp nhập hoặc giải thể): {self.ended} đơn vị",
            f"  Đảng viên chuyển sinh hoạt theo tổ chức: {self.members_rehomed}",
        ]
        if self.dry_run:
            parts.append("Chạy thử: không có thay đổi nào được ghi.")
        return "\n".join(parts)


class _RowFail(CosoError):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _unit(code: str, column: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise _RowFail(column, f"không có đơn vị mã «{code}»")
    return unit


def _label(unit: Unit, on: dt.date) -> str:
    span = unit.spans.filter(valid_from__lte=on, valid_to__gt=on).first() or (
        unit.spans.order_by("-valid_from").first()
    )
    return f"{unit.code} «{span.name}»" if span else unit.code


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(";") if t.strip()]


def _apply_row(
    row: Row, on: dt.date, decision: Decision | None, batch: str, report: PlanReport
) -> str:
    v = row.values
    op = v.get("op", "").strip().lower()
    code = v.get("unit", "").strip()
    if op not in NEEDS:
        raise _RowFail("op", f"thao tác «{op}» không hợp lệ (dùng: {', '.join(NEEDS)})")
    if not code:
        raise _RowFail("unit", "thiếu mã đơn vị")
    for column in NEEDS[op]:
        if column != "into" and not v.get(column, "").strip():
            raise _RowFail(column, f"thiếu giá trị cho thao tác {op}")
    into_code = v.get("into", "").strip()
    if op in ("move", "merge") and not into_code:
        raise _RowFail("into", f"thiếu mã đơn vị đích cho thao tác {op}")
    into = _unit(into_code, "into") if into_code else None
    where = f"dòng {row.line}"

    if op == "create":
        kind = v["kind"].strip()
        if kind not in UnitKind.values:
            raise _RowFail(
                "kind",
                f"loại đơn vị «{kind}» không tồn tại (các loại, theo mã: "
                + "; ".join(f"{k} = {kind_label(k)}" for k in UnitKind.values)
                + ")",
            )
        if Unit.objects.filter(code=code).exists():
            raise _RowFail("unit", f"mã đơn vị «{code}» đã được dùng")
        unit = create_unit(
            code=code,
            name=v["name"],
            kind=kind,
            parent=into,
            on=on,
            tags=_tags(v.get("category", "")),
            decision=decision,
            batch=batch,
        )
        report.created += 1
        parent = f" thuộc {_label(into, on)}" if into else " (gốc)"
        return f"{where}: thành lập {_label(unit, on)} ({kind_label(kind)}){parent}"

    unit = _unit(code, "unit")
    before = _label(unit, on)
    if op == "rename":
        rename_unit(unit, name=v["name"], on=on, decision=decision, batch=batch)
        report.renamed += 1
        return f"{where}: đổi tên {before} thành «{v['name'].strip()}»"
    if op == "retype":
        event = retype_unit(unit, kind=v["kind"], on=on, decision=decision, batch=batch)
        report.retyped += 1
        old, new = event.details["before"]["kind"], event.details["after"]["kind"]
        return f"{where}: đổi loại {before} từ {kind_label(old)} sang {kind_label(new)}"
    if op == "retag":
        event = retag_unit(unit, tags=_tags(v["category"]), on=on, decision=decision, batch=batch)
        report.retagged += 1
        tags = ";".join(event.details["after"]["tags"]) or "(không)"
        return f"{where}: đổi phân loại {before} thành {tags}"
    if op == "move":
        event = move_unit(unit, parent=into, on=on, decision=decision, batch=batch)
        report.moved += 1
        assert into is not None
        return (
            f"{where}: chuyển {before} sang trực thuộc {_label(into, on)} "
            f"({event.details['units']} đơn vị, {event.details['members']} đảng viên)"
        )
    if op == "merge":
        assert into is not None
        event = merge_units(unit, into=into, on=on, decision=decision, batch=batch)
        d = event.details
        report.merged += 1
        report.ended += 1
        report.moved += len(d["children_moved"])
        report.members_rehomed += d["members_rehomed"]
        return (
            f"{where}: sáp nhập {before} vào {_label(into, on)} "
            f"({len(d['children_moved'])} đơn vị trực thuộc chuyển theo, "
            f"{d['members_rehomed']} đảng viên chuyển sinh hoạt, "
            f"{d['members_in_subtree']} đảng viên trong toàn bộ đơn vị)"
        )
    dissolve_unit(unit, on=on, decision=decision, batch=batch)
    report.ended += 1
    return f"{where}: giải thể {before}"


def _apply_rows(
    table: Table,
    on: dt.date,
    decision: Decision | None,
    batch: str,
    report: PlanReport,
    errors: list[RowError],
    progress: bool,
    *,
    dry_run: bool = False,
) -> None:
    """The reference engine: one operation a row, each in a savepoint; refusals go to `errors`."""
    with (
        tally_refreshed_once(refresh=not dry_run),
        progress_bar(len(table.rows), "Áp dụng phương án", progress) as bar,
    ):
        for row in table.rows:
            try:
                # A savepoint per row: a refused row leaves nothing half done, so the rows
                # after it are checked against a consistent tree.
                with transaction.atomic():
                    line = _apply_row(row, on, decision, batch, report)
                report.lines.append(line)
            except _RowFail as exc:
                errors.append(RowError(table.name, row.line, exc.column, str(exc)))
            except CosoError as exc:
                op = row.values.get("op", "").strip().lower()
                errors.append(RowError(table.name, row.line, BLAME.get(op, "op"), str(exc)))
            bar.update(1)


def apply_plan(
    path: str | Path,
    *,
    on: dt.date,
    decision_number: str,
    decision_date: dt.date | None = None,
    dry_run: bool = False,
    progress: bool = True,
    actor: Actor | None = None,
    engine: str = "sets",
) -> PlanReport:
    """Apply the plan in `path` on date `on`, all or nothing; raise RowErrors listing every bad row.

    With an `actor`, an applied plan writes its one audit entry in the same transaction, filed
    under the actor's unit or else the first unit the plan names (whose officers read it).

    The plan is first applied set-wise (`coso.units.setwise`: checked in memory, written in bulk
    statements). If any row would be refused, or the plan is outside what that engine models,
    nothing it did is kept and the plan runs row by row through the operations (`engine="rows"`
    goes there directly), which report every refused row; both write the same rows.
    """
    table = read_table(path)
    ops_used = {r.values.get("op", "").strip().lower() for r in table.rows}
    needed = {"op", "unit"} | {c for op in ops_used for c in NEEDS.get(op, ())}
    required = [c for c in COLUMNS if c in needed]
    optional = [c for c in COLUMNS if c not in needed]
    header_errors = check_columns(table, required, optional)
    if header_errors:
        raise RowErrors(header_errors)
    if not table.rows:
        raise RowErrors([RowError(table.name, 1, "", "phương án không có thao tác nào")])

    errors: list[RowError] = []
    batch = str(uuid.uuid4())
    with transaction.atomic():
        decision = get_decision(decision_number, decision_date or on)

        def fresh_report() -> PlanReport:
            report = PlanReport(file=table.name, on=on, decision=decision_number, dry_run=dry_run)
            report.rows = len(table.rows)
            if decision is not None:
                report.decision = str(decision)
            return report

        report = fresh_report()
        done = False
        if engine == "sets":
            try:
                with (
                    transaction.atomic(),
                    progress_bar(len(table.rows), "Áp dụng phương án", progress) as bar,
                ):
                    SetwisePlan(
                        table.rows,
                        on,
                        decision,
                        batch,
                        report,
                        tick=lambda: bar.update(1),
                        derive=not dry_run,
                    ).run()
                done = True
            except Refused:
                # Rolled back to the savepoint; the operations will name the refused rows.
                report = fresh_report()
        if not done:
            _apply_rows(table, on, decision, batch, report, errors, progress, dry_run=dry_run)
        if errors or dry_run:
            transaction.set_rollback(True)
        elif actor is not None:
            _record(actor, table.rows, report)
    if errors:
        raise RowErrors(sort_errors(errors, table.columns))
    return report


def _record(actor: Actor, rows: list[Row], report: PlanReport) -> None:
    cited = list(
        dict.fromkeys(
            code for r in rows for c in ("unit", "into") if (code := r.values.get(c, "").strip())
        )
    )
    units = {u.code: u for u in Unit.objects.filter(code__in=cited)}
    filed = actor.unit or next((units[c] for c in cited if c in units), None)
    record_write(
        actor,
        AuditAction.REORG_PLAN,
        f"file:{report.file}",
        None,
        {
            "file": report.file,
            "on": report.on,
            "decision": report.decision,
            "units": sorted(cited),
            "summary": report.summary(),
            "lines": report.lines[:AUDIT_LINES],
        },
        filed,
    )


__all__ = ["PlanReport", "apply_plan"]
