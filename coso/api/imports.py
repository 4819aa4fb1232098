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

from coso.api.common import caller, require_action
from coso.api.members import WRITE_ERRORS
from coso.api.schemas import ImportOut
from coso.api.uploads import saved_upload
from coso.audit.log import Actor
from coso.authority.scope import Action, FileKind, file_scope_errors
from coso.core.errors import RowErrors
from coso.core.tabular import read_table, summary
from coso.members.imports import import_members
from coso.units.imports import import_units

router = Router(tags=["imports"])


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
        errors = file_scope_errors(caller(request), read_table(path), FileKind.UNITS)
        if errors:
            raise RowErrors(errors)
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
        errors = file_scope_errors(caller(request), read_table(path), FileKind.MEMBERS)
        if errors:
            raise RowErrors(errors)
        report = import_members(
            path, progress=False, actor=Actor.of(request, unit=found.home_unit())
        )
    return _answer(report)
