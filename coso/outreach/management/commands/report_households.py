"""`coso report households CODE [--as-of DATE] [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.dates import fmt, parse_date, today
from coso.core.errors import CosoError
from coso.outreach.queries import household_coverage
from coso.units.queries import get_unit, span_on


class Command(BaseCommand):
    help = (
        "Đảng viên phụ trách hộ gia đình trong một đơn vị và cấp dưới vào một ngày: số đảng viên "
        "phụ trách, số hộ, số hộ được thăm trong quý, số hộ chưa có đảng viên phụ trách. "
        "Households and the members responsible for them in a subtree on a date."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="mã đơn vị / the unit's code, e.g. 44-BDBP")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="ngày tính số liệu, YYYY-MM-DD hoặc DD/MM/YYYY (mặc định: hôm nay) / "
            "the date to count on (default: today)",
        )
        parser.add_argument(
            "--json", action="store_true", help="in kết quả dạng JSON / print JSON for scripts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = today()
            if options["as_of"]:
                try:
                    day = parse_date(options["as_of"])
                except ValueError as exc:
                    raise CosoError(f"--as-of: {exc}.") from exc
            unit = get_unit(options["code"])
            name = span_on(unit, day).name
            figures = household_coverage(unit, day)
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        k: figures[k]
                        for k in (
                            "responsible_members",
                            "households",
                            "visited_this_quarter",
                            "without_member",
                        )
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(
            "\n".join(
                [
                    f"Đơn vị {unit.code} — {name} — số liệu ngày {fmt(day)}",
                    "",
                    f"  Đảng viên phụ trách hộ gia đình   {figures['responsible_members']:>9}",
                    f"  Số hộ                              {figures['households']:>9}",
                    f"  Số hộ được thăm trong quý          {figures['visited_this_quarter']:>9}",
                    f"  Số hộ chưa có đảng viên phụ trách  {figures['without_member']:>9}",
                ]
            )
        )
