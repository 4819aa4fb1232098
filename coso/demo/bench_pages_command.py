"""The `--pages` half of `coso bench` (kept apart from the command-line figures' code)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.errors import CosoError
from coso.demo.bench import machine
from coso.demo.bench_pages import (
    TARGET_MS,
    not_measured_lines,
    report_markdown,
    run_page_bench,
    summary_lines,
    table_lines,
    write_report,
)


def handle_pages(command: BaseCommand, options: dict[str, Any]) -> None:
    wanted = [w for w in (options.get("routes") or "").split(",") if w]
    chosen: dict[str, Any] = {}
    if wanted:
        chosen["only"] = lambda r: any(w in r.name or w in r.pattern for w in wanted)
    try:
        report = run_page_bench(
            **chosen,
            repeats=options["repeats"],
            timeout_s=options.get("timeout") or 60.0,
            accounts_only=[a for a in (options.get("accounts") or "").split(",") if a],
            say=lambda text: command.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}…"),
        )
    except CosoError as exc:
        command.stderr.write(str(exc))
        raise SystemExit(1) from exc
    if options["json"]:
        command.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in [*summary_lines(report), "", *table_lines(report)]:
            command.stdout.write(line)
        command.stdout.write("")
        command.stdout.write("Not measured:")
        for line in not_measured_lines(report) or ["- none"]:
            command.stdout.write(line)
        command.stdout.write(
            f"{len(report.figures)} requests; over {TARGET_MS:.0f} ms (p95): "
            f"{len(report.slow)}; 500: {len(report.errors)}; {report.seconds:,.0f} s."
        )
    if options["write"]:
        write_report(options["write"], report_markdown(report, machine()))
        command.stdout.write(f"Đã ghi kết quả vào {options['write']}.")
