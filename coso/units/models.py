"""Units of the Party tree and their dated history.

A `Unit` is only an identity (a code never reused). What it is called, what kind it is, its
tags and its parent are facts valid over a period, kept in `UnitSpan` rows. A change closes
the current span and opens a new one; nothing is overwritten. Each span carries the unit's
materialized path as of that period so that "the subtree of X on date D" is an index range.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import models
from django.db.models import F, Q
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
    """A kind's name in the active language (never its code), for the operations' refusals."""
    if kind is None or kind not in UnitKind.values:
        return f"«{kind}»"
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
    code = models.CharField(
        max_length=40,
        unique=True,
        help_text=_("ổn định, không bao giờ dùng lại"),
        verbose_name=_("mã"),
    )
    valid_from = models.DateField(help_text=_("ngày đơn vị ra đời"), verbose_name=_("từ ngày"))
    valid_to = models.DateField(
        default=FAR_FUTURE,
        help_text=_("ngày đơn vị kết thúc (sáp nhập, giải thể)"),
        verbose_name=_("đến ngày"),
    )

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
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

    kind = models.CharField(max_length=20, choices=UnitEventKind.choices, verbose_name=_("loại"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="events", verbose_name=_("đơn vị")
    )
    other = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("đơn vị cha mới (chuyển, thành lập) hoặc đơn vị nhận sáp nhập"),
        verbose_name=_("đơn vị liên quan"),
    )
    effective_on = models.DateField(verbose_name=_("ngày hiệu lực"))
    decision = models.ForeignKey(
        "core.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_events",
        verbose_name=_("quyết định"),
    )
    batch = models.CharField(
        max_length=36, blank=True, help_text=_("một lần áp dụng phương án"), verbose_name=_("đợt")
    )
    details = models.JSONField(
        default=dict, blank=True, help_text=_("trước/sau và số lượng"), verbose_name=_("chi tiết")
    )
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ghi lúc"))

    class Meta:
        verbose_name = _("sự kiện của đơn vị")
        verbose_name_plural = _("sự kiện của đơn vị")
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["unit", "effective_on"], name="unitevent_unit_date")]


# --- search keys (issue 13, point 3: units picked by name) ------------------------------------

# Leading words that say what kind of unit it is rather than which one: «Chi bộ thôn Thống Nhất»
# is also found by typing «thong nhat». Folded (no tones), longest first.
GENERIC_WORDS = tuple(
    tuple(p.split())
    for p in sorted(
        (
            "chi bo",
            "dang bo",
            "to dang",
            "bo phan",
            "co so",
            "truc thuoc",
            "dang uy",
            "thon",
            "ban",
            "xom",
            "ap",
            "khoi",
            "xa",
            "phuong",
            "thi tran",
            "dac khu",
            "to dan pho",
            "khu pho",
            "khu dan cu",
            "tinh",
            "thanh pho",
            "huyen",
            "thi xa",
            "quan",
            "co quan",
        ),
        key=lambda p: -len(p.split()),
    )
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_words(text: str) -> list[str]:
    """Lower-case ASCII words without tones: «Chi bộ Đồng Tâm» → chi, bo, dong, tam."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", bare.lower()).split()


# A unit span's columns but its id, in the order the bulk writers give them (the generator and
# the set-wise plan engine).
SPAN_COLUMNS = [
    "unit_id",
    "valid_from",
    "valid_to",
    "name",
    "kind",
    "parent_id",
    "path",
    "depth",
    "tags",
    "event_id",
    "search_name",
    "search_key",
]


def search_keys(name: str) -> tuple[str, str]:
    """(search_name, search_key) of a unit name: the folded words run together (letters and
    digits only, so byte order and a collation's order agree on a prefix range), and the same
    without the leading words that name the kind of unit."""
    words = fold_words(name)
    start = 0
    stripped = True
    while stripped:
        stripped = False
        for phrase in GENERIC_WORDS:
            if tuple(words[start : start + len(phrase)]) == phrase and start + len(phrase) < len(
                words
            ):
                start += len(phrase)
                stripped = True
                break
    full = "".join(words)[:SEARCH_MAX]
    return full, "".join(words[start:])[:SEARCH_MAX]


SEARCH_MAX = 200


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
    # The name folded for the unit picker (`search_keys`): kept by save() and by every bulk
    # writer; a database default so that a writer naming only the old columns still inserts
    # (such rows are filled by `coso.units.queries.fill_search_keys`).
    search_name = models.CharField(max_length=SEARCH_MAX, default="", db_default="", editable=False)
    search_key = models.CharField(max_length=SEARCH_MAX, default="", db_default="", editable=False)

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
            # The picker's prefix ranges (coso.units.queries.pick_units).
            models.Index(fields=["search_name"], name="unitspan_search_name"),
            models.Index(fields=["search_key"], name="unitspan_search_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.valid_from} – {self.valid_to})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name, self.search_key = search_keys(self.name)
        super().save(*args, **kwargs)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(";") if t]


def format_tags(tags: list[str] | tuple[str, ...] | set[str]) -> str:
    cleaned = sorted({t.strip() for t in tags if t and t.strip()})
    return f";{';'.join(cleaned)};" if cleaned else ""
