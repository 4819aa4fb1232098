"""Branch activities: meetings, who was invited and came, minutes, resolutions, documents.

A meeting belongs to one unit (a branch, or a committee for committee meetings). Invitations are
made from the spans valid on the meeting day, so the list is what the registry said then. Once a
meeting is closed it is locked: later corrections are `Amendment` rows, never silent edits.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Sinh hoạt thường kỳ")
    THEMATIC = "thematic", _("Sinh hoạt chuyên đề")
    EXTRAORDINARY = "extraordinary", _("Sinh hoạt bất thường")
    COMMITTEE = "committee", _("Họp cấp ủy")


class MeetingForm(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    BY_GROUP = "by_group", _("Theo tổ đảng")
    ONLINE = "online", _("Trực tuyến")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Đã lên kế hoạch")
    HELD = "held", _("Đã họp, đang ghi biên bản")
    CLOSED = "closed", _("Đã khóa sổ")
    CANCELLED = "cancelled", _("Đã hủy")


class OnlineGround(models.TextChoices):
    UNABLE_MAJORITY = "unable_majority", _("Quá nửa đảng viên không thể sinh hoạt trực tiếp")
    SPECIAL_CATEGORY = "special_category", _("Đơn vị đặc thù (lực lượng vũ trang, biên giới…)")
    SPECIAL_CIRCUMSTANCE = "special_circumstance", _("Trường hợp đặc biệt do cấp trên quyết định")


class SpecialCircumstance(models.Model):
    """A superior declares that units under it may meet online for a while (disaster, epidemic)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(default=FAR_FUTURE)
    reason = models.CharField(max_length=500)
    declared_by = models.CharField(max_length=300, blank=True, help_text="decision, signer")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lt=F("valid_to")), name="circumstance_period_not_empty"
            )
        ]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="circumstance_period")]


LOCKED_MESSAGE = (
    "Cuộc họp {what} đã khóa sổ: không sửa trực tiếp, hãy ghi đính chính (ai, khi nào, lý do)."
)


