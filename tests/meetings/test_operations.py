from __future__ import annotations

import datetime as dt

import pytest

from coso.core.errors import CosoError
from coso.meetings.models import (
    Amendment,
    AttendanceStatus,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    OnlineGround,
)
from coso.meetings.operations import (
    adopt_resolution,
    amend_meeting,
    close_meeting,
    consolidate_group_meetings,
    declare_special_circumstance,
    invite_guests,
    online_eligibility,
    plan_meeting,
    quorum,
    record_attendance,
    write_minutes,
)
from tests.meetings.conftest import DAY, Tree

PRESENT = AttendanceStatus.PRESENT
UNEXCUSED = AttendanceStatus.ABSENT_UNEXCUSED


def _regular(tree: Tree, **kw: object) -> Meeting:
    return plan_meeting(tree.B, kind="regular", on=DAY, place="Nhà văn hóa", **kw)  # type: ignore[arg-type]


def test_invitations_come_from_spans_and_participation(tree: Tree) -> None:
    meeting = _regular(tree, guests=[tree.members["q"]])
    rows = {i.member.member_id: i for i in meeting.invitations.select_related("member")}
    assert set(rows) == {"M1", "M2", "M3", "M4", "M5", "M6", "BP1", "Q1"}
    assert rows["M6"].exempt and not rows["M6"].counted
    assert rows["BP1"].role == InviteeRole.PARTICIPANT and not rows["BP1"].counted
    assert rows["Q1"].role == InviteeRole.GUEST and not rows["Q1"].counted
    assert sum(i.counted for i in rows.values()) == 5
    # Inviting the same guest twice adds nobody.
    assert invite_guests(meeting, [tree.members["q"]]) == 0


def test_branch_meeting_refused_for_a_commune(tree: Tree) -> None:
    with pytest.raises(CosoError, match=r"«C».*không phải chi bộ"):
        plan_meeting(tree.C, kind="regular", on=DAY, place="Hội trường")
    assert plan_meeting(tree.C, kind="committee", on=DAY, place="Hội trường").pk


def test_quorum_two_thirds_of_counted_members_exempt_excluded(tree: Tree) -> None:
    meeting = _regular(tree)
    # 5 counted (M6 exempt): two thirds rounds up to 4.
    record_attendance(meeting, {"M1": PRESENT, "M2": PRESENT, "M3": PRESENT, "M6": PRESENT})
    result = quorum(meeting)
    assert (result.expected, result.present, result.required, result.met) == (5, 3, 4, False)
    record_attendance(meeting, {"M4": PRESENT})
    assert quorum(meeting).met


def test_online_refused_for_an_ineligible_branch(tree: Tree) -> None:
    with pytest.raises(
        CosoError, match="«B» không đủ điều kiện sinh hoạt trực tuyến ngày 15/03/2024"
    ):
        plan_meeting(
            tree.B,
            kind="regular",
            on=DAY,
            form="online",
            online_link="https://meet.example/b",
            online_reason="Nhiều người đi làm xa",
            unable_in_person=2,
        )
    assert not Meeting.objects.exists()


def test_online_eligibility_grounds(tree: Tree) -> None:
    # More than half of the 5 counted members (the exempt one not counted): 3 of 5, not 2 of 4.
    assert not online_eligibility(tree.B, DAY, unable_in_person=2).allowed
    verdict = online_eligibility(tree.B, DAY, unable_in_person=3)
    assert verdict.allowed and verdict.ground == OnlineGround.UNABLE_MAJORITY
    # A border post qualifies by its category.
    assert online_eligibility(tree.BP, DAY).ground == OnlineGround.SPECIAL_CATEGORY
    # A circumstance declared on the commune covers its branches, only within its period.
    declare_special_circumstance(
        tree.C, valid_from=dt.date(2024, 3, 1), valid_to=dt.date(2024, 4, 1), reason="Bão số 3"
    )
    assert online_eligibility(tree.B, DAY).ground == OnlineGround.SPECIAL_CIRCUMSTANCE
    assert not online_eligibility(tree.B, dt.date(2024, 4, 2)).allowed
    assert not online_eligibility(tree.B2, DAY).allowed


def test_online_meeting_records_its_ground(tree: Tree) -> None:
    meeting = plan_meeting(
        tree.BP,
        kind="regular",
        on=DAY,
        form="online",
        online_link="https://meet.example/bp",
        online_platform="Zoom",
        online_reason="Đang làm nhiệm vụ tuần tra",
    )
    assert meeting.online_ground == OnlineGround.SPECIAL_CATEGORY
    with pytest.raises(CosoError, match="cần ghi lý do"):
        plan_meeting(tree.BP, kind="regular", on=DAY, form="online", online_link="https://x.vn")


