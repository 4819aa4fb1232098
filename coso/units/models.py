"""Units of the Party tree and their dated history.

A `Unit` is only an identity (a code never reused). What it is called, what kind it is, its
tags and its parent are facts valid over a period, kept in `UnitSpan` rows. A change closes
the current span and opens a new one; nothing is overwritten. Each span carries the unit's
materialized path as of that period so that "the subtree of X on date D" is an index range.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coso.core.dates import FAR_FUTURE


class UnitKind(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Đảng bộ tỉnh/thành phố")
    DISTRICT = "district", _("Đảng bộ huyện/thị xã/thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Đảng bộ xã/phường/đặc khu")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Đảng bộ cơ sở")
    GRASSROOTS_BRANCH = "grassroots_branch", _("Chi bộ cơ sở")
    PARTIAL_COMMITTEE = "partial_committee", _("Đảng bộ bộ phận")
    BRANCH = "branch", _("Chi bộ trực thuộc")
    GROUP = "group", _("Tổ đảng")


HOME_KINDS = (UnitKind.BRANCH, UnitKind.GRASSROOTS_BRANCH)


def kind_label(kind: str | None) -> str:
    """A kind's Vietnamese name (never its code) for the operations' Vietnamese refusals."""
    if kind is None or kind not in UnitKind.values:
        return f"«{kind}»"
    with translation.override("vi"):
        return str(UnitKind(kind).label)


def kind_labels(kinds: list[str] | tuple[str, ...]) -> str:
    return ", ".join(kind_label(k) for k in kinds)


class UnitTag(models.TextChoices):
    RESIDENTIAL = "residential", _("Khu dân cư / tổ dân phố")
    VILLAGE = "village", _("Thôn, bản")
    AGENCY = "agency", _("Cơ quan")
    PUBLIC_SERVICE = "public_service", _("Đơn vị sự nghiệp")
    ENTERPRISE = "enterprise", _("Doanh nghiệp")
    SCHOOL = "school", _("Trường học")
    ARMED_FORCES = "armed_forces", _("Lực lượng vũ trang")
    POLICE = "police", _("Công an")
    BORDER = "border", _("Biên phòng / biên giới")
    SPECIAL = "special", _("Đặc thù")
    COMMUNE = "commune", _("Xã, phường, thị trấn")
    DIRECTLY_UNDER = "directly_under", _("Trực thuộc tỉnh ủy")


class Unit(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="stable, never reused")
    valid_from = models.DateField(help_text="when the unit came into existence")
    valid_to = models.DateField(default=FAR_FUTURE, help_text="when it ended (merged, dissolved)")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="unit_period_not_empty"
            )
        ]
        # "Which units exist on D" is asked at the root for every figure; without these it is a
        # scan of every unit ever created.
        indexes = [
            models.Index(fields=["valid_from"], name="unit_valid_from"),
            models.Index(fields=["valid_to"], name="unit_valid_to"),
        ]

    def __str__(self) -> str:
        return self.code

    def span_on(self, day):  # type: ignore[no-untyped-def]
        """The span valid on `day`, or None."""
        return self.spans.filter(valid_from__lte=day, valid_to__gt=day).first()


class UnitEventKind(models.TextChoices):
    CREATE = "create", pgettext_lazy("unit event", "Thành lập")
    RENAME = "rename", pgettext_lazy("unit event", "Đổi tên")
    RETYPE = "retype", pgettext_lazy("unit event", "Đổi loại hình")
    RETAG = "retag", pgettext_lazy("unit event", "Đổi phân loại")
    MOVE = "move", pgettext_lazy("unit event", "Chuyển trực thuộc")
    MERGE = "merge", pgettext_lazy("unit event", "Hợp nhất / sáp nhập")
    ABSORB = "absorb", pgettext_lazy("unit event", "Tiếp nhận đơn vị sáp nhập")
    DISSOLVE = "dissolve", pgettext_lazy("unit event", "Giải thể")


class UnitEvent(models.Model):
    """One reorganization step on one unit, as decided. Listed per unit and per decision."""

    kind = models.CharField(max_length=20, choices=UnitEventKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    other = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="new parent (move, create) or merge target",
    )
    effective_on = models.DateField()
    decision = models.ForeignKey(
        "core.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="unit_events"
    )
    batch = models.CharField(max_length=36, blank=True, help_text="one plan application")
    details = models.JSONField(default=dict, blank=True, help_text="before/after and counts")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["unit", "effective_on"], name="unitevent_unit_date")]


class UnitSpan(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="spans")
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="child_spans"
    )
    # "/<root id>/.../<unit id>/" as of this period; subtree of X = paths starting with X's path.
    path = models.CharField(max_length=500)
    depth = models.PositiveSmallIntegerField()
    # ";residential;village;" so one LIKE or a split answers tag questions.
    tags = models.CharField(max_length=300, blank=True, default="")
    event = models.ForeignKey(
        UnitEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["unit_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="unitspan_period_not_empty"
            ),
            models.UniqueConstraint(
                fields=["unit", "valid_from"], name="unitspan_one_per_unit_day"
            ),
        ]
        indexes = [
            models.Index(fields=["path", "valid_from", "valid_to"], name="unitspan_path_period"),
            models.Index(fields=["parent", "valid_from"], name="unitspan_parent_period"),
            models.Index(fields=["valid_to"], name="unitspan_valid_to"),
            models.Index(fields=["valid_from"], name="unitspan_valid_from"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.valid_from} – {self.valid_to})"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]


def format_tags(tags: list[str] | tuple[str, ...] | set[str]) -> str:
    cleaned = sorted({t.strip() for t in tags if t and t.strip()})
    return f";{';'.join(cleaned)};" if cleaned else ""
