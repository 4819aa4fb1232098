"""Write the Quang Binh demo into the database through the public imports, plans and operations.

The units and members go in as CSV files through `import_units` / `import_members`, every
reorganization as a plan file through `apply_plan`, and everything else through the member
operations, in date order. The files are kept (under `var/demo/` by default) so that anyone can
read the 2025 reform plan or replay it.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from coso.core.dates import FAR_FUTURE, add_months, today
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.core.spreadsheet import csv_writer
from coso.core.tabular import progress_bar
from coso.demo.accounts import mark_demo_database
from coso.demo.quangbinh import (
    BORDER_GUARD,
    BORDER_HOUSEHOLDS,
    BORDER_POSTS,
    BORDER_RESPONSIBLE,
    EXPECTED,
    FIGURES_DAY,
    HOAN_LAO,
    HOAN_TRACH,
    MEMBER_COLUMNS,
    PLAN_COLUMNS,
    PROVINCE,
    REFORM_DAY,
    UNIT_COLUMNS,
    Demo,
    MemberRow,
    Step,
    build_demo,
)
from coso.members.imports import import_members
from coso.members.models import (
    GROUP_ROLES,
    SINGLE_HOLDER_ROLES,
    Member,
    MemberSpan,
    MemberStatus,
    ParticipationKind,
    Position,
    PositionRole,
)
from coso.members.operations import (
    add_external_role,
    add_participation,
    admit_member,
    assign_position,
    end_position,
    exempt_member,
    receive_member,
    recognize_member,
    record_death,
    reject_recognition,
    strike_off,
    transfer_out,
)
from coso.stats.queries import stats_as_of
from coso.stats.tally import refresh_side_rows
from coso.units.imports import import_units
from coso.units.models import Unit, UnitKind, UnitSpan
from coso.units.plans import apply_plan

DEFAULT_SEED = 2020


@dataclass
class LoadReport:
    seed: int
    directory: Path
    units: int = 0
    members: int = 0
    steps: int = 0
    seconds: float = 0.0
    reform_plan: Path | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    meetings: int | None = None  # None: the meetings app is not there
    directives: int | None = None  # implementation records of the demo's directives
    mismatches: list[str] = field(default_factory=list)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def database_has_units() -> bool:
    """Whether any unit exists; refuses clearly when the tables were never created."""
    try:
        return Unit.objects.exists()
    except DatabaseError as exc:
        raise CosoError(
            f"Cơ sở dữ liệu chưa được tạo hoặc chưa nâng cấp ({exc}): chạy `coso init` trước."
        ) from exc


def _write_positions(rows: list[Position]) -> None:
    """Posts written in one statement; their side tallies as `assign_position` keeps them."""
    Position.objects.bulk_create(rows)
    refresh_side_rows({r.member_id for r in rows})


class _Applier:
    """Runs the timeline steps, looking units and members up once each."""

    def __init__(self, demo: Demo, directory: Path):
        self.demo = demo
        self.directory = directory
        self._units: dict[str, Unit] = {}
        self._members: dict[str, Member] = {}
        self.handlers: dict[str, Callable[[Step], None]] = {
            "plan": self.plan,
            "admit": self.admit,
            "recognize": self.recognize,
            "reject": self.reject,
            "transfer_out": self.transfer_out,
            "receive": self.receive,
            "exempt": self.exempt,
            "death": self.death,
            "strike_off": self.strike_off,
            "position": self.position,
            "end_position": self.end_position,
            "external_role": self.external_role,
            "participation": self.participation,
        }
        self.admissions = 0

    def unit(self, code: str) -> Unit:
        if code not in self._units:
            self._units[code] = Unit.objects.get(code=code)
        return self._units[code]

    def member(self, member_id: str) -> Member:
        if member_id not in self._members:
            self._members[member_id] = Member.objects.get(member_id=member_id)
        return self._members[member_id]

    def apply(self, step: Step) -> None:
        try:
            self.handlers[step.op](step)
        except CosoError as exc:
            who = f" {step.member}" if step.member else ""
            where = f" @ {step.unit}" if step.unit else ""
            raise CosoError(f"Demo: bước «{step.op}»{who}{where} ngày {step.day}: {exc}") from exc

    def plan(self, step: Step) -> None:
        path = write_csv(self.directory / step.args["name"], PLAN_COLUMNS, step.args["rows"])
        number, signed = step.args["decision"]
        apply_plan(path, on=step.day, decision_number=number, decision_date=signed, progress=False)

    def admit(self, step: Step) -> None:
        person: MemberRow = step.args["person"]
        self.admissions += 1
        decision = get_decision(f"{100 + self.admissions}-QĐ/ĐU", step.day)
        profile = person.profile()
        self._members[person.member_id] = admit_member(
            **profile,
            branch=self.unit(step.unit),
            admitted_on=step.day,
            ceremony_on=step.args["ceremony_on"],
            decision=decision,
        )

    def recognize(self, step: Step) -> None:
        recognize_member(self.member(step.member), decided_on=step.day)

    def reject(self, step: Step) -> None:
        reject_recognition(self.member(step.member), decided_on=step.day)

    def transfer_out(self, step: Step) -> None:
        transfer_out(self.member(step.member), on=step.day, to_unit=self.unit(step.unit))

    def receive(self, step: Step) -> None:
        receive_member(self.member(step.member), on=step.day, branch=self.unit(step.unit))

    def exempt(self, step: Step) -> None:
        exempt_member(self.member(step.member), on=step.day, reason=step.args["reason"])

    def death(self, step: Step) -> None:
        record_death(self.member(step.member), on=step.day)

    def strike_off(self, step: Step) -> None:
        strike_off(self.member(step.member), on=step.day, reason=step.args["reason"])

    def position(self, step: Step) -> None:
        assign_position(
            self.member(step.member), self.unit(step.unit), step.args["role"], on=step.day
        )

    def end_position(self, step: Step) -> None:
        held = Position.objects.get(
            member=self.member(step.member),
            unit=self.unit(step.unit),
            role=step.args["role"],
            valid_to__gt=step.day,
        )
        end_position(held, on=step.day)

    def positions(self, steps: list[Step]) -> None:
        """Posts given on one day, with `assign_position`'s checks made for all at once.

        The 2020 congresses give a few thousand posts; one `assign_position` each took most of
        the load's time. Any step the checks refuse goes through `assign_position` itself, which
        raises its own message.
        """
        day = steps[0].day
        members = [self.member(s.member) for s in steps]
        units = [self.unit(s.unit) for s in steps]
        member_pks = {m.pk for m in members}
        unit_pks = {u.pk for u in units}
        on_day = dict(
            MemberSpan.objects.filter(
                member_id__in=member_pks, valid_from__lte=day, valid_to__gt=day
            ).values_list("member_id", "status")
        )
        still = set(
            MemberSpan.objects.filter(member_id__in=member_pks, valid_to=FAR_FUTURE).values_list(
                "member_id", flat=True
            )
        )
        kinds = dict(
            UnitSpan.objects.filter(
                unit_id__in=unit_pks, valid_from__lte=day, valid_to__gt=day
            ).values_list("unit_id", "kind")
        )
        held: set[tuple[int, int, str]] = set()
        single: set[tuple[int, str]] = set()
        for member_id, unit_id, role, valid_from in Position.objects.filter(
            unit_id__in=unit_pks, valid_to__gt=day
        ).values_list("member_id", "unit_id", "role", "valid_from"):
            held.add((member_id, unit_id, role))
            if role in SINGLE_HOLDER_ROLES and valid_from <= day:
                single.add((unit_id, role))
        rows: list[Position] = []
        for step, member, unit in zip(steps, members, units, strict=True):
            role = step.args["role"]
            ok = (
                role in PositionRole.values
                and on_day.get(member.pk) == MemberStatus.OFFICIAL
                and member.pk in still
                and unit.pk in kinds
                and (kinds[unit.pk] == UnitKind.GROUP) == (role in GROUP_ROLES)
                and (member.pk, unit.pk, role) not in held
                and (role not in SINGLE_HOLDER_ROLES or (unit.pk, role) not in single)
            )
            if not ok:
                _write_positions(rows)
                rows = []
                self.apply(step)  # refused there, with the operation's own message
                continue
            held.add((member.pk, unit.pk, role))
            if role in SINGLE_HOLDER_ROLES:
                single.add((unit.pk, role))
            rows.append(Position(member=member, unit=unit, role=role, valid_from=day))
        _write_positions(rows)

    def end_positions(self, steps: list[Step]) -> None:
        """Posts ended on one day in one statement, with `end_position`'s checks."""
        day = steps[0].day
        wanted = {(self.member(s.member).pk, self.unit(s.unit).pk, s.args["role"]) for s in steps}
        found = {
            (m, u, r): pk
            for pk, m, u, r in Position.objects.filter(
                member_id__in={w[0] for w in wanted},
                unit_id__in={w[1] for w in wanted},
                valid_to=FAR_FUTURE,
                valid_from__lt=day,
            ).values_list("pk", "member_id", "unit_id", "role")
            if (m, u, r) in wanted
        }
        if len(found) != len(wanted):
            for step in steps:
                self.apply(step)  # the first one missing raises the operation's message
            return
        Position.objects.filter(pk__in=found.values()).update(valid_to=day)
        refresh_side_rows({m for m, _u, _r in found})  # as end_position does

    def prefetch(self, timeline: Sequence[Step]) -> None:
        """Look up every member and unit the steps name in two queries, not one a step."""
        member_ids = {s.member for s in timeline if s.member and s.op != "admit"}
        self._members.update(Member.objects.in_bulk(member_ids, field_name="member_id"))
        self._units.update(
            Unit.objects.in_bulk({s.unit for s in timeline if s.unit}, field_name="code")
        )

    def external_role(self, step: Step) -> None:
        add_external_role(
            self.member(step.member),
            title=step.args["title"],
            body=step.args["body"],
            unit=self.unit(step.unit),
            on=step.day,
        )

    def participation(self, step: Step) -> None:
        add_participation(
            self.member(step.member),
            self.unit(step.unit),
            ParticipationKind.ACTIVITY,
            on=step.day,
            note=step.args.get("note", ""),
        )


