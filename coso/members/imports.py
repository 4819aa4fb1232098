"""`coso members import FILE`: bring an existing registry (tens of thousands of members) in at once.

Columns `member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on` and
optionally `national_id,ethnicity,religion,hometown,residence,education,occupation,group,status,
joined_on`. Every row is checked before anything is written, every error is reported, and the
write is one transaction. Nothing is queried per row: units and existing ids are read in a few
set queries and the rows are written with bulk inserts, so 100 000 members take well under a
minute on SQLite. The checking is done before the transaction starts, so the write lock (one
writer at a time on SQLite) is held only for the inserts.

Choices made here (the issue leaves them open):
- `status` empty means official when `official_on` is given, else probationary. An explicit
  `official`/`exempt` needs `official_on` (party age and badges are counted from it), and an
  explicit `probationary` must not have one.
- The member's periods start on `joined_on`: probationary until `official_on`, official from
  then (a single official period when `official_on` is not after `joined_on`). An exempt member
  is exempt on the official period only, as exemption is decided for official members.
- Dates after today are refused: an import records what has happened.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    connections,
    models,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.bulk import copy_rows
from coso.core.checked_write import Changed, write_checked
from coso.core.dates import FAR_FUTURE, fmt, parse_date, today
from coso.core.errors import RowError, RowErrors
from coso.core.rules import rule
from coso.core.tabular import (
    ImportReport,
    Table,
    accept_headers,
    check_columns,
    import_facts,
    progress_bar,
    read_table,
    sort_errors,
    with_refusals,
)
from coso.members.models import (
    Gender,
    Member,
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    MemberStatus,
    NameWord,
)
from coso.members.names import WORD_COLUMNS, add_search_words, word_rows
from coso.members.operations import fold, name_keys
from coso.stats.tally import add_member_spans, refresh_derived
from coso.units.models import Unit, UnitKind, UnitSpan

REQUIRED = (
    "member_id",
    "card_no",
    "full_name",
    "gender",
    "birth_date",
    "branch",
    "admitted_on",
    "official_on",
)
PROFILE = (
    "national_id",
    "ethnicity",
    "religion",
    "hometown",
    "residence",
    "education",
    "occupation",
)
OPTIONAL = (*PROFILE, "group", "status", "joined_on")
# The headers of the downloadable template; a file may use them or the codes above.
HEADERS = {
    "member_id": "Số lý lịch",
    "card_no": "Số thẻ đảng viên",
    "full_name": "Họ và tên",
    "gender": "Giới tính",
    "birth_date": "Ngày sinh",
    "branch": "Mã chi bộ",
    "admitted_on": "Ngày kết nạp",
    "official_on": "Ngày chính thức",
    "national_id": "Số CCCD",
    "ethnicity": "Dân tộc",
    "religion": "Tôn giáo",
    "hometown": "Quê quán",
    "residence": "Nơi cư trú",
    "education": "Trình độ học vấn",
    "occupation": "Nghề nghiệp",
    "group": "Mã tổ đảng",
    "status": "Trạng thái",
    "joined_on": "Ngày về chi bộ",
}
accept_headers(HEADERS)
MAX_LENGTH = {
    "member_id": 40,
    "card_no": 40,
    "full_name": 200,
    "national_id": 20,
    "ethnicity": 60,
    "religion": 60,
    "hometown": 300,
    "residence": 300,
    "education": 200,
    "occupation": 200,
}
GENDERS = {"male": Gender.MALE, "nam": Gender.MALE, "female": Gender.FEMALE, "nu": Gender.FEMALE}
# Folded (ASCII, lower-case) spellings -> (status, exempt).
STATUSES: dict[str, tuple[str, bool]] = {
    "probationary": (MemberStatus.PROBATIONARY, False),
    "du bi": (MemberStatus.PROBATIONARY, False),
    "dang vien du bi": (MemberStatus.PROBATIONARY, False),
    "official": (MemberStatus.OFFICIAL, False),
    "chinh thuc": (MemberStatus.OFFICIAL, False),
    "dang vien chinh thuc": (MemberStatus.OFFICIAL, False),
    "exempt": (MemberStatus.OFFICIAL, True),
    "mien sinh hoat": (MemberStatus.OFFICIAL, True),
    "mien cong tac va sinh hoat": (MemberStatus.OFFICIAL, True),
}
BATCH = 5000
CHUNK = 900  # stays under SQLite's bound-parameter limit


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    member_id: str = ""
    card_no: str | None = None
    full_name: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    admitted_on: dt.date | None = None
    official_on: dt.date | None = None
    joined_on: dt.date | None = None
    status: str = ""
    exempt: bool = False
    branch: Unit | None = None
    group: Unit | None = None
    profile: dict[str, str] = field(default_factory=dict)
    ok: bool = True


def import_members(
    path: str | Path,
    *,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    actor: Actor | None = None,
    refuse: Sequence[RowError] = (),
) -> ImportReport:
    """Create the members of the file, or raise RowErrors listing every bad row (nothing written).

    Reading the file, checking every row and resolving the units all happen before the write
    transaction; the write is bulk inserts in one short transaction, so other users' writes wait
    seconds, not the whole import. If the units the file names change between the check and the
    write (or a member id is taken meanwhile), the file is checked again.
    `refuse` holds errors the caller found (rows naming units outside the user's scope): the
    file is refused with them and its own errors, before anything is written.
    `on_progress(done, total)` is called as rows are checked, then written (total: twice the rows).
    With an `actor`, the import's one audit entry is written in the same transaction.
    """
    started = time.monotonic()
    table = read_table(path)
    errors = check_columns(table, REQUIRED, OPTIONAL)
    if errors:
        raise RowErrors(with_refusals(errors, refuse))
    file = table.name

    def attempt() -> ImportReport:
        rows, units = _checked_rows(table, progress, on_progress, refuse)
        plan = _plan_writes(file, rows)
        with transaction.atomic():
            if _unit_state(units) != units.state:
                raise Changed
            _write(plan, progress, on_progress)
            report = ImportReport(
                file=file,
                rows=len(rows),
                created={"đảng viên": len(rows), "giai đoạn sinh hoạt": len(plan.tally)},
                seconds=time.monotonic() - started,
            )
            if actor is not None:
                record_write(
                    actor, AuditAction.IMPORT_MEMBERS, f"file:{file}", None, import_facts(report)
                )
        return report

    return write_checked(file, attempt)


def _checked_rows(
    table: Table,
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
    refuse: Sequence[RowError],
) -> tuple[list[_Row], _Units]:
    """The file's rows, parsed and checked against the database (read only, no lock held)."""
    file = table.name
    errors: list[RowError] = []
    rows = [_Row(line=r.line, values=r.values) for r in table.rows]
    on_day = today()
    with progress_bar(len(rows), "Kiểm tra", progress) as bar:
        for done, row in enumerate(rows, start=1):
            _parse(file, row, on_day, errors)
            bar.update()
            if on_progress is not None:
                on_progress(done, 2 * len(rows))
    _check_duplicates(file, rows, errors)
    units = _check_units(file, rows, errors)
    errors = with_refusals(errors, refuse)
    if errors:
        raise RowErrors(sort_errors(errors, table.columns))
    return rows, units


def _date(
    file: str, row: _Row, column: str, errors: list[RowError], *, required: bool, latest: dt.date
) -> dt.date | None:
    text = row.values.get(column, "")
    if not text and not required:
        return None
    try:
        day = parse_date(text)
    except ValueError as exc:
        errors.append(RowError(file, row.line, column, str(exc)))
        return None
    if day > latest:
        errors.append(
            RowError(file, row.line, column, _("ngày %(day)s sau ngày hôm nay") % {"day": fmt(day)})
        )
        return None
    return day


def _parse(file: str, row: _Row, on_day: dt.date, errors: list[RowError]) -> None:
    before = len(errors)
    values = row.values

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(file, row.line, column, reason))

    row.member_id = values.get("member_id", "")
    row.card_no = values.get("card_no", "") or None
    row.full_name = " ".join(values.get("full_name", "").split())
    if not row.member_id:
        bad("member_id", _("số lý lịch (member_id) trống"))
    if not row.full_name:
        bad("full_name", _("họ tên trống"))
    for column, limit in MAX_LENGTH.items():
        if len(values.get(column, "")) > limit:
            bad(column, _("dài quá %(n)s ký tự") % {"n": limit})
    gender = fold(values.get("gender", "")).strip()
    if not gender:
        bad("gender", _("giới tính trống"))
    elif gender not in GENDERS:
        bad(
            "gender",
            _("giới tính «%(value)s» không hợp lệ (nam/nữ hoặc male/female)")
            % {"value": values["gender"]},
        )
    else:
        row.gender = GENDERS[gender]

    kw: dict[str, Any] = {"latest": on_day}
    row.birth_date = _date(file, row, "birth_date", errors, required=True, **kw)
    row.admitted_on = _date(file, row, "admitted_on", errors, required=True, **kw)
    row.official_on = _date(file, row, "official_on", errors, required=False, **kw)
    row.joined_on = _date(file, row, "joined_on", errors, required=False, **kw)
    if row.birth_date and row.admitted_on and row.birth_date >= row.admitted_on:
        bad(
            "birth_date",
            _("ngày sinh %(birth)s không trước ngày kết nạp %(admitted)s")
            % {"birth": fmt(row.birth_date), "admitted": fmt(row.admitted_on)},
        )
    if row.official_on and row.admitted_on and row.official_on < row.admitted_on:
        bad(
            "official_on",
            _("ngày chính thức %(official)s trước ngày kết nạp %(admitted)s")
            % {"official": fmt(row.official_on), "admitted": fmt(row.admitted_on)},
        )
    if row.joined_on and row.admitted_on and row.joined_on < row.admitted_on:
        bad(
            "joined_on",
            _("ngày về chi bộ %(joined)s trước ngày kết nạp %(admitted)s")
            % {"joined": fmt(row.joined_on), "admitted": fmt(row.admitted_on)},
        )

    status_text = values.get("status", "")
    if status_text:
        folded = " ".join(fold(status_text).split())
        if folded not in STATUSES:
            bad(
                "status",
                _(
                    "trạng thái «%(value)s» không hợp lệ "
                    "(dự bị/probationary, chính thức/official, miễn sinh hoạt/exempt)"
                )
                % {"value": status_text},
            )
        else:
            row.status, row.exempt = STATUSES[folded]
            has_official = bool(values.get("official_on"))
            if row.status == MemberStatus.PROBATIONARY and has_official:
                bad("status", _("trạng thái dự bị nhưng có ngày chính thức (official_on)"))
            if row.status == MemberStatus.OFFICIAL and not has_official:
                bad("official_on", _("đảng viên chính thức cần ngày chính thức (official_on)"))
    else:
        row.status = (
            MemberStatus.OFFICIAL if values.get("official_on") else MemberStatus.PROBATIONARY
        )
    if not values.get("branch"):
        bad("branch", _("chi bộ (branch) trống"))
    row.profile = {c: values.get(c, "") for c in PROFILE}
    row.ok = len(errors) == before


