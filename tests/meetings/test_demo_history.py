from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, F, Q

from coso.core.errors import CosoError
from coso.meetings.demo import load_meeting_history
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingStatus,
    Resolution,
)
from coso.meetings.operations import adopt_resolution, plan_meeting, record_attendance
from coso.meetings.warnings import WarningKind, activity_warnings
from coso.members.operations import admit_member
from coso.units.operations import create_unit
from tests.meetings.conftest import ADMITTED, START, Tree

BEGIN, END = dt.date(2023, 1, 1), dt.date(2025, 1, 1)


def _hoan_lao(tree: Tree) -> None:
    town = create_unit(code="19111", name="Hoàn Lão", kind="commune", parent=tree.P, on=START)
    big = create_unit(
        code="19111-CB01",
        name="Chi bộ Tiểu khu 1",
        kind="branch",
        parent=town,
        on=START,
        tags=("residential",),
    )
    for i in range(30):
        admit_member(
            member_id=f"HL{i:02d}",
            full_name=f"Người Hoàn Lão {i}",
            gender="female",
            birth_date=dt.date(1980, 1, 1),
            branch=big,
            admitted_on=ADMITTED,
        )


def test_history_is_realistic_and_consistent(tree: Tree) -> None:
    _hoan_lao(tree)
    report = load_meeting_history(seed=7, start=BEGIN, end=END)
    assert report.meetings == Meeting.objects.count() > 0
    assert report.invitations == Invitation.objects.count()
    assert report.resolutions == Resolution.objects.count()
    top = Meeting.objects.filter(parent__isnull=True)
    regular = Counter(top.filter(kind=MeetingKind.REGULAR).values_list("unit__code", flat=True))
    gap = set(report.gap_branches)
    assert len(gap) == 1
    for code in ("B", "BP", "B2", "19111-CB01"):
        assert regular[code] == 24 or (code in gap and 19 <= regular[code] < 24)
    assert top.filter(kind=MeetingKind.THEMATIC).exclude(unit__code__in=gap).count() == 3 * 8
    # Border posts meet online some months; the large Hoàn Lão branch by group some months.
    assert top.filter(unit__code="BP", form=MeetingForm.ONLINE).exists()
    assert not top.filter(form=MeetingForm.ONLINE).exclude(unit__code="BP").exists()
    by_group = top.filter(form=MeetingForm.BY_GROUP)
    assert set(by_group.values_list("unit__code", flat=True)) == {"19111-CB01"}
    first = by_group.first()
    assert first is not None
    assert first.group_meetings.count() == 3  # 30 members, about ten each
    # Closed meetings' figures agree with their invitations; the exempt member is not counted.
    mismatched = (
        Meeting.objects.filter(status=MeetingStatus.CLOSED)
        .annotate(
            n=Count("invitations", filter=Q(invitations__counted=True)),
            p=Count(
                "invitations",
                filter=Q(invitations__counted=True, invitations__status=AttendanceStatus.PRESENT),
            ),
        )
        .exclude(n=F("expected_count"), p=F("present_count"))
    )
    assert not mismatched.exists()
    assert not Invitation.objects.filter(member__member_id="M6", counted=True).exists()
    # The border guard taking part in B is invited to B's meetings, outside the count.
    assert Invitation.objects.filter(
        member__member_id="BP1", meeting__unit__code="B", counted=False
    ).exists()
    # The gap branch shows in the warnings.
    warnings = activity_warnings(tree.P, BEGIN, END, on=dt.date(2025, 2, 1))
    # Ids were written explicitly: the next meeting, invitation and resolution still insert.
    later = plan_meeting(tree.B, kind="regular", on=dt.date(2025, 1, 15), place="Hội trường")
    record_attendance(later, {"M1": AttendanceStatus.PRESENT})
    assert adopt_resolution(later, title="NQ", votes_for=1).number == 1
    missing = {w.unit_code for w in warnings if w.kind == WarningKind.NO_REGULAR}
    unrecorded = {w.unit_code for w in warnings if w.kind == WarningKind.UNRECORDED}
    assert gap <= missing and missing - gap <= unrecorded


def test_history_is_deterministic(tree: Tree) -> None:
    load_meeting_history(seed=3, start=BEGIN, end=END)
    first = list(
        Invitation.objects.order_by("meeting__unit__code", "meeting__on", "member_id").values_list(
            "meeting__unit__code", "meeting__on", "member_id", "status"
        )
    )
    with pytest.raises(CosoError, match="không nạp lịch sử sinh hoạt mẫu lần nữa"):
        load_meeting_history(seed=3, start=BEGIN, end=END)
    Resolution.objects.all().delete()
    Invitation.objects.all().delete()
    Meeting.objects.filter(parent__isnull=False).delete()
    Meeting.objects.all().delete()
    load_meeting_history(seed=3, start=BEGIN, end=END)
    again = list(
        Invitation.objects.order_by("meeting__unit__code", "meeting__on", "member_id").values_list(
            "meeting__unit__code", "meeting__on", "member_id", "status"
        )
    )
    assert first == again