BATCHED = ("position", "end_position")


def batches(timeline: Sequence[Step]) -> list[list[Step]]:
    """The timeline cut into runs: consecutive posts given (or ended) on one day go together,
    every other step alone. Order is kept, so each run sees the state the steps before made."""
    out: list[list[Step]] = []
    for step in timeline:
        last = out[-1][0] if out else None
        if last is not None and step.op in BATCHED and last.op == step.op and last.day == step.day:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def demo_directory() -> Path:
    return Path(settings.VAR_DIR) / "demo"


@transaction.atomic
def load_demo(
    *,
    seed: int = DEFAULT_SEED,
    directory: Path | None = None,
    progress: bool = True,
    log: TextIO | None = None,
) -> LoadReport:
    """Load the demo into an empty database (one transaction); refuse if it holds units."""
    started = time.monotonic()
    out = log or sys.stderr
    if database_has_units():
        raise CosoError(
            "Cơ sở dữ liệu đã có đơn vị; chỉ nạp dữ liệu mẫu vào cơ sở dữ liệu trống "
            "(dùng --if-empty để bỏ qua khi đã nạp)."
        )
    directory = directory or demo_directory()
    report = LoadReport(seed=seed, directory=directory)

    def say(text: str) -> None:
        if progress:
            print(f"[{time.monotonic() - started:5.1f}s] {text}", file=out, flush=True)

    say(f"Tạo dữ liệu mẫu Quảng Bình (seed {seed})…")
    demo = build_demo(seed)
    units_csv = write_csv(
        directory / "don-vi-2019.csv", UNIT_COLUMNS, (u.csv() for u in demo.units)
    )
    members_csv = write_csv(
        directory / "dang-vien.csv", MEMBER_COLUMNS, (m.csv() for m in demo.members)
    )
    say(f"Nhập {len(demo.units)} đơn vị ({units_csv})…")
    import_units(units_csv, progress=progress)
    say(f"Nhập {len(demo.members)} đảng viên ({members_csv})…")
    import_members(members_csv, progress=progress)
    _analyze_postgresql()

    applier = _Applier(demo, directory)
    timeline = demo.timeline()
    applier.prefetch(timeline)
    say(
        f"Ghi {len(timeline)} sự kiện từ 2019 đến nay (sáp nhập, kết nạp, chuyển sinh hoạt, "
        "cấp ủy, …)…"
    )
    with progress_bar(len(timeline), "Sự kiện", progress) as bar:
        for batch in batches(timeline):
            if batch[0].op == "plan" and batch[0].day == REFORM_DAY:
                bar.set_description("Sắp xếp 01/07/2025")
            if len(batch) == 1:
                applier.apply(batch[0])
            elif batch[0].op == "position":
                applier.positions(batch)
            else:
                applier.end_positions(batch)
            bar.update(len(batch))
    _analyze_postgresql()
    history = load_meetings(seed)
    say(f"Lịch sử sinh hoạt chi bộ: {history.meetings} cuộc họp, {history.invitations} lượt mời.")
    report.meetings = history.meetings
    followup = load_directives(seed=seed)
    say(
        f"Văn bản cấp trên: {followup.directives} văn bản, {followup.records} hồ sơ thực hiện, "
        f"{followup.steps_done} bước đã báo cáo."
    )
    report.directives = followup.records
    quality = load_quality(seed)
    say(
        f"Đánh giá, xếp loại chất lượng 2023–2025: {quality.units} lượt tổ chức, "
        f"{quality.members} lượt đảng viên; «5 tốt, 4 không» 2024: {quality.assessments} chi bộ."
    )
    outreach = load_outreach(seed)
    say(
        f"Dân vận: {outreach.responsible} đảng viên biên phòng phụ trách hộ, "
        f"{outreach.households} hộ gia đình, {outreach.visits} lượt thăm; "
        f"{outreach.assignments} cấp ủy viên được phân công theo dõi chi bộ; "
        f"{outreach.petitions} đơn thư trong năm, {outreach.overdue} quá hạn."
    )
    oversight = load_oversight(seed)
    say(
        f"Kiểm tra, kỷ luật: {oversight.cases} hồ sơ vụ việc, {oversight.decisions} quyết định kỷ "
        f"luật, {oversight.appeals} khiếu nại."
    )
    report.units = len(demo.units)
    report.members = len(demo.members) + applier.admissions
    report.steps = len(timeline)
    report.reform_plan = directory / "2025-07-01-sap-xep-tinh-quang-tri.csv"
    report.figures, report.mismatches = demo_figures()
    mark_demo_database()
    report.seconds = time.monotonic() - started
    return report