def _check_duplicates(file: str, rows: list[_Row], errors: list[RowError]) -> None:
    for column in ("member_id", "card_no"):
        first: dict[str, int] = {}
        for row in rows:
            value = getattr(row, column)
            if not value:
                continue
            if value in first:
                errors.append(
                    RowError(
                        file,
                        row.line,
                        column,
                        _("«%(value)s» lặp lại (đã có ở dòng %(line)s)")
                        % {"value": value, "line": first[value]},
                    )
                )
                row.ok = False
            else:
                first[value] = row.line
        taken = _existing(column, list(first))
        for row in rows:
            value = getattr(row, column)
            if value in taken and first.get(value) == row.line:
                errors.append(
                    RowError(
                        file, row.line, column, _("«%(value)s» không dùng được") % {"value": value}
                    )
                )
                row.ok = False


def _existing(column: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(values), CHUNK):
        found.update(
            Member.objects.filter(**{f"{column}__in": values[i : i + CHUNK]}).values_list(
                column, flat=True
            )
        )
    return {v for v in found if v}


def _load_units(codes: set[str]) -> tuple[dict[str, Unit], dict[int, list[UnitSpan]]]:
    wanted = sorted(codes)
    units: dict[str, Unit] = {}
    for i in range(0, len(wanted), CHUNK):
        units.update((u.code, u) for u in Unit.objects.filter(code__in=wanted[i : i + CHUNK]))
    spans: dict[int, list[UnitSpan]] = {}
    ids = [u.pk for u in units.values()]
    for i in range(0, len(ids), CHUNK):
        query = UnitSpan.objects.filter(unit_id__in=ids[i : i + CHUNK]).order_by("valid_from")
        for span in query.only("unit_id", "valid_from", "valid_to", "kind", "parent_id"):
            spans.setdefault(span.unit_id, []).append(span)
    return units, spans


