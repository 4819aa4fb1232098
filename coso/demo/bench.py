"""`coso bench`: the figures of issue 2 §6, timed inside the process, on the current database.

Each figure is the median of several runs of the call itself (start-up, file writing and
picking the units are not timed) and stands beside the same question asked as one plain SQL
statement on the same database, so the ratio shows what the design (materialized paths,
`DailyDelta`, bulk writes) buys. Writes are measured inside a transaction that is rolled back:
the database is unchanged afterwards.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from coso.core.dates import FAR_FUTURE, today
from coso.core.errors import CosoError
from coso.core.spreadsheet import csv_writer
from coso.units.models import Unit, UnitSpan
from coso.units.queries import subtree_range

PAST_DAY = dt.date(2024, 12, 31)  # before the 2025 reform: districts still exist
IMPORT_ROWS = 100_000
PROVINCE_TARGET_MEMBERS = 150_000
PREFERRED_COMMUNE = "19111"  # Xã Hoàn Lão when the dataset has it (national or demo)
BENCH_DECISION = "BENCH-dry-run"


@dataclass
class Figure:
    name: str
    target_ms: float | None
    coso_ms: float
    plain_ms: float | None
    plain: str  # what the plain SQL statement does
    detail: str = ""
    runs: int = 0

    @property
    def ratio(self) -> float | None:
        if self.plain_ms is None or self.coso_ms <= 0:
            return None
        return self.plain_ms / self.coso_ms

    @property
    def met(self) -> bool | None:
        return None if self.target_ms is None else self.coso_ms <= self.target_ms

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = self.ratio
        out["met"] = self.met
        return out


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run `fn` in a transaction that is always rolled back."""

    def run() -> Any:
        with transaction.atomic():
            try:
                return fn()
            finally:
                transaction.set_rollback(True)

    return run


# -- plain SQL: the same questions without DailyDelta ---------------------------------------
_VALID = "{t}.valid_from <= %s AND {t}.valid_to > %s"
PLAIN_STATS = (
    "SELECT 'm', ms.status, ms.exempt, ms.in_transit, NULL, COUNT(*) "
    "FROM members_memberspan ms JOIN units_unitspan us ON us.unit_id = ms.unit_id "
    f"WHERE us.path >= %s AND us.path < %s AND {_VALID.format(t='us')} "
    f"AND {_VALID.format(t='ms')} GROUP BY ms.status, ms.exempt, ms.in_transit "
    "UNION ALL SELECT 'u', us.kind, NULL, NULL, us.tags, COUNT(*) FROM units_unitspan us "
    f"WHERE us.path >= %s AND us.path < %s AND {_VALID.format(t='us')} AND us.unit_id <> %s "
    "GROUP BY us.kind, us.tags "
    "UNION ALL SELECT 'p', NULL, NULL, NULL, NULL, COUNT(DISTINCT p.member_id) "
    "FROM members_participation p JOIN units_unitspan us ON us.unit_id = p.unit_id "
    f"WHERE us.path >= %s AND us.path < %s AND {_VALID.format(t='us')} AND {_VALID.format(t='p')}"
)


def plain_stats(unit: Unit, day: dt.date) -> dict[str, Any]:
    """The members, units, branch categories and participants of `coso stats`, from one plain
    SQL statement over the spans (the reference the benchmark compares against)."""
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        raise CosoError(f"Đơn vị «{unit.code}» không tồn tại vào ngày {day:%d/%m/%Y}.")
    lo, hi = subtree_range(span.path)
    params: list[Any] = [
        lo,
        hi,
        day,
        day,
        day,
        day,
        lo,
        hi,
        day,
        day,
        unit.pk,
        lo,
        hi,
        day,
        day,
        day,
        day,
    ]
    members = dict.fromkeys(("total", "official", "probationary", "exempt", "in_transit"), 0)
    kinds: dict[str, int] = {}
    categories: dict[str, int] = {}
    participants = 0
    with connection.cursor() as cur:
        cur.execute(PLAIN_STATS, params)
        for what, key, exempt, in_transit, tags, n in cur.fetchall():
            if what == "m":
                members["total"] += n
                members[key] += n
                members["exempt"] += n if exempt else 0
                members["in_transit"] += n if in_transit else 0
            elif what == "u":
                kinds[key] = kinds.get(key, 0) + n
                if key in ("branch", "grassroots_branch"):
                    for tag in (tags or "").split(";"):
                        if tag:
                            categories[tag] = categories.get(tag, 0) + n
            else:
                participants = int(n or 0)
    return {
        "members": members,
        "units": dict(sorted(kinds.items())),
        "branch_categories": dict(sorted(categories.items())),
        "participants": participants,
    }