def _analyze_postgresql() -> None:
    """Planner statistics for the tables just filled. Loaded in one transaction (as the tests
    do), PostgreSQL's autovacuum never sees the rows, and the plans made for empty tables took
    the demo from 2 to 10 minutes; ANALYZE counts the rows the transaction itself wrote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def load_directives(seed: int) -> Any:
    """Two documents from above cascaded across the province, with realistic lateness."""
    from coso.followup.demo import load_directives as load

    return load(seed=seed)


def load_meetings(seed: int) -> Any:
    """Two years of branch meetings up to today, and next month's already planned (so members
    see upcoming meetings on their page and in their calendar feed)."""
    from coso.meetings.demo import load_meeting_history

    now = today()
    history = load_meeting_history(
        seed=seed, start=add_months(now, -24), end=add_months(now.replace(day=1), 2)
    )
    # Bulk-loaded tables need fresh planner statistics: without them SQLite reads a whole
    # province's meetings through the (day, status) index, 15x slower on the report.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return history


def load_quality(seed: int) -> Any:
    """The classifications of 2023–2025 and the 2024 "five good, four no" round of Hoàn Lão."""
    from coso.quality.demo import load_quality_history

    return load_quality_history(PROVINCE, HOAN_LAO, seed=seed)


def load_outreach(seed: int) -> Any:
    """The border guard's soldiers responsible for households (the seed's 377 and 1,741), the
    households of Hoàn Lão, its committee's assignments and a year of citizens' petitions."""
    from coso.outreach.demo import load_assignments, load_households, load_petitions

    posts = {f"{BORDER_GUARD}-{suffix}": communes for suffix, _n, communes, _l in BORDER_POSTS}
    report = load_households(
        posts=posts,
        figures_day=FIGURES_DAY,
        responsible=BORDER_RESPONSIBLE,
        households=BORDER_HOUSEHOLDS,
        town=HOAN_LAO,
        seed=seed,
    )
    report.assignments = load_assignments(committee=HOAN_LAO, seed=seed)
    petitions = load_petitions(root=PROVINCE, seed=seed)
    report.petitions, report.overdue = petitions.petitions, petitions.overdue
    return report


def load_oversight(seed: int) -> Any:
    """A handful of violation cases and discipline decisions in Hoàn Lão's commune this year."""
    from coso.oversight.demo import load_oversight as load

    return load(HOAN_LAO, seed=seed)