def _span_on(spans: list[UnitSpan], day: dt.date) -> UnitSpan | None:
    for span in spans:
        if span.valid_from <= day < span.valid_to:
            return span
    return None


@dataclass
class _Units:
    """The units a file names, and what was known of them when its rows were checked."""

    codes: set[str]
    state: tuple[Any, ...]


def _state(units: dict[str, Unit], spans: dict[int, list[UnitSpan]]) -> tuple[Any, ...]:
    return tuple(
        (
            code,
            unit.pk,
            unit.valid_to,
            tuple(
                (s.pk, s.valid_from, s.valid_to, s.kind, s.parent_id)
                for s in spans.get(unit.pk, [])
            ),
        )
        for code, unit in sorted(units.items())
    )


def _unit_state(units: _Units) -> tuple[Any, ...]:
    """The same units as they stand now: a few queries, cheap to ask under the write lock."""
    return _state(*_load_units(units.codes))


def _check_units(file: str, rows: list[_Row], errors: list[RowError]) -> _Units:
    codes = {r.values.get("branch", "") for r in rows} | {r.values.get("group", "") for r in rows}
    codes = {c for c in codes if c}
    units, spans = _load_units(codes)
    checked = _Units(codes=codes, state=_state(units, spans))
    for row in rows:
        if row.admitted_on is None or not row.values.get("branch"):
            continue  # reported already; the joining day is unknown
        code = row.values["branch"]
        branch = units.get(code)
        if branch is None:
            errors.append(
                RowError(
                    file, row.line, "branch", _("không có đơn vị mã «%(code)s»") % {"code": code}
                )
            )
            row.ok = False
            continue
        if row.joined_on is None:
            if row.values.get("joined_on"):
                continue  # a bad joined_on was reported
            row.joined_on = max(row.admitted_on, branch.valid_from)
        day = row.joined_on
        column = "joined_on" if row.values.get("joined_on") else "branch"
        span = _span_on(spans.get(branch.pk, []), day)
        if span is None:
            errors.append(
                RowError(
                    file,
                    row.line,
                    column,
                    _("đơn vị «%(code)s» không tồn tại vào ngày %(day)s")
                    % {"code": code, "day": fmt(day)},
                )
            )
            row.ok = False
            continue
        home_kinds = rule("unit_kinds.home_kinds", day)
        later = [s for s in spans[branch.pk] if s.valid_to > day]
        wrong = next((s for s in later if s.kind not in home_kinds), None)
        if wrong is not None:
            errors.append(
                RowError(
                    file,
                    row.line,
                    "branch",
                    _(
                        "đơn vị «%(code)s» là %(kind)s từ ngày %(day)s, không phải chi bộ "
                        "(đảng viên sinh hoạt ở: %(kinds)s)"
                    )
                    % {
                        "code": code,
                        "kind": str(UnitKind(wrong.kind).label).lower(),
                        "day": fmt(max(wrong.valid_from, day)),
                        "kinds": ", ".join(home_kinds),
                    },
                )
            )
            row.ok = False
            continue
        if branch.valid_to != FAR_FUTURE:
            errors.append(
                RowError(
                    file,
                    row.line,
                    "branch",
                    _("chi bộ «%(code)s» đã kết thúc ngày %(day)s")
                    % {"code": code, "day": fmt(branch.valid_to)},
                )
            )
            row.ok = False
            continue
        row.branch = branch
        group_code = row.values.get("group", "")
        if group_code:
            _check_group(file, row, group_code, units, spans, errors)
    return checked


