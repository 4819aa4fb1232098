"""`coso bench` runs on a small generated dataset and leaves the database unchanged."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from coso.demo.bench import END, RUN, START, bench_section, write_report
from coso.demo.generate import generate_dataset, row_counts


def test_bench_times_every_figure_and_changes_nothing(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=2, progress=False)
    before = row_counts()
    report = tmp_path / "PERFORMANCE.md"
    report.write_text(f"# Performance\n\nNotes before.\n\n{START}\nold\n{END}\n\nNotes after.\n")
    out = StringIO()
    call_command("bench", repeats=1, import_rows=200, write=str(report), json=True, stdout=out)
    text = out.getvalue()
    rows = json.loads(text[: text.rindex("]") + 1])
    assert [r["name"].split(" (")[0] for r in rows] == [
        "stats at the root, today",
        "stats at the root, 31/12/2024",
        "stats for one commune, today",
        "stats for one province, today",
        "stats for one province, 31/12/2024",
        "reorganization plan moving a whole province",
        "importing 200 members from CSV",
    ]
    for row in rows:
        assert row["coso_ms"] > 0 and row["plain_ms"] > 0 and row["ratio"] > 0
        assert row["target_ms"] > 0 and row["runs"] == 1
    assert row_counts() == before  # plans and imports were rolled back
    written = report.read_text()
    assert "Notes before." in written and "Notes after." in written and "old" not in written
    assert "| figure | target |" in written and "members_memberspan" in written
    assert "stats for one commune, today" in written


def test_write_report_creates_the_section_when_missing(tmp_path: Path) -> None:
    target = tmp_path / "P.md"
    write_report(target, "table\n")
    assert target.read_text().startswith("# Performance") and "table" in target.read_text()
    write_report(target, "second\n")
    assert "second" in target.read_text() and "table" not in target.read_text()


def _figure(name: str, coso: float, plain: float) -> dict[str, object]:
    return {
        "name": name,
        "target_ms": 200.0,
        "coso_ms": coso,
        "plain_ms": plain,
        "plain": "one SELECT",
        "detail": "unit TW",
        "runs": 3,
        "ratio": plain / coso,
        "met": coso <= 200,
    }


def _info(vendor: str, database: str) -> dict[str, object]:
    return {
        "vendor": vendor,
        "cpus": 2,
        "cpu_model": "test",
        "memory": "1 GiB",
        "database": database,
        "database_bytes": 2 * 1024**3,
        "python": "3.11",
        "django": "5.2",
        "load_average": [1.0, 2.0, 3.0],
    }


def test_each_database_keeps_its_columns_beside_the_other(tmp_path: Path) -> None:
    """Running the bench on one database and then the other gives one table with both."""
    target = tmp_path / "P.md"
    target.write_text(f"# P\n\n{START}\nold\n{END}\n")
    counts = {"members_member": 1000}
    sqlite_rows = [_figure("stats at the root, today", 60, 11_000)]
    write_report(
        target, bench_section(target, sqlite_rows, _info("sqlite", "SQLite 3.40.1"), counts)
    )
    pg_rows = [_figure("stats at the root, today", 250, 5_000)]
    info = _info("postgresql", "PostgreSQL 15.9")
    write_report(target, bench_section(target, pg_rows, info, {"members_member": 1001}))
    text = target.read_text()
    head = next(line for line in text.splitlines() if line.startswith("| figure | target |"))
    assert head.index("SQLite: Coso") < head.index("PostgreSQL: Coso")
    row = next(line for line in text.splitlines() if line.startswith("| stats at the root"))
    assert "| 60 ms | 11,000 ms | 183× | 250 ms | 5,000 ms | 20× | yes / **no** |" in row
    assert "| `members_member` | 1,000 | 1,001 |" in text
    assert "SQLite 3.40.1, 2.00 GiB on disk" in text and "PostgreSQL 15.9" in text
    # A new run on SQLite replaces the SQLite columns only.
    again = [_figure("stats at the root, today", 40, 11_000)]
    write_report(target, bench_section(target, again, _info("sqlite", "SQLite 3.40.1"), counts))
    text = target.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| stats at the root"))
    assert "| 40 ms | 11,000 ms | 275× | 250 ms | 5,000 ms | 20× | yes / **no** |" in row
    assert text.count(RUN) == 2 and "old" not in text