class _Lockable(models.Model):
    """Rows of a closed meeting refuse plain saves; amendments set `_amending` first."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        locked, what = self._meeting_locked()
        if locked and not getattr(self, "_amending", False):
            raise CosoError(LOCKED_MESSAGE.format(what=what))
        super().save(*args, **kwargs)

    def _meeting_locked(self) -> tuple[bool, str]:
        return False, ""


class Meeting(_Lockable):
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=16, choices=MeetingKind.choices)
    form = models.CharField(max_length=16, choices=MeetingForm.choices)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    title = models.CharField(max_length=300, blank=True)
    on = models.DateField(help_text="planned (and held) date")
    starts_at = models.TimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(max_length=500, blank=True)
    online_platform = models.CharField(max_length=100, blank=True)
    online_ground = models.CharField(max_length=24, choices=OnlineGround.choices, blank=True)
    online_reason = models.CharField(max_length=500, blank=True)
    unable_in_person = models.PositiveIntegerField(
        null=True, blank=True, help_text="members declared unable to meet in person"
    )
    agenda = models.TextField(blank=True)
    # By-group meetings: each party group meets; the branch meeting consolidates them.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="group_meetings"
    )
    group = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Structured minutes.
    review = models.TextField(blank=True, help_text="review of the period")
    tasks_ahead = models.TextField(blank=True)
    discussion = models.TextField(blank=True)
    political_news = models.TextField(blank=True)
    dues_collected_vnd = models.PositiveBigIntegerField(null=True, blank=True)
    # Online check-in window.
    check_in_opens_at = models.DateTimeField(null=True, blank=True)
    check_in_closes_at = models.DateTimeField(null=True, blank=True)
    # Figures fixed when the meeting is closed (reports read them instead of counting rows).
    expected_count = models.PositiveIntegerField(null=True, blank=True)
    present_count = models.PositiveIntegerField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(form="online") | ~Q(online_ground=""),
                name="meeting_online_has_ground",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(expected_count__isnull=False),
                name="meeting_closed_has_figures",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "on"], name="meeting_unit_on"),
            models.Index(fields=["on", "status"], name="meeting_on_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit_id} {self.on}"

    def _meeting_locked(self) -> tuple[bool, str]:
        if self.pk is None:
            return False, ""
        stored = Meeting.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored == MeetingStatus.CLOSED, f"#{self.pk} ngày {self.on:%d/%m/%Y}"


class InviteeRole(models.TextChoices):
    MEMBER = "member", _("Đảng viên của chi bộ")
    TEMPORARY = "temporary", _("Sinh hoạt tạm thời")
    PARTICIPANT = "participant", _("Tham gia sinh hoạt (đơn vị khác)")
    GUEST = "guest", _("Cấp ủy cấp trên dự")


class AttendanceStatus(models.TextChoices):
    PENDING = "pending", _("Chưa ghi")
    PRESENT = "present", _("Có mặt")
    ABSENT_EXCUSED = "absent_excused", _("Vắng có lý do")
    ABSENT_UNEXCUSED = "absent_unexcused", _("Vắng không lý do")


class Invitation(_Lockable):
    """One person called to a meeting, and whether they came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=12, choices=InviteeRole.choices)
    # In the quorum and attendance denominator: branch members who are not exempt (and members
    # here on temporary transfer); exempt members, participants and guests are outside it.
    counted = models.BooleanField(default=True)
    exempt = models.BooleanField(default=False)
    status = models.CharField(
        max_length=18, choices=AttendanceStatus.choices, default=AttendanceStatus.PENDING
    )
    reason = models.CharField(max_length=300, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="invitation_once"),
        ]
        indexes = [
            models.Index(fields=["member", "meeting"], name="invitation_member"),
            models.Index(fields=["meeting", "status"], name="invitation_meeting_status"),
        ]

    def _meeting_locked(self) -> tuple[bool, str]:
        if self.meeting_id is None:
            return False, ""
        status = Meeting.objects.filter(pk=self.meeting_id).values_list("status", flat=True)
        return status.first() == MeetingStatus.CLOSED, f"#{self.meeting_id}"


class Resolution(_Lockable):
    """An entry of the branch's resolution book: numbered per unit and year."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    votes_for = models.PositiveIntegerField()
    votes_against = models.PositiveIntegerField(default=0)
    votes_abstain = models.PositiveIntegerField(default=0)
    adopted_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit_id", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"], name="resolution_book_number"
            ),
        ]

    @property
    def label(self) -> str:
        return f"{self.number:02d}-NQ/{self.year}"

    def _meeting_locked(self) -> tuple[bool, str]:
        if self.meeting_id is None:
            return False, ""
        status = Meeting.objects.filter(pk=self.meeting_id).values_list("status", flat=True)
        return status.first() == MeetingStatus.CLOSED, f"#{self.meeting_id}"


class Amendment(models.Model):
    """A correction to a closed meeting: who, when, why, which field, before and after."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="amendments")
    field = models.CharField(max_length=80)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "at", "id"]


class Document(models.Model):
    """A file attached to a meeting, stored outside the web root under a random name."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="documents")
    name = models.CharField(max_length=200, help_text="the uploaded name, cleaned")
    stored_name = models.CharField(max_length=80, unique=True)
    file_type = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)


class CalendarToken(models.Model):
    """A member's private, revocable calendar address (only the hash is kept).

    It works while it is not revoked, its member is in the Party and has an active account, and
    it has been read within COSO_CALENDAR_TOKEN_IDLE_DAYS; the daily prune revokes the others
    and deletes those revoked COSO_CALENDAR_TOKENS_KEEP_DAYS ago."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The day the feed was last read (written at most once a day): an address left unused for
    # COSO_CALENDAR_TOKEN_IDLE_DAYS stops working (coso.meetings.ics.live_calendar_tokens).
    last_used_on = models.DateField(null=True, blank=True)


