"""Quality: criteria sets ("N good, M no" models), assessments against them, and the annual
classification of units and members (brief section 4).

A criteria set is versioned: a change is a new version, and a version an assessment uses is
never rewritten (the model refuses the save), so a finished assessment keeps the criteria it was
judged by. A classification is one decision for one subject and year; a re-rating by the
superior adds a new row and marks the old one superseded, so the history stays.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coso.core.errors import CosoError
from coso.core.models import Decision


class Level(models.TextChoices):
    EXCELLENT = "excellent", _("Hoàn thành xuất sắc nhiệm vụ")
    GOOD = "good", _("Hoàn thành tốt nhiệm vụ")
    COMPLETE = "complete", _("Hoàn thành nhiệm vụ")
    NOT_COMPLETE = "not_complete", _("Không hoàn thành nhiệm vụ")


# Best first: a cap "at most good" allows the levels from "good" on in this order.
LEVELS: list[str] = [Level.EXCELLENT, Level.GOOD, Level.COMPLETE, Level.NOT_COMPLETE]


def rank(level: str) -> int:
    return LEVELS.index(level)


class CriteriaSet(models.Model):
    """One version of a criteria model for some unit kinds and categories.

    `content` holds the criteria: {"pass_points": n, "good": [{"code", "title", "guidance",
    "sub": [{"code", "title", "points", "guidance"}]}], "no": [{"code", "title", "guidance"}]}.
    The version in force for a unit on a day is the newest of its family with
    effective_from <= day whose kinds (and categories, if any) match the unit.
    """

    family = models.SlugField(_("mã bộ tiêu chí"), max_length=60)
    version = models.PositiveIntegerField(_("phiên bản"))
    name = models.CharField(_("tên"), max_length=200)
    unit_kinds = models.JSONField(_("loại đơn vị áp dụng"), default=list)
    categories = models.JSONField(_("phân loại áp dụng"), default=list, blank=True)
    effective_from = models.DateField(_("áp dụng từ"))
    source = models.CharField(_("căn cứ"), max_length=300)
    template = models.BooleanField(
        _("mẫu chờ văn bản chính thức"),
        default=False,
        help_text=_("Bộ tiêu chí dựng tạm, chờ văn bản chính thức của cấp có thẩm quyền."),
    )
    owner = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("đơn vị ban hành (trống: toàn quốc)"),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    content = models.JSONField()
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="criteria_one_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="criteria_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.in_use:
            raise CosoError(
                f"Bộ tiêu chí «{self.name}» phiên bản {self.version} đã được dùng để đánh giá: "
                "không sửa được, hãy tạo phiên bản mới."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.in_use:
            raise CosoError(
                f"Bộ tiêu chí «{self.name}» phiên bản {self.version} đã được dùng: không xóa được."
            )
        return super().delete(*args, **kwargs)

    @property
    def in_use(self) -> bool:
        return self.pk is not None and self.assessments.exists()

    @property
    def good(self) -> list[dict[str, Any]]:
        return list(self.content.get("good", []))

    @property
    def no(self) -> list[dict[str, Any]]:
        return list(self.content.get("no", []))

    @property
    def max_points(self) -> int:
        return sum(int(s["points"]) for c in self.good for s in c.get("sub", []))

    @property
    def pass_points(self) -> int:
        return int(self.content.get("pass_points", self.max_points))


class Assessment(models.Model):
    """A unit's assessment against one criteria set version for a period [start, end).

    The unit scores itself (`scores`: points per sub-criterion; `breaches`: the "no" criteria
    it broke) with the evidence prefilled from data frozen at that moment; the superior's
    advisory body reviews it; the competent committee decides (through a proposal of the act
    `assessment`, or directly, which is also how it re-rates a decided assessment)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="assessments")
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="assessments"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="exclusive")
    label = models.CharField(max_length=40)  # "2024"
    scores = models.JSONField(default=dict, blank=True)
    breaches = models.JSONField(default=list, blank=True)
    self_note = models.TextField(blank=True)
    evidence = models.JSONField(default=list, blank=True)
    evidence_at = models.DateTimeField(null=True, blank=True)
    self_total = models.PositiveIntegerField(default=0)
    # The superior's advisory body.
    review_total = models.PositiveIntegerField(null=True, blank=True)
    review_breaches = models.JSONField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The proposal (the unit's resolution) and the decision.
    proposal = models.ForeignKey(
        "authority.Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_total = models.PositiveIntegerField(null=True, blank=True)
    decided_breaches = models.JSONField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)
    decider = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "criteria_set", "period_start"], name="assessment_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=F("period_end")), name="assessment_period_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(passed__isnull=True) | Q(decided_on__isnull=False),
                name="assessment_decided_has_date",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "unit"], name="assessment_period")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.label}"

    @property
    def decided(self) -> bool:
        return self.passed is not None

    @property
    def status(self) -> str:
        if self.decided:
            return "decided"
        if self.proposal is not None:
            return str(self.proposal.status)
        return "draft"

    @property
    def editable(self) -> bool:
        """The unit edits its self-assessment until it is proposed (or after it is returned)."""
        return self.status in ("draft", "returned", "rejected")


