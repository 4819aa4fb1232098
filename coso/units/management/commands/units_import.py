from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from coso.audit.log import record_command
from coso.core.errors import RowErrors
from coso.core.tabular import summary
from coso.units.imports import import_units


class Command(BaseCommand):
    help = (
        "Nhập các đơn vị (tổ chức đảng) từ tệp .csv hoặc .xlsx có các cột "
        "code,name,kind,parent,valid_from,category. Để trống parent cho đơn vị gốc; các phân loại "
        "trong category cách nhau bằng dấu ;. Ngày viết YYYY-MM-DD hoặc DD/MM/YYYY. "
        "Nếu có dòng nào sai thì không ghi gì cả và liệt kê mọi lỗi. / "
        "Import units from a .csv or .xlsx file with the columns above. If any row is wrong, "
        "nothing is written and every error is listed (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp .csv hoặc .xlsx / the .csv or .xlsx file")
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="không hiện thanh tiến độ / do not show the progress bar",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                report = import_units(options["file"], progress=not options["no_progress"])
                record_command("units_import", str(options["file"]), {"created": report.created})
        except RowErrors as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"{len(exc.errors)} lỗi, không có thay đổi nào được ghi.")
            raise SystemExit(1) from exc
        self.stdout.write(summary(report))
