"""Outreach: households and the members responsible for them, committee members assigned to
follow units, and citizens' petitions.

- `Household`: the register (head, address, the village or residential area — a unit, usually
  the village's branch —, size, poor / near-poor / policy-family flags), dated
  `[valid_from, valid_to)`. `HouseholdResponsibility`: which member looks after a household over
  a period (a change closes one row and opens another: history, never overwritten). `Visit`: a
  responsible member's visit (date, note).
- `Assignment`: a committee member assigned by a committee (`assigned_by`) to follow a unit (a
  branch, a commune…) over a term; `AssignmentReport`: the periodic reports the assignee files.
  Their attendance at the followed unit's meetings is the meetings app's invitation of a guest
  from the committee above, read as "assigned" while the term runs (queries.assigned_attendance).
- `Petition`: a citizen's petition, complaint or denunciation: who (petitioner — shown only to
  the handling line, see `coso.authority.scope.Scope.sees_petitioner`), what, where, the member
  complained about if any, the handling unit and person, the deadline from the `petitions` rule
  set, resolution and satisfaction. `PetitionStep`: every step taken, appended (intake,
  handling, escalation to a higher unit with the unit it came from, resolution).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coso.core.dates import FAR_FUTURE


class Household(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="số hộ / register number")
    head_name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    area = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the village or residential area (its branch) where the household lives",
    )
    area_name = models.CharField(max_length=200, blank=True, help_text="thôn, bản, tổ dân phố")
    size = models.PositiveSmallIntegerField(default=1)
    poor = models.BooleanField(default=False)
    near_poor = models.BooleanField(default=False)
    policy_family = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=1), name="household_size_positive"),
            models.CheckConstraint(
                condition=~(Q(poor=True) & Q(near_poor=True)), name="household_poor_xor_near"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")), name="household_period"
            ),
        ]
        indexes = [models.Index(fields=["area", "valid_from"], name="household_area")]

    def __str__(self) -> str:
        return f"{self.code} {self.head_name}"


class HouseholdResponsibility(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="responsibilities"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="household_responsibilities"
    )
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")), name="responsibility_period"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "valid_from"], name="responsibility_member"),
            models.Index(fields=["household", "valid_from"], name="responsibility_household"),
        ]


class Visit(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["household", "on"], name="visit_household_day")]


class Assignment(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", help_text="the unit followed"
    )
    assigned_by = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", help_text="the committee"
    )
    area = models.CharField(max_length=300, blank=True, help_text="lĩnh vực, địa bàn theo dõi")
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    report_every_months = models.PositiveSmallIntegerField(default=6)
    decision = models.CharField(max_length=100, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")), name="assignment_period"
            ),
            models.CheckConstraint(
                condition=Q(report_every_months__gte=1), name="assignment_report_period"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "valid_from"], name="assignment_unit"),
            models.Index(fields=["member", "valid_from"], name="assignment_member"),
        ]

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day < self.valid_to


class AssignmentReport(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="reports")
    period_end = models.DateField()
    filed_on = models.DateField()
    text = models.TextField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period_end"], name="assignment_report_once"
            ),
        ]


class PetitionCategory(models.TextChoices):
    LAND = "land", _("Đất đai")
    ENVIRONMENT = "environment", _("Môi trường")
    POLICY = "policy", _("Chế độ, chính sách")
    CONDUCT = "conduct", _("Tư cách, thái độ của cán bộ")
    OTHER = "other", _("Khác")


class PetitionKind(models.TextChoices):
    PETITION = "petition", _("Kiến nghị, phản ánh")
    COMPLAINT = "complaint", _("Khiếu nại")
    DENUNCIATION = "denunciation", _("Tố cáo")


class PetitionStatus(models.TextChoices):
    OPEN = "open", _("Đang giải quyết")
    RESOLVED = "resolved", _("Đã giải quyết")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Đồng ý với kết quả")
    PARTLY = "partly", _("Đồng ý một phần")
    NOT_SATISFIED = "not_satisfied", _("Không đồng ý")
    UNKNOWN = "unknown", _("Chưa có ý kiến")


class Petition(models.Model):
    kind = models.CharField(max_length=16, choices=PetitionKind.choices)
    category = models.CharField(max_length=16, choices=PetitionCategory.choices)
    received_on = models.DateField()
    petitioner_name = models.CharField(max_length=200)
    petitioner_contact = models.CharField(max_length=300, blank=True)
    summary = models.TextField(help_text="what the petition is about")
    place = models.CharField(max_length=300, help_text="where")
    place_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the unit of the place concerned (its branch or commune)",
    )
    subject_member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the member complained about, if any",
    )
    handling_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PetitionStatus.choices, default=PetitionStatus.OPEN
    )
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("received_on")), name="petition_due_after_receipt"
            ),
            models.CheckConstraint(
                condition=(Q(status="resolved") & Q(resolved_on__isnull=False))
                | (Q(status="open") & Q(resolved_on__isnull=True)),
                name="petition_resolved_has_day",
            ),
            models.CheckConstraint(
                condition=Q(subject_member__isnull=True) | ~Q(subject_member=F("handler")),
                name="petition_handler_not_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["handling_unit", "status", "due_on"], name="petition_handling"),
            models.Index(fields=["status", "due_on"], name="petition_status_due"),
            models.Index(fields=["place_unit", "received_on"], name="petition_place"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()} {self.received_on}"

    def overdue_on(self, day: dt.date) -> bool:
        return self.status == PetitionStatus.OPEN and self.due_on < day


class StepKind(models.TextChoices):
    INTAKE = "intake", _("Tiếp nhận")
    ACTION = "action", _("Xử lý")
    ESCALATION = "escalation", _("Chuyển cấp trên")
    RESOLUTION = "resolution", _("Giải quyết xong")


class PetitionStep(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    on = models.DateField()
    text = models.TextField(blank=True)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", help_text="handling unit after"
    )
    from_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="escalation: the unit it came from",
    )
    due_on = models.DateField(null=True, blank=True, help_text="the deadline set by this step")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]


class PetitionCase(models.Model):
    """A violation case opened from a petition, or found to concern it (coso.oversight): the
    petition page lists the cases its reader may see, the others only counted."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="case_links")
    case = models.ForeignKey("oversight.ViolationCase", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "case"], name="petition_case_once")
        ]


