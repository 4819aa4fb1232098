"""`coso loadtest report --csv PREFIX [--write docs/PERFORMANCE.md]`: Locust's CSV as a table."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from coso.demo.bench import machine
from coso.demo.load_report import (
    parse_exceptions,
    parse_failures,
    parse_stats,
    parse_whole_run,
    report_markdown,
    table_lines,
    write_section,
)
from coso.members.models import IN_PARTY, Member


def _load(text: str | None) -> list[float] | None:
    if not text:
        return None
    return [float(v) for v in text.split()[:3]]


def database_line(info: dict[str, Any]) -> str:
    """The database's engine and version, its size on disk (SQLite) and members today."""
    size = info.get("database_bytes")
    in_party = Member.objects.filter(status__in=IN_PARTY).count()
    return (
        f"{info['database']}"
        + (f", file {size / 1024**3:.2f} GiB" if size else "")
        + f"; {in_party:,} members in the Party"
    )


class Command(BaseCommand):
    help = (
        "Đọc tệp CSV của Locust (PREFIX_stats.csv, PREFIX_failures.csv) và in bảng p50/p95/p99 "
        "theo trang; --write ghi vào tài liệu giữa hai dấu <!-- load:start --> … <!-- load:end -->. "
        "/ Turn Locust's CSV into the per-page table (p50/p95/p99, failures); --write puts it "
        "in FILE between the load markers. Reads the current database (DATABASE_URL) for its "
        "description: point it at the database the server ran on."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--csv", required=True, metavar="PREFIX", help="Locust's --csv prefix")
        parser.add_argument("--write", metavar="FILE", help="e.g. docs/PERFORMANCE.md")
        parser.add_argument("--marker", default="load", help="marker name (load)")
        parser.add_argument("--title", default="", help="what the run was (dataset, server)")
        parser.add_argument("--url", default="")
        parser.add_argument("--users", default="")
        parser.add_argument("--spawn-rate", default="")
        parser.add_argument("--run-time", default="")
        parser.add_argument("--wait", default="", help="the users' think time")
        parser.add_argument("--locust-version", default="")
        parser.add_argument("--load-before", default="", help="/proc/loadavg before the run")
        parser.add_argument("--started", default="", help="when the run started (UTC)")
        parser.add_argument("--counted", default="", help="from when the figures count")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options["csv"]
        rows = parse_stats(Path(f"{prefix}_stats.csv").read_text(encoding="utf-8"))
        failures_file = Path(f"{prefix}_failures.csv")
        failures = (
            parse_failures(failures_file.read_text(encoding="utf-8"))
            if failures_file.exists()
            else []
        )
        whole_file = Path(f"{prefix}_whole_run.json")
        whole = (
            parse_whole_run(whole_file.read_text(encoding="utf-8")) if whole_file.exists() else None
        )
        exceptions_file = Path(f"{prefix}_exceptions.csv")
        exceptions = (
            parse_exceptions(exceptions_file.read_text(encoding="utf-8"))
            if exceptions_file.exists()
            else []
        )
        info = machine()
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        run = {
            "when": options["started"] or now,
            "title": options["title"],
            "url": options["url"] or "?",
            "users": options["users"] or "?",
            "spawn_rate": options["spawn_rate"] or "?",
            "duration": options["run_time"] or "?",
            "wait": options["wait"],
            "counted": options["counted"],
            "locust": options["locust_version"] or "?",
            "database": database_line(info),
            "machine": f"{info['cpus']} CPUs ({info['cpu_model']}), {info['memory']} memory",
            "load_before": _load(options["load_before"]),
            "load_after": list(info["load_average"]) if info.get("load_average") else None,
        }
        text = report_markdown(rows, failures, run, whole, exceptions)
        if options["write"]:
            write_section(options["write"], text, options["marker"])
            self.stdout.write(f"Đã ghi kết quả vào {options['write']}.")
        else:
            for line in table_lines(rows):
                self.stdout.write(line)
        pages = [r for r in rows if r.role != "all"]
        self.stdout.write(
            f"{len(pages)} pages; failed requests: {sum(r.failures for r in pages)}; "
            f"over 300 ms at p95: {sum(r.slow and not r.is_login for r in pages)} (login left out)."
            + (f" Whole run: {whole.requests} requests, {whole.failed} failed." if whole else "")
        )
