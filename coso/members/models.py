"""Party members, their dated home and status, positions, external roles and participation.

`Member` holds the person and a snapshot of the current state for display; the truth through
time is `MemberSpan`: one row per period in which home branch, status and flags are constant.
Counting "members of X on D" is counting spans valid on D whose unit is in X's subtree on D.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coso.core.dates import FAR_FUTURE


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class MemberStatus(models.TextChoices):
    CANDIDATE = "candidate", pgettext_lazy("member status", "Đối tượng kết nạp")
    PROBATIONARY = "probationary", pgettext_lazy("member status", "Đảng viên dự bị")
    OFFICIAL = "official", pgettext_lazy("member status", "Đảng viên chính thức")
    NOT_RECOGNIZED = (
        "not_recognized",
        pgettext_lazy("member status", "Xóa tên khỏi danh sách dự bị"),
    )
    TRANSFERRED_OUT = "transferred_out", pgettext_lazy("member status", "Chuyển ra ngoài hệ thống")
    STRUCK_OFF = "struck_off", pgettext_lazy("member status", "Xóa tên")
    EXPELLED = "expelled", pgettext_lazy("member status", "Khai trừ")
    LEFT = "left", pgettext_lazy("member status", "Xin ra khỏi Đảng")
    DECEASED = "deceased", pgettext_lazy("member status", "Từ trần")


IN_PARTY = (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)


class Member(models.Model):
    member_id = models.CharField(
        max_length=40,
        unique=True,
        help_text=_("số lý lịch đảng viên"),
        verbose_name=_("số lý lịch"),
    )
    card_no = models.CharField(
        max_length=40, null=True, blank=True, unique=True, verbose_name=_("số thẻ đảng viên")
    )
    full_name = models.CharField(max_length=200, verbose_name=_("họ và tên"))
    # Vietnamese order: given name first, then the rest; folded to ASCII for diacritic-free search.
    # Indexed by member_name_order (sort_key leads it).
    sort_key = models.CharField(max_length=400, default="", verbose_name=_("khóa sắp xếp"))
    search_name = models.CharField(
        max_length=200, db_index=True, default="", verbose_name=_("tên để tìm")
    )
    gender = models.CharField(max_length=8, choices=Gender.choices, verbose_name=_("giới tính"))
    birth_date = models.DateField(verbose_name=_("ngày sinh"))
    national_id = models.CharField(max_length=20, blank=True, verbose_name=_("số CCCD"))
    ethnicity = models.CharField(max_length=60, blank=True, verbose_name=_("dân tộc"))
    religion = models.CharField(max_length=60, blank=True, verbose_name=_("tôn giáo"))
    hometown = models.CharField(max_length=300, blank=True, verbose_name=_("quê quán"))
    residence = models.CharField(max_length=300, blank=True, verbose_name=_("nơi cư trú"))
    education = models.CharField(max_length=200, blank=True, verbose_name=_("trình độ học vấn"))
    occupation = models.CharField(max_length=200, blank=True, verbose_name=_("nghề nghiệp"))

    # Snapshot of today's state, rewritten by every operation from the spans.
    # Indexed by member_status_name (status leads it).
    status = models.CharField(
        max_length=20, choices=MemberStatus.choices, verbose_name=_("trạng thái")
    )
    # Indexed by member_home_status_name (home_unit, status, search_name); a second index
    # would only slow writes.
    home_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("chi bộ sinh hoạt"),
    )
    exempt = models.BooleanField(default=False, verbose_name=_("miễn công tác và sinh hoạt"))
    in_transit = models.BooleanField(default=False, verbose_name=_("đang chuyển sinh hoạt"))

    first_admitted_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("quyết định kết nạp lần đầu"),
        verbose_name=_("ngày vào Đảng lần đầu"),
    )
    admitted_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("quyết định kết nạp gần nhất"),
        verbose_name=_("ngày kết nạp"),
    )
    probation_from = models.DateField(
        null=True, blank=True, help_text=_("lễ kết nạp"), verbose_name=_("dự bị từ ngày")
    )
    official_on = models.DateField(null=True, blank=True, verbose_name=_("ngày chính thức"))
    ended_on = models.DateField(null=True, blank=True, verbose_name=_("ngày ra khỏi Đảng"))
    readmissions = models.PositiveSmallIntegerField(default=0, verbose_name=_("số lần kết nạp lại"))

    class Meta:
        # The name search (coso.members.queries.search_members) tests every word against
        # search_name: with it in these two indexes, counting the matches in a subtree or in
        # the whole country reads an index, never the wide member rows (6.8 million of them
        # nationally).
        verbose_name = _("đảng viên")
        verbose_name_plural = _("đảng viên")
        indexes = [
            # On PostgreSQL it also holds each member's place in display order (INCLUDE: not
            # searched on, only read): a subtree's count reads the matches' keys from it alone,
            # and the page sorts those keys (coso.members.queries.MemberList._count). SQLite's
            # entries hold the rowid anyway; it ignores INCLUDE (models.W040, silenced).
            models.Index(
                fields=["home_unit", "status", "search_name"],
                include=["sort_key", "member_id", "id"],
                name="member_home_status_name",
            ),
            # home_unit too: the whole registry as an officer at the root sees it (every
            # member with a home) is counted from this index alone as well.
            models.Index(fields=["status", "search_name", "home_unit"], name="member_status_name"),
            # The lists' display order with every column the search filters on: a page of a
            # long list walks this index alone and stops at its last match (the first 25
            # "nguyen van an" of the country's 245,870), never sorting every match nor reading
            # a member row it does not show (coso.members.queries.MemberList).
            models.Index(
                fields=[
                    "sort_key",
                    "member_id",
                    "status",
                    "search_name",
                    "home_unit",
                    "exempt",
                    "in_transit",
                ],
                name="member_name_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.member_id})"


class NameWord(models.Model):
    """One word of a member's folded name (search_name), with the member's place in display
    order (sort_key, then member id): the name search's index by word.

    A page of a long search walks the members in display order and stops at its last match
    (coso.members.queries.MemberList). Over the member table that walk passes every member
    before the first match: for "hung", a given name, the 2.1 million whose given names sort
    before it. Here the members whose name has a word are already in display order, so the walk
    starts at the first of them. Written with the name by every write that sets one
    (coso.members.names.write_name_words, the import, the generator)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", db_index=False)
    word = models.CharField(max_length=200)
    sort_key = models.CharField(max_length=400)
    # The member's member_id: members with the same sort key are listed by it.
    number = models.CharField(max_length=40)
    # The member's search_name: the search's other words are tested on the index alone, so
    # a walk reads no member row but a match's.
    search_name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "word"], name="nameword_one_per_member"),
        ]
        indexes = [
            models.Index(
                fields=["word", "sort_key", "number", "search_name", "member"],
                name="nameword_order",
            ),
        ]


