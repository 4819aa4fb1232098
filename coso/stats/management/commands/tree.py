"""`coso tree CODE [--as-of DATE] [--depth N]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.errors import CosoError
from coso.stats.management.commands.stats import fail, resolve
from coso.stats.queries import tree_lines


class Command(BaseCommand):
    help = (
        "Cây tổ chức đảng dưới một đơn vị vào một ngày, mỗi dòng một tổ chức: mã, tên, loại và "
        "số đảng viên của cả nhánh. "
        "The tree below a unit on a date as indented text with member counts."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="mã đơn vị gốc / the code of the unit at the top")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="ngày, YYYY-MM-DD hoặc DD/MM/YYYY (mặc định: hôm nay) / the date (default: today)",
        )
        parser.add_argument(
            "--depth",
            type=int,
            help="số cấp hiển thị dưới đơn vị (mặc định: tất cả) / levels to show below the unit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        depth = options["depth"]
        try:
            if depth is not None and depth < 0:
                raise CosoError("--depth phải là số không âm.")
            unit, day = resolve(options["code"], options["as_of"])
            lines = tree_lines(unit, day, depth)
        except CosoError as exc:
            fail(self, str(exc))
            return
        self.stdout.write("\n".join(lines))
