"""Documents from a higher level and their implementation by every unit they are cascaded to.

A `Directive` (any kind of document: resolution, directive, conclusion, ...) is registered by a
unit (`owner`, usually the committee that receives it from above and passes it down) and
cascaded to a subtree: one `Implementation` per target unit (a unit receives a document once:
a database constraint), each with its `Step`s — the study session, the action plan and the
periodic progress reports — every step with its due date and, once reported, the day it was
done. Lateness is read from the dates alone (done after the due date: late; not done and the due
date passed: overdue).

A branch's own resolutions (coso.meetings.Resolution) may carry `LocalTarget`s: an indicator,
the target and the actual figure followed through the year.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentKind(models.TextChoices):
    RESOLUTION = "resolution", pgettext_lazy("document kind", "Nghị quyết")
    DIRECTIVE = "directive", pgettext_lazy("document kind", "Chỉ thị")
    CONCLUSION = "conclusion", pgettext_lazy("document kind", "Kết luận")
    REGULATION = "regulation", pgettext_lazy("document kind", "Quy định")
    PLAN = "plan", pgettext_lazy("document kind", "Kế hoạch")
    GUIDANCE = "guidance", pgettext_lazy("document kind", "Hướng dẫn")


class StepKind(models.TextChoices):
    STUDY = "study", _("Học tập, quán triệt")
    PLAN = "plan", _("Xây dựng kế hoạch thực hiện")
    REPORT = "report", _("Báo cáo tiến độ")


class StepState(models.TextChoices):
    """Where a step stands on a day (computed from its dates, never stored)."""

    DONE = "done", _("Hoàn thành đúng hạn")
    LATE = "late", _("Hoàn thành trễ hạn")
    OVERDUE = "overdue", _("Quá hạn")
    PENDING = "pending", _("Chưa đến hạn")


class Directive(models.Model):
    owner = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the unit that registers the document and cascades it below itself",
    )
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    number = models.CharField(max_length=60, help_text="e.g. 21-NQ/TW")
    issued_on = models.DateField()
    issuer = models.CharField(
        max_length=200, help_text="issuing body, e.g. Ban Chấp hành Trung ương"
    )
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "number"], name="directive_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Attachment(models.Model):
    """A file of a directive, stored outside the web root under a random name."""

    directive = models.ForeignKey(Directive, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(max_length=200, help_text="the uploaded name, cleaned")
    stored_name = models.CharField(max_length=80, unique=True)
    file_type = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Implementation(models.Model):
    """One unit's duty to carry out one directive (made by a cascade)."""

    directive = models.ForeignKey(
        Directive, on_delete=models.PROTECT, related_name="implementations"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    cascaded_on = models.DateField()
    batch = models.CharField(max_length=36, help_text="one cascade")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["directive", "unit"], name="implementation_once"),
        ]
        indexes = [models.Index(fields=["unit", "directive"], name="implementation_unit")]


class Step(models.Model):
    implementation = models.ForeignKey(
        Implementation, on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(max_length=8, choices=StepKind.choices)
    seq = models.PositiveSmallIntegerField(default=0, help_text="the report's number; 0 otherwise")
    due = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    # A study session held at a recorded meeting of the unit: its attendance is the meeting's.
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["implementation_id", "due", "kind", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["implementation", "kind", "seq"], name="step_once"),
            models.CheckConstraint(
                condition=Q(meeting__isnull=True) | Q(kind="study"), name="step_meeting_is_study"
            ),
        ]
        indexes = [
            models.Index(fields=["implementation", "kind"], name="step_implementation_kind"),
            # Steps not yet done, in the reminders' order (due date, then key): the root's first
            # ten are the index's first ten. On (done_on, due), the steps sharing the earliest
            # due date (a directive cascaded to the whole country) had to be read and sorted by
            # key: 57-86 ms on the national PostgreSQL, 0.2 ms this way.
            models.Index(
                fields=["due", "id"], condition=models.Q(done_on__isnull=True), name="step_open_due"
            ),
            models.Index(fields=["due"], name="step_due"),
        ]

    def state_on(self, day: dt.date) -> str:
        if self.done_on is not None:
            return StepState.DONE if self.done_on <= self.due else StepState.LATE
        return StepState.OVERDUE if self.due < day else StepState.PENDING


class LocalTarget(models.Model):
    """An indicator a branch's resolution sets itself, followed through the year."""

    resolution = models.ForeignKey(
        "meetings.Resolution", on_delete=models.PROTECT, related_name="local_targets"
    )
    indicator = models.CharField(max_length=300)
    measure = models.CharField(max_length=40, blank=True, help_text="unit of measure (%, người…)")
    target = models.DecimalField(max_digits=14, decimal_places=2)
    actual = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    actual_on = models.DateField(null=True, blank=True, help_text="when the actual was measured")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["resolution_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "indicator"], name="local_target_indicator_once"
            ),
        ]

    @property
    def ratio(self) -> float | None:
        if self.actual is None or not self.target:
            return None
        return float(self.actual / self.target)


# --- the tracking view's tally at the root ---------------------------------------------------


class TallyStamp(models.Model):
    """A directive's tally exists and counts its records by the root's children as the tree
    stood on `tree_day`: the national root's tracking view sums these few rows instead of the
    steps of hundreds of thousands of records (`coso.followup.tally`)."""

    directive = models.OneToOneField(
        Directive, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    root = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    tree_day = models.DateField()
    built_at = models.DateTimeField(auto_now=True)


class StepTally(models.Model):
    """Steps of one kind and due date of the records under one child of the root (`top`; the
    root itself for its own record): how many done on time, done late, not done."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="+")
    top = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=StepKind.choices)
    due = models.DateField()
    done = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["directive", "top", "kind", "due"], name="steptally_one_per_key"
            )
        ]


class RecordTally(models.Model):
    """Records under one child of the root by the due date of their earliest step not done
    (`first_open` = FAR_FUTURE when every step is done): a record is overdue on a day when that
    date is before it."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="+")
    top = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    first_open = models.DateField()
    records = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["directive", "top", "first_open"], name="recordtally_one_per_key"
            )
        ]
