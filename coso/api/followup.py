"""API of the follow-through of directives (same scopes as the pages, coso.followup.access).

Directives are registered and cascaded by those holding MANAGE_DIRECTIVES on the registering
unit (organization officers); a cascade can be a dry run (the preview: units per kind, those
already holding a record, the due dates). Implementation records are listed for a unit's
subtree; a step is reported by whoever holds MANAGE_ACTIVITIES on its unit. Out of scope: 404.
Refusals of the operations answer 409 `refused`; the operations write their own audit entries.
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Path, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import File, Query
from pydantic import Field

from coso.api.common import MAX_PAGE_SIZE, PAGE_SIZE, Day, Pages, caller, require_manager
from coso.api.errors import ApiError
from coso.api.schemas import ErrorOut
from coso.audit.log import Actor
from coso.authority.scope import Action, get_unit_for_user
from coso.core.dates import today
from coso.core.files import too_large
from coso.core.rules import rule
from coso.followup import operations as ops
from coso.followup.access import (
    attachment_response,
    get_directive_for_user,
    get_role_unit,
    get_step_for_user,
)
from coso.followup.models import Directive, DocumentKind, Implementation, Step, StepKind
from coso.followup.queries import KINDS, STATES, RecordPages, directives_for, tracking
from coso.meetings.models import Meeting
from coso.units.models import UnitKind

router = Router(tags=["directives"])

ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
UnitCode = Annotated[str, Path(max_length=40, pattern=r"^[^\x00]+$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00]+$")]
Text = Annotated[str, Field(max_length=300, pattern=r"^[^\x00]*$")]
LongText = Annotated[str, Field(max_length=20_000, pattern=r"^[^\x00]*$")]

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


# --- bodies ---------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    sha256: str


class DirectiveOut(Schema):
    id: int
    owner: str = Field(description="code of the unit that registered it")
    kind: DocumentKind
    kind_label: str
    number: str
    issued_on: dt.date
    issuer: str
    title: str
    summary: str
    attachments: list[AttachmentOut] = []


class DirectiveIn(Schema):
    owner: Code = Field(description="the registering unit (MANAGE_DIRECTIVES needed on it)")
    kind: DocumentKind
    number: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00]+$")]
    issued_on: Day
    issuer: Text
    title: Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00]+$")]
    summary: LongText = ""


class CascadeIn(Schema):
    root: Code = Field(description="cascade below this unit (itself included when of a kind)")
    kinds: list[UnitKind] = Field(min_length=1, max_length=len(UnitKind.values))
    on: Day = Field(description="the cascade's day: the tree of that day, due dates from it")
    study_days: int | None = Field(None, ge=1, le=3650, description="default: rule set")
    plan_days: int | None = Field(None, ge=1, le=3650)
    report_every_months: int | None = Field(None, ge=1, le=120)
    reports: int | None = Field(None, ge=0, le=ops.MAX_REPORTS)
    skip_existing: bool = Field(False, description="leave units already holding a record")
    dry_run: bool = Field(False, description="only the preview; nothing is written")


class DueOut(Schema):
    kind: StepKind
    seq: int
    due: dt.date


class CascadeOut(Schema):
    applied: bool
    root: str
    kinds: list[str]
    on: dt.date
    per_kind: dict[str, int]
    total: int
    existing: int
    existing_examples: list[str]
    new: int
    dues: list[DueOut]
    implementations: int = 0
    steps: int = 0


class StepOut(Schema):
    id: int
    kind: StepKind
    seq: int
    due: dt.date
    done_on: dt.date | None
    state: str = Field(description="done, late, overdue or pending (today)")
    note: str
    meeting_id: int | None


class ImplementationOut(Schema):
    id: int
    directive: int
    number: str
    unit: str
    cascaded_on: dt.date
    steps: list[StepOut]


class StepIn(Schema):
    done_on: Day | None = Field(None, description="default: the meeting's day when one is named")
    note: LongText = ""
    meeting_id: int | None = Field(None, ge=1, le=2**63 - 1, description="study sessions only")


class CountsOut(Schema):
    done: int
    late: int
    overdue: int
    pending: int


class TrackingRowOut(Schema):
    unit: str
    name: str
    own: bool
    units: int
    overdue_units: int
    steps: dict[str, CountsOut]


class TrackingOut(Schema):
    directive: int
    unit: str
    on: dt.date
    rows: list[TrackingRowOut]
    total: TrackingRowOut


class ImplementationFilter(Schema):
    directive: int | None = Field(None, ge=1, le=2**63 - 1)


# --- shaping --------------------------------------------------------------------------------


def directive_out(directive: Directive, *, with_files: bool = False) -> dict[str, Any]:
    return {
        "id": directive.pk,
        "owner": directive.owner.code,
        "kind": directive.kind,
        "kind_label": str(DocumentKind(directive.kind).label),
        "number": directive.number,
        "issued_on": directive.issued_on,
        "issuer": directive.issuer,
        "title": directive.title,
        "summary": directive.summary,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "file_type": a.file_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in directive.attachments.order_by("pk")
        ]
        if with_files
        else [],
    }


def step_out(step: Step, day: dt.date) -> dict[str, Any]:
    return {
        "id": step.pk,
        "kind": step.kind,
        "seq": step.seq,
        "due": step.due,
        "done_on": step.done_on,
        "state": step.state_on(day),
        "note": step.note,
        "meeting_id": step.meeting_id,
    }


def implementation_out(record: Implementation, day: dt.date) -> dict[str, Any]:
    return {
        "id": record.pk,
        "directive": record.directive_id,
        "number": record.directive.number,
        "unit": record.unit.code,
        "cascaded_on": record.cascaded_on,
        "steps": [step_out(s, day) for s in record.steps.all()],
    }


class _Page:
    """A lazily sliced queryset (or anything counted and sliced like one) shaped item by item
    (only the page asked is read)."""

    def __init__(self, rows: QuerySet[Any] | RecordPages, shape: Any) -> None:
        self.rows = rows
        self.shape = shape

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.shape(row) for row in self.rows[item]]


# --- directives -----------------------------------------------------------------------------


@router.get(
    "/directives",
    response={200: list[DirectiveOut], **READ_ERRORS},
    summary="Directives registered or cascaded within the caller's scope (newest first)",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_directives(request: HttpRequest) -> Any:
    scope = require_manager(request)
    return _Page(directives_for(scope.unit_ids(Action.VIEW)), directive_out)


@router.post(
    "/directives",
    response={201: DirectiveOut, **WRITE_ERRORS},
    summary="Register a document from a higher level at a unit (organization officers)",
)
def create_directive(request: HttpRequest, payload: DirectiveIn) -> Status[dict[str, Any]]:
    owner = get_unit_for_user(caller(request), payload.owner, Action.MANAGE_DIRECTIVES)
    directive = ops.register_directive(
        owner=owner,
        kind=payload.kind,
        number=payload.number,
        issued_on=payload.issued_on,
        issuer=payload.issuer,
        title=payload.title,
        summary=payload.summary,
        actor=Actor.of(request, unit=owner),
    )
    return Status(201, directive_out(directive, with_files=True))


@router.get(
    "/directives/{directive_id}",
    response={200: DirectiveOut, **READ_ERRORS},
    summary="A directive with its files (metadata)",
)
def get_directive(request: HttpRequest, directive_id: ObjectId) -> dict[str, Any]:
    directive = get_directive_for_user(caller(request), directive_id)
    return directive_out(directive, with_files=True)


@router.post(
    "/directives/{directive_id}/attachments",
    response={201: AttachmentOut, 413: ErrorOut, **WRITE_ERRORS},
    summary="Attach a file to a directive (pdf, docx, xlsx, images; checked by structure)",
)
def post_attachment(
    request: HttpRequest, directive_id: ObjectId, file: UploadedFile = File(...)
) -> Status[dict[str, Any]]:
    directive = get_directive_for_user(caller(request), directive_id, Action.MANAGE_DIRECTIVES)
    limit = int(rule("meetings.upload_max_bytes", today()))
    if file.size is not None and file.size > limit:
        raise ApiError(413, "too_large", too_large(file.name or "", file.size, limit))
    attachment = ops.attach_file(
        directive, name=file.name or "", data=file.read(), actor=Actor.of(request)
    )
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.name,
            "file_type": attachment.file_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@router.get(
    "/directive-files/{attachment_id}",
    response={200: None, **READ_ERRORS},
    summary="Download a directive's file (for whoever may see the directive)",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as an attachment",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_attachment(request: HttpRequest, attachment_id: ObjectId) -> FileResponse:
    return attachment_response(caller(request), attachment_id)


@router.post(
    "/directives/{directive_id}/cascade",
    response={200: CascadeOut, **WRITE_ERRORS},
    summary="Cascade a directive to the units of some kinds in a subtree (or only preview it)",
)
def cascade(request: HttpRequest, directive_id: ObjectId, payload: CascadeIn) -> dict[str, Any]:
    who = caller(request)
    directive = get_directive_for_user(who, directive_id, Action.MANAGE_DIRECTIVES)
    root = get_unit_for_user(who, payload.root, Action.MANAGE_DIRECTIVES)
    base = ops.Terms.default(payload.on)
    terms = ops.Terms(
        payload.study_days or base.study_days,
        payload.plan_days or base.plan_days,
        payload.report_every_months or base.report_every_months,
        base.reports if payload.reports is None else payload.reports,
    )
    kinds = [str(k) for k in payload.kinds]
    preview = ops.preview_cascade(directive, root, kinds, payload.on, terms)
    answer: dict[str, Any] = {**preview.as_dict(), "applied": False}
    if payload.dry_run:
        return answer
    result = ops.cascade_directive(
        directive,
        root,
        kinds,
        payload.on,
        terms,
        skip_existing=payload.skip_existing,
        actor=Actor.of(request, unit=root),
    )
    answer.update(
        {"applied": True, "implementations": result.implementations, "steps": result.steps}
    )
    return answer


@router.get(
    "/directives/{directive_id}/tracking/{code}",
    response={200: TrackingOut, **READ_ERRORS},
    summary="Completion of each step per child unit of a unit (overdue units first)",
)
def get_tracking(request: HttpRequest, directive_id: ObjectId, code: UnitCode) -> dict[str, Any]:
    who = caller(request)
    directive = get_directive_for_user(who, directive_id)
    unit = get_role_unit(who, code)
    report = tracking(directive, unit)

    def row(r: Any) -> dict[str, Any]:
        return {
            "unit": r.code,
            "name": r.name,
            "own": r.own,
            "units": r.units,
            "overdue_units": r.overdue_units,
            "steps": {k: {s: r.steps[k].counts[s] for s in STATES} for k in KINDS},
        }

    return {
        "directive": directive.pk,
        "unit": unit.code,
        "on": report.day,
        "rows": [row(r) for r in report.rows],
        "total": row(report.total),
    }


# --- implementation records -----------------------------------------------------------------


@router.get(
    "/units/{code}/implementations",
    response={200: list[ImplementationOut], **READ_ERRORS},
    summary=(
        "Implementation records of the units in a unit's subtree today, with their steps "
        "(newest document first, then by unit id)"
    ),
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_implementations(
    request: HttpRequest, code: UnitCode, filters: ImplementationFilter = Query(...)
) -> Any:
    unit = get_role_unit(caller(request), code)
    day = today()
    return _Page(RecordPages(unit, day, filters.directive), lambda r: implementation_out(r, day))


@router.post(
    "/steps/{step_id}/report",
    response={200: StepOut, **WRITE_ERRORS},
    summary="Report a step done (a study session may name the unit's held meeting)",
)
def report_step(request: HttpRequest, step_id: ObjectId, payload: StepIn) -> dict[str, Any]:
    step = get_step_for_user(caller(request), step_id, Action.MANAGE_ACTIVITIES)
    meeting = None
    if payload.meeting_id is not None:
        meeting = Meeting.objects.filter(
            pk=payload.meeting_id, unit_id=step.implementation.unit_id
        ).first()
        if meeting is None:
            from coso.api.errors import field_error

            raise field_error("meeting_id", "Không tìm thấy cuộc họp của đơn vị này.")
    saved = ops.report_step(
        step, done_on=payload.done_on, note=payload.note, meeting=meeting, actor=Actor.of(request)
    )
    return step_out(saved, today())
