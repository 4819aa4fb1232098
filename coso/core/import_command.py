"""The shared shape of `coso units import` and `coso members import`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coso.core.errors import RowErrors
from coso.core.tabular import ImportReport, summary


class ImportCommand(BaseCommand):
    """Run one all-or-nothing import, print every error.

    Each command's `importer` is its import function with the command-line actor bound, so the
    import writes its own audit entry in its transaction (core knows nothing of the audit).
    """

    importer: Callable[..., ImportReport]  # set by each command: the import function it runs

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp .csv hoặc .xlsx / the .csv or .xlsx file")
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="không hiện thanh tiến độ / do not show the progress bar",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = self.importer(options["file"], progress=not options["no_progress"])
        except RowErrors as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"{len(exc.errors)} lỗi, không có thay đổi nào được ghi.")
            raise SystemExit(1) from exc
        self.stdout.write(summary(report))
