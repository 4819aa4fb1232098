from __future__ import annotations

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members.models import MemberEvent, MemberSpan, Participation, Position
from coso.members.operations import (
    add_participation,
    assign_position,
    change_group,
    exempt_member,
    expel_member,
    record_death,
    record_leaving,
    return_from_exemption,
    strike_off,
    transfer_out,
)
from coso.units.models import Unit

from .helpers import D, admit, assert_tally_consistent, official, spans_on


@pytest.mark.parametrize(
    ("gender", "birth", "ok"),
    [
        ("male", D(1960, 3, 2), True),  # 60 on the day
        ("male", D(1960, 3, 3), False),
        ("female", D(1965, 3, 2), True),  # 55 on the day
        ("female", D(1965, 3, 3), False),
    ],
)
def test_exemption_for_age_checks_the_age(
    tree: dict[str, Unit], gender: str, birth: D, ok: bool
) -> None:
    m = official(tree["B1"], D(2000, 3, 1), gender=gender, birth_date=birth)
    on = D(2020, 3, 2)
    if ok:
        exempt_member(m, on=on, reason="age")
        assert spans_on(on, exempt=True) == 1 and spans_on(D(2020, 3, 1), exempt=True) == 0
        assert m.exempt
    else:
        with pytest.raises(CosoError, match="cần từ") as err:
            exempt_member(m, on=on, reason="health")
        assert m.member_id in str(err.value) and "02/03/2020" in str(err.value)


def test_exemption_for_illness_and_return(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    with pytest.raises(CosoError, match="lý do miễn"):
        exempt_member(m, on=D(2020, 3, 2), reason="busy")
    with pytest.raises(CosoError, match="từ 3 tháng"):
        exempt_member(m, on=D(2020, 3, 2), reason="illness", illness_months=2)
    with pytest.raises(CosoError, match="không được miễn"):
        return_from_exemption(m, on=D(2020, 3, 2))
    exempt_member(m, on=D(2020, 3, 2), reason="illness", illness_months=3)
    assert MemberEvent.objects.get(member=m, kind="exempt").details["reason"] == "illness"
    with pytest.raises(CosoError, match="đang được miễn"):
        exempt_member(m, on=D(2020, 4, 1), reason="illness")
    return_from_exemption(m, on=D(2020, 9, 1))
    assert list(MemberSpan.objects.filter(member=m).values_list("exempt", flat=True)) == [
        False,
        False,
        True,
        False,
    ]
    assert not m.exempt
    assert_tally_consistent()


def test_exempt_members_keep_the_flag_through_a_transfer(tree: dict[str, Unit]) -> None:
    from coso.members.operations import receive_member

    m = official(tree["B1"], D(2010, 3, 1))
    exempt_member(m, on=D(2020, 3, 2), reason="illness")
    transfer_out(m, on=D(2020, 6, 1))
    receive_member(m, on=D(2020, 6, 8), branch=tree["B2"])
    assert spans_on(D(2020, 7, 1), unit=tree["B2"], exempt=True) == 1


def test_expulsion_is_for_official_members_only(tree: dict[str, Unit]) -> None:
    m = admit(tree["B1"], D(2016, 3, 1))
    with pytest.raises(CosoError, match="dự bị chỉ bị kỷ luật khiển trách") as err:
        expel_member(m, on=D(2016, 9, 1))
    assert m.member_id in str(err.value) and "01/09/2016" in str(err.value)
    strike_off(m, on=D(2016, 9, 1), reason="vi phạm tư cách")
    m.refresh_from_db()
    assert (m.status, m.ended_on) == ("struck_off", D(2016, 9, 1))


@pytest.mark.parametrize(
    ("end", "status"),
    [
        (lambda m, on: strike_off(m, on=on, reason="không đóng đảng phí 3 tháng"), "struck_off"),
        (lambda m, on: expel_member(m, on=on), "expelled"),
        (lambda m, on: record_leaving(m, on=on), "left"),
        (lambda m, on: record_death(m, on=on), "deceased"),
    ],
)
def test_endings_close_the_span_and_the_posts(tree: dict[str, Unit], end, status: str) -> None:  # type: ignore[no-untyped-def]
    m = official(tree["B1"], D(2010, 3, 1))
    post = assign_position(m, tree["B1"], "secretary", on=D(2015, 1, 5))
    add_participation(m, tree["B2"], "residence", on=D(2015, 1, 5))
    end(m, D(2019, 4, 1))
    m.refresh_from_db()
    assert (m.status, m.ended_on, m.in_transit, m.exempt) == (status, D(2019, 4, 1), False, False)
    assert m.home_unit == tree["B1"]  # the last home, for lists of former members
    assert MemberSpan.objects.filter(member=m, valid_to=FAR_FUTURE).count() == 0
    assert spans_on(D(2019, 3, 31)) == 1 and spans_on(D(2019, 4, 1)) == 0
    assert Position.objects.get(pk=post.pk).valid_to == D(2019, 4, 1)
    assert Participation.objects.get(member=m).valid_to == D(2019, 4, 1)
    event = MemberEvent.objects.filter(member=m).last()
    assert event is not None and len(event.details["positions_ended"]) == 1
    assert_tally_consistent()


def test_an_ending_on_the_day_the_span_opened_drops_that_span(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    transfer_out(m, on=D(2019, 4, 1))
    record_death(m, on=D(2019, 4, 1))
    assert list(MemberSpan.objects.filter(member=m).values_list("valid_to", flat=True)) == [
        D(2011, 3, 1),
        D(2019, 4, 1),
    ]
    assert_tally_consistent()


def test_change_group_needs_a_group_of_the_home_branch(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1), group=tree["G1"])
    with pytest.raises(CosoError, match="không phải tổ đảng thuộc chi bộ «B1»"):
        change_group(m, on=D(2019, 4, 1), group=tree["G3"])
    change_group(m, on=D(2019, 4, 1), group=tree["G2"])
    change_group(m, on=D(2019, 5, 2), group=None)
    assert list(MemberSpan.objects.filter(member=m).values_list("group__code", flat=True)) == [
        "G1",
        "G1",
        "G2",
        None,
    ]
    assert spans_on(D(2019, 4, 15), unit=tree["B1"]) == 1


def test_history_is_appended_in_date_order(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    transfer_out(m, on=D(2019, 4, 1))
    with pytest.raises(CosoError, match="theo thứ tự ngày") as err:
        strike_off(m, on=D(2019, 3, 1), reason="x")
    assert m.member_id in str(err.value) and "01/04/2019" in str(err.value)