# --- the coverage tally at the only root (coso/outreach/tally.py) ------------------------------


class CoverageMetric(models.TextChoices):
    HOUSEHOLDS = "households", "households on the register"
    COVERED = "covered", "households on the register with somebody responsible"
    VISITED = "visited", "households on the register visited since the quarter began"
    MEMBERS = "members", "members in the party responsible for a household"


class CoverageDelta(models.Model):
    """How much a root figure of `household_coverage` changes on `day`: the figure on a day is
    the sum of its deltas up to that day."""

    metric = models.CharField(max_length=16, choices=CoverageMetric.choices)
    day = models.DateField()
    delta = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "day"], name="coverage_delta_once"),
        ]


class UnitCoverageDelta(models.Model):
    """The same per unit, for the subtrees below the root: the household figures of the
    households whose village or area is `unit`, `members` of the members whose home is `unit`
    (a subtree's figure on a day is the sum of its units' deltas up to that day)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=CoverageMetric.choices)
    day = models.DateField()
    delta = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "metric"], name="unit_coverage_delta_once"
            ),
        ]
        # Covering: a subtree's sums read the index alone, unit by unit.
        indexes = [
            models.Index(fields=["unit", "day", "metric", "delta"], name="unit_coverage_sum")
        ]


class ResponsibleRun(models.Model):
    """A period in which a member is counted among the members responsible in `unit`:
    responsible for some household and at home in `unit` (a member span) every day of
    `[valid_from, valid_to)`. A member's runs do not overlap; kept so that a change of the
    member's spans can be told as a change of the deltas."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["member"], name="responsible_run_member"),
            models.Index(fields=["valid_from"], name="responsible_run_from"),
            models.Index(fields=["valid_to"], name="responsible_run_to"),
        ]


class CrossResponsibility(models.Model):
    """A period in which a member at home in `unit` is responsible for a household of another
    village or area (border guards for households of the villages): what a subtree's figures
    add to the households of its own areas. Kept with the runs."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gt=F("valid_from")), name="cross_responsibility_period"
            )
        ]
        indexes = [
            models.Index(fields=["member"], name="cross_responsibility_member"),
            models.Index(fields=["unit", "valid_from"], name="cross_responsibility_unit"),
        ]


class CoverageStamp(models.Model):
    """Present when the tally is built (and kept in step since)."""

    built_at = models.DateTimeField(auto_now_add=True)
