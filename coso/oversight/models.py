"""Violations, inspection and discipline (issue 12 §1; brief section 5).

- `ViolationCatalogue` / `ViolationItem`: Regulation 37-QĐ/TW as versioned data.
- `ViolationCase`: a case against one member or one organization, handled by a unit (the
  handling body); its files (`CaseFile`) stored outside the web root.
- `InspectionPlan`: an inspection or supervision plan of a unit, its targets and result.
- `DisciplineDecision`: the decision on a case (form of Regulation 69-QĐ/TW, deciding body,
  numbered decision, the statute check and any override). Appeals (`Appeal`) never overwrite
  it: an annulled or reduced decision keeps its row with its status, a reduction adds a new one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coso.core.dates import FAR_FUTURE


class ViolationCatalogue(models.Model):
    """One version of a catalogue of violations (Regulation 37-QĐ/TW)."""

    code = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=300)
    source = models.CharField(max_length=500)
    effective_from = models.DateField()
    effective_to = models.DateField(default=FAR_FUTURE)
    confidence = models.CharField(max_length=10, default="sure")
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="violation_catalogue_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} (v{self.version})"


class ViolationItem(models.Model):
    catalogue = models.ForeignKey(
        ViolationCatalogue, on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(max_length=20)
    order = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=500)
    reference = models.CharField(max_length=200)
    confidence = models.CharField(max_length=10, default="sure")

    class Meta:
        ordering = ["catalogue_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "code"], name="violation_item_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.description}"


class CaseSource(models.TextChoices):
    INSPECTION = "inspection", _("Kiểm tra")
    SUPERVISION = "supervision", _("Giám sát")
    PETITION = "petition", _("Đơn thư, khiếu nại, tố cáo")
    SELF_REPORT = "self_report", _("Tự phát hiện, tự kiểm điểm")
    PRESS = "press", _("Báo chí, dư luận")
    OTHER = "other", _("Khác")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Đang xem xét")
    DECIDED = "decided", _("Đã quyết định kỷ luật")
    CLOSED = "closed", _("Kết thúc, không kỷ luật")


class PlanKind(models.TextChoices):
    INSPECTION = "inspection", _("Kiểm tra")
    SUPERVISION = "supervision", _("Giám sát")


class InspectionPlan(models.Model):
    """An inspection or supervision plan of a unit's committee for a period, and its result."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=PlanKind.choices)
    title = models.CharField(max_length=300)
    period_start = models.DateField()
    period_end = models.DateField()
    targets = models.TextField(help_text="the organizations and members inspected, the topics")
    result = models.TextField(blank=True)
    result_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="inspection_plan_period",
            )
        ]
        indexes = [models.Index(fields=["unit", "period_start"], name="inspection_plan_unit")]


class ViolationCase(models.Model):
    """A violation case against one member or one organization."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handling_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=CaseSource.choices)
    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    items = models.ManyToManyField(ViolationItem, blank=True, related_name="+")
    title = models.CharField(max_length=300)
    facts = models.TextField()
    violated_on = models.DateField(help_text="the day of the violation (its last act)")
    opened_on = models.DateField()
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    conclusion = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(unit__isnull=True))
                | (Q(member__isnull=True) & Q(unit__isnull=False)),
                name="violation_case_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(violated_on__lte=models.F("opened_on")),
                name="violation_case_violation_before_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["handling_unit", "opened_on"], name="violation_case_handling"),
            # The newest cases of a whole country (the only root) walked from this index.
            models.Index(fields=["-opened_on", "-id"], name="violation_case_newest"),
            models.Index(fields=["member", "violated_on"], name="violation_case_member"),
            models.Index(fields=["unit", "violated_on"], name="violation_case_unit"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def subject(self) -> object:
        return self.member if self.member_id is not None else self.unit


class CaseFile(models.Model):
    """A file of a case (evidence), stored outside the web root under a random name."""

    case = models.ForeignKey(ViolationCase, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=200, help_text="the uploaded name, cleaned")
    stored_name = models.CharField(max_length=80, unique=True)
    file_type = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)


class DisciplineForm(models.TextChoices):
    REPRIMAND = "reprimand", _("Khiển trách")
    WARNING = "warning", _("Cảnh cáo")
    REMOVAL_FROM_POST = "removal_from_post", _("Cách chức")
    EXPULSION = "expulsion", pgettext_lazy("discipline form", "Khai trừ")
    DISSOLUTION = "dissolution", _("Giải tán")


class DecisionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Có hiệu lực")
    REDUCED = "reduced", _("Đã giảm hình thức (khiếu nại)")
    ANNULLED = "annulled", _("Đã hủy (khiếu nại)")


class DisciplineDecision(models.Model):
    """A discipline decision on a case, by its deciding body, with its numbered decision."""

    case = models.ForeignKey(ViolationCase, on_delete=models.PROTECT, related_name="decisions")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form = models.CharField(max_length=20, choices=DisciplineForm.choices)
    body = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", help_text="the deciding body"
    )
    decision = models.ForeignKey(
        "core.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_on = models.DateField()
    # The removal from post: the post it ended.
    position = models.ForeignKey(
        "members.Position", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The statute of limitations as checked at decision time.
    limitation_years = models.PositiveIntegerField(null=True, blank=True)
    limitation_from = models.DateField(help_text="the violation day the clock ran from")
    limitation_ends = models.DateField(null=True, blank=True)
    statute_expired = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.IN_FORCE
    )
    # A reduction on appeal: the decision this one replaces.
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(unit__isnull=True))
                | (Q(member__isnull=True) & Q(unit__isnull=False)),
                name="discipline_decision_one_subject",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="in_force"),
                name="discipline_decision_one_in_force",
            ),
            models.CheckConstraint(
                condition=Q(statute_expired=False) | ~Q(override_reason=""),
                name="discipline_decision_override_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "decided_on"], name="discipline_member_day"),
            models.Index(fields=["unit", "decided_on"], name="discipline_unit_day"),
        ]


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("Đang xem xét")
    UPHELD = "upheld", _("Giữ nguyên")
    REDUCED = "reduced", _("Giảm hình thức")
    ANNULLED = "annulled", _("Hủy quyết định")


class Appeal(models.Model):
    """An appeal against a discipline decision, to the level above the deciding body."""

    decision = models.ForeignKey(
        DisciplineDecision, on_delete=models.PROTECT, related_name="appeals"
    )
    lodged_on = models.DateField()
    grounds = models.TextField()
    outcome = models.CharField(
        max_length=10, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_decision = models.ForeignKey(
        "core.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A reduction: the new, lighter decision.
    new_decision = models.ForeignKey(
        DisciplineDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision"],
                condition=Q(outcome="pending"),
                name="appeal_one_pending",
            )
        ]
