"""Proposals and decisions: list and read them, decide one (the same reads and operation as the
pages: coso.authority.queries and coso.authority.proposals).

A proposal out of the caller's scope answers 404, as does deciding one the caller may not decide
for; a refusal by the rules answers 409 and nothing is written (the proposal stays pending).
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import File, Query
from pydantic import Field

from coso.api.common import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Day,
    Pages,
    caller,
    decision_out,
    require_manager,
)
from coso.api.errors import ApiError, field_error
from coso.api.members import WRITE_ERRORS
from coso.api.schemas import DecisionOut, ErrorOut
from coso.authority import proposals as ops
from coso.authority import queries
from coso.authority.models import Proposal, ProposalDocument, ProposalStatus
from coso.authority.scope import Action, get_unit_for_user
from coso.core.files import too_large

router = Router(tags=["proposals"])

ProposalId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["pending", "approved", "rejected", "returned"]
Outcome = Literal["approved", "rejected", "returned"]

READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ResolutionOut(Schema):
    number: str
    adopted_on: dt.date
    votes_for: int
    votes_against: int
    votes_abstain: int
    note: str
    proposed_on: dt.date = Field(description="the effective date the proposing body asks for")


class EventOut(Schema):
    kind: str
    kind_label: str
    at: dt.datetime
    user: str
    channel: str
    note: str
    details: dict[str, Any]


class ProposalOut(Schema):
    id: int
    act: str
    act_title: str
    member: str | None = Field(None, description="the member's number (acts on a member)")
    member_name: str | None = None
    unit: str | None = Field(None, description="the unit's code (acts on a unit)")
    params: dict[str, Any] = Field(description="the act's fields as proposed")
    proposer: str
    decider: str = Field(description="code of the competent committee")
    source: str
    status: Status
    status_label: str
    filed_by: str | None
    filed_at: dt.datetime
    due_on: dt.date
    overdue: bool
    resolution: ResolutionOut
    decision: DecisionOut | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decided_on: dt.date | None = None
    reason: str
    result: str = Field(description="what the act created or changed, once approved")


class DocumentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str


class ProposalDetailOut(ProposalOut):
    history: list[EventOut]
    documents: list[DocumentOut]


class ProposalFilter(Schema):
    unit: str | None = Field(
        None, max_length=40, pattern=r"^[^\x00]+$", description="proposed by or to this unit"
    )
    status: Status | None = None


class DecideIn(Schema):
    outcome: Outcome
    decision_number: str = Field("", max_length=120)
    on: Day
    reason: str = Field("", max_length=2000)


def proposal_out(proposal: Proposal, user: Any) -> dict[str, Any]:
    member = proposal.member
    return {
        "id": proposal.pk,
        "act": proposal.act,
        "act_title": proposal.act_title,
        "member": member.member_id if member else None,
        "member_name": member.full_name if member else None,
        "unit": proposal.unit.code if proposal.unit else None,
        "params": queries.shown_params(user, proposal),
        "proposer": proposal.proposer.code,
        "decider": proposal.decider.code,
        "source": proposal.source,
        "status": proposal.status,
        "status_label": str(ProposalStatus(proposal.status).label),
        "filed_by": proposal.filed_by.get_username() if proposal.filed_by else None,
        "filed_at": proposal.filed_at,
        "due_on": proposal.due_on,
        "overdue": proposal.overdue,
        "resolution": {
            "number": proposal.resolution_number,
            "adopted_on": proposal.adopted_on,
            "votes_for": proposal.votes_for,
            "votes_against": proposal.votes_against,
            "votes_abstain": proposal.votes_abstain,
            "note": proposal.note,
            "proposed_on": proposal.proposed_on,
        },
        "decision": decision_out(proposal.decision),
        "decided_by": proposal.decided_by.get_username() if proposal.decided_by else None,
        "decided_at": proposal.decided_at,
        "decided_on": proposal.decided_on,
        "reason": proposal.reason,
        "result": proposal.result,
    }


def proposal_detail_out(proposal: Proposal, user: Any) -> dict[str, Any]:
    return proposal_out(proposal, user) | {
        "history": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "at": e.at,
                "user": e.username,
                "channel": e.channel,
                "note": e.note,
                "details": e.details,
            }
            for e in queries.history(proposal)
        ],
        "documents": [document_out(d) for d in proposal.documents.all()],
    }


def document_out(document: ProposalDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.name,
        "file_type": document.file_type,
        "size": document.size,
        "sha256": document.sha256,
        "uploaded_at": document.uploaded_at,
        "url": f"/api/v1/proposals/{document.proposal_id}/documents/{document.pk}",
    }


class _Page:
    """A lazily sliced queryset shaped item by item (only the page asked is read)."""

    def __init__(self, rows: Any, user: Any) -> None:
        self.rows = rows
        self.user = user

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [proposal_out(row, self.user) for row in self.rows[item]]


@router.get(
    "/proposals",
    response={200: list[ProposalOut], **READ_ERRORS},
    summary="Proposals the caller may see, newest first (by proposing or deciding unit, status)",
)
@paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_proposals(request: HttpRequest, filters: ProposalFilter = Query(...)) -> Any:
    require_manager(request)
    user = caller(request)
    rows = queries.proposals_visible_to(user)
    if filters.unit:
        unit = get_unit_for_user(user, filters.unit, Action.VIEW)
        rows = rows.filter(Q(proposer=unit) | Q(decider=unit))
    if filters.status:
        rows = rows.filter(status=filters.status)
    return _Page(rows.order_by("-filed_at", "-pk"), user)


@router.get(
    "/proposals/{proposal_id}",
    response={200: ProposalDetailOut, **READ_ERRORS},
    summary="A proposal: what, who proposes and decides, the resolution, deadline, history",
)
def get_proposal(request: HttpRequest, proposal_id: ProposalId) -> dict[str, Any]:
    require_manager(request)
    user = caller(request)
    return proposal_detail_out(queries.get_proposal_for_user(user, proposal_id), user)


@router.post(
    "/proposals/{proposal_id}/decide",
    response={200: ProposalDetailOut, **WRITE_ERRORS},
    summary="Decide a pending proposal: approve (the act takes effect), reject or return it",
)
def decide_proposal(
    request: HttpRequest, proposal_id: ProposalId, payload: DecideIn
) -> dict[str, Any]:
    require_manager(request)
    user = caller(request)
    proposal = queries.get_proposal_for_user(user, proposal_id)
    if not ops.can_decide(user, proposal):
        raise Http404("Không tìm thấy đề nghị.")
    if payload.outcome == "approved" and not payload.decision_number.strip():
        raise field_error("decision_number", "Cần số quyết định để chấp thuận.")
    if payload.outcome != "approved" and not payload.reason.strip():
        raise field_error("reason", "Cần ghi lý do không chấp thuận hoặc trả lại.")
    try:
        decided = ops.decide_proposal(
            proposal,
            outcome=payload.outcome,
            decision_number=payload.decision_number,
            on=payload.on,
            reason=payload.reason,
            user=user,
            actor=request,
            channel="api",
        )
    except PermissionError:
        raise Http404("Không tìm thấy đề nghị.") from None
    return proposal_detail_out(queries.get_proposal_for_user(user, decided.pk), user)


@router.post(
    "/proposals/{proposal_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS, 413: ErrorOut},
    summary="Attach a file to a proposal (the proposing body, while it waits or was sent back)",
)
def post_proposal_document(
    request: HttpRequest, proposal_id: ProposalId, file: UploadedFile = File(...)
) -> HttpStatus[dict[str, Any]]:
    require_manager(request)
    user = caller(request)
    proposal = queries.get_proposal_for_user(user, proposal_id)
    if not ops.may_propose_for(user, proposal):
        raise Http404("Không tìm thấy đề nghị.")
    limit = ops.attachment_max_bytes()
    if file.size is not None and file.size > limit:
        raise ApiError(413, "too_large", too_large(file.name or "", file.size, limit))
    try:
        document = ops.attach_document(
            proposal, name=file.name or "", data=file.read(), user=user, actor=request
        )
    except PermissionError:
        raise Http404("Không tìm thấy đề nghị.") from None
    return HttpStatus(201, document_out(document))


@router.get(
    "/proposals/{proposal_id}/documents/{document_id}",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="Download a file of a proposal (to those who may see the proposal)",
)
def get_proposal_document(
    request: HttpRequest, proposal_id: ProposalId, document_id: ProposalId
) -> Any:
    require_manager(request)
    user = caller(request)
    proposal = queries.get_proposal_for_user(user, proposal_id)
    return ops.document_response(user, proposal, document_id)
