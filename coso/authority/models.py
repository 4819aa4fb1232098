"""Proposals and their decisions: what a body proposed, who must decide it, and what happened.

A proposal carries the proposing body's resolution (number, date, vote) and the act's fields as
typed; the competent committee approves it (the act then takes effect through the operation
catalogue, in the same transaction), rejects it or sends it back. Its history is a list of
events that is only ever appended to.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.members.models import Member
from coso.units.models import Unit


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Chờ quyết định")
    APPROVED = "approved", _("Đã quyết định")
    REJECTED = "rejected", _("Không chấp thuận")
    RETURNED = "returned", _("Trả lại")


class Proposal(models.Model):
    act = models.CharField(_("việc đề nghị"), max_length=40)  # a slug of catalogue.ACTS
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals_about"
    )
    # What tells two proposals of one act on one unit apart (the admitted person's number, the
    # new unit's code): a branch may propose several admissions at once, not the same one twice.
    key = models.CharField(max_length=60, blank=True, default="")
    params = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder
    )  # the act's fields as typed
    proposer = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="proposals_made")
    decider = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="proposals_to_decide")
    source = models.CharField(max_length=500, blank=True)  # the rule that names the decider
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, default="web")
    # The proposing body's resolution.
    resolution_number = models.CharField(max_length=120, blank=True)
    adopted_on = models.DateField()
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    votes_abstain = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    proposed_on = models.DateField()  # the effective date asked for; the decision sets the real one
    due_on = models.DateField()  # filed (or refiled) + the working days the rule set allows
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    # The decision (approval, or the answer to a rejection or return).
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    result = models.CharField(max_length=160, blank=True)  # "members.member:DV1": what it made

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, unit__isnull=True)
                | Q(member__isnull=True, unit__isnull=False),
                name="proposal_one_subject",
            ),
            models.UniqueConstraint(
                fields=["act", "member", "key"],
                condition=Q(status="pending", member__isnull=False),
                name="proposal_one_pending_per_member",
            ),
            models.UniqueConstraint(
                fields=["act", "unit", "key"],
                condition=Q(status="pending", unit__isnull=False),
                name="proposal_one_pending_per_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["decider", "status", "due_on"], name="proposal_inbox"),
            models.Index(fields=["proposer", "status", "due_on"], name="proposal_outbox"),
        ]

    def __str__(self) -> str:
        return f"Đề nghị số {self.pk}"

    @property
    def subject(self) -> Member | Unit:
        subject = self.member if self.member_id is not None else self.unit
        assert subject is not None
        return subject

    @property
    def act_title(self) -> str:
        from coso.authority.catalogue import ACTS  # the catalogue sits above the models

        act = ACTS.get(self.act)
        return str(act.title) if act is not None else self.act

    @property
    def overdue(self) -> bool:
        return self.status == ProposalStatus.PENDING and self.due_on < timezone.localdate()


class ProposalEventKind(models.TextChoices):
    FILED = "filed", _("Đã gửi đề nghị")
    APPROVED = "approved", _("Quyết định")
    REJECTED = "rejected", _("Không chấp thuận")
    RETURNED = "returned", _("Trả lại")
    REFILED = "refiled", _("Gửi lại")


class ProposalEvent(models.Model):
    """One step of a proposal's history; rows are appended, never changed or removed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=ProposalEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the account goes
    channel = models.CharField(max_length=10, default="web")
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"], name="proposal_event_history")]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise CosoError("Lịch sử đề nghị chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise CosoError("Lịch sử đề nghị chỉ được ghi thêm, không được xóa.")


class ProposalDocument(models.Model):
    """A file the proposing body attaches (its resolution's scan, minutes, the member's letter);
    stored outside the web root under a random name (coso.core.files), served only to those who
    may see the proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="documents")
    name = models.CharField(max_length=200)  # the uploaded name, a label only
    stored_name = models.CharField(max_length=80, unique=True)
    file_type = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