class SearchWord(models.Model):
    """Every word ever written to NameWord: the search looks here for the words that contain
    what was typed ("hun" is in "hung", "an" in "lan" and "tuan"), a few thousand rows, rather
    than through the index of every member's words, with how many members have it."""

    word = models.CharField(max_length=200, primary_key=True)
    # Its NameWord rows at the last count (coso.members.names.count_search_words: the
    # migration, the generator, the nightly job), 0 for a word written since: only to choose
    # which word of a search leads a walk, never a figure shown.
    members = models.PositiveIntegerField(default=0)


class MemberSpan(models.Model):
    # Both keys lead a composite index (the unique (member, valid_from) and
    # memberspan_unit_period): their own single-column indexes would only slow the loads.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="spans", db_index=False
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="member_spans", db_index=False
    )
    group = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="group_spans"
    )
    status = models.CharField(max_length=20, choices=MemberStatus.choices)
    exempt = models.BooleanField(default=False)
    in_transit = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)

    class Meta:
        ordering = ["member_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="memberspan_period_not_empty"
            ),
            models.UniqueConstraint(
                fields=["member", "valid_from"], name="memberspan_one_per_member_day"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["probationary", "official"]),
                name="memberspan_in_party_status",
            ),
        ]
        indexes = [
            # Serves "spans of unit U valid on D" without touching the table.
            models.Index(
                fields=["unit", "valid_from", "valid_to", "status", "exempt", "in_transit"],
                name="memberspan_unit_period",
            ),
            # Covering: the daily tally recounts a day from these indexes alone (no table reads),
            # which is what keeps refresh_days cheap after a 100k-row import.
            models.Index(
                fields=["valid_from", "status", "exempt", "in_transit"],
                name="memberspan_from_cover",
            ),
            models.Index(
                fields=["valid_to", "status", "exempt", "in_transit"], name="memberspan_to_cover"
            ),
        ]


