"""The load test's figures (Locust's `--csv` files) as a markdown table in docs/PERFORMANCE.md.

Pure functions on text and files: no Django, no Locust (tests/demo/test_load_report.py runs
them without either). `scripts/loadtest.sh` runs Locust headless with `--csv PREFIX`, which
writes `PREFIX_stats.csv` (one row per request name, then the "Aggregated" row) and
`PREFIX_failures.csv`; `coso loadtest report` turns them into the section between
`<!-- load:start -->` and `<!-- load:end -->` (or another marker name, `--marker`).

The locustfile names every request `"<role> <route pattern>"` (e.g. `province /units/{code}/`),
so a row is one page as one role, whatever the ids it was asked with.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGET_P95_MS = 300.0
# The login (GET the form, POST it): once per user, slow by design (the password hash), so it
# is shown but not counted among the pages over the target.
LOGIN = "/accounts/login/"
# The roles of the locustfile, from the centre down (the order of the table).
ROLES = ("admin", "central", "province", "commune", "branch", "member")


def markers(name: str = "load") -> tuple[str, str]:
    """The two HTML comments that delimit the written section."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"marker name «{name}»: lowercase letters, digits and hyphens only")
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


@dataclass(frozen=True)
class PageRow:
    """One request name of the run (or the aggregate, role "all")."""

    role: str
    page: str
    method: str
    requests: int
    failures: int
    p50_ms: float | None  # None: no request (Locust writes N/A)
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    rps: float

    @property
    def slow(self) -> bool:
        return self.p95_ms is not None and self.p95_ms > TARGET_P95_MS

    @property
    def is_login(self) -> bool:
        return self.page == LOGIN


@dataclass(frozen=True)
class FailureRow:
    method: str
    name: str
    error: str
    occurrences: int


def split_name(name: str) -> tuple[str, str]:
    """`"province /units/{code}/"` → ("province", "/units/{code}/"); a name without a known
    role (Locust's "Aggregated", a hand-made name) → ("", name)."""
    role, _space, page = name.partition(" ")
    if role in ROLES and page:
        return role, page
    return "", name


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.strip()
    if not text or text.upper() == "N/A":
        return None
    return float(text)


def _count(text: str | None) -> int:
    value = _number(text)
    return int(value) if value is not None else 0


