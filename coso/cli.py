"""The `coso` console command.

Subcommands are Django management commands; `coso units import F` runs the command
`units_import`, `coso load-demo` runs `load_demo`. Anything else goes to Django unchanged
(`coso migrate`, `coso shell`, ...).
"""

from __future__ import annotations

import os
import sys

USAGE = """\
coso — sổ đăng ký tổ chức đảng và đảng viên / registry of Party organizations and members

Usage: coso COMMAND [ARGS...]   (coso COMMAND --help for details)

  init                         create or upgrade the database (safe to repeat)
  units import FILE            import units from .csv or .xlsx
  members import FILE          import members from .csv or .xlsx
  reorg apply PLAN --on DATE --decision TEXT [--dry-run]
                               apply a reorganization plan atomically
  reorg national-plan OUT      the whole 2025 reform as a plan (for generate --before-reform)
  stats CODE [--as-of DATE] [--json]
                               counts for a unit's subtree on a date
  report households CODE [--as-of DATE] [--json]
                               members responsible for households in a subtree on a date
  tree CODE [--as-of DATE] [--depth N]
                               the tree as indented text with member counts
  classification CODE --year YEAR [--json]
                               the year's quality classification of a subtree (units, members)
  load-demo                    load the Quang Binh demo into an empty database
  generate --members N [--seed S] [--before-reform]
                               build a synthetic dataset of national shape
  bench                        run the benchmarks on the current database
  loadtest prepare | report    the load test's accounts and ids; Locust's CSV as a table
                               (scripts/loadtest.sh runs both around Locust)
  serve [--host H] [--port P]  run the web application (gunicorn, static files, task worker,
                               scheduler; --no-scheduler leaves the scheduler to another host)
  token create USERNAME        make an API token (printed alone on the last line)
  token revoke USERNAME        revoke a user's API tokens
  ensure-admin                 demo database: (re)set the demo accounts and print them;
                               otherwise: create `admin` with a one-time password
  sync-snapshots [--since D]   rewrite today's status of members whose dated changes took effect
  backup DIR [--keep N]        the database and the stored documents, with a manifest and checksums
  restore BACKUP [--check]     verify a backup, then put it back (--check: verify only)
  prune-imports [--older-than-days N]
                               delete old import jobs and their files
  worker                       the background task worker (coso serve runs and restarts it)
  scheduler [--once]           the scheduled jobs, each slot once across machines (serve runs it)
  schedule [list]              the jobs: schedule, last run, outcome, next run, last error
  schedule run NAME            run a job now (never alongside a scheduled run of it)
  schedule history [NAME]      the latest runs
"""


def _command_name(argv: list[str]) -> tuple[str, list[str]]:
    from django.core.management import get_commands

    commands = get_commands()
    if len(argv) >= 2:
        joined = f"{argv[0]}_{argv[1]}".replace("-", "_")
        if joined in commands:
            return joined, argv[2:]
    return argv[0].replace("-", "_") if argv[0].replace("-", "_") in commands else argv[0], argv[1:]


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    args = list(sys.argv if argv is None else argv)
    prog, rest = "coso", args[1:]
    if not rest or rest[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0

    import django
    from django.core.management import execute_from_command_line

    django.setup()
    name, tail = _command_name(rest)
    try:
        execute_from_command_line([prog, name, *tail])
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