class BranchActivity(models.Model):
    """Derived data: each branch's activity figures and warning counts, judged on one day.

    What a province or the centre asks of thousands of branches (the home page's warnings, the
    activity report of this year) is summed from these rows by the path range instead of being
    recomputed from meetings, invitations and unit spans. Kept in step like `DailyDelta`: meeting
    operations and unit operations refresh the rows of the branches they touch, inside their
    transaction; `coso.meetings.activity.refresh_activity(day)` (daily) rolls the day over; bulk
    loaders rebuild it. `tests/meetings/test_activity_cache.py` checks it equals the live
    computation.

    Rows: every unit that was a branch (home kind) at some time in the windows judged on `day`
    (from the start of the earliest home-page window to `day`). `report_*`: the activity report
    from 1 January to `day` (the report's default period); `home_*`: the home page's windows.
    """

    unit = models.OneToOneField(
        "units.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=300)
    # The path of the branch's latest home-kind span in the windows: where the reports place it.
    path = models.CharField(max_length=255)
    in_report = models.BooleanField(default=False)  # a branch at some time since 1 January
    regular_required = models.IntegerField(default=0)
    regular_held = models.IntegerField(default=0)
    thematic_required = models.IntegerField(default=0)
    thematic_held = models.IntegerField(default=0)
    kind_regular = models.IntegerField(default=0)
    kind_thematic = models.IntegerField(default=0)
    kind_extraordinary = models.IntegerField(default=0)
    kind_committee = models.IntegerField(default=0)
    form_in_person = models.IntegerField(default=0)
    form_by_group = models.IntegerField(default=0)
    form_online = models.IntegerField(default=0)
    expected = models.IntegerField(default=0)
    present = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)  # every report warning of the branch
    report_no_regular = models.IntegerField(default=0)
    report_no_thematic = models.IntegerField(default=0)
    report_absent_unexcused = models.IntegerField(default=0)
    report_low_attendance = models.IntegerField(default=0)
    report_unrecorded = models.IntegerField(default=0)
    home_no_regular = models.IntegerField(default=0)
    home_no_thematic = models.IntegerField(default=0)
    home_absent_unexcused = models.IntegerField(default=0)
    home_low_attendance = models.IntegerField(default=0)
    home_unrecorded = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["path"], name="activity_path"),
            # The report's branches with the most warnings, first: read in this order.
            models.Index(fields=["-warnings", "code"], name="activity_most_warned"),
        ]


class ActivityState(models.Model):
    """The day `BranchActivity` is judged on (one row)."""

    day = models.DateField()


class ActivityTotal(models.Model):
    """`BranchActivity` summed under each child of a root (the provinces): the centre's report
    and home page read a few dozen of these instead of summing 250,000 rows. Refreshed with the
    rows it sums."""

    path = models.CharField(max_length=255, unique=True)  # "/<root>/<child>/"
    branches = models.IntegerField(default=0)  # in the report
    with_warnings = models.IntegerField(default=0)  # in the report, with a warning
    regular_required = models.IntegerField(default=0)
    regular_held = models.IntegerField(default=0)
    thematic_required = models.IntegerField(default=0)
    thematic_held = models.IntegerField(default=0)
    kind_regular = models.IntegerField(default=0)
    kind_thematic = models.IntegerField(default=0)
    kind_extraordinary = models.IntegerField(default=0)
    kind_committee = models.IntegerField(default=0)
    form_in_person = models.IntegerField(default=0)
    form_by_group = models.IntegerField(default=0)
    form_online = models.IntegerField(default=0)
    expected = models.IntegerField(default=0)
    present = models.IntegerField(default=0)
    warnings = models.IntegerField(default=0)
    home_no_regular = models.IntegerField(default=0)
    home_no_thematic = models.IntegerField(default=0)
    home_absent_unexcused = models.IntegerField(default=0)
    home_low_attendance = models.IntegerField(default=0)
    home_unrecorded = models.IntegerField(default=0)
    branches_no_regular = models.IntegerField(default=0)
    branches_no_thematic = models.IntegerField(default=0)
    branches_absent_unexcused = models.IntegerField(default=0)
    branches_low_attendance = models.IntegerField(default=0)
    branches_unrecorded = models.IntegerField(default=0)