def test_closing_without_attendance_refused(tree: Tree) -> None:
    meeting = _regular(tree)
    with pytest.raises(
        CosoError, match=r"Không thể khóa sổ .*«B» ngày 15/03/2024.*chưa ghi điểm danh"
    ):
        close_meeting(meeting)
    record_attendance(meeting, {"M1": PRESENT})
    with pytest.raises(CosoError, match="chưa ghi: M2"):
        close_meeting(meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def _closed(tree: Tree) -> Meeting:
    meeting = _regular(tree)
    record_attendance(
        meeting,
        {"M1": PRESENT, "M2": PRESENT, "M3": PRESENT, "M4": PRESENT, "M5": UNEXCUSED},
    )
    write_minutes(meeting, review="Tháng 3 hoàn thành", dues_collected_vnd=250000)
    adopt_resolution(meeting, title="Nghị quyết tháng 3", votes_for=4)
    return close_meeting(meeting)


def test_closed_meeting_figures_and_lock(tree: Tree) -> None:
    meeting = _closed(tree)
    assert (meeting.expected_count, meeting.present_count) == (5, 4)
    meeting.review = "sửa lén"
    with pytest.raises(CosoError, match="đã khóa sổ"):
        meeting.save()
    inv = Invitation.objects.get(meeting=meeting, member__member_id="M5")
    inv.status = PRESENT
    with pytest.raises(CosoError, match="đã khóa sổ"):
        inv.save()
    with pytest.raises(CosoError, match="đã khóa sổ"):
        write_minutes(meeting, review="x")
    with pytest.raises(CosoError, match="đã khóa sổ"):
        record_attendance(meeting, {"M5": PRESENT})
    with pytest.raises(CosoError, match="đã khóa sổ"):
        adopt_resolution(meeting, title="Thêm", votes_for=4)
    meeting.refresh_from_db()
    assert meeting.review == "Tháng 3 hoàn thành"


def test_amendment_records_who_why_before_after(tree: Tree, django_user_model) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("thu.ky")
    meeting = _closed(tree)
    with pytest.raises(CosoError, match="cần lý do"):
        amend_meeting(meeting, field="review", value="x", reason=" ")
    for field, bad in (("dues_collected_vnd", -5), ("starts_at", "25:99"), ("title", "x" * 301)):
        with pytest.raises(CosoError, match=f"«{field}».*không hợp lệ"):
            amend_meeting(meeting, field=field, value=bad, reason="Sai số")
    assert not Amendment.objects.filter(meeting=meeting).exists()
    amend_meeting(
        meeting, field="attendance:M5", value="absent_excused", reason="Có giấy ốm", by=user
    )
    amend_meeting(
        meeting, field="review", value="Tháng 3 hoàn thành tốt", reason="Sai chữ", by=user
    )
    meeting.refresh_from_db()
    assert meeting.review == "Tháng 3 hoàn thành tốt"
    assert (
        Invitation.objects.get(meeting=meeting, member__member_id="M5").status == "absent_excused"
    )
    rows = list(
        Amendment.objects.filter(meeting=meeting).values_list("field", "before", "after", "by")
    )
    assert rows == [
        ("attendance:M5", "absent_unexcused", "absent_excused", user.pk),
        ("review", "Tháng 3 hoàn thành", "Tháng 3 hoàn thành tốt", user.pk),
    ]
    with pytest.raises(CosoError, match="Không đính chính được mục «unit»"):
        amend_meeting(meeting, field="unit", value=1, reason="x")


def test_resolution_book_numbers_per_branch_and_year(tree: Tree) -> None:
    first = _closed(tree)
    second = plan_meeting(tree.B, kind="thematic", on=dt.date(2024, 4, 10), place="Nhà văn hóa")
    record_attendance(second, {m: PRESENT for m in tree.member_ids("m1", "m2", "m3")})
    with pytest.raises(CosoError, match="4 phiếu biểu quyết nhưng chỉ 3"):
        adopt_resolution(second, title="NQ", votes_for=4)
    with pytest.raises(CosoError, match="chưa quá nửa"):
        adopt_resolution(second, title="NQ", votes_for=1, votes_against=2)
    res = adopt_resolution(second, title="Chuyên đề quý II", votes_for=3)
    assert (res.number, res.year, res.label) == (2, 2024, "02-NQ/2024")
    assert first.resolutions.get().number == 1
    nxt = plan_meeting(tree.B, kind="regular", on=dt.date(2025, 1, 10), place="Nhà văn hóa")
    record_attendance(nxt, {m: PRESENT for m in tree.member_ids("m1", "m2", "m3")})
    assert adopt_resolution(nxt, title="Tháng 1", votes_for=3).number == 1


def test_by_group_meetings_consolidate_into_the_branch_record(tree: Tree) -> None:
    meeting = plan_meeting(tree.B, kind="regular", on=DAY, form="by_group", place="Nhà các tổ")
    groups = {m.group.code: m for m in meeting.group_meetings.select_related("group")}
    assert set(groups) == {"G1", "G2"}
    assert set(groups["G1"].invitations.values_list("member__member_id", flat=True)) == {
        "M1",
        "M2",
        "M3",
    }
    record_attendance(groups["G1"], {"M1": PRESENT, "M2": PRESENT, "M3": UNEXCUSED})
    record_attendance(
        groups["G2"],
        {"M4": PRESENT, "M5": PRESENT, "M6": PRESENT},
    )
    with pytest.raises(CosoError, match="tổ đảng"):  # the book is the branch's
        adopt_resolution(groups["G1"], title="Tổ 1", votes_for=2)
    consolidate_group_meetings(meeting)
    result = quorum(meeting)
    assert (result.expected, result.present) == (5, 4)
    assert adopt_resolution(meeting, title="Tháng 3", votes_for=3).number == 1
    record_attendance(meeting, {"BP1": PRESENT})
    assert close_meeting(meeting).present_count == 4


def test_committee_meeting_invites_the_committee(tree: Tree) -> None:
    from coso.members.models import Position

    # Posts written directly: the lifecycle rules of assign_position are not under test here.
    for key, role in (("m1", "secretary"), ("q", "committee_member")):
        Position.objects.create(
            member=tree.members[key], unit=tree.C, role=role, valid_from=dt.date(2023, 1, 1)
        )
    Position.objects.create(
        member=tree.members["m2"],
        unit=tree.C,
        role="committee_member",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2023, 1, 1),
    )
    meeting = plan_meeting(tree.C, kind="committee", on=DAY, place="Phòng họp")
    assert set(meeting.invitations.values_list("member__member_id", flat=True)) == {"M1", "Q1"}
    with pytest.raises(CosoError, match=r"«G1».*không có cấp ủy"):
        plan_meeting(tree.G1, kind="committee", on=DAY, place="x")


