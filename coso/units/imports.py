"""`coso units import FILE`: create a whole tree (or a part hung under existing units) at once.

Columns `code,name,kind,parent,valid_from,category`. Every row is checked before anything is
written and every error is reported; the write is one transaction, which starts only once the
file is checked (the write lock is held for the inserts alone). Parents may be existing
units or units anywhere in the file (rows are written parents first).

Category tags must be values of `UnitTag`: they feed the `branch_categories` figures, so a
misspelt tag would silently vanish from the counts. Tags are separated by `;` (`,` also works,
since Excel users type either) and compared lower-cased.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.checked_write import Changed, write_checked
from coso.core.dates import FAR_FUTURE, fmt, parse_date
from coso.core.errors import RowError, RowErrors
from coso.core.rules import rule
from coso.core.tabular import (
    ImportReport,
    Table,
    accept_headers,
    check_columns,
    column_code_key,
    import_facts,
    progress_bar,
    read_table,
    sort_errors,
    with_refusals,
)
from coso.stats.tally import refresh_days
from coso.units.models import (
    Unit,
    UnitEvent,
    UnitEventKind,
    UnitKind,
    UnitSpan,
    UnitTag,
    search_keys,
)
from coso.units.models import format_tags as _format_tags

REQUIRED = ("code", "name", "kind", "valid_from")
OPTIONAL = ("parent", "category")
# The headers of the downloadable template; a file may use them or the codes above.
HEADERS = {
    "code": "Mã đơn vị",
    "name": "Tên đơn vị",
    "kind": "Loại đơn vị",
    "parent": "Mã đơn vị cấp trên",
    "valid_from": "Ngày thành lập",
    "category": "Phân loại",
}
accept_headers(HEADERS)
BATCH = 2000
CHUNK = 900  # stays under SQLite's bound-parameter limit


@dataclass
class _Row:
    line: int
    code: str
    name: str
    kind: str
    parent: str
    valid_from: dt.date | None
    tags: list[str] = field(default_factory=list)
    ok: bool = True  # no error of its own: others may rely on its kind and date

    @property
    def day(self) -> dt.date:
        assert self.valid_from is not None, "only called on validated rows"
        return self.valid_from


def import_units(
    path: str | Path,
    *,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    actor: Actor | None = None,
    refuse: Sequence[RowError] = (),
) -> ImportReport:
    """Create the units of the file, or raise RowErrors listing every bad row (nothing written).

    The file is read and checked before the write transaction, which holds only the inserts;
    if the parents it names change in between (or a code is taken meanwhile), it is checked
    again. `refuse` holds errors the caller found (rows outside the user's scope): the file is
    refused with them and its own errors, before anything is written.
    `on_progress(done, total)` is called as rows are checked, then written (total: twice the rows).
    With an `actor`, the import's one audit entry is written in the same transaction.
    """
    started = time.monotonic()
    table = read_table(path)
    errors = check_columns(table, REQUIRED, OPTIONAL)
    if errors:
        raise RowErrors(with_refusals(errors, refuse))
    name = table.name

    def attempt() -> ImportReport:
        checked = _check(table, progress, on_progress, refuse)
        with transaction.atomic():
            parents = _existing_units(sorted(checked.db_parents))
            if _state(parents, _spans_of(list(parents.values()))) != checked.state:
                raise Changed
            created = _write_units(
                list(checked.by_code.values()),
                checked.by_code,
                checked.db_parents,
                checked.db_spans,
                name,
                progress,
            )
            if on_progress is not None:
                on_progress(2 * len(table.rows), 2 * len(table.rows))
            report = ImportReport(
                file=name,
                rows=len(table.rows),
                created={"đơn vị": created},
                seconds=time.monotonic() - started,
            )
            if actor is not None:
                record_write(
                    actor, AuditAction.IMPORT_UNITS, f"file:{name}", None, import_facts(report)
                )
        return report

    return write_checked(name, attempt)


@dataclass
class _Checked:
    by_code: dict[str, _Row]
    db_parents: dict[str, Unit]
    db_spans: dict[int, list[UnitSpan]]
    state: tuple[Any, ...]  # the parents as checked, compared again under the write lock


def _state(parents: dict[str, Unit], spans: dict[int, list[UnitSpan]]) -> tuple[Any, ...]:
    return tuple(
        (
            code,
            unit.pk,
            unit.valid_to,
            tuple((s.pk, s.valid_from, s.valid_to, s.kind, s.path) for s in spans.get(unit.pk, [])),
        )
        for code, unit in sorted(parents.items())
    )


def _check(
    table: Table,
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
    refuse: Sequence[RowError],
) -> _Checked:
    """Every row checked against the file and the database (read only, no lock held)."""
    name = table.name
    errors: list[RowError] = []
    rows: list[_Row] = []
    with progress_bar(len(table.rows), "Kiểm tra", progress) as bar:
        for done, raw in enumerate(table.rows, start=1):
            rows.append(_parse_row(name, raw.line, raw.values, errors))
            bar.update()
            if on_progress is not None:
                on_progress(done, 2 * len(table.rows))

    by_code: dict[str, _Row] = {}
    for row in rows:
        if not row.code:
            continue
        first = by_code.get(row.code)
        if first is not None:
            errors.append(
                _err(
                    name,
                    row,
                    "code",
                    _("mã «%(code)s» lặp lại (đã có ở dòng %(line)s)")
                    % {"code": row.code, "line": first.line},
                )
            )
            row.ok = False
        else:
            by_code[row.code] = row

    existing = _existing_units(list(by_code))
    for code in existing:
        row = by_code.pop(code)
        row.ok = False
        errors.append(
            _err(
                name,
                row,
                "code",
                _("mã «%(code)s» đã có trong cơ sở dữ liệu; mã không bao giờ được dùng lại")
                % {"code": code},
            )
        )
    parent_codes = {r.parent for r in rows if r.parent and r.parent not in by_code}
    db_parents = _existing_units(sorted(parent_codes))
    db_spans = _spans_of(list(db_parents.values()))

    for row in rows:
        _check_parent(name, row, by_code, db_parents, db_spans, errors)
    errors += _cycles(name, by_code)
    errors = with_refusals(errors, refuse)
    if errors:
        raise RowErrors(sort_errors(errors, table.columns))
    return _Checked(by_code, db_parents, db_spans, _state(db_parents, db_spans))


def _kind_code(text: str) -> str:
    """A kind by its code (`branch`) or its Vietnamese name (`Chi bộ trực thuộc`)."""
    with translation.override("vi"):
        names = {column_code_key(str(label)): value for value, label in UnitKind.choices}
    return names.get(column_code_key(text), text.lower())


def _err(file: str, row: _Row, column: str, reason: str) -> RowError:
    return RowError(file, row.line, column, reason)


def _parse_row(file: str, line: int, values: dict[str, str], errors: list[RowError]) -> _Row:
    row = _Row(
        line=line,
        code=values.get("code", ""),
        name=" ".join(values.get("name", "").split()),
        kind=_kind_code(values.get("kind", "")),
        parent=values.get("parent", ""),
        valid_from=None,
    )
    before = len(errors)
    if not row.code:
        errors.append(RowError(file, line, "code", _("mã đơn vị trống")))
    elif len(row.code) > 40:
        errors.append(RowError(file, line, "code", _("mã đơn vị dài quá 40 ký tự")))
    if not row.name:
        errors.append(RowError(file, line, "name", _("tên đơn vị trống")))
    elif len(row.name) > 300:
        errors.append(RowError(file, line, "name", _("tên đơn vị dài quá 300 ký tự")))
    if not row.kind:
        errors.append(RowError(file, line, "kind", _("loại đơn vị trống")))
    elif row.kind not in UnitKind.values:
        errors.append(
            RowError(
                file,
                line,
                "kind",
                _("loại đơn vị «%(kind)s» không tồn tại (các loại: %(kinds)s)")
                % {"kind": row.kind, "kinds": ", ".join(UnitKind.values)},
            )
        )
    try:
        row.valid_from = parse_date(values.get("valid_from", ""))
    except ValueError as exc:
        errors.append(RowError(file, line, "valid_from", str(exc)))
    raw_tags = values.get("category", "").replace(",", ";")
    row.tags = sorted({t.strip().lower() for t in raw_tags.split(";") if t.strip()})
    unknown = [t for t in row.tags if t not in UnitTag.values]
    if unknown:
        errors.append(
            RowError(
                file,
                line,
                "category",
                _("phân loại không tồn tại: %(tags)s (các phân loại: %(known)s)")
                % {"tags": ", ".join(unknown), "known": ", ".join(UnitTag.values)},
            )
        )
    row.ok = len(errors) == before
    return row


def _existing_units(codes: list[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for i in range(0, len(codes), CHUNK):
        for unit in Unit.objects.filter(code__in=codes[i : i + CHUNK]):
            found[unit.code] = unit
    return found


def _spans_of(units: list[Unit]) -> dict[int, list[UnitSpan]]:
    spans: dict[int, list[UnitSpan]] = {}
    ids = [u.pk for u in units]
    for i in range(0, len(ids), CHUNK):
        for span in UnitSpan.objects.filter(unit_id__in=ids[i : i + CHUNK]).order_by("valid_from"):
            spans.setdefault(span.unit_id, []).append(span)
    return spans


def span_valid_on(spans: list[UnitSpan], day: dt.date) -> UnitSpan | None:
    for span in spans:
        if span.valid_from <= day < span.valid_to:
            return span
    return None


def _check_kind(
    file: str, row: _Row, parent_kind: str | None, parent_code: str, errors: list[RowError]
) -> None:
    assert row.valid_from is not None
    if parent_kind is None:
        roots = rule("unit_kinds.root_kinds", row.valid_from)
        if row.kind not in roots:
            errors.append(
                _err(
                    file,
                    row,
                    "parent",
                    _(
                        "loại «%(kind)s» không thể là gốc của cây, cần có đơn vị cha "
                        "(loại gốc: %(roots)s)"
                    )
                    % {"kind": row.kind, "roots": ", ".join(roots)},
                )
            )
        return
    allowed = rule("unit_kinds.allowed_children", row.valid_from).get(parent_kind, [])
    if row.kind not in allowed:
        errors.append(
            _err(
                file,
                row,
                "kind",
                _(
                    "loại «%(kind)s» không được đặt dưới «%(parent)s» (loại «%(parent_kind)s») "
                    "vào ngày %(day)s (được phép: %(allowed)s)"
                )
                % {
                    "kind": row.kind,
                    "parent": parent_code,
                    "parent_kind": parent_kind,
                    "day": fmt(row.valid_from),
                    "allowed": ", ".join(allowed) or _("không có"),
                },
            )
        )


def _check_parent(
    file: str,
    row: _Row,
    by_code: dict[str, _Row],
    db_parents: dict[str, Unit],
    db_spans: dict[int, list[UnitSpan]],
    errors: list[RowError],
) -> None:
    if not row.ok or row.valid_from is None or by_code.get(row.code) is not row:
        return  # its own errors are reported; judging its parent would guess
    day = row.valid_from
    if not row.parent:
        _check_kind(file, row, None, "", errors)
        return
    if row.parent == row.code:
        errors.append(_err(file, row, "parent", _("đơn vị không thể là cha của chính nó")))
        return
    in_file = by_code.get(row.parent)
    if in_file is not None:
        if not in_file.ok or in_file.valid_from is None:
            return  # the parent's row has errors of its own
        if in_file.valid_from > day:
            errors.append(
                _err(
                    file,
                    row,
                    "parent",
                    _(
                        "đơn vị cha «%(parent)s» chưa tồn tại vào ngày %(day)s "
                        "(thành lập ngày %(start)s, dòng %(line)s)"
                    )
                    % {
                        "parent": row.parent,
                        "day": fmt(day),
                        "start": fmt(in_file.valid_from),
                        "line": in_file.line,
                    },
                )
            )
            return
        _check_kind(file, row, in_file.kind, row.parent, errors)
        return
    parent = db_parents.get(row.parent)
    if parent is None:
        errors.append(
            _err(
                file,
                row,
                "parent",
                _("không có đơn vị cha «%(parent)s» (trong tệp hay trong cơ sở dữ liệu)")
                % {"parent": row.parent},
            )
        )
        return
    span = span_valid_on(db_spans.get(parent.pk, []), day)
    if span is None:
        errors.append(
            _err(
                file,
                row,
                "parent",
                _("đơn vị cha «%(parent)s» không tồn tại vào ngày %(day)s")
                % {"parent": row.parent, "day": fmt(day)},
            )
        )
        return
    if parent.valid_to != FAR_FUTURE:
        errors.append(
            _err(
                file,
                row,
                "parent",
                _("đơn vị cha «%(parent)s» đã kết thúc ngày %(day)s")
                % {"parent": row.parent, "day": fmt(parent.valid_to)},
            )
        )
        return
    if span.valid_to != FAR_FUTURE:
        # History is appended in date order: a child dated before the parent's latest change
        # would carry a path or a parent that is no longer true after that change.
        errors.append(
            _err(
                file,
                row,
                "valid_from",
                _(
                    "đơn vị cha «%(parent)s» có thay đổi ngày %(change)s, sau ngày %(day)s; "
                    "chỉ thêm được đơn vị con từ ngày %(change)s trở đi"
                )
                % {"parent": row.parent, "change": fmt(span.valid_to), "day": fmt(day)},
            )
        )
        return
    _check_kind(file, row, span.kind, row.parent, errors)


def _cycles(file: str, by_code: dict[str, _Row]) -> list[RowError]:
    """Rows whose parent chain inside the file comes back to themselves."""
    errors: list[RowError] = []
    state: dict[str, int] = {}  # 1 = on the current chain, 2 = settled
    for start in by_code:
        chain: list[str] = []
        code: str | None = start
        while code is not None and code in by_code and state.get(code) is None:
            state[code] = 1
            chain.append(code)
            parent = by_code[code].parent
            code = parent if parent and parent != code else None
        if code is not None and state.get(code) == 1:
            loop = chain[chain.index(code) :]
            text = " → ".join([*loop, code])
            errors += [
                _err(file, by_code[c], "parent", _("vòng lặp cha–con: %(loop)s") % {"loop": text})
                for c in loop
            ]
        for c in chain:
            state[c] = 2
    return errors


def _write_units(
    rows: list[_Row],
    by_code: dict[str, _Row],
    db_parents: dict[str, Unit],
    db_spans: dict[int, list[UnitSpan]],
    file: str,
    progress: bool,
) -> int:
    rows = _parents_first(rows, by_code)
    batch = str(uuid.uuid4())
    with progress_bar(len(rows) * 3, "Ghi", progress) as bar:
        units: dict[str, Unit] = {}
        new_units = [Unit(code=r.code, valid_from=r.day) for r in rows]
        for i in range(0, len(new_units), BATCH):
            Unit.objects.bulk_create(new_units[i : i + BATCH])
            bar.update(len(new_units[i : i + BATCH]))
        units = {u.code: u for u in new_units}

        def parent_unit(row: _Row) -> Unit | None:
            if not row.parent:
                return None
            return units.get(row.parent) or db_parents[row.parent]

        events = [
            UnitEvent(
                kind=UnitEventKind.CREATE,
                unit=units[r.code],
                other=parent_unit(r),
                effective_on=r.day,
                batch=batch,
                details={
                    "name": r.name,
                    "kind": r.kind,
                    "tags": r.tags,
                    "source": f"{file}, dòng {r.line}",
                },
            )
            for r in rows
        ]
        for i in range(0, len(events), BATCH):
            UnitEvent.objects.bulk_create(events[i : i + BATCH])
            bar.update(len(events[i : i + BATCH]))

        placed: dict[str, tuple[str, int]] = {}  # code -> (path, depth) of the new span
        spans: list[UnitSpan] = []
        for row, event in zip(rows, events, strict=True):
            assert row.valid_from is not None
            unit = units[row.code]
            if not row.parent:
                path, depth = f"/{unit.pk}/", 0
            elif row.parent in placed:
                parent_path, parent_depth = placed[row.parent]
                path, depth = f"{parent_path}{unit.pk}/", parent_depth + 1
            else:
                span = span_valid_on(db_spans[db_parents[row.parent].pk], row.valid_from)
                assert span is not None
                path, depth = f"{span.path}{unit.pk}/", span.depth + 1
            placed[row.code] = (path, depth)
            spans.append(
                UnitSpan(
                    unit=unit,
                    valid_from=row.valid_from,
                    name=row.name,
                    kind=row.kind,
                    parent=parent_unit(row),
                    path=path,
                    depth=depth,
                    tags=_format_tags(row.tags),
                    event=event,
                    search_name=search_keys(row.name)[0],
                    search_key=search_keys(row.name)[1],
                )
            )
        for i in range(0, len(spans), BATCH):
            UnitSpan.objects.bulk_create(spans[i : i + BATCH])
            bar.update(len(spans[i : i + BATCH]))
    refresh_days({r.valid_from for r in rows if r.valid_from is not None})
    return len(rows)


def _parents_first(rows: list[_Row], by_code: dict[str, _Row]) -> list[_Row]:
    """Rows ordered so that a parent in the file comes before its children (no cycles here)."""
    depth: dict[str, int] = {}
    for row in rows:
        chain = []
        code = row.code
        while code in by_code and code not in depth:
            chain.append(code)
            code = by_code[code].parent
        base = depth.get(code, -1) if code in by_code else -1
        for c in reversed(chain):
            base += 1
            depth[c] = base
    return sorted(rows, key=lambda r: (depth[r.code], r.line))
