from __future__ import annotations

import datetime as dt

import pytest

from coso.core.dates import FAR_FUTURE, today
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members.models import ExternalRole, MemberSpan, Position
from coso.members.operations import (
    add_external_role,
    assign_position,
    end_external_role,
    end_position,
    exempt_member,
    member_state,
    status_on,
    strike_off,
    transfer_out,
)
from coso.stats.models import DailyDelta
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, official, spans_on


def test_positions_over_time(tree: dict[str, Unit]) -> None:
    a = official(tree["B1"], D(2010, 3, 1))
    b = official(tree["CB"], D(2010, 3, 1))
    before = list(DailyDelta.objects.order_by("day", "metric").values_list())
    decision = get_decision("BT-1", D(2015, 1, 5))
    post = assign_position(a, tree["B1"], "secretary", on=D(2015, 1, 5), decision=decision)
    assert (post.valid_from, post.valid_to, post.decision) == (D(2015, 1, 5), FAR_FUTURE, decision)
    # A member of another unit may hold a post in a committee (border guards in communes).
    assign_position(b, tree["X"], "committee_member", on=D(2015, 1, 5))
    assert list(DailyDelta.objects.order_by("day", "metric").values_list()) == before
    assert spans_on(D(2016, 1, 1), unit=tree["X"]) == 0
    with pytest.raises(CosoError, match="đang giữ chức vụ này"):
        assign_position(b, tree["B1"], "secretary", on=D(2016, 1, 4))
    with pytest.raises(CosoError, match="đã giữ chức vụ"):
        assign_position(a, tree["B1"], "secretary", on=D(2016, 1, 4))
    with pytest.raises(CosoError, match="chỉ có ở tổ đảng"):
        assign_position(a, tree["B1"], "group_leader", on=D(2016, 1, 4))
    with pytest.raises(CosoError, match="chỉ có ở tổ đảng"):
        assign_position(a, tree["G1"], "secretary", on=D(2016, 1, 4))
    with pytest.raises(CosoError, match="không hợp lệ"):
        assign_position(a, tree["B1"], "chairman", on=D(2016, 1, 4))
    with pytest.raises(CosoError, match="bắt đầu ngày"):
        end_position(post, on=D(2015, 1, 5))
    end_position(post, on=D(2020, 1, 6))
    assert Position.objects.get(pk=post.pk).valid_to == D(2020, 1, 6)
    with pytest.raises(CosoError, match="đã kết thúc"):
        end_position(post, on=D(2021, 1, 4))
    assign_position(b, tree["B1"], "secretary", on=D(2020, 1, 6))
    assign_position(a, tree["G1"], "group_leader", on=D(2020, 1, 6))


def test_posts_need_an_official_member_still_in_the_party(tree: dict[str, Unit]) -> None:
    p = admit(tree["B1"], D(2016, 3, 1))
    with pytest.raises(CosoError, match="dự bị không được ứng cử") as err:
        assign_position(p, tree["B1"], "deputy_secretary", on=D(2016, 6, 1))
    assert p.member_id in str(err.value) and "01/06/2016" in str(err.value)
    m = official(tree["B1"], D(2010, 3, 1))
    strike_off(m, on=D(2019, 4, 1), reason="x")
    with pytest.raises(CosoError, match="Chỉ đảng viên đang trong Đảng"):
        assign_position(m, tree["B1"], "committee_member", on=D(2018, 1, 8))


def test_external_roles(tree: dict[str, Unit]) -> None:
    m = official(tree["CB"], D(2010, 3, 1))
    role = add_external_role(
        m, title="Đại biểu HĐND xã", body="HĐND xã Dân Hóa", unit=tree["X"], on=D(2016, 5, 23)
    )
    assert (role.valid_from, role.valid_to) == (D(2016, 5, 23), FAR_FUTURE)
    with pytest.raises(CosoError, match="tên vai trò trống"):
        add_external_role(m, title=" ", on=D(2016, 5, 23))
    end_external_role(role, on=D(2021, 5, 23))
    assert ExternalRole.objects.get(pk=role.pk).valid_to == D(2021, 5, 23)
    assert spans_on(D(2018, 1, 1), unit=tree["X"]) == 0


def test_snapshot_shows_today_even_when_a_decision_takes_effect_later(
    tree: dict[str, Unit],
) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    later = today() + dt.timedelta(days=40)
    transfer_out(m, on=later, to_unit=tree["B2"])
    assert_snapshot_is_today(m)
    assert not m.in_transit and m.status == "official"
    assert member_state(m).span is not None and member_state(m).span.in_transit  # type: ignore[union-attr]
    # The history goes on from the later day.
    with pytest.raises(CosoError, match="theo thứ tự ngày"):
        exempt_member(m, on=today(), reason="illness")
    strike_off(m, on=later + dt.timedelta(days=10), reason="không nộp hồ sơ")
    assert_snapshot_is_today(m)
    assert m.status == "official"
    assert status_on(m, later + dt.timedelta(days=10)) == "struck_off"
    assert member_state(m).status == "struck_off"
    assert MemberSpan.objects.filter(member=m, valid_to=FAR_FUTURE).count() == 0
