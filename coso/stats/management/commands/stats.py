"""`coso stats CODE [--as-of DATE] [--json]`."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.dates import fmt, parse_date, today
from coso.core.errors import CosoError
from coso.members.models import PositionRole
from coso.stats.queries import stats_as_of
from coso.units.models import Unit, UnitKind, UnitTag
from coso.units.queries import get_unit, span_on


def resolve(code: str, as_of: str | None) -> tuple[Unit, dt.date]:
    """The unit and the date asked for; CosoError when the date is bad or the unit unknown."""
    if as_of:
        try:
            day = parse_date(as_of)
        except ValueError as exc:
            raise CosoError(f"--as-of: {exc}.") from exc
    else:
        day = today()
    unit = get_unit(code)
    span_on(unit, day)  # refuses when the unit did not exist on that day
    return unit, day


def fail(command: BaseCommand, message: str) -> None:
    command.stderr.write(message)
    raise SystemExit(1)


def _label(choices: Any, key: str) -> str:
    return f"{dict(choices.choices).get(key, key)} ({key})"


def render_table(figures: dict[str, Any], name: str) -> list[str]:
    m = figures["members"]
    day = dt.date.fromisoformat(figures["as_of"])
    lines = [
        f"Đơn vị {figures['unit']} — {name} — số liệu ngày {fmt(day)}",
        "",
        "Đảng viên (nơi sinh hoạt chính trong đơn vị và cấp dưới)",
        f"  Tổng số                       {m['total']:>9}",
        f"  Chính thức                    {m['official']:>9}",
        f"  Dự bị                         {m['probationary']:>9}",
        f"  Miễn công tác và sinh hoạt    {m['exempt']:>9}",
        f"  Đang chuyển sinh hoạt         {m['in_transit']:>9}",
        "",
        "Tổ chức đảng cấp dưới, theo loại",
    ]
    lines += [f"  {_label(UnitKind, k):<58}{n:>9}" for k, n in figures["units"].items()] or [
        "  (không có)"
    ]
    lines += ["", "Chi bộ theo phân loại"]
    lines += [
        f"  {_label(UnitTag, k):<58}{n:>9}" for k, n in figures["branch_categories"].items()
    ] or ["  (không có)"]
    lines += [
        "",
        "Đảng viên tham gia sinh hoạt (không phải nơi sinh hoạt chính) tại các tổ chức "
        f"trong đơn vị: {figures['participants']}",
    ]
    outside = figures["outside"]
    if outside:
        lines += ["", "Đảng viên của đơn vị tham gia ở đơn vị ngoài"]
        part = outside.get("participations")
        if part:
            lines.append(
                f"  Tham gia sinh hoạt: {part.get('members', 0)} đảng viên "
                f"tại {part.get('units', 0)} tổ chức"
            )
        for key, n in outside.get("positions", {}).items():
            kind, _, role = key.partition(".")
            role_label = dict(PositionRole.choices).get(role, role)
            kind_label = dict(UnitKind.choices).get(kind, kind)
            lines.append(f"  {role_label} — {kind_label}: {n}")
        if outside.get("external_roles"):
            lines.append(
                f"  Chức danh ngoài Đảng (ví dụ đại biểu HĐND): {outside['external_roles']}"
            )
    return lines


class Command(BaseCommand):
    help = (
        "Số liệu của một tổ chức đảng và mọi tổ chức cấp dưới vào một ngày: số đảng viên "
        "(chính thức, dự bị, miễn sinh hoạt, đang chuyển), số tổ chức theo loại, chi bộ theo phân "
        "loại, số người tham gia sinh hoạt. "
        "Counts for a unit and everything below it on a date."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="mã đơn vị / the unit's code, e.g. 19111")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="ngày tính số liệu, YYYY-MM-DD hoặc DD/MM/YYYY (mặc định: hôm nay) / "
            "the date to count on (default: today)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="in kết quả dạng JSON cho các script / print JSON for scripts",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit, day = resolve(options["code"], options["as_of"])
            figures = stats_as_of(unit, day)
        except CosoError as exc:
            fail(self, str(exc))
            return
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        name = span_on(unit, day).name
        self.stdout.write("\n".join(render_table(figures, name)))