def _check_group(
    file: str,
    row: _Row,
    code: str,
    units: dict[str, Unit],
    spans: dict[int, list[UnitSpan]],
    errors: list[RowError],
) -> None:
    assert row.branch is not None and row.joined_on is not None
    group = units.get(code)
    span = _span_on(spans.get(group.pk, []), row.joined_on) if group else None
    if group is None or span is None:
        if group is None:
            reason = _("không có tổ đảng «%(code)s»") % {"code": code}
        else:
            reason = _("không có tổ đảng «%(code)s» vào ngày %(day)s") % {
                "code": code,
                "day": fmt(row.joined_on),
            }
        errors.append(RowError(file, row.line, "group", reason))
    elif span.kind != UnitKind.GROUP or span.parent_id != row.branch.pk:
        errors.append(
            RowError(
                file,
                row.line,
                "group",
                _("«%(code)s» không phải tổ đảng của chi bộ «%(branch)s» vào ngày %(day)s")
                % {"code": code, "branch": row.branch.code, "day": fmt(row.joined_on)},
            )
        )
    elif group.valid_to != FAR_FUTURE:
        errors.append(
            RowError(
                file,
                row.line,
                "group",
                _("tổ đảng «%(code)s» đã kết thúc ngày %(day)s")
                % {"code": code, "day": fmt(group.valid_to)},
            )
        )
    else:
        row.group = group
        return
    row.ok = False


