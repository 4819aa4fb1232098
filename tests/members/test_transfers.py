from __future__ import annotations

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members.models import MemberEvent, MemberSpan, Participation
from coso.members.operations import (
    add_participation,
    end_participation,
    end_temporary_transfer,
    receive_member,
    start_temporary_transfer,
    strike_off,
    transfer_out,
)
from coso.stats.models import DailyDelta
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, assert_tally_consistent, official, spans_on


def test_in_transit_is_counted_by_the_sender_until_received(tree: dict[str, Unit]) -> None:
    b1, b2 = tree["B1"], tree["B2"]
    m = official(b1, D(2015, 3, 2), group=tree["G1"])
    transfer_out(m, on=D(2020, 3, 2), to_unit=b2)
    m.refresh_from_db()
    day = D(2020, 3, 10)
    assert spans_on(day, unit=b1) == 1 and spans_on(day, unit=b1, in_transit=True) == 1
    assert spans_on(day, unit=b2) == 0
    # The group is left on departure.
    assert MemberSpan.objects.get(member=m, valid_from=D(2020, 3, 2)).group is None
    event = MemberEvent.objects.get(member=m, kind="transfer_out")
    assert event.other_unit == b2 and event.details["present_letter_by"] == "2020-04-13"

    receive_member(m, on=D(2020, 3, 20), branch=b2, group=tree["G3"])
    assert spans_on(D(2020, 3, 19), unit=b1, in_transit=True) == 1
    assert spans_on(D(2020, 3, 20), unit=b1) == 0
    assert spans_on(D(2020, 3, 20), unit=b2, in_transit=False, group=tree["G3"]) == 1
    assert MemberEvent.objects.get(member=m, kind="receive").details["late"] is False
    assert_snapshot_is_today(m)
    m.refresh_from_db()
    assert m.home_unit == b2 and not m.in_transit
    assert_tally_consistent()


def test_late_receipt_is_recorded_not_refused(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2015, 3, 2))
    transfer_out(m, on=D(2020, 3, 2))
    receive_member(m, on=D(2020, 6, 1), branch=tree["CB"])
    details = MemberEvent.objects.get(member=m, kind="receive").details
    assert details["late"] is True and details["working_days_in_transit"] == 65


def test_receiving_branch_must_be_a_branch(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2015, 3, 2))
    transfer_out(m, on=D(2020, 3, 2))
    with pytest.raises(CosoError, match="không phải chi bộ"):
        receive_member(m, on=D(2020, 3, 9), branch=tree["X"])
    with pytest.raises(CosoError, match="không phải tổ đảng"):
        receive_member(m, on=D(2020, 3, 9), branch=tree["B2"], group=tree["G1"])


def test_same_day_transfer_and_receipt_correct_in_place(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2015, 3, 2))
    transfer_out(m, on=D(2020, 3, 2))
    receive_member(m, on=D(2020, 3, 2), branch=tree["B2"])
    assert list(
        MemberSpan.objects.filter(member=m).values_list("unit__code", "in_transit", "valid_to")
    ) == [
        ("B1", False, D(2016, 3, 2)),
        ("B1", False, D(2020, 3, 2)),
        ("B2", False, FAR_FUTURE),
    ]
    assert_tally_consistent()


def test_temporary_transfer_keeps_the_member_at_home(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2015, 3, 2))
    before = list(DailyDelta.objects.order_by("day", "metric").values_list())
    p = start_temporary_transfer(m, on=D(2020, 3, 2), host_unit=tree["CB"])
    assert (p.kind, p.unit, p.valid_to) == ("temporary", tree["CB"], FAR_FUTURE)
    assert spans_on(D(2020, 6, 1), unit=tree["B1"]) == 1
    assert spans_on(D(2020, 6, 1), unit=tree["CB"]) == 0
    assert list(DailyDelta.objects.order_by("day", "metric").values_list()) == before
    with pytest.raises(CosoError, match="sinh hoạt tạm thời"):
        transfer_out(m, on=D(2020, 4, 1))
    with pytest.raises(CosoError, match="kết thúc sinh hoạt tạm thời"):
        end_participation(p, on=D(2020, 4, 1))
    with pytest.raises(CosoError, match="đã đang sinh hoạt tạm thời"):
        start_temporary_transfer(m, on=D(2020, 4, 1), host_unit=tree["B2"])
    end_temporary_transfer(m, on=D(2020, 4, 1))
    with pytest.raises(CosoError, match="không sinh hoạt tạm thời"):
        end_temporary_transfer(m, on=D(2020, 4, 2))
    with pytest.raises(CosoError, match="chi bộ nơi sinh hoạt chính thức"):
        start_temporary_transfer(m, on=D(2020, 4, 2), host_unit=tree["B1"])
    kinds = list(MemberEvent.objects.filter(member=m).values_list("kind", flat=True))
    assert kinds[-2:] == ["temporary_transfer", "temporary_return"]
    assert Participation.objects.get(pk=p.pk).valid_to == D(2020, 4, 1)


def test_participation_never_changes_membership_counts(tree: dict[str, Unit]) -> None:
    guard = official(tree["CB"], D(2015, 3, 2))
    before = list(DailyDelta.objects.order_by("day", "metric").values_list())
    p1 = add_participation(guard, tree["B1"], "activity", on=D(2019, 1, 7), note="biên phòng")
    add_participation(guard, tree["B2"], "residence", on=D(2019, 1, 7))
    assert list(DailyDelta.objects.order_by("day", "metric").values_list()) == before
    assert spans_on(D(2019, 6, 1)) == 1
    assert spans_on(D(2019, 6, 1), unit=tree["B1"]) == 0
    with pytest.raises(CosoError, match="đã tham gia"):
        add_participation(guard, tree["B1"], "activity", on=D(2019, 2, 1))
    with pytest.raises(CosoError, match="nơi đảng viên sinh hoạt chính thức"):
        add_participation(guard, tree["CB"], "activity", on=D(2019, 2, 1))
    with pytest.raises(CosoError, match="thao tác chuyển sinh hoạt tạm thời"):
        add_participation(guard, tree["B1"], "temporary", on=D(2019, 2, 1))
    end_participation(p1, on=D(2020, 1, 6))
    with pytest.raises(CosoError, match="đã kết thúc"):
        end_participation(p1, on=D(2020, 2, 3))
    # Received into a branch where the member took part: that participation ends.
    transfer_out(guard, on=D(2021, 1, 4))
    receive_member(guard, on=D(2021, 1, 11), branch=tree["B2"])
    assert Participation.objects.get(member=guard, unit=tree["B2"]).valid_to == D(2021, 1, 11)


def test_participation_refused_for_non_members_and_own_group(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2015, 3, 2))
    with pytest.raises(CosoError, match="nơi đảng viên sinh hoạt chính thức"):
        add_participation(m, tree["G2"], "activity", on=D(2019, 1, 7))
    with pytest.raises(CosoError, match="Chỉ đảng viên"):
        add_participation(m, tree["B2"], "activity", on=D(2014, 1, 6))  # before admission
    strike_off(m, on=D(2019, 3, 4), reason="bỏ sinh hoạt")
    with pytest.raises(CosoError, match="Chỉ đảng viên"):
        add_participation(m, tree["B2"], "activity", on=D(2019, 6, 3))
    candidate = admit(tree["B1"], D(2030, 3, 1), birth_date=D(2000, 1, 1))
    with pytest.raises(CosoError, match="Chỉ đảng viên"):
        add_participation(candidate, tree["B2"], "activity", on=D(2029, 6, 4))
