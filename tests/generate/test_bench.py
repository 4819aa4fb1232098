"""`coso bench` runs on a small generated dataset and leaves the database unchanged."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from coso.demo.bench import END, START, write_report
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