def demo_figures() -> tuple[dict[str, Any], list[str]]:
    """The seed's figures as the database answers them, and any that differ from the seed."""
    hoan_lao = stats_as_of(Unit.objects.get(code=HOAN_LAO), FIGURES_DAY)
    border = stats_as_of(Unit.objects.get(code=BORDER_GUARD), FIGURES_DAY)
    province = Unit.objects.get(code=PROVINCE)
    before = stats_as_of(province, REFORM_DAY - dt.timedelta(days=1))
    on_reform = stats_as_of(province, REFORM_DAY)
    now = stats_as_of(province, today())
    figures = {
        "hoan_lao": {
            "members": hoan_lao["members"]["total"],
            "branches": hoan_lao["units"].get("branch", 0),
            "residential": hoan_lao["branch_categories"].get("residential", 0),
        },
        "border_guard": {**border["outside"], "households": _households(BORDER_GUARD)},
        "province": {
            "members_2025_06_30": before["members"]["total"],
            "members_2025_07_01": on_reform["members"]["total"],
            "members_today": now["members"]["total"],
            "districts_2024": stats_as_of(province, FIGURES_DAY)["units"].get("district", 0),
            "districts_today": now["units"].get("district", 0),
            "communes_today": now["units"].get("commune", 0),
        },
    }
    mismatches: list[str] = []
    for group in ("hoan_lao", "border_guard"):
        mismatches += _compare(group, EXPECTED[group], figures[group])
    # Members admitted or leaving since then change today's total; the reform itself must not.
    if figures["province"]["members_2025_07_01"] != figures["province"]["members_2025_06_30"]:
        mismatches.append("province: members on 2025-07-01 differ from 2025-06-30")
    return figures, mismatches


def _households(code: str) -> dict[str, Any]:
    from coso.outreach.queries import household_coverage

    return household_coverage(Unit.objects.get(code=code), FIGURES_DAY)


def _compare(prefix: str, expected: Any, actual: Any) -> list[str]:
    if isinstance(expected, dict):
        out: list[str] = []
        for key, value in expected.items():
            got = actual.get(key, 0) if isinstance(actual, dict) else None
            out += _compare(f"{prefix}.{key}", value, got)
        return out
    return [] if expected == actual else [f"{prefix}: expected {expected}, got {actual}"]


__all__ = [
    "DEFAULT_SEED",
    "HOAN_TRACH",
    "LoadReport",
    "database_has_units",
    "demo_directory",
    "demo_figures",
    "load_demo",
    "write_csv",
]