def test_temporary_transfer_counts_at_the_host_not_at_home(tree: Tree) -> None:
    from coso.members.operations import start_temporary_transfer

    start_temporary_transfer(tree.members["m5"], on=dt.date(2024, 1, 10), host_unit=tree.B2)
    home = _regular(tree)
    host = plan_meeting(tree.B2, kind="regular", on=DAY, place="Hội trường")
    assert not home.invitations.get(member__member_id="M5").counted
    hosted = host.invitations.get(member__member_id="M5")
    assert hosted.counted and hosted.role == InviteeRole.TEMPORARY
    assert quorum(home).expected == 4 and quorum(host).expected == 2


def test_cancel_and_special_circumstance_need_reasons(tree: Tree) -> None:
    from coso.meetings.operations import cancel_meeting

    meeting = _regular(tree)
    with pytest.raises(CosoError, match="cần lý do"):
        cancel_meeting(meeting, reason="")
    cancel_meeting(meeting, reason="Bão")
    with pytest.raises(CosoError, match="đã bị hủy"):
        record_attendance(meeting, {"M1": PRESENT})
    with pytest.raises(CosoError, match="«C» cần lý do"):
        declare_special_circumstance(
            tree.C, valid_from=DAY, valid_to=dt.date(2024, 4, 1), reason=" "
        )
    with pytest.raises(CosoError, match="phải sau"):
        declare_special_circumstance(tree.C, valid_from=DAY, valid_to=DAY, reason="Lũ")


def test_excused_absence_needs_a_reason_and_strangers_are_refused(tree: Tree) -> None:
    meeting = _regular(tree)
    with pytest.raises(CosoError, match=r"«M2» vắng có lý do.*cần ghi lý do"):
        record_attendance(meeting, {"M2": AttendanceStatus.ABSENT_EXCUSED})
    with pytest.raises(CosoError, match="«Q1» không có trong danh sách mời"):
        record_attendance(meeting, {"Q1": PRESENT})
    assert not meeting.invitations.exclude(status=AttendanceStatus.PENDING).exists()


def test_the_list_follows_the_registry_until_the_meeting_is_recorded(tree: Tree) -> None:
    """Planned a month ahead: a member admitted since is called, one who died is not."""
    from coso.members.operations import admit_member, record_death

    meeting = plan_meeting(
        tree.B, kind="regular", on=DAY + dt.timedelta(days=30), place="Nhà văn hóa"
    )
    newcomer = admit_member(
        member_id="M7",
        full_name="Đảng viên mới",
        gender="female",
        birth_date=dt.date(1999, 1, 1),
        branch=tree.B,
        group=tree.G1,
        admitted_on=DAY + dt.timedelta(days=10),
    )
    record_death(tree.members["m5"], on=DAY + dt.timedelta(days=20))
    with pytest.raises(CosoError, match=r"chưa ghi: .*M7"):  # the newcomer must be marked too
        close_meeting(meeting)
    record_attendance(meeting, {"M1": PRESENT})
    invited = set(meeting.invitations.values_list("member__member_id", flat=True))
    assert "M7" in invited and "M5" not in invited
    statuses = {m: PRESENT for m in ("M2", "M3", "M4", "M7")}
    record_attendance(meeting, statuses)
    closed = close_meeting(meeting)
    assert (closed.expected_count, closed.present_count) == (5, 5)
    # Once marked, a row stays: a later death does not rewrite who came.
    assert newcomer.pk in set(meeting.invitations.values_list("member_id", flat=True))