def parse_stats(text: str) -> list[PageRow]:
    """Rows of Locust's `*_stats.csv` (header included); the "Aggregated" row becomes role
    "all", page "all pages". Raises ValueError on a file that is not Locust's stats CSV."""
    reader = csv.DictReader(text.splitlines())
    needed = {"Type", "Name", "Request Count", "Failure Count", "50%", "95%", "99%"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise ValueError(f"not a Locust stats CSV (columns needed: {', '.join(sorted(needed))})")
    rows = []
    for raw in reader:
        name = raw["Name"] or ""
        if name == "Aggregated":
            role, page = "all", "all pages"
        else:
            role, page = split_name(name)
        rows.append(
            PageRow(
                role=role,
                page=page,
                method=(raw["Type"] or "").strip(),
                requests=_count(raw["Request Count"]),
                failures=_count(raw["Failure Count"]),
                p50_ms=_number(raw["50%"]),
                p95_ms=_number(raw["95%"]),
                p99_ms=_number(raw["99%"]),
                max_ms=(
                    _number(raw.get("Max Response Time") or raw.get("100%"))
                    if _count(raw["Request Count"])
                    else None
                ),
                rps=_number(raw.get("Requests/s")) or 0.0,
            )
        )
    return rows


def parse_failures(text: str) -> list[FailureRow]:
    """Rows of Locust's `*_failures.csv` (empty text: none)."""
    if not text.strip():
        return []
    reader = csv.DictReader(text.splitlines())
    return [
        FailureRow(
            method=raw.get("Method") or "",
            name=raw.get("Name") or "",
            error=(raw.get("Error") or "").strip(),
            occurrences=_count(raw.get("Occurrences")),
        )
        for raw in reader
    ]


def parse_exceptions(text: str) -> list[tuple[int, str]]:
    """(count, message) of Locust's `*_exceptions.csv`: errors raised in the locustfile's own
    code (not the server's answers), which would otherwise only make users ask less."""
    if not text.strip():
        return []
    return [
        (_count(raw.get("Count")), (raw.get("Message") or "").strip())
        for raw in csv.DictReader(text.splitlines())
    ]


@dataclass(frozen=True)
class WholeRun:
    """What the locustfile counted over the whole run (spawning included, never reset)."""

    requests: int
    failures: list[FailureRow]

    @property
    def failed(self) -> int:
        return sum(f.occurrences for f in self.failures)


def parse_whole_run(text: str) -> WholeRun:
    """The locustfile's LOADTEST_WHOLE_RUN JSON."""
    data = json.loads(text)
    return WholeRun(
        requests=int(data["requests"]),
        failures=[
            FailureRow(
                method=str(f["method"]),
                name=str(f["name"]),
                error=str(f["error"]),
                occurrences=int(f["occurrences"]),
            )
            for f in data["failures"]
        ],
    )


def ordered(rows: Iterable[PageRow]) -> list[PageRow]:
    """Pages by role from the centre down (the login last in each role), then by page; the
    aggregate last."""

    def key(row: PageRow) -> tuple[int, int, str]:
        if row.role == "all":
            return (len(ROLES) + 1, 0, "")
        rank = ROLES.index(row.role) if row.role in ROLES else len(ROLES)
        return (rank, 1 if row.is_login else 0, row.page + " " + row.method)

    return sorted(rows, key=key)


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_lines(rows: Sequence[PageRow]) -> list[str]:
    """The markdown table: role, page, requests, failures, p50, p95, p99, max (ms)."""
    lines = [
        "| role | page | requests | failures | p50 ms | p95 ms | p99 ms | max ms | |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in ordered(rows):
        if row.is_login and not row.requests:
            continue  # every user logged in before the figures were reset
        flags = []
        if row.failures:
            flags.append("**errors**")
        if row.slow:
            flags.append(f"**over {TARGET_P95_MS:.0f} ms**")
        role = f"**{row.role}**" if row.role == "all" else (row.role or "—")
        method = "" if row.method in ("GET", "") else f"{row.method} "
        page = f"**{row.page}**" if row.role == "all" else f"{method}`{_cell(row.page)}`"
        lines.append(
            f"| {role} | {page} | {row.requests:,} | {row.failures:,} | {_ms(row.p50_ms)} | "
            f"{_ms(row.p95_ms)} | {_ms(row.p99_ms)} | {_ms(row.max_ms)} | {' '.join(flags)} |"
        )
    return lines


def _load(value: Sequence[float] | None) -> str:
    if not value:
        return "unknown"
    return " / ".join(f"{v:.1f}" for v in value)


def report_markdown(
    rows: Sequence[PageRow],
    failures: Sequence[FailureRow],
    run: dict[str, Any],
    whole: WholeRun | None = None,
    exceptions: Sequence[tuple[int, str]] = (),
) -> str:
    """The section's text. `run`: when (text), title (text, optional), url, users, spawn_rate,
    duration (text), database (text), machine (text), locust (version), load_before and
    load_after (three load averages each, optional), wait (think time, text, optional),
    counted (from when the figures count, text, optional). `whole`: the whole run's count
    (its failures are listed instead of `failures`, which they include). `exceptions`: errors
    in the locustfile itself."""
    total = next((r for r in rows if r.role == "all"), None)
    pages = [r for r in rows if r.role != "all"]
    requests = total.requests if total else sum(r.requests for r in pages)
    failed = total.failures if total else sum(r.failures for r in pages)
    slow = [r for r in pages if r.slow and not r.is_login]
    roles = sorted({r.role for r in pages if r.role and r.requests}, key=ROLES.index)
    missing = [r for r in ROLES if r not in roles]
    share = f" ({failed / requests:.2%})" if requests else ""
    title = f" — {run['title']}" if run.get("title") else ""
    lines = [
        f"Measured {run['when']} with Locust {run.get('locust', '?')}{title}.",
        "",
        f"- Target: {run.get('url', '?')}; {run.get('users', '?')} users "
        f"(spawned {run.get('spawn_rate', '?')} a second), {run.get('duration', '?')}"
        + (f", think time {run['wait']}" if run.get("wait") else "")
        + (f"; figures counted {run['counted']}" if run.get("counted") else "")
        + ".",
        f"- Database: {run.get('database', '?')}",
        f"- Machine: {run.get('machine', '?')}; load average before "
        f"{_load(run.get('load_before'))}, after {_load(run.get('load_after'))}",
        f"- Requests: **{requests:,}**"
        + (f" ({total.rps:,.1f} a second)" if total else "")
        + f", failed: **{failed:,}**{share}; pages over {TARGET_P95_MS:.0f} ms at p95: "
        f"**{len(slow)}** of {len([r for r in pages if r.requests and not r.is_login])} (the "
        "login, once a user and slow by design, left out)",
        f"- Roles that made requests: {', '.join(roles) or 'none'}"
        + (f" (**none from {', '.join(missing)}**)" if missing else ""),
    ]
    if whole is not None:
        lines.append(
            f"- Whole run, spawning and logins included: {whole.requests:,} requests, "
            f"failed: **{whole.failed:,}**"
        )
        failures = whole.failures
    lines += [
        "",
        *table_lines(rows),
        "",
    ]
    if failures:
        lines += ["Failures:", ""]
        lines += [
            f"- {f.occurrences:,} × {f.method} `{_cell(f.name)}`: {_cell(f.error)[:300]}"
            for f in sorted(failures, key=lambda f: -f.occurrences)
        ]
        lines.append("")
    if exceptions:
        lines += ["**Errors in the locustfile** (its users stopped asking; fix and run again):", ""]
        lines += [f"- {count:,} × {_cell(message)[:300]}" for count, message in exceptions]
        lines.append("")
    return "\n".join(lines)


def replace_section(body: str, text: str, name: str = "load") -> str:
    """`body` with the text between the `name` markers replaced by `text` (the markers kept);
    without the markers, the section is appended at the end. Raises ValueError when only one
    of the two markers is there, or the end comes first (a hand edit broke the page)."""
    start, end = markers(name)
    block = f"{start}\n{text.rstrip()}\n{end}"
    has_start, has_end = start in body, end in body
    if has_start != has_end or (has_start and body.index(start) > body.index(end)):
        raise ValueError(f"the markers {start} … {end} are not a pair in the document")
    if has_start:
        before, rest = body.split(start, 1)
        _old, after = rest.split(end, 1)
        return before + block + after
    return (body.rstrip() + "\n\n" if body.strip() else "") + block + "\n"


def write_section(path: str | Path, text: str, name: str = "load") -> None:
    file = Path(path)
    body = file.read_text(encoding="utf-8") if file.exists() else ""
    file.write_text(replace_section(body, text, name), encoding="utf-8")
