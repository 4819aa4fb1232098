"""Proposals and decisions: a body proposes an act, the competent committee decides it.

Filing changes nothing about the subject: the member stays in the rolls, counted as before,
until the decision. The act is rehearsed at filing (run and rolled back) so that a proposal the
rules would refuse is refused at once, with the rule's message. Approval runs the act through
the operation catalogue in the decision's own transaction; if the rules refuse it then, nothing
is written and the proposal stays pending. Every step appends an event to the proposal's
history and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.http import FileResponse, Http404
from django.utils import timezone

from coso.audit.log import AuditAction, describe_target, record_write
from coso.authority import catalogue
from coso.authority.forms import OperationForm
from coso.authority.models import (
    Proposal,
    ProposalDocument,
    ProposalEvent,
    ProposalEventKind,
    ProposalStatus,
)
from coso.authority.resolution import Resolution
from coso.authority.rules import Authority, decision_working_days
from coso.authority.scope import Action, scope_of
from coso.core.dates import add_working_days, today
from coso.core.errors import CosoError
from coso.core.files import CONTENT_TYPES, check_file, stored_path, write_new
from coso.core.models import get_decision
from coso.core.rules import rule
from coso.members.models import Member
from coso.units.models import Unit

# The rehearsal at filing needs a decision to satisfy the act; it is rolled back with the rest.
REHEARSAL_DECISION = "(thử đề nghị)"
# Fields of an act that only those who may see sensitive data see (and the audit never keeps).
SENSITIVE_PARAMS = frozenset({"national_id", "ethnicity", "religion", "illness_months"})
OUTCOMES = (ProposalStatus.APPROVED, ProposalStatus.REJECTED, ProposalStatus.RETURNED)


def _key_of(act: str, params: Mapping[str, Any]) -> str:
    """Which one of the act's possible objects a proposal on a unit is about."""
    name = {"admit": "member_id", "create": "code"}.get(act)
    return str(params.get(name) or "").strip()[:60] if name else ""


def _subject_filter(subject: Member | Unit) -> dict[str, Any]:
    return {"member": subject} if isinstance(subject, Member) else {"unit": subject}


def _subject_label(subject: Member | Unit) -> str:
    if isinstance(subject, Member):
        return f"{subject.full_name} ({subject.member_id})"
    return subject.code


def _refuse_duplicate(
    act: catalogue.Act, subject: Member | Unit, key: str, *, besides: int | None = None
) -> None:
    pending = Proposal.objects.filter(
        act=act.slug, key=key, status=ProposalStatus.PENDING, **_subject_filter(subject)
    )
    if besides is not None:
        pending = pending.exclude(pk=besides)
    found = pending.values_list("pk", flat=True).first()
    if found is not None:
        raise CosoError(
            f"Đã có đề nghị số {found} «{act.title}» cho «{_subject_label(subject)}» đang chờ "
            "quyết định."
        )


