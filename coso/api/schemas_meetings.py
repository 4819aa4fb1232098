"""Request and response bodies of the meetings API (branch activities)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, field_validator

from coso.api.common import Day
from coso.meetings.models import MeetingForm, MeetingKind, MeetingStatus

# Limits follow the model columns, so a request the schema accepts always fits the table.
TEXT_MAX = 20_000
COUNT_MAX = 1_000_000
DUES_MAX = 10**12


def _naive_time(value: dt.time) -> dt.time:
    # Django stores local wall-clock times; an offset would be refused by the database layer.
    if value.tzinfo is not None:
        raise ValueError("giờ không kèm múi giờ (dạng HH:MM)")
    return value


def _sane_moment(value: dt.datetime) -> dt.datetime:
    # The check-in window is added to it: keep it away from the calendar's ends.
    if not 1900 <= value.year <= 2199:
        raise ValueError("thời điểm phải trong khoảng năm 1900–2199")
    return value


LocalTime = Annotated[dt.time, AfterValidator(_naive_time)]
Moment = Annotated[dt.datetime, AfterValidator(_sane_moment)]
Status = Literal["present", "absent_excused", "absent_unexcused"]
MemberId = Annotated[str, Field(min_length=1, max_length=40)]


# --- answers --------------------------------------------------------------------------------


class QuorumOut(Schema):
    expected: int = Field(description="counted members invited (exempt ones, guests outside)")
    present: int
    required: int = Field(description="present needed by the rule set's quorum fraction")
    met: bool
    rate: float | None = None


REASON = Field(
    None,
    description="absence reason; for those who manage the meeting's unit (its secretary, the "
    "committee above) and the member themself, null for anyone else; each read showing "
    "another member's reason is logged",
)


class InvitationOut(Schema):
    member_id: str
    full_name: str
    role: str
    role_label: str
    counted: bool = Field(description="in the quorum and attendance denominator")
    exempt: bool
    status: str
    status_label: str
    reason: str | None = REASON
    checked_in_at: dt.datetime | None = None


class ResolutionOut(Schema):
    id: int
    label: str = Field(description="number in the unit's book: 03-NQ/2024")
    unit: str
    year: int
    number: int
    meeting_id: int
    title: str
    text: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    adopted_on: dt.date


class AmendmentOut(Schema):
    field: str
    before: str
    after: str
    reason: str
    by: str | None = Field(None, description="user name of who amended")
    at: dt.datetime


class DocumentOut(Schema):
    id: int
    name: str
    file_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="download address (the scope check applies)")


class MinutesOut(Schema):
    review: str
    tasks_ahead: str
    discussion: str
    political_news: str
    dues_collected_vnd: int | None = None


class GroupMeetingOut(Schema):
    id: int
    group: str | None = None
    title: str
    status: str


class MeetingOut(Schema):
    id: int
    unit: str
    kind: str
    kind_label: str
    form: str
    form_label: str
    status: str
    status_label: str
    title: str
    on: dt.date
    starts_at: dt.time | None = None
    place: str
    online_link: str
    online_platform: str
    online_ground: str
    online_reason: str
    agenda: str
    check_in_opens_at: dt.datetime | None = None
    check_in_closes_at: dt.datetime | None = None
    expected_count: int | None = Field(None, description="fixed when the meeting is closed")
    present_count: int | None = None
    cancel_reason: str
    closed_at: dt.datetime | None = None


class MeetingDetailOut(MeetingOut):
    unable_in_person: int | None = None
    parent: int | None = Field(None, description="the branch meeting of a party group's one")
    group: str | None = None
    closed_by: str | None = None
    minutes: MinutesOut
    quorum: QuorumOut
    invitations: list[InvitationOut]
    resolutions: list[ResolutionOut]
    amendments: list[AmendmentOut]
    documents: list[DocumentOut]
    group_meetings: list[GroupMeetingOut]


class AttendanceItemOut(Schema):
    meeting_id: int
    unit: str
    on: dt.date
    kind: str
    form: str
    status: str
    status_label: str
    reason: str | None = REASON


class AttendanceSummaryOut(Schema):
    meetings: int
    present: int
    absent_excused: int
    absent_unexcused: int
    rate: float | None = None


class AttendanceRecordOut(Schema):
    member_id: str
    start: dt.date = Field(description="first day of the period")
    end: dt.date = Field(description="day after the period")
    summary: AttendanceSummaryOut
    items: list[AttendanceItemOut]


class WarningOut(Schema):
    kind: str
    label: str
    unit_code: str
    period: str
    detail: str
    member_id: str = ""
    meeting_id: int | None = None


class ReportRowOut(Schema):
    code: str
    name: str
    branches: int
    regular_required: int
    regular_held: int
    regular_rate: float | None = None
    thematic_required: int
    thematic_held: int
    by_kind: dict[str, int]
    by_form: dict[str, int]
    expected: int
    present: int
    attendance_rate: float | None = None
    branches_with_warnings: int
    warnings: int


class WarnedBranchOut(Schema):
    code: str
    name: str
    warnings: int
    by_kind: dict[str, int] = Field(description="warnings by kind (label: count)")


class ReportOut(Schema):
    unit_code: str
    unit_name: str
    start: dt.date
    end: dt.date = Field(description="day after the period")
    judged_on: dt.date
    total: ReportRowOut
    rows: list[ReportRowOut] = Field(description="one per child unit (drill-down)")
    warnings: list[WarningOut] = Field(
        description="the first warnings (at most 200), branch by branch in the order of the "
        "tree; all of them: the pages of /units/{code}/activity-warnings"
    )
    warnings_total: int = Field(description="how many warnings in all")
    warned_branches: list[WarnedBranchOut] = Field(
        description="the branches with the most warnings (at most 50), the most first"
    )
    warned_branches_total: int = Field(description="how many branches have any warning")


# --- requests -------------------------------------------------------------------------------


class _In(Schema):
    """A request body: no text may carry a NUL character (PostgreSQL cannot store one)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("không được chứa ký tự NUL")
        return value