# -- picking the subjects -------------------------------------------------------------------
def _root(day: dt.date) -> Unit:
    span = (
        UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
        .select_related("unit")
        .order_by("unit_id")
        .first()
    )
    if span is None:
        raise CosoError(
            "Cơ sở dữ liệu chưa có đơn vị nào: chạy `coso generate` hoặc `coso load-demo`."
        )
    return span.unit


def _commune(day: dt.date) -> Unit:
    spans = UnitSpan.objects.filter(kind="commune", valid_from__lte=day, valid_to__gt=day)
    preferred = spans.filter(unit__code=PREFERRED_COMMUNE).select_related("unit").first()
    if preferred is not None:
        return preferred.unit
    chosen = spans.filter(tags__contains=";commune;").order_by("unit_id")
    count = chosen.count()
    span = chosen.select_related("unit")[count // 2] if count else None
    if span is None:
        raise CosoError("Không có đảng bộ xã nào hiện hành để đo.")
    return span.unit


def _home_branches_under(path: str, day: dt.date) -> int:
    lo, hi = subtree_range(path)
    return UnitSpan.objects.filter(
        path__gte=lo,
        path__lt=hi,
        valid_from__lte=day,
        valid_to__gt=day,
        kind__in=("branch", "grassroots_branch"),
    ).count()


def _provinces(day: dt.date) -> tuple[UnitSpan, UnitSpan]:
    """The province nearest ≈150 k members (estimated from its branches) and another one."""
    spans = list(
        UnitSpan.objects.filter(kind="province", valid_from__lte=day, valid_to__gt=day)
        .select_related("unit", "parent")
        .order_by("unit_id")
    )
    if len(spans) < 2:
        raise CosoError("Cần ít nhất hai tỉnh để đo phương án chuyển cả một tỉnh.")
    branches = {s.unit_id: _home_branches_under(s.path, day) for s in spans}
    total_branches = sum(branches.values()) or 1
    from coso.stats.queries import stats_as_of

    per_branch = stats_as_of(_root(day), day)["members"]["total"] / total_branches
    sizes = [(abs(branches[s.unit_id] * per_branch - PROVINCE_TARGET_MEMBERS), s) for s in spans]
    moved = min(sizes, key=lambda pair: pair[0])[1]
    other = next(s for s in spans if s.unit_id != moved.unit_id)
    return moved, other


def _write_plan(moved: UnitSpan, into: UnitSpan, day: dt.date, folder: Path) -> tuple[Path, int]:
    """A plan moving every unit directly under `moved` under `into`, then dissolving `moved`."""
    children = list(
        UnitSpan.objects.filter(parent=moved.unit, valid_from__lte=day, valid_to__gt=day)
        .select_related("unit")
        .order_by("unit__code")
    )
    path = folder / "move-province.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["op", "unit", "into", "name", "kind", "category"])
        for child in children:
            w.writerow(["move", child.unit.code, into.unit.code, "", "", ""])
        w.writerow(["dissolve", moved.unit.code, "", "", "", ""])
    return path, len(children) + 1


def _write_members_csv(day: dt.date, folder: Path, rows: int) -> Path:
    """`rows` new members spread over the branches that exist on `day`."""
    branches = list(
        UnitSpan.objects.filter(
            kind__in=("branch", "grassroots_branch"), valid_from__lte=day, valid_to__gt=day
        )
        .order_by("unit_id")
        .values_list("unit__code", flat=True)[:20000]
    )
    if not branches:
        raise CosoError("Không có chi bộ nào hiện hành để nhập đảng viên thử.")
    path = folder / "members.csv"
    families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
    givens = ["An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Minh", "Nam", "Thảo"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(
            [
                "member_id",
                "card_no",
                "full_name",
                "gender",
                "birth_date",
                "branch",
                "admitted_on",
                "official_on",
            ]
        )
        for i in range(rows):
            female = i % 3 == 0
            admitted = dt.date(1990, 1, 1) + dt.timedelta(days=(i * 37) % 11000)
            official = dt.date(admitted.year + 1, admitted.month, min(admitted.day, 28))
            w.writerow(
                [
                    f"BENCH{i:07d}",
                    f"BC{i:07d}",
                    f"{families[i % 10]} {'Thị' if female else 'Văn'} {givens[(i // 10) % 10]}",
                    "female" if female else "male",
                    dt.date(admitted.year - 25, 6, 15).isoformat(),
                    branches[i % len(branches)],
                    admitted.isoformat(),
                    official.isoformat() if official < day else "",
                ]
            )
    return path


# -- the benchmarks -------------------------------------------------------------------------
def _stats_figure(
    name: str, unit: Unit, day: dt.date, target: float | None, repeats: int
) -> Figure:
    from coso.stats.queries import stats_as_of

    stats_as_of(unit, day)  # warm the page cache once, like a server that has been running
    coso_ms = _median_ms(lambda: stats_as_of(unit, day), repeats)
    plain_ms = _median_ms(lambda: plain_stats(unit, day), repeats)
    return Figure(
        name=name,
        target_ms=target,
        coso_ms=coso_ms,
        plain_ms=plain_ms,
        plain="one SELECT over member and unit spans valid on the day under the unit's path",
        detail=f"unit {unit.code}, {day.isoformat()}",
        runs=repeats,
    )


def run_benchmarks(
    *,
    repeats: int = 5,
    import_rows: int = IMPORT_ROWS,
    say: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Time the figures of issue 2 §6 on the current database; returns one dict per figure.

    `say` receives a line before each figure (the command prints them on stderr)."""
    from coso.members.imports import import_members
    from coso.units.plans import apply_plan

    tell = say or (lambda _text: None)
    day = today()
    root = _root(day)
    tell("stats at the root, today")
    figures = [_stats_figure("stats at the root, today", root, day, 200, repeats)]
    tell("stats at the root, past date")
    figures.append(
        _stats_figure(
            f"stats at the root, {PAST_DAY:%d/%m/%Y}", _root(PAST_DAY), PAST_DAY, 1000, repeats
        )
    )
    tell("stats for one commune")
    figures.append(_stats_figure("stats for one commune, today", _commune(day), day, 50, repeats))
    tell("reorganization plan (choosing the province)")
    moved, into = _provinces(day)
    members_moved = plain_stats(moved.unit, day)["members"]["total"]
    tell("stats for one province, today and past date")
    for on, label in ((day, "today"), (PAST_DAY, f"{PAST_DAY:%d/%m/%Y}")):
        figures.append(
            _stats_figure(f"stats for one province, {label}", moved.unit, on, 50, repeats)
        )
    with tempfile.TemporaryDirectory(prefix="coso-bench-") as folder:
        plan, plan_rows = _write_plan(moved, into, day, Path(folder))

        def run_plan() -> None:
            apply_plan(plan, on=day, decision_number=BENCH_DECISION, dry_run=True, progress=False)

        lo, hi = subtree_range(moved.path)

        def bare_move() -> None:
            # Overwriting the open spans' paths in place: no history, no events, no checks.
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE units_unitspan SET path = %s || substr(path, %s) "
                    "WHERE path > %s AND path < %s AND valid_to = %s",
                    [into.path, len(moved.path) + 1, lo, hi, FAR_FUTURE],
                )

        figures.append(
            Figure(
                name=f"reorganization plan moving a whole province ({members_moved:,} members)",
                target_ms=30_000,
                coso_ms=_median_ms(run_plan, repeats),
                plain_ms=_median_ms(_rolled_back(bare_move), repeats),
                plain="one UPDATE rewriting the paths in place (no history), rolled back",
                detail=f"{plan_rows} rows: move every unit under {moved.unit.code} to "
                f"{into.unit.code}, dissolve {moved.unit.code}; dry run (applied, rolled back)",
                runs=repeats,
            )
        )
        tell(f"import of {import_rows:,} members")
        csv_path = _write_members_csv(day, Path(folder), import_rows)

        def run_import() -> None:
            import_members(csv_path, progress=False)

        figures.append(
            Figure(
                name=f"importing {import_rows:,} members from CSV",
                target_ms=60_000,
                coso_ms=_median_ms(_rolled_back(run_import), repeats),
                plain_ms=_median_ms(_rolled_back(lambda: _bare_import(csv_path)), repeats),
                plain="one executemany INSERT of the rows into the member table (no checks, "
                "no spans, no events), rolled back",
                detail="all or nothing, rolled back after timing",
                runs=repeats,
            )
        )
    return [f.as_dict() for f in figures]


def _bare_import(path: Path) -> None:
    with path.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [
            (
                r["member_id"],
                r["card_no"] or None,
                r["full_name"],
                "",
                "",
                r["gender"],
                r["birth_date"],
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "official",
                False,
                False,
                0,
            )
            for r in reader
        ]
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO members_member (member_id, card_no, full_name, sort_key, search_name, "
            "gender, birth_date, national_id, ethnicity, religion, hometown, residence, "
            "education, occupation, status, exempt, in_transit, readmissions) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


# -- reporting ------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import django

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT sqlite_version()")
            database = f"SQLite {cur.fetchone()[0]}"
        else:
            cur.execute("SELECT version()")
            database = str(cur.fetchone()[0]).split(" on ")[0]
    size = None
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and os.path.isfile(name):
        size = os.path.getsize(name)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            size = int(cur.fetchone()[0])
    return {
        "vendor": connection.vendor,
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory": memory,
        "database": database,
        "database_bytes": size,
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    head = "| figure | target | Coso (median) | plain SQL (median) | plain ÷ Coso | met |"
    lines = [head, "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:,.3g}×"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(
            f"| {r['name']} | ≤ {_fmt_ms(r['target_ms'])} | {_fmt_ms(r['coso_ms'])} | "
            f"{_fmt_ms(r['plain_ms'])} | {ratio} | {met} |"
        )
    return lines


START = "<!-- bench:start (written by `coso bench --write`) -->"
END = "<!-- bench:end -->"
# Each database's last run is kept in the section, one line each, so that running the bench on
# SQLite and then on PostgreSQL (or the other way) gives one table with both side by side.
RUN = "<!-- bench:run "
VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _runs_in(path: str | Path) -> dict[str, dict[str, Any]]:
    """The runs recorded in the document's bench section, by database vendor."""
    file = Path(path)
    body = file.read_text(encoding="utf-8") if file.exists() else ""
    if START not in body or END not in body:
        return {}
    section = body.split(START, 1)[1].split(END, 1)[0]
    runs = {}
    for line in section.splitlines():
        if line.startswith(RUN) and line.endswith("-->"):
            run = json.loads(line[len(RUN) : -len("-->")])
            runs[run["info"]["vendor"]] = run
    return runs


def bench_section(
    path: str | Path, rows: list[dict[str, Any]], info: dict[str, Any], counts: dict[str, int]
) -> str:
    """The section for `path`: this run beside the other database's last run found there."""
    runs = _runs_in(path)
    runs[info.get("vendor", connection.vendor)] = {
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rows": rows,
        "info": info,
        "counts": counts,
    }
    order = list(VENDORS)
    ordered = [runs[v] for v in sorted(runs, key=lambda v: order.index(v) if v in order else 9)]
    return side_by_side_markdown(ordered)


def _key(figure: dict[str, Any]) -> str:
    return str(figure["name"]).split(" (")[0]


def _ratio(r: dict[str, Any] | None) -> str:
    return "—" if r is None or r["ratio"] is None else f"{r['ratio']:,.3g}×"


def side_by_side_markdown(runs: list[dict[str, Any]]) -> str:
    """Machine, dataset and figures of one run per database, the databases side by side."""
    names = [VENDORS.get(r["info"]["vendor"], r["info"]["vendor"]) for r in runs]
    info = runs[-1]["info"]
    lines = [
        "Measured by `coso bench` (median of several runs each, timed inside the process); "
        "each database's columns come from its own run.",
        "",
        f"- Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory']} memory; "
        f"Python {info['python']}, Django {info['django']}",
    ]
    for run in runs:
        i = run["info"]
        size = i.get("database_bytes")
        load = i.get("load_average")
        lines.append(
            f"- {i['database']}"
            + (f", {size / 1024**3:.2f} GiB on disk" if size else "")
            + f"; measured {run['measured']}, median of {run['rows'][0]['runs'] if run['rows'] else 0} runs"
            + (f"; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}" if load else "")
        )
    tables = list(dict.fromkeys(t for run in runs for t in run["counts"]))
    lines += ["", "| table | " + " | ".join(names) + " |", "|---|" + "---:|" * len(runs)]
    for table in tables:
        cells = [run["counts"].get(table) for run in runs]
        lines.append(
            f"| `{table}` | " + " | ".join("—" if c is None else f"{c:,}" for c in cells) + " |"
        )
    head = "| figure | target |"
    rule = "|---|---|"
    for name in names:
        head += f" {name}: Coso | {name}: plain SQL | plain ÷ Coso |"
        rule += "---:|---:|---:|"
    lines += ["", head + " met |", rule + "---|"]
    by_key = [{_key(f): f for f in run["rows"]} for run in runs]
    keys = list(dict.fromkeys(k for figures in by_key for k in figures))
    for key in keys:
        figures = [f.get(key) for f in by_key]
        first = next(f for f in figures if f is not None)
        row = f"| {first['name']} | ≤ {_fmt_ms(first['target_ms'])} |"
        for f in figures:
            row += (
                " — | — | — |"
                if f is None
                else f" {_fmt_ms(f['coso_ms'])} | {_fmt_ms(f['plain_ms'])} | {_ratio(f)} |"
            )
        met = [
            "—" if f is None or f["met"] is None else ("yes" if f["met"] else "**no**")
            for f in figures
        ]
        lines.append(row + f" {' / '.join(met)} |")
    lines.append("")
    for key in keys:
        details: list[str] = []
        for run_figures in by_key:
            f = run_figures.get(key)
            if f is not None and f"{f['detail']}; plain SQL = {f['plain']}" not in details:
                details.append(f"{f['detail']}; plain SQL = {f['plain']}")
        lines.append(f"- {key}: " + " — ".join(details) + ".")
    lines.append("")
    lines += [f"{RUN}{json.dumps(run, ensure_ascii=False)}-->" for run in runs]
    return "\n".join(lines) + "\n"


def write_report(path: str | Path, text: str) -> None:
    """Replace the measured section of the document, keeping the notes around it."""
    file = Path(path)
    body = file.read_text(encoding="utf-8") if file.exists() else ""
    block = f"{START}\n{text}{END}"
    if START in body and END in body:
        before, rest = body.split(START, 1)
        _old, after = rest.split(END, 1)
        body = before + block + after
    else:
        body = (body.rstrip() + "\n\n" if body else "# Performance\n\n") + block + "\n"
    file.write_text(body, encoding="utf-8")