@dataclass
class _Statement:
    """One INSERT and the rows for it, values already converted for the database."""

    sql: str
    params: list[list[Any]]
    table: str
    columns: list[str]
    # With `by_member_id`: the position of the member's registry id among the values.
    member_at: int | None = None


@dataclass
class _Plan:
    members: _Statement
    spans: _Statement
    events: _Statement
    words: _Statement  # the name search's index (coso.members.names)
    vocabulary: set[str]  # the words in it
    tally: list[tuple[dt.date, dt.date, str, bool, bool]]  # for add_member_spans
    tally_units: list[int]  # each tally row's unit
    units: set[int]  # the branches written into, for the other derived data (refresh_derived)

    @property
    def rows(self) -> int:
        return sum(len(s.params) for s in (self.members, self.spans, self.events, self.words))


def _statement(
    model: type[models.Model], rows: list[dict[str, Any]], *, by_member_id: bool = False
) -> _Statement:
    """Plain INSERTs for many rows of `model`, keyed by attname (`home_unit_id`).

    Model instances and bulk_create cost about 0.3 ms a row in Python, which is most of an
    import of 100 000 members; the values here are already validated, so only the types the
    database cannot take as they are (dates, datetimes, JSON) are converted — before the write
    transaction. With `by_member_id`, the `member_id` value is the member's registry id and the
    INSERT looks its key up, so the rows can be made before the members exist.
    """
    ops = connections[DEFAULT_DB_ALIAS].ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapters: list[Callable[[Any], Any] | None] = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(f, models.JSONField):
            adapters.append(partial(ops.adapt_json_value, encoder=f.encoder))
        else:
            adapters.append(None)
    lookup = (
        f"(SELECT {ops.quote_name('id')} FROM {ops.quote_name(Member._meta.db_table)} "
        f"WHERE {ops.quote_name('member_id')} = %s)"
    )
    names = [f.column for f in fields]
    columns = ", ".join(ops.quote_name(c) for c in names)
    marks = ", ".join(lookup if by_member_id and f.attname == "member_id" else "%s" for f in fields)
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    member_at = [f.attname for f in fields].index("member_id") if by_member_id else None
    plan = [(f.attname, f.get_default(), adapt) for f, adapt in zip(fields, adapters, strict=True)]
    params = []
    for row in rows:
        values = []
        for name, default, adapt in plan:
            value = row.get(name, default)
            if adapt is not None and value is not None:
                value = adapt(value)
            values.append(value)
        params.append(values)
    return _Statement(sql, params, model._meta.db_table, names, member_at)