class MemberEventKind(models.TextChoices):
    IMPORT = "import", pgettext_lazy("member event", "Nhập dữ liệu")
    ADMIT = "admit", pgettext_lazy("member event", "Kết nạp")
    RECOGNIZE = "recognize", pgettext_lazy("member event", "Công nhận chính thức")
    NOT_RECOGNIZE = (
        "not_recognize",
        pgettext_lazy("member event", "Không công nhận, xóa tên khỏi danh sách dự bị"),
    )
    TRANSFER_OUT = "transfer_out", pgettext_lazy("member event", "Chuyển sinh hoạt đi")
    RECEIVE = "receive", pgettext_lazy("member event", "Tiếp nhận sinh hoạt")
    TRANSFER_OUT_OF_SYSTEM = (
        "transfer_out_of_system",
        pgettext_lazy("member event", "Chuyển ra ngoài hệ thống"),
    )
    TEMPORARY_TRANSFER = (
        "temporary_transfer",
        pgettext_lazy("member event", "Chuyển sinh hoạt tạm thời"),
    )
    TEMPORARY_RETURN = (
        "temporary_return",
        pgettext_lazy("member event", "Kết thúc sinh hoạt tạm thời"),
    )
    EXEMPT = "exempt", pgettext_lazy("member event", "Miễn công tác và sinh hoạt")
    RETURN_FROM_EXEMPTION = (
        "return_from_exemption",
        pgettext_lazy("member event", "Trở lại sinh hoạt"),
    )
    STRIKE_OFF = "strike_off", pgettext_lazy("member event", "Xóa tên")
    EXPEL = "expel", pgettext_lazy("member event", "Khai trừ")
    LEAVE = "leave", pgettext_lazy("member event", "Xin ra khỏi Đảng")
    DEATH = "death", pgettext_lazy("member event", "Từ trần")
    READMIT = "readmit", pgettext_lazy("member event", "Kết nạp lại")
    REHOME = "rehome", pgettext_lazy("member event", "Chuyển theo tổ chức (sáp nhập)")
    CHANGE_GROUP = "change_group", pgettext_lazy("member event", "Chuyển tổ đảng")


class MemberEvent(models.Model):
    kind = models.CharField(max_length=30, choices=MemberEventKind.choices, verbose_name=_("loại"))
    # Indexed by memberevent_member_date. Events are read per member; no question asks for them
    # per unit, so `unit` and `other_unit` carry no index (17 million rows at national size).
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        verbose_name=_("đảng viên"),
    )
    effective_on = models.DateField(verbose_name=_("ngày hiệu lực"))
    decided_on = models.DateField(null=True, blank=True, verbose_name=_("ngày quyết định"))
    decision = models.ForeignKey(
        "core.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_events",
        verbose_name=_("quyết định"),
    )
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("đơn vị"),
    )
    other_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("đơn vị liên quan"),
    )
    unit_event = models.ForeignKey(
        "units.UnitEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_events",
        verbose_name=_("sự kiện của đơn vị"),
    )
    details = models.JSONField(default=dict, blank=True, verbose_name=_("chi tiết"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ghi lúc"))

    class Meta:
        verbose_name = _("sự kiện của đảng viên")
        verbose_name_plural = _("sự kiện của đảng viên")
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["member", "effective_on"], name="memberevent_member_date")]


class PositionRole(models.TextChoices):
    SECRETARY = "secretary", _("Bí thư")
    DEPUTY_SECRETARY = "deputy_secretary", _("Phó Bí thư")
    STANDING_COMMITTEE_MEMBER = "standing_committee_member", _("Ủy viên Ban Thường vụ")
    COMMITTEE_MEMBER = "committee_member", _("Cấp ủy viên")
    GROUP_LEADER = "group_leader", _("Tổ trưởng tổ đảng")
    DEPUTY_GROUP_LEADER = "deputy_group_leader", _("Tổ phó tổ đảng")


# Only one person at a time holds these posts in a unit (a database constraint below, for the
# open posts; the operations refuse overlaps with the post and the people named).
SINGLE_HOLDER_ROLES = (PositionRole.SECRETARY, PositionRole.GROUP_LEADER)
GROUP_ROLES = (PositionRole.GROUP_LEADER, PositionRole.DEPUTY_GROUP_LEADER)


