"""`coso reorg national-plan OUT.csv`: the whole 2025 reform as a plan for `coso reorg apply`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coso.core.dates import fmt
from coso.demo.generate import REFORM_DAY
from coso.demo.national_plan import DECISION, write_national_plan


class Command(BaseCommand):
    help = (
        "Viết phương án sắp xếp toàn quốc ngày 01/07/2025 (từ bảng chuyển đổi chính thức "
        "converter_2025.json) cho dữ liệu sinh bằng `coso generate --before-reform`. "
        "Write the whole 2025 reform (from the official old-to-new mapping) as a plan for a "
        "registry generated with `coso generate --before-reform`, to run with `coso reorg apply`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="tệp .csv sẽ ghi / the .csv file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = write_national_plan(options["out"])
        total = sum(counts.values())
        ops = ", ".join(f"{op} {n:,}" for op, n in sorted(counts.items()))
        self.stdout.write(f"Đã ghi {options['out']}: {total:,} thao tác ({ops}).")
        number, signed = DECISION
        self.stdout.write(
            f"coso reorg apply {options['out']} --on {REFORM_DAY.isoformat()} "
            f'--decision "{number}" --decision-date {signed.isoformat()} [--dry-run]'
            f"  # hiệu lực {fmt(REFORM_DAY)}"
        )