def _form_refusal(form: OperationForm) -> CosoError:
    """The form's first error, naming the field, as a refusal."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        text = " ".join(str(e) for e in errors)
        if name == "__all__":
            return CosoError(text)
        return CosoError(f"«{label}»: {text}")
    return CosoError("Dữ liệu của đề nghị không hợp lệ.")


def decision_form(
    act: catalogue.Act,
    params: Mapping[str, Any],
    *,
    on: dt.date,
    decision_number: str,
    user: Any,
    subject: Member | Unit,
) -> OperationForm:
    """The act's form as the decision applies it: the proposed fields, the decision's date as
    the effective date, its number. Validated; CosoError (naming the field) when invalid."""
    data = {**params, "on": on, "decision_number": decision_number, "decision_date": on}
    form = catalogue.bind(act, data, user=user, subject=subject, route=catalogue.Route.DIRECT)
    if not form.is_valid():
        raise _form_refusal(form)
    return form


def _rehearse(
    act: catalogue.Act, subject: Member | Unit, params: Mapping[str, Any], on: dt.date, user: Any
) -> None:
    """Run the act as a decision on `on` would, and roll it back: CosoError if refused."""
    try:
        with transaction.atomic():
            try:
                form = decision_form(
                    act,
                    params,
                    on=on,
                    decision_number=REHEARSAL_DECISION,
                    user=user,
                    subject=subject,
                )
                catalogue.execute(act, form, subject, actor=user)
            finally:
                transaction.set_rollback(True)
    finally:
        # The domain function changed the object in memory; the database was rolled back.
        subject.refresh_from_db()


def _append(
    proposal: Proposal,
    kind: ProposalEventKind,
    *,
    user: Any,
    channel: str,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> ProposalEvent:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return ProposalEvent.objects.create(
        proposal=proposal,
        kind=kind,
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        channel=channel[:10],
        note=note,
        details=details or {},
    )


def _safe(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in SENSITIVE_PARAMS}


def _due(day: dt.date) -> dt.date:
    return add_working_days(day, decision_working_days(day))


def file_proposal(
    act: str,
    subject: Member | Unit,
    params: dict[str, Any],
    *,
    authority: Authority,
    resolution: Resolution,
    user: Any,
    actor: Any,
    channel: str,
) -> Proposal:
    """File `act` on `subject` with `params` (the act's form fields as typed, JSON) for the
    competent body `authority.decider`; returns the Proposal. Nothing about the subject changes.

    Refused (CosoError) when the same act on the same subject is already pending, or when the
    rules would refuse the act on the proposed date."""
    entry = catalogue.ACTS[act]
    key = _key_of(act, params)
    day = today()
    with transaction.atomic():
        _refuse_duplicate(entry, subject, key)
        _rehearse(entry, subject, params, resolution.proposed_on, user)
        proposal = Proposal.objects.create(
            act=act,
            key=key,
            params=params,
            proposer=authority.proposer,
            decider=authority.decider,
            source=authority.source[:500],
            filed_by=user if getattr(user, "is_authenticated", False) else None,
            channel=channel[:10],
            resolution_number=resolution.number,
            adopted_on=resolution.adopted_on,
            votes_for=resolution.votes_for,
            votes_against=resolution.votes_against,
            votes_abstain=resolution.votes_abstain,
            note=resolution.note,
            proposed_on=resolution.proposed_on,
            due_on=_due(day),
            **_subject_filter(subject),
        )
        _append(
            proposal,
            ProposalEventKind.FILED,
            user=user,
            channel=channel,
            note=resolution.note,
            details={"due_on": proposal.due_on, "decider": authority.decider.code},
        )
        record_write(
            actor,
            AuditAction.PROPOSAL_FILE,
            proposal,
            None,
            {
                "act": act,
                "subject": describe_target(subject)[1],
                "params": _safe(params),
                "proposer": authority.proposer.code,
                "decider": authority.decider.code,
                "resolution": resolution.number,
                "adopted_on": resolution.adopted_on,
                "votes": [resolution.votes_for, resolution.votes_against, resolution.votes_abstain],
                "proposed_on": resolution.proposed_on,
                "due_on": proposal.due_on,
                "channel": channel,
            },
            authority.proposer,
        )
    return proposal


def _reference(result: Any) -> str:
    """What the act created or changed, as `label:natural key` (the admitted member, a unit)."""
    if not isinstance(result, models.Model):
        return ""
    kind, ident = describe_target(result)
    return f"{kind}:{ident}"[:160]


def can_decide(user: Any, proposal: Proposal) -> bool:
    return scope_of(user).can(Action.DECIDE, proposal.decider)


def decide_proposal(
    proposal: Proposal,
    *,
    outcome: str,
    decision_number: str,
    on: dt.date,
    reason: str,
    user: Any,
    actor: Any,
    channel: str,
) -> Proposal:
    """Approve, reject or return a pending proposal, as one who decides for its decider.

    Approval needs the decision's number and makes the act take effect on `on` through the
    catalogue, in this transaction; rejection and return need a reason. PermissionError when
    `user` may not decide for the proposal's decider (an answer of 404); CosoError when refused
    (then nothing is written and the proposal stays pending)."""
    if not can_decide(user, proposal):
        raise PermissionError(proposal.pk)
    try:
        chosen = ProposalStatus(outcome)
    except ValueError:
        chosen = None
    if chosen not in OUTCOMES:
        raise CosoError(f"Kết quả «{outcome}» không hợp lệ (approved, rejected, returned).")
    number = (decision_number or "").strip()
    reason = (reason or "").strip()
    with transaction.atomic():
        current = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if current.status != ProposalStatus.PENDING:
            raise CosoError(
                f"Đề nghị số {current.pk} không còn chờ quyết định "
                f"({current.get_status_display()})."
            )
        subject = current.subject
        result = ""
        if chosen == ProposalStatus.APPROVED:
            if not number:
                raise CosoError(f"Cần số quyết định để chấp thuận đề nghị số {current.pk}.")
            act = catalogue.ACTS[current.act]
            try:
                form = decision_form(
                    act, current.params, on=on, decision_number=number, user=user, subject=subject
                )
                result = _reference(catalogue.execute(act, form, subject, actor=actor))
            except CosoError:
                subject.refresh_from_db()
                raise
            decision = form.decision()
        else:
            if not reason:
                what = "trả lại" if chosen == ProposalStatus.RETURNED else "không chấp thuận"
                raise CosoError(f"Cần ghi lý do {what} đề nghị số {current.pk}.")
            decision = get_decision(number, on)
        current.status = chosen
        current.decision = decision
        current.decided_by = user if getattr(user, "is_authenticated", False) else None
        current.decided_at = timezone.now()
        current.decided_on = on
        current.reason = reason
        current.result = result
        current.save(
            update_fields=[
                "status",
                "decision",
                "decided_by",
                "decided_at",
                "decided_on",
                "reason",
                "result",
            ]
        )
        details = {"decision": number, "on": on, "result": result}
        _append(
            current,
            ProposalEventKind(chosen.value),
            user=user,
            channel=channel,
            note=reason,
            details=details,
        )
        record_write(
            actor,
            AuditAction.PROPOSAL_DECIDE,
            current,
            {"status": ProposalStatus.PENDING},
            {
                "status": chosen,
                "act": current.act,
                "subject": describe_target(subject)[1],
                "decider": current.decider.code,
                "decision": number,
                "on": on,
                "reason": reason,
                "result": result,
                "channel": channel,
            },
            current.proposer,
        )
    proposal.refresh_from_db()
    return current


def may_propose_for(user: Any, proposal: Proposal) -> bool:
    """Whether `user` acts for the proposing body (as filing the act would require)."""
    scope = scope_of(user)
    act = catalogue.ACTS[proposal.act]
    return scope.can(Action.PROPOSE, proposal.proposer) and scope.can(act.action, proposal.proposer)


def can_refile(user: Any, proposal: Proposal) -> bool:
    """The proposing body may send a returned proposal again."""
    return proposal.status == ProposalStatus.RETURNED and may_propose_for(user, proposal)


def refile_proposal(
    proposal: Proposal, *, note: str, user: Any, actor: Any, channel: str
) -> Proposal:
    """Send a returned proposal to the competent body again (with a note on what changed).

    The act is rehearsed again and the deadline counts from today. PermissionError when `user`
    may not propose for the proposing body; CosoError when refused."""
    if not may_propose_for(user, proposal):
        raise PermissionError(proposal.pk)
    act = catalogue.ACTS[proposal.act]
    note = (note or "").strip()
    with transaction.atomic():
        current = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if current.status != ProposalStatus.RETURNED:
            raise CosoError(f"Chỉ gửi lại được đề nghị bị trả lại (đề nghị số {current.pk}).")
        subject = current.subject
        _refuse_duplicate(act, subject, current.key, besides=current.pk)
        _rehearse(act, subject, current.params, current.proposed_on, user)
        current.status = ProposalStatus.PENDING
        current.due_on = _due(today())
        # The answer that sent it back stays in the history; the proposal awaits a new one.
        current.decision = None
        current.decided_by = None
        current.decided_at = None
        current.decided_on = None
        current.reason = ""
        current.save(
            update_fields=[
                "status",
                "due_on",
                "decision",
                "decided_by",
                "decided_at",
                "decided_on",
                "reason",
            ]
        )
        _append(
            current,
            ProposalEventKind.REFILED,
            user=user,
            channel=channel,
            note=note,
            details={"due_on": current.due_on},
        )
        record_write(
            actor,
            AuditAction.PROPOSAL_REFILE,
            current,
            {"status": ProposalStatus.RETURNED},
            {"status": ProposalStatus.PENDING, "due_on": current.due_on, "note": note},
            current.proposer,
        )
    proposal.refresh_from_db()
    return current


def preview_decision(
    proposal: Proposal, *, on: dt.date, decision_number: str, user: Any
) -> catalogue.Consequences:
    """What approving would change, applied and rolled back (CosoError when refused)."""
    act = catalogue.ACTS[proposal.act]
    subject = proposal.subject
    form = decision_form(
        act, proposal.params, on=on, decision_number=decision_number, user=user, subject=subject
    )
    facts: dict[str, dict[str, Any]] = {}

    def apply() -> None:
        if isinstance(subject, Member):
            facts["before"] = catalogue.member_facts(subject)
        act.run(form, subject)
        if isinstance(subject, Member):
            facts["after"] = catalogue.member_facts(subject)

    try:
        consequences = catalogue.preview_consequences(apply, on)
    finally:
        subject.refresh_from_db()
    if facts:
        before, after = facts["before"], facts["after"]
        consequences.member_change = [
            (name, before[name], after[name]) for name in before if before[name] != after[name]
        ]
    return consequences


# Proposal attachments: the same kinds and size as meeting documents (the `meetings` rule set's
# upload types and limit on the day), checked by structure.
DOCUMENT_FOLDER = "proposal_documents"


def may_attach(user: Any, proposal: Proposal) -> bool:
    """The proposing body adds files while the proposal waits (or was sent back to it)."""
    open_ = proposal.status in (ProposalStatus.PENDING, ProposalStatus.RETURNED)
    return open_ and may_propose_for(user, proposal)


def attachment_max_bytes() -> int:
    """The size limit of a proposal's file today (checked before an upload is read)."""
    return int(rule("meetings.upload_max_bytes", today()))


def attach_document(
    proposal: Proposal, *, name: str, data: bytes, user: Any, actor: Any
) -> ProposalDocument:
    """Check and store one file for `proposal`; nothing is written when it is refused.

    PermissionError when `user` does not act for the proposing body; CosoError when refused."""
    if not may_propose_for(user, proposal):
        raise PermissionError(proposal.pk)
    if proposal.status not in (ProposalStatus.PENDING, ProposalStatus.RETURNED):
        raise CosoError(f"Đề nghị số {proposal.pk} đã có quyết định: không thêm tệp.")
    day = today()
    clean, extension = check_file(
        name,
        data,
        allowed=list(rule("meetings.upload_types", day)),
        max_bytes=attachment_max_bytes(),
    )
    path = write_new(DOCUMENT_FOLDER, extension, data)
    try:
        with transaction.atomic():
            document = ProposalDocument.objects.create(
                proposal=proposal,
                name=clean,
                stored_name=path.name,
                file_type=extension,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            record_write(
                actor,
                AuditAction.PROPOSAL_DOCUMENT,
                proposal,
                None,
                {"document": clean, "size": len(data), "sha256": document.sha256},
                proposal.proposer,
            )
    except Exception:
        path.unlink(missing_ok=True)  # the row failed: the file goes too
        raise
    return document


def document_response(user: Any, proposal: Proposal, document_id: int) -> FileResponse:
    """A file of a proposal the user may see (the caller loaded it through the scope); 404
    for anything else."""
    document = proposal.documents.filter(pk=document_id).first()
    path = stored_path(DOCUMENT_FOLDER, document.stored_name) if document else None
    if document is None or path is None:
        raise Http404("Không tìm thấy tài liệu.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=CONTENT_TYPES.get(document.file_type, "application/octet-stream"),
    )
