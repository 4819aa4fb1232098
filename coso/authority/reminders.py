"""Reminders of proposals' deadlines, posted as notices: a daily job of the scheduler.

For each pending proposal, those who act for its competent committee (the users whose roles on
the deciding unit grant DECIDE, else the nearest unit above that has some) are told on the
working days the `authority` rule set names before its deadline (`reminder_working_days_before`)
and on the first day it is overdue; when a proposal was sent back, the one who filed it (or, if
they no longer may, those who propose for its body) is told. Each notice is keyed by recipient,
kind, proposal and the day it is for, so a rerun changes nothing and a run after missed days
posts what those days should have, once: only the latest of the reminders still due (no "five
days left" once overdue).

Nothing about a member or unit changes, so no audit entry is written: the notices themselves
are the record of what was sent, to whom and when.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from coso.accounts.notices import TRANSLATED, Draft, post_notices
from coso.authority import catalogue
from coso.authority.models import Proposal, ProposalStatus
from coso.authority.proposals import can_decide, may_propose_for
from coso.authority.scope import Action, users_acting_for
from coso.core.dates import add_working_days, fmt, working_days_before
from coso.core.rules import ruleset
from coso.members.models import Member

KIND_DUE = "proposal_due"
KIND_OVERDUE = "proposal_overdue"
KIND_RETURNED = "proposal_returned"
DEFAULT_LEADS = (5,)

DUE_TEXT = gettext_noop(
    "Đề nghị số %(number)s «%(act)s» về «%(subject)s» của «%(proposer)s» cần được quyết định "
    "trước ngày %(due)s."
)
OVERDUE_TEXT = gettext_noop(
    "Đề nghị số %(number)s «%(act)s» về «%(subject)s» của «%(proposer)s» đã quá hạn quyết định "
    "(hạn ngày %(due)s)."
)
RETURNED_TEXT = gettext_noop(
    "Đề nghị số %(number)s «%(act)s» về «%(subject)s» đã bị «%(decider)s» trả lại: %(reason)s"
)
_RELATED = ("member", "unit", "proposer", "decider", "filed_by")


def reminder_leads(day: dt.date) -> list[int]:
    """How many working days before a deadline the deciders are reminded (the rule on `day`)."""
    values, _source = ruleset("authority", day)
    # Rule sets installed before reminders existed lack the key: the shipped default applies.
    leads = values.get("reminder_working_days_before", DEFAULT_LEADS)
    if isinstance(leads, int | str):
        leads = [leads]
    return sorted({int(n) for n in leads if int(n) > 0})


def reminder_due(proposal: Proposal, day: dt.date, leads: list[int]) -> tuple[str, dt.date] | None:
    """The reminder a pending proposal calls for by `day` (kind, the day it is for), if any."""
    if proposal.due_on < day:
        return KIND_OVERDUE, proposal.due_on + dt.timedelta(days=1)
    passed = [d for d in (working_days_before(proposal.due_on, n) for n in leads) if d <= day]
    return (KIND_DUE, max(passed)) if passed else None


def _params(proposal: Proposal) -> dict[str, Any]:
    subject = proposal.subject
    if isinstance(subject, Member):
        label = f"{subject.full_name} ({subject.member_id})"
    else:
        label = subject.code
    with translation.override("vi"):  # the message id: translated again when shown
        act = str(proposal.act_title)
    return {
        "number": proposal.pk,
        "act": act,
        "subject": label,
        "proposer": proposal.proposer.code,
        "decider": proposal.decider.code,
        "due": fmt(proposal.due_on),
        TRANSLATED: ["act"],
    }


def _deadline_drafts(day: dt.date) -> list[Draft]:
    leads = reminder_leads(day)
    horizon = add_working_days(day, max(leads, default=0))
    pending = (
        Proposal.objects.filter(status=ProposalStatus.PENDING, due_on__lte=horizon)
        .select_related(*_RELATED)
        .order_by("pk")
    )
    deciders: dict[int, list[Any]] = {}
    drafts = []
    for proposal in pending:
        found = reminder_due(proposal, day, leads)
        if found is None:
            continue
        kind, on = found
        if proposal.decider_id not in deciders:
            deciders[proposal.decider_id] = users_acting_for(proposal.decider, Action.DECIDE)
        params = _params(proposal)
        link = reverse("authority:proposal", args=[proposal.pk])
        text = DUE_TEXT if kind == KIND_DUE else OVERDUE_TEXT
        drafts += [
            Draft(user, kind, proposal, on, text, params, link)
            for user in deciders[proposal.decider_id]
            if can_decide(user, proposal)
        ]
    return drafts


def _returned_drafts(day: dt.date) -> list[Draft]:
    returned = (
        Proposal.objects.filter(status=ProposalStatus.RETURNED, decided_at__isnull=False)
        .select_related(*_RELATED)
        .order_by("pk")
    )
    proposers: dict[tuple[int, str], list[Any]] = {}
    drafts = []
    for proposal in returned:
        assert proposal.decided_at is not None
        on = timezone.localdate(proposal.decided_at)
        if on > day:  # sent back after the day this run is for: a later run tells
            continue
        filer = proposal.filed_by
        if filer is not None and filer.is_active and may_propose_for(filer, proposal):
            recipients = [filer]
        else:
            # Those who may file the same act for the same body (what refiling asks of them).
            needs = (Action.PROPOSE, catalogue.ACTS[proposal.act].action)
            key = (proposal.proposer_id, needs[1])
            if key not in proposers:
                proposers[key] = users_acting_for(proposal.proposer, *needs)
            recipients = [u for u in proposers[key] if may_propose_for(u, proposal)]
        params = {**_params(proposal), "reason": proposal.reason}
        link = reverse("authority:proposal", args=[proposal.pk])
        drafts += [
            Draft(u, KIND_RETURNED, proposal, on, RETURNED_TEXT, params, link) for u in recipients
        ]
    return drafts


def send_reminders(day: dt.date) -> str:
    """Post the reminders due by `day` that were not posted before; a one-line summary.

    One transaction; running it again for the same day posts nothing, and running it for a day
    after missed ones posts what they missed (once)."""
    with transaction.atomic():
        drafts = _deadline_drafts(day) + _returned_drafts(day)
        created = post_notices(drafts)
    counts = Counter(n.kind for n in created)
    earlier = len({d.key for d in drafts}) - len(created)
    return (
        f"Nhắc hạn đề nghị ngày {fmt(day)}: {len(created)} thông báo mới "
        f"({counts[KIND_DUE]} sắp đến hạn, {counts[KIND_OVERDUE]} quá hạn, "
        f"{counts[KIND_RETURNED]} bị trả lại), {earlier} đã gửi trước đó."
    )
