"""Reorganization plans: upload a plan file, dry-run it or apply it (all or nothing)."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile

from coso.api.common import Day, caller, require_action, scope
from coso.api.members import WRITE_ERRORS
from coso.api.schemas import PlanOut
from coso.api.uploads import saved_upload
from coso.audit.log import Actor
from coso.authority.scope import Action, FileKind, file_scope_errors
from coso.core.errors import RowErrors
from coso.core.tabular import read_table
from coso.units.plans import apply_plan

router = Router(tags=["reorganization"])


@router.post(
    "/reorg/plans",
    response={200: PlanOut, **WRITE_ERRORS, 413: WRITE_ERRORS[400]},
    summary="Dry-run or apply a reorganization plan (columns op,unit,into,name,kind,category)",
)
def post_plan(
    request: HttpRequest,
    file: File[UploadedFile],
    on: Form[Day],
    decision: Form[str] = "",
    decision_date: Form[Day | None] = None,
    dry_run: Form[bool] = True,
) -> dict[str, Any]:
    """`dry_run` (the default) applies the plan and rolls it back: the report is exactly what
    applying would do. Bad rows answer 400 `row_errors`, and nothing is written."""
    require_action(request, Action.MANAGE_UNITS)
    with saved_upload(file) as path:
        errors = file_scope_errors(caller(request), read_table(path), FileKind.PLAN)
        if errors:
            raise RowErrors(errors)
        report = apply_plan(
            path,
            on=on,
            decision_number=decision,
            decision_date=decision_date,
            dry_run=dry_run,
            progress=False,
            actor=Actor.of(request, unit=scope(request).home_unit()),
        )
    return {
        "file": report.file,
        "on": report.on,
        "decision": report.decision,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "created": report.created,
        "renamed": report.renamed,
        "retyped": report.retyped,
        "retagged": report.retagged,
        "moved": report.moved,
        "merged": report.merged,
        "ended": report.ended,
        "members_rehomed": report.members_rehomed,
        "lines": report.lines,
        "summary": report.summary(),
    }
