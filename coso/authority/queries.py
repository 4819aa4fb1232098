"""Reads of proposals, the same for pages and API: who sees which, the inbox, the history.

A proposal is seen by those who may see its proposing body or its competent committee (roles on
units only: a plain member sees no proposals, not even about themselves). Anything else is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from coso.authority import catalogue
from coso.authority.models import Proposal, ProposalEvent, ProposalStatus
from coso.authority.proposals import SENSITIVE_PARAMS
from coso.authority.scope import Action, scope_of
from coso.core.dates import today
from coso.members.models import Member
from coso.units.models import Unit

_RELATED = ("member", "unit", "proposer", "decider", "decision", "filed_by", "decided_by")
MAX_ID = 2**63 - 1


def proposals_visible_to(user: Any) -> QuerySet[Proposal]:
    """Proposals whose proposing body or competent committee is in the user's VIEW scope."""
    scope = scope_of(user)
    rows = Proposal.objects.select_related(*_RELATED)
    if scope.is_admin or scope.covers_everything(Action.VIEW):
        # Every unit is in scope (a role at the only root): no semi-join over the country.
        return rows.all()
    if not scope.manages_units:
        return rows.none()
    # Row by row (few proposals), never the scope's whole list of units.
    return rows.filter(
        scope.unit_filter("proposer", Action.VIEW) | scope.unit_filter("decider", Action.VIEW)
    )


def inbox(user: Any) -> QuerySet[Proposal]:
    """Pending proposals the user may decide, the most urgent first (overdue ones lead, being
    the earliest due)."""
    scope = scope_of(user)
    rows = Proposal.objects.select_related(*_RELATED).filter(status=ProposalStatus.PENDING)
    if not scope.is_admin and not scope.covers_everything(Action.DECIDE):
        if not scope.holds(Action.DECIDE):
            return rows.none()
        rows = rows.filter(scope.unit_filter("decider", Action.DECIDE))
    return rows.order_by("due_on", "pk")


@dataclass(frozen=True)
class InboxCounts:
    pending: int
    overdue: int


def inbox_counts(user: Any) -> InboxCounts:
    """How many proposals await the user's decision, and how many of them are overdue (one
    query, for the home page)."""
    counts = inbox(user).aggregate(
        pending=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today()))
    )
    return InboxCounts(pending=counts["pending"], overdue=counts["overdue"])


def proposals_about(user: Any, subject: Member | Unit) -> QuerySet[Proposal]:
    """The proposals on a member or unit that the user may see, newest first (for the member's
    and the unit's pages: a pending strike-off shows there until it is decided)."""
    field = "member" if isinstance(subject, Member) else "unit"
    return proposals_visible_to(user).filter(**{field: subject}).order_by("-filed_at", "-pk")


def get_proposal_for_user(user: Any, proposal_id: int | str) -> Proposal:
    """The proposal if the user may see it; 404 otherwise (whether or not it exists)."""
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy đề nghị.") from None
    found = proposals_visible_to(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise Http404("Không tìm thấy đề nghị.")
    return found


def history(proposal: Proposal) -> QuerySet[ProposalEvent]:
    return proposal.events.select_related("user").order_by("at", "pk")


def shown_params(user: Any, proposal: Proposal) -> dict[str, Any]:
    """The act's fields as proposed, less the sensitive ones for those who may not see them."""
    if scope_of(user).can(Action.VIEW_SENSITIVE, proposal.proposer):
        return dict(proposal.params)
    return {k: v for k, v in proposal.params.items() if k not in SENSITIVE_PARAMS}


def params_in_words(user: Any, proposal: Proposal) -> list[tuple[str, str]]:
    """(label, value) of each proposed field, as the act's form names and shows them."""
    act = catalogue.ACTS.get(proposal.act)
    params = shown_params(user, proposal)
    if act is None:
        return [(k, str(v)) for k, v in params.items()]
    form = act.form(None, user=user, subject=proposal.subject)
    rows = []
    for name, value in params.items():
        field = form.fields.get(name)
        if field is None:
            rows.append((name, str(value)))
            continue
        choices = dict(getattr(field, "choices", None) or [])
        values = value if isinstance(value, list) else [value]
        if choices:
            text = ", ".join(str(choices.get(v, v)) for v in values)
        elif isinstance(value, bool) or value in ("on", "true", "True"):
            text = "✓" if value not in (False, "false", "False") else "—"
        else:
            text = ", ".join(str(v) for v in values)
        rows.append((str(field.label), text))
    return rows
