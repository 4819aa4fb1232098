"""`coso bench [--repeats N] [--write docs/PERFORMANCE.md]`."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.errors import CosoError
from coso.demo.bench import (
    IMPORT_ROWS,
    bench_section,
    machine,
    run_benchmarks,
    table_lines,
    write_report,
)
from coso.demo.generate import row_counts


class Command(BaseCommand):
    help = (
        "Time the figures of the performance targets on the CURRENT database (use it on a "
        "dataset made by `coso generate`): stats at the root today and on a past date, stats "
        "for one commune, a reorganization plan moving a whole province (dry run), and an "
        "import of 100,000 members (rolled back). Each figure is the median of several runs, "
        "timed inside the process, beside the same question asked as one plain SQL statement. "
        "The database is left unchanged."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--repeats", type=int, default=5, help="runs per figure; the median is shown (5)"
        )
        parser.add_argument(
            "--write",
            metavar="FILE",
            help="also write the machine, the dataset and the table into FILE (for example "
            "docs/PERFORMANCE.md), replacing only the section between the bench markers",
        )
        parser.add_argument(
            "--import-rows",
            type=int,
            default=IMPORT_ROWS,
            help=f"members in the import test ({IMPORT_ROWS:,})",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--pages",
            action="store_true",
            help="instead: time every page and API route as each bench account (central, "
            "province 44, commune 19111, a branch secretary, a member); --write replaces the "
            "section between the pages markers",
        )
        parser.add_argument(
            "--accounts",
            default="",
            help="with --pages: only these bench accounts or levels, comma-separated "
            "(e.g. province,commune)",
        )
        parser.add_argument(
            "--routes",
            default="",
            help="with --pages: only the routes whose name or pattern contains one of these "
            "comma-separated strings (e.g. followup,quality)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="with --pages: stop a request after this many seconds, shown as timed out (60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pages"]:
            from coso.demo.bench_pages_command import handle_pages

            handle_pages(self, options)
            return
        try:
            rows = run_benchmarks(
                repeats=options["repeats"],
                import_rows=options["import_rows"],
                say=lambda text: self.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}…"),
            )
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for line in table_lines(rows):
                self.stdout.write(line)
            for row in rows:
                self.stdout.write(f"- {row['name']}: {row['detail']}")
        if options["write"]:
            section = bench_section(options["write"], rows, machine(), row_counts())
            write_report(options["write"], section)
            self.stdout.write(f"Đã ghi kết quả vào {options['write']}.")