class PlanIn(_In):
    """Plan a meeting. Online needs a link and a reason, and the unit must be eligible (HD
    03-HD/TW); in person needs a place. The unit's members on the day are invited."""

    kind: MeetingKind
    form: MeetingForm = MeetingForm.IN_PERSON
    on: Day
    starts_at: LocalTime | None = None
    title: str = Field("", max_length=300)
    place: str = Field("", max_length=300)
    online_link: str = Field("", max_length=500)
    online_platform: str = Field("", max_length=100)
    online_reason: str = Field("", max_length=500)
    unable_in_person: int | None = Field(
        None, ge=0, le=COUNT_MAX, description="members declared unable to meet in person"
    )
    agenda: str = Field("", max_length=TEXT_MAX)
    guests: list[MemberId] = Field(
        default_factory=list,
        max_length=50,
        description="member ids of guests (members of the committee above), outside the count",
    )


class AttendanceRowIn(_In):
    member_id: MemberId
    status: Status
    reason: str = Field("", max_length=300, description="needed for absent_excused")


class AttendanceIn(_In):
    attendance: list[AttendanceRowIn] = Field(min_length=1, max_length=5000)


class MinutesIn(_In):
    """Only the sections sent are written."""

    review: str | None = Field(None, max_length=TEXT_MAX, description="review of the period")
    tasks_ahead: str | None = Field(None, max_length=TEXT_MAX)
    discussion: str | None = Field(None, max_length=TEXT_MAX)
    political_news: str | None = Field(None, max_length=TEXT_MAX)
    dues_collected_vnd: int | None = Field(None, ge=0, le=DUES_MAX)


class ResolutionIn(_In):
    title: str = Field(max_length=300)
    text: str = Field("", max_length=TEXT_MAX)
    votes_for: int = Field(ge=0, le=COUNT_MAX)
    votes_against: int = Field(0, ge=0, le=COUNT_MAX)
    votes_abstain: int = Field(0, ge=0, le=COUNT_MAX)


class CancelIn(_In):
    reason: str = Field(max_length=500)


class AmendmentIn(_In):
    """`field`: a minutes section, place, agenda, title, starts_at, or `attendance:<member id>`
    (then `value` is an attendance status)."""

    field: str = Field(min_length=1, max_length=80)
    value: str | int | None = Field(description="the corrected value")
    reason: str = Field(max_length=500)


class CheckInOpenIn(_In):
    at: Moment | None = Field(None, description="when the window opens (default: now)")


class ExcusedIn(_In):
    member_id: MemberId
    reason: str = Field(min_length=1, max_length=300)


class ConfirmIn(_In):
    excused: list[ExcusedIn] = Field(
        default_factory=list,
        max_length=5000,
        description="members not checked in who are absent with a reason (others: without)",
    )


class MeetingFilter(Schema):
    start: Day | None = Field(None, alias="from", description="from this day (inclusive)")
    end: Day | None = Field(None, alias="to", description="to this day (exclusive)")
    status: MeetingStatus | None = None
    kind: MeetingKind | None = None


class PeriodFilter(Schema):
    start: Day | None = Field(None, alias="from", description="default: a year before today")
    end: Day | None = Field(
        None,
        alias="to",
        description="exclusive; default: tomorrow; after `from` and at most 10 years after it "
        "(422 otherwise)",
    )


class ReportPeriodFilter(Schema):
    start: Day | None = Field(
        None, alias="from", description="default (with `to`): 1 January of this year"
    )
    end: Day | None = Field(
        None,
        alias="to",
        description="exclusive; default: tomorrow; after `from` and at most 10 years after it "
        "(422 otherwise). Without both: this year to date, as the report page (answered from "
        "the precomputed figures); `to` alone: the 366 days before it; `from` alone: to today",
    )


def label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class MyGroupMeetingOut(Schema):
    id: int
    title: str
    starts_at: dt.time | None = None
    place: str


class MyMeetingOut(MeetingOut):
    unit_name: str
    role: str | None = Field(
        None, description="how the member is called: member, participant, guest"
    )
    checked_in_at: dt.datetime | None = None
    check_in_open: bool
    group_meeting: MyGroupMeetingOut | None = Field(
        None, description="by-group meetings: the member's own party group's meeting"
    )


class MyMeetingsOut(Schema):
    member_id: str
    open: list[MyMeetingOut] = Field(description="check-in open now (each listed here only)")
    upcoming: list[MyMeetingOut] = Field(description="the other meetings from today, soonest first")
    next: MyMeetingOut | None = Field(None, description="the first of `upcoming`")