def _plan_writes(file: str, rows: list[_Row]) -> _Plan:
    """Every row to insert, made from the checked rows before the write transaction."""
    now = timezone.now()
    members: list[dict[str, Any]] = []
    spans: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for row in rows:
        assert row.joined_on is not None and row.branch is not None
        sort_key, search_name = name_keys(row.full_name)
        words.extend(
            dict(zip(WORD_COLUMNS, r, strict=True))
            for r in word_rows(row.member_id, row.member_id, sort_key[:400], search_name[:200])
        )
        members.append(
            {
                "member_id": row.member_id,
                "card_no": row.card_no,
                "full_name": row.full_name,
                "sort_key": sort_key[:400],
                "search_name": search_name[:200],
                "gender": str(row.gender),
                "birth_date": row.birth_date,
                "status": str(row.status),
                "home_unit_id": row.branch.pk,
                "exempt": row.exempt,
                "first_admitted_on": row.admitted_on,
                "admitted_on": row.admitted_on,
                "probation_from": row.admitted_on,
                "official_on": row.official_on,
                **row.profile,
            }
        )
        common: dict[str, Any] = {
            "member_id": row.member_id,
            "unit_id": row.branch.pk,
            "group_id": row.group.pk if row.group else None,
        }
        start = row.joined_on
        if row.official_on and row.official_on > start:
            spans.append(
                {
                    **common,
                    "status": MemberStatus.PROBATIONARY.value,
                    "valid_from": start,
                    "valid_to": row.official_on,
                }
            )
            start = row.official_on
        spans.append(
            {**common, "status": str(row.status), "exempt": row.exempt, "valid_from": start}
        )
        events.append(
            {
                "kind": MemberEventKind.IMPORT.value,
                "member_id": row.member_id,
                "effective_on": row.joined_on,
                "unit_id": row.branch.pk,
                "recorded_at": now,
                "details": {
                    "source": f"{file}, dòng {row.line}",
                    "status": str(row.status),
                    "exempt": row.exempt,
                    "admitted_on": _iso(row.admitted_on),
                    "official_on": _iso(row.official_on),
                    "joined_on": _iso(row.joined_on),
                    "group": row.group.code if row.group else None,
                },
            }
        )
    tally = [
        (
            span["valid_from"],
            span.get("valid_to", FAR_FUTURE),
            span["status"],
            span.get("exempt", False),
            False,
        )
        for span in spans
    ]
    return _Plan(
        members=_statement(Member, members),
        spans=_statement(MemberSpan, spans, by_member_id=True),
        events=_statement(MemberEvent, events, by_member_id=True),
        words=_statement(NameWord, words, by_member_id=True),
        vocabulary={w["word"] for w in words},
        tally=tally,
        tally_units=[span["unit_id"] for span in spans],
        units={span["unit_id"] for span in spans},
    )


def _write(
    plan: _Plan, progress: bool, on_progress: Callable[[int, int], None] | None = None
) -> None:
    """The inserts, inside the caller's transaction: the only part that holds the write lock."""
    count = len(plan.members.params)
    written = 0
    connection = connections[DEFAULT_DB_ALIAS]
    with progress_bar(plan.rows, "Ghi", progress) as bar:
        with connection.cursor() as cursor:
            keys = _member_keys(cursor, plan) if connection.vendor == "postgresql" else None
            for statement in (plan.members, plan.spans, plan.events, plan.words):
                for i in range(0, len(statement.params), BATCH):
                    batch = statement.params[i : i + BATCH]
                    if keys is None:
                        cursor.executemany(statement.sql, batch)
                    else:
                        copy_rows(cursor.cursor, *_keyed(statement, batch, keys))
                    bar.update(len(batch))
                    written += len(batch)
                    if on_progress is not None:
                        on_progress(count + count * written // (plan.rows + 1), 2 * count)
        add_search_words(plan.vocabulary)
        add_member_spans(plan.tally, units=plan.tally_units)
        refresh_derived(units=plan.units)
    if on_progress is not None:
        on_progress(2 * count, 2 * count)


def _member_keys(cursor: Any, plan: _Plan) -> dict[str, int]:
    """PostgreSQL: the new members' keys, taken from the table's sequence in one statement, by
    registry id. With them every row goes in by COPY: `executemany` sends an INSERT a row, and
    each of the other tables' rows looked its member's key up (PostgreSQL, national size:
    about half of a 20,000-member import)."""
    table = Member._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, len(plan.members.params)],
    )
    at = plan.members.columns.index("member_id")
    ids = [row[0] for row in cursor.fetchall()]
    return {row[at]: pk for row, pk in zip(plan.members.params, ids, strict=True)}


def _keyed(
    statement: _Statement, rows: list[list[Any]], keys: dict[str, int]
) -> tuple[str, list[str], list[list[Any]]]:
    """The table, columns and values of a COPY of these rows, with the members' keys: as the
    members' own `id`, or in place of the registry id the INSERT would have looked up."""
    if statement.member_at is None:
        at = statement.columns.index("member_id")
        return statement.table, ["id", *statement.columns], [[keys[r[at]], *r] for r in rows]
    at = statement.member_at
    return (
        statement.table,
        statement.columns,
        [[*r[:at], keys[r[at]], *r[at + 1 :]] for r in rows],
    )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
