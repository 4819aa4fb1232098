"""The load test's writer (coso/demo/load_report.py): Locust's CSV files → the markdown table,
and the section between the markers of docs/PERFORMANCE.md. Pure functions: no Locust, no
database (the CSV below is the shape Locust 2.47 writes with `--csv`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coso.cli import USAGE, _command_name
from coso.demo.load_report import (
    markers,
    parse_exceptions,
    parse_failures,
    parse_stats,
    parse_whole_run,
    replace_section,
    report_markdown,
    split_name,
    table_lines,
    write_section,
)

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)
STATS = "\n".join(
    [
        HEADER,
        "GET,member /me/,120,0,16,30.5,7.1,404.2,9000.0,2.0,0.0,"
        "16,18,20,25,60,180,300,400,404,404,404",
        "GET,central /units/{code}/,10,2,900,950.1,700.0,1812.7,30000.0,0.2,0.03,"
        "900,950,1000,1100,1500,1700,1800,1800,1800,1800,1800",
        "POST,branch /accounts/login/,3,0,620,872.5,488.8,1508.8,0.0,0.16,0.0,"
        "620,620,1500,1500,1500,1500,1500,1500,1500,1500,1500",
        "GET,province /tree/,0,0,0,0.0,0,0,0.0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
        "GET,province /accounts/login/,0,0,0,0.0,0,0,0.0,0.0,0.0,"
        "N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
        ",Aggregated,133,2,17,101.0,7.1,1812.7,9300.0,2.36,0.03,"
        "17,20,25,30,700,950,1500,1700,1800,1800,1800",
    ]
)
FAILURES = "\n".join(
    [
        "Method,Name,Error,Occurrences,First Seen,Last Seen",
        'GET,central /units/{code}/,"500 | internal",2,2026-12-05T05:00:00Z,2026-12-05T05:01:00Z',
    ]
)
RUN = {
    "when": "2026-12-05 05:00 UTC",
    "title": "smoke run",
    "url": "http://127.0.0.1:8731",
    "users": "20",
    "spawn_rate": "10",
    "duration": "60s",
    "locust": "2.47.0",
    "database": "SQLite 3.40.1; 20,000 members in the Party",
    "machine": "2 CPUs (Xeon), 23.5 GiB memory",
    "load_before": [0.5, 0.6, 0.7],
    "load_after": [1.5, 1.0, 0.8],
}


def test_split_name_takes_the_role_off_the_page() -> None:
    assert split_name("province /units/{code}/") == ("province", "/units/{code}/")
    assert split_name("member /me/") == ("member", "/me/")
    assert split_name("/units/{code}/") == ("", "/units/{code}/")  # no role
    assert split_name("someone /me/") == ("", "someone /me/")  # not a role of the locustfile


def test_parse_stats_reads_counts_and_percentiles() -> None:
    rows = parse_stats(STATS)
    assert [(r.role, r.page, r.method) for r in rows] == [
        ("member", "/me/", "GET"),
        ("central", "/units/{code}/", "GET"),
        ("branch", "/accounts/login/", "POST"),
        ("province", "/tree/", "GET"),
        ("province", "/accounts/login/", "GET"),
        ("all", "all pages", ""),
    ]
    me = rows[0]
    assert (me.requests, me.failures) == (120, 0)
    assert (me.p50_ms, me.p95_ms, me.p99_ms, me.max_ms) == (16, 180, 400, 404.2)
    assert not me.slow
    assert rows[1].slow and rows[1].failures == 2
    unasked = rows[3]
    assert unasked.requests == 0 and unasked.p95_ms is None and not unasked.slow
    assert rows[-1].requests == 133 and rows[-1].rps == pytest.approx(2.36)


def test_parse_stats_refuses_another_csv() -> None:
    with pytest.raises(ValueError, match="Locust stats CSV"):
        parse_stats("Method,Name,Error,Occurrences\nGET,x,boom,1\n")


def test_parse_failures() -> None:
    (failure,) = parse_failures(FAILURES)
    assert (failure.method, failure.name, failure.occurrences) == (
        "GET",
        "central /units/{code}/",
        2,
    )
    assert failure.error == "500 | internal"
    assert parse_failures("") == []


def test_table_orders_roles_from_the_centre_with_the_aggregate_last() -> None:
    lines = table_lines(parse_stats(STATS))
    assert lines[0] == (
        "| role | page | requests | failures | p50 ms | p95 ms | p99 ms | max ms | |"
    )
    body = lines[2:]
    assert [line.split(" | ")[0] for line in body] == [
        "| central",
        "| province",
        "| branch",
        "| member",
        "| **all**",
    ]
    central = body[0]
    assert "`/units/{code}/` | 10 | 2 | 900 | 1,700 | 1,800 | 1,813 |" in central
    assert "**errors**" in central and "**over 300 ms**" in central
    assert "| — | — | — | — |" in body[1]  # no request: no percentiles
    assert not any("province | `/accounts/login/`" in line for line in body)  # login: omitted
    assert "POST `/accounts/login/`" in body[2]
    assert body[3].endswith("| 16 | 180 | 400 | 404 |  |")  # within the target, no flag


def test_report_counts_errors_and_slow_pages_without_the_login() -> None:
    text = report_markdown(parse_stats(STATS), parse_failures(FAILURES), RUN)
    assert "Measured 2026-12-05 05:00 UTC with Locust 2.47.0 — smoke run." in text
    assert "20 users (spawned 10 a second), 60s" in text
    assert "load average before 0.5 / 0.6 / 0.7, after 1.5 / 1.0 / 0.8" in text
    assert "Requests: **133** (2.4 a second), failed: **2** (1.50%)" in text
    # central /units/{code}/ is over; the login is over too but not counted.
    # Of the two pages asked (/tree/ was not), central /units/{code}/ is over; the login is
    # over too but not counted.
    assert "pages over 300 ms at p95: **1** of 2" in text
    assert "Roles that made requests: central, branch, member" in text
    assert "**none from admin, province, commune**" in text  # province's rows have 0 requests
    assert "- 2 × GET `central /units/{code}/`: 500 \\| internal" in text


def test_whole_run_failures_replace_the_reset_ones() -> None:
    whole = parse_whole_run(
        '{"requests": 150, "failures": ['
        '{"method": "POST", "name": "member /accounts/login/", "error": "refused", '
        '"occurrences": 3}, '
        '{"method": "GET", "name": "central /units/{code}/", "error": "500", "occurrences": 2}]}'
    )
    assert whole.requests == 150 and whole.failed == 5
    text = report_markdown(parse_stats(STATS), parse_failures(FAILURES), RUN, whole)
    assert "- Whole run, spawning and logins included: 150 requests, failed: **5**" in text
    assert "- 3 × POST `member /accounts/login/`: refused" in text
    assert "- 2 × GET `central /units/{code}/`: 500\n" in text
    assert "internal" not in text  # the reset figures' list is replaced, not added to


def test_errors_of_the_locustfile_itself_are_listed() -> None:
    exceptions = parse_exceptions(
        "Count,Message,Traceback,Nodes\n"
        '3,"KeyError(\'meeting_id\')","Traceback (most recent call last): ...",local\n'
    )
    assert exceptions == [(3, "KeyError('meeting_id')")]
    assert parse_exceptions("Count,Message,Traceback,Nodes\n") == []
    text = report_markdown(parse_stats(STATS), [], RUN, exceptions=exceptions)
    assert "**Errors in the locustfile**" in text
    assert "- 3 × KeyError('meeting_id')" in text
    assert "Errors in the locustfile" not in report_markdown(parse_stats(STATS), [], RUN)


def test_replace_section_keeps_the_rest_of_the_document() -> None:
    start, end = markers()
    body = f"# Performance\n\nbefore\n\n{start}\nold figures\n{end}\n\nafter\n"
    new = replace_section(body, "new figures\n")
    assert new == f"# Performance\n\nbefore\n\n{start}\nnew figures\n{end}\n\nafter\n"
    assert replace_section(new, "new figures") == new  # idempotent


def test_replace_section_appends_when_there_are_no_markers_and_names_them() -> None:
    assert markers("load-smoke") == ("<!-- load-smoke:start -->", "<!-- load-smoke:end -->")
    body = "# Performance\n\ntext\n"
    new = replace_section(body, "figures", "load-smoke")
    assert new == (
        "# Performance\n\ntext\n\n<!-- load-smoke:start -->\nfigures\n<!-- load-smoke:end -->\n"
    )
    # Another pair of markers in the same document is left alone.
    both = replace_section(new, "main figures")
    assert "<!-- load-smoke:start -->\nfigures\n<!-- load-smoke:end -->" in both
    assert both.endswith("<!-- load:start -->\nmain figures\n<!-- load:end -->\n")


def test_replace_section_refuses_broken_markers() -> None:
    start, end = markers()
    with pytest.raises(ValueError, match="not a pair"):
        replace_section(f"a\n{start}\nb\n", "x")
    with pytest.raises(ValueError, match="not a pair"):
        replace_section(f"{end}\nb\n{start}\n", "x")
    with pytest.raises(ValueError, match="marker name"):
        markers("Load start")


def test_write_section_rewrites_the_file(tmp_path: Path) -> None:
    page = tmp_path / "PERFORMANCE.md"
    start, end = markers()
    page.write_text(f"# P\n\n{start}\n(not yet run)\n{end}\n", encoding="utf-8")
    write_section(page, report_markdown(parse_stats(STATS), [], RUN))
    text = page.read_text(encoding="utf-8")
    assert "(not yet run)" not in text
    assert text.startswith(f"# P\n\n{start}\nMeasured 2026-12-05")
    assert text.endswith(f"|\n{end}\n")
    assert "Failures:" not in text and "Whole run" not in text


def test_the_console_names_the_commands() -> None:
    assert _command_name(["loadtest", "prepare", "--out", "x.json"]) == (
        "loadtest_prepare",
        ["--out", "x.json"],
    )
    assert _command_name(["loadtest", "report", "--csv", "run"]) == (
        "loadtest_report",
        ["--csv", "run"],
    )
    assert "loadtest prepare | report" in USAGE
