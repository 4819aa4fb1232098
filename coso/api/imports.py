"""Imports of units and members from a CSV/xlsx file (the formats of `coso units import` and
`coso members import`).

The API runs the import synchronously, inside the request, and answers with the summary or
with every bad row (400 `row_errors`, nothing written). Browser imports go through the
background job of the pages (coso.web); an API client already waits for its answer and gets
the row errors in it, so a job and polling would only add a step. Large files may take a
while: 100 000 members take tens of seconds.
"""

from typing import Any

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile

from coso.api.common import require_action
from coso.api.members import WRITE_ERRORS
from coso.api.schemas import ImportOut
from coso.api.uploads import saved_upload
from coso.audit.log import Actor
from coso.authority.scope import Action, Scope
from coso.core.errors import RowError, RowErrors
from coso.core.tabular import Table, read_table, summary
from coso.members.imports import import_members
from coso.units.imports import import_units
from coso.units.models import Unit

router = Router(tags=["imports"])


def _out_of_scope(
    found: Scope, table: Table, columns: tuple[str, ...], action: Action, skip: set[str]
) -> list[RowError]:
    """Rows naming an existing unit the caller may not act on, reported as a missing unit."""
    cited: dict[str, list[tuple[int, str]]] = {}
    for row in table.rows:
        for column in columns:
            code = row.values.get(column, "").strip()
            if code and code not in skip:
                cited.setdefault(code, []).append((row.line, column))
    units = list(Unit.objects.filter(code__in=list(cited)))
    allowed = set(
        found.units(action).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True)
    )
    return [
        RowError(table.name, line, column, f"không có đơn vị mã «{unit.code}»")
        for unit in units
        if unit.pk not in allowed
        for line, column in cited[unit.code]
    ]


def _answer(report: Any) -> dict[str, Any]:
    return {
        "file": report.file,
        "rows": report.rows,
        "created": report.created,
        "seconds": round(report.seconds, 3),
        "summary": summary(report),
    }


@router.post(
    "/imports/units",
    response={200: ImportOut, **WRITE_ERRORS, 413: WRITE_ERRORS[400]},
    summary="Import units (columns code,name,kind,parent,valid_from,category)",
)
def post_units_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    found = require_action(request, Action.MANAGE_UNITS)
    with saved_upload(file) as path:
        if not found.is_admin:
            table = read_table(path)
            new_codes = {r.values.get("code", "").strip() for r in table.rows}
            errors = _out_of_scope(found, table, ("parent",), Action.MANAGE_UNITS, new_codes)
            errors += [
                RowError(table.name, r.line, "parent", "chỉ quản trị hệ thống tạo được đơn vị gốc")
                for r in table.rows
                if not r.values.get("parent", "").strip()
            ]
            if errors:
                raise RowErrors(sorted(errors, key=lambda e: (e.row, e.column)))
        report = import_units(path, progress=False, actor=Actor.of(request, unit=found.home_unit()))
    return _answer(report)


@router.post(
    "/imports/members",
    response={200: ImportOut, **WRITE_ERRORS, 413: WRITE_ERRORS[400]},
    summary="Import members (columns member_id,card_no,full_name,gender,birth_date,branch,...)",
)
def post_members_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    found = require_action(request, Action.MANAGE_MEMBERS)
    with saved_upload(file) as path:
        if not found.is_admin:
            table = read_table(path)
            errors = _out_of_scope(found, table, ("branch", "group"), Action.MANAGE_MEMBERS, set())
            if errors:
                raise RowErrors(sorted(errors, key=lambda e: (e.row, e.column)))
        report = import_members(
            path, progress=False, actor=Actor.of(request, unit=found.home_unit())
        )
    return _answer(report)