class Position(models.Model):
    """A post held in a unit's committee over a period."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="positions")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="positions")
    role = models.CharField(max_length=30, choices=PositionRole.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    decision = models.ForeignKey(
        "core.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="position_period_not_empty"
            ),
            # Issue 13: a merge left a branch with two secretaries. One open holder at most.
            models.UniqueConstraint(
                fields=["unit", "role"],
                condition=Q(role__in=[r.value for r in SINGLE_HOLDER_ROLES], valid_to=FAR_FUTURE),
                name="position_one_open_single_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "valid_from", "valid_to"], name="position_unit_period"),
            models.Index(fields=["member", "valid_from"], name="position_member_period"),
        ]


class ExternalRole(models.Model):
    """A role outside the Party organization, e.g. People's Council delegate."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="external_roles")
    title = models.CharField(max_length=200, help_text="e.g. Đại biểu HĐND xã")
    body = models.CharField(max_length=300, blank=True, help_text="e.g. HĐND xã Dân Hóa")
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the Party unit of the locality, when there is one",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="externalrole_period_not_empty"
            )
        ]


class ParticipationKind(models.TextChoices):
    ACTIVITY = "activity", _("Tham gia sinh hoạt (ví dụ bộ đội biên phòng ở chi bộ thôn, bản)")
    RESIDENCE = "residence", _("Liên hệ nơi cư trú (Quy định 213-QĐ/TW)")
    TEMPORARY = "temporary", _("Sinh hoạt tạm thời")


class Participation(models.Model):
    """A member taking part in a unit other than the home branch; never counted as membership."""

    # Both keys lead a composite index below.
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="participations", db_index=False
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="participations", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ParticipationKind.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="participation_period_not_empty"
            )
        ]
        indexes = [
            models.Index(
                fields=["unit", "valid_from", "valid_to"], name="participation_unit_period"
            ),
            # Covering for the whole registry's participant count (distinct members on a day,
            # less those in units that do not exist then).
            models.Index(
                fields=["member", "valid_from", "valid_to", "unit"],
                name="participation_member_period",
            ),
        ]


class CorrectableField(models.TextChoices):
    """The profile fields of `Member` a correction may change (issue 13, point 1). Status, home
    and dates of the lifecycle have their own operations and are not among them."""

    FULL_NAME = "full_name", _("Họ và tên")
    GENDER = "gender", _("Giới tính")
    BIRTH_DATE = "birth_date", _("Ngày sinh")
    CARD_NO = "card_no", _("Số thẻ đảng viên")
    NATIONAL_ID = "national_id", _("Số định danh cá nhân")
    ETHNICITY = "ethnicity", _("Dân tộc")
    RELIGION = "religion", _("Tôn giáo")
    HOMETOWN = "hometown", _("Quê quán")
    RESIDENCE = "residence", _("Nơi cư trú")
    EDUCATION = "education", _("Trình độ")
    OCCUPATION = "occupation", _("Nghề nghiệp")


# Sensitive personal data under Decree 13/2023 (with the birth date, which identifies): shown
# only to VIEW_SENSITIVE readers, and a correction of one is logged as a sensitive write.
SENSITIVE_CORRECTIONS = frozenset(
    {
        CorrectableField.BIRTH_DATE,
        CorrectableField.NATIONAL_ID,
        CorrectableField.ETHNICITY,
        CorrectableField.RELIGION,
    }
)


class MemberCorrection(models.Model):
    """One corrected field of a member's record: appended, never changed or removed.

    Values are kept as text (a date as yyyy-mm-dd, a gender by its code); the corrections made
    together (one form, one reason) share `recorded_at` and `batch`.
    """

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    field = models.CharField(max_length=20, choices=CorrectableField.choices)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    effective_on = models.DateField()
    reason = models.CharField(max_length=500)
    sensitive = models.BooleanField(default=False)
    batch = models.UUIDField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by_name = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="membercorrection_reason_required"
            ),
            models.CheckConstraint(
                condition=Q(field__in=[c.value for c in CorrectableField]),
                name="membercorrection_known_field",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "effective_on"], name="membercorrection_member_date")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(
                "Một lần đính chính đã ghi không được sửa; hãy ghi lần đính chính mới."
            )
        super().save(*args, **kwargs)
