"""`coso reorg apply PLAN --on DATE --decision TEXT [--decision-date DATE] [--dry-run]`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coso.audit.log import Actor
from coso.core.dates import parse_date
from coso.core.errors import RowErrors
from coso.units.plans import apply_plan

# Beyond this many rows only the summary is printed unless -v 2 is given.
MAX_LINES = 200


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Áp dụng một phương án sắp xếp tổ chức (tệp .csv hoặc .xlsx, các cột "
        "op,unit,into,name,kind,category; mỗi dòng một thao tác: create, rename, retype, retag, "
        "move, merge, dissolve) vào một ngày, theo một quyết định. Tất cả hoặc không: nếu có "
        "dòng sai thì không ghi gì, in ra mọi dòng sai và thoát với mã 1. "
        "Apply a reorganization plan (a .csv or .xlsx file with the columns "
        "op,unit,into,name,kind,category, one operation a row) on a date under a decision. "
        "All or nothing: if any row is wrong nothing is written, every bad row is printed and "
        "the exit status is 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "plan", help="tệp phương án .csv hoặc .xlsx / the plan file (.csv or .xlsx)"
        )
        parser.add_argument(
            "--on",
            required=True,
            help="ngày có hiệu lực, YYYY-MM-DD hoặc DD/MM/YYYY / the date the changes take effect",
        )
        parser.add_argument(
            "--decision",
            required=True,
            help="số quyết định, ví dụ 123-QĐ/TU / the decision number",
        )
        parser.add_argument(
            "--decision-date",
            help="ngày ký quyết định (mặc định: ngày hiệu lực) / the date the decision was "
            "signed (default: the --on date)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="chỉ xem trước những gì sẽ thay đổi, không ghi gì / show what would change "
            "and write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = _date(options["on"])
        decision_date = _date(options["decision_date"]) if options["decision_date"] else None
        verbosity = options["verbosity"]
        try:
            report = apply_plan(
                options["plan"],
                on=on,
                decision_number=options["decision"],
                decision_date=decision_date,
                dry_run=options["dry_run"],
                progress=verbosity > 0,
                actor=Actor.cli(),
            )
        except RowErrors as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(exc.errors)} lỗi, không có thay đổi nào được ghi / "
                f"{len(exc.errors)} error(s), nothing was written.",
                returncode=1,
            ) from None
        if verbosity > 0:
            shown = report.lines if verbosity > 1 else report.lines[:MAX_LINES]
            for line in shown:
                self.stdout.write(line)
            if len(shown) < len(report.lines):
                self.stdout.write(
                    f"... và {len(report.lines) - len(shown)} thao tác nữa (dùng -v 2 để xem hết)."
                )
        self.stdout.write(report.summary())