class Classification(models.Model):
    """The decided quality level of a unit or a member for a year.

    `regulation` is the rule in force for the year (124-QĐ/TW, 366-QĐ/TW); `group_key` the
    comparable group the quota counts within; discipline in the year is recorded with its
    decision number, and caps the level by the year's rule."""

    year = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classifications",
    )
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classifications",
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    regulation = models.CharField(max_length=40)
    group_key = models.CharField(max_length=200)
    decider = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    disciplined = models.BooleanField(default=False)
    discipline_decision = models.CharField(max_length=120, blank=True)
    discipline_self_detected = models.BooleanField(default=False)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField()
    current = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, unit__isnull=True)
                | Q(member__isnull=True, unit__isnull=False),
                name="classification_one_subject",
            ),
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(current=True, unit__isnull=False),
                name="classification_one_per_unit_year",
            ),
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=Q(current=True, member__isnull=False),
                name="classification_one_per_member_year",
            ),
            models.CheckConstraint(
                condition=Q(level__in=LEVELS), name="classification_level_known"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100),
                name="classification_score_100",
            ),
            models.CheckConstraint(
                condition=Q(disciplined=False) | ~Q(discipline_decision=""),
                name="classification_discipline_has_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "current", "unit"], name="classification_unit_year"),
            models.Index(fields=["year", "current", "member"], name="classification_member_year"),
            models.Index(fields=["year", "current", "group_key"], name="classification_group"),
            # The root's rated list walks the units of one level by score (quality.queries).
            models.Index(
                fields=["year", "level", "score", "unit"],
                condition=Q(current=True, unit__isnull=False),
                name="classification_rated_units",
            ),
        ]

    def __str__(self) -> str:
        subject = self.unit.code if self.unit is not None else str(self.member)
        return f"{subject} {self.year}: {self.level}"


class MemberReview(models.Model):
    """A member's yearly self-review (kiểm điểm), the branch's comments and vote, and the
    residential branch's comments on a working member (Regulation 213-QĐ/TW)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    self_level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    self_text = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    branch_comment = models.TextField(blank=True)
    branch_level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    votes_abstain = models.PositiveIntegerField(default=0)
    commented_at = models.DateTimeField(null=True, blank=True)
    # Recorded on the review so the rating can apply the caps (no discipline records yet).
    disciplined = models.BooleanField(default=False)
    discipline_decision = models.CharField(max_length=120, blank=True)
    suspended = models.BooleanField(default=False)  # suspended from activity: not rated
    residence_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    residence_comment = models.TextField(blank=True)
    residence_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="review_one_per_year"),
            models.CheckConstraint(
                condition=Q(disciplined=False) | ~Q(discipline_decision=""),
                name="review_discipline_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"


class MemberTally(models.Model):
    """How many members of a branch (as it stands on 31/12 of the year) hold each level, from
    their current classifications: derived data, kept in step by `classify_member` and rebuilt
    in bulk by `coso.quality.tally.rebuild_year`, so a summary over a province or the whole
    country sums a few rows per branch instead of joining millions of member spans."""

    year = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20, choices=Level.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "level"], name="tally_one_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.level}: {self.count}"


class LevelTally(models.Model):
    """A year's classifications summed per child of a root (`top`; the root itself for its own
    rating), as the tree stands on 31/12: rated units per kind and level, all units per kind
    (`level` = "total"), rated members per level (`kind` = "member"). The summary of a root
    (the whole country) sums these few rows; derived from `Classification` and `MemberTally`,
    kept in step by their writers, dropped when the tree of that day changes
    (`coso.quality.tally`)."""

    year = models.PositiveSmallIntegerField()
    root = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    top = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    level = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "top", "kind", "level"], name="leveltally_one_per_key"
            )
        ]
        indexes = [models.Index(fields=["year", "root"], name="leveltally_year_root")]


class LevelTallyStamp(models.Model):
    """The year's `LevelTally` is complete and current."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    built_at = models.DateTimeField(auto_now=True)
