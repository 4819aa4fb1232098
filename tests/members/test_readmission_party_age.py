from __future__ import annotations

import datetime as dt

import pytest

from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members.models import Member, MemberEvent
from coso.members.operations import (
    expel_member,
    readmit_member,
    receive_member,
    recognize_member,
    record_leaving,
    strike_off,
    transfer_out,
    transfer_out_of_system,
)
from coso.members.party_age import (
    badges_due,
    badges_due_at_next_award,
    in_party_periods,
    next_award_day,
    party_age,
    party_age_days,
)
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, assert_tally_consistent, official


def readmitted(tree: dict[str, Unit]) -> Member:
    """Admitted 10/01/2000 (ceremony 20/01), struck off 10/01/2005, readmitted 10/01/2010."""
    m = admit(tree["B1"], D(2000, 1, 10), ceremony_on=D(2000, 1, 20), birth_date=D(1975, 1, 1))
    recognize_member(m, decided_on=D(2001, 1, 22))
    strike_off(m, on=D(2005, 1, 10), reason="bỏ sinh hoạt")
    readmit_member(
        m,
        admitted_on=D(2010, 1, 11),
        ceremony_on=D(2010, 1, 15),
        branch=tree["B2"],
        decision=get_decision("KNL-1", D(2010, 1, 11)),
    )
    return m


def test_readmission_puts_the_member_on_probation_again(tree: dict[str, Unit]) -> None:
    m = readmitted(tree)
    assert (m.status, m.home_unit, m.readmissions) == ("probationary", tree["B2"], 1)
    assert (m.first_admitted_on, m.admitted_on, m.probation_from) == (
        D(2000, 1, 10),
        D(2010, 1, 11),
        D(2010, 1, 15),
    )
    assert m.ended_on is None and m.official_on is None
    event = MemberEvent.objects.get(member=m, kind="readmit")
    assert event.details["previous_status"] == "struck_off"
    with pytest.raises(CosoError, match="chưa hết"):
        recognize_member(m, decided_on=D(2010, 6, 1))
    recognize_member(m, decided_on=D(2011, 1, 17))
    assert m.official_on == D(2011, 1, 15)
    assert_snapshot_is_today(m)
    assert_tally_consistent()


def test_readmission_only_once(tree: dict[str, Unit]) -> None:
    m = readmitted(tree)
    recognize_member(m, decided_on=D(2011, 1, 17))
    strike_off(m, on=D(2012, 1, 9), reason="bỏ sinh hoạt")
    with pytest.raises(CosoError, match="Chỉ được kết nạp lại 1 lần") as err:
        readmit_member(m, admitted_on=D(2016, 1, 11), branch=tree["B1"])
    assert m.member_id in str(err.value) and "Xóa tên" in str(err.value)


def test_readmission_needs_36_months_out(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    strike_off(m, on=D(2015, 6, 1), reason="x")
    with pytest.raises(CosoError, match="ít nhất 36 tháng"):
        readmit_member(m, admitted_on=D(2018, 5, 31), branch=tree["B1"])
    readmit_member(m, admitted_on=D(2018, 6, 1), branch=tree["B1"])


def test_readmission_after_leaving_only_for_family_hardship(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1))
    record_leaving(m, on=D(2012, 6, 1))
    with pytest.raises(CosoError, match="gia đình đặc biệt khó khăn"):
        readmit_member(m, admitted_on=D(2016, 6, 1), branch=tree["B1"])
    readmit_member(m, admitted_on=D(2016, 6, 1), branch=tree["B1"], family_hardship=True)
    assert m.status == "probationary"


def test_readmission_after_expulsion_and_the_age_limit(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(2010, 3, 1), birth_date=D(1960, 1, 1))
    expel_member(m, on=D(2012, 6, 1))
    with pytest.raises(CosoError, match="quá 60 tuổi"):
        readmit_member(m, admitted_on=D(2020, 6, 1), branch=tree["B1"])
    readmit_member(m, admitted_on=D(2019, 6, 3), branch=tree["B1"])
    m2 = official(tree["B1"], D(2010, 3, 1))
    transfer_out_of_system(m2, on=D(2012, 6, 1))
    with pytest.raises(CosoError, match="Chuyển ra ngoài hệ thống"):
        readmit_member(m2, admitted_on=D(2016, 6, 1), branch=tree["B1"])


def test_party_age_counts_from_the_first_decision_minus_the_gap(tree: dict[str, Unit]) -> None:
    m = readmitted(tree)
    # First probation: no party age yet.
    assert party_age_days(m, D(2000, 6, 1)) == 0 and party_age(m, D(2000, 6, 1)) == (0, 0)
    # Official: counted from the decision of 10/01/2000, not the ceremony.
    assert party_age(m, D(2001, 1, 22)) == (1, 0)
    assert party_age_days(m, D(2001, 1, 22)) == (D(2001, 1, 22) - D(2000, 1, 10)).days
    # Struck off: the age reached on that day is kept.
    assert party_age(m, D(2008, 1, 1)) == (5, 0)
    # On probation again after readmission: 0.
    assert party_age(m, D(2010, 6, 1)) == (0, 0)
    recognize_member(m, decided_on=D(2011, 1, 17))
    # 10/01/2000 → 10/01/2020 is 20 years, minus the gap 10/01/2005 → 11/01/2010.
    gap = (D(2010, 1, 11) - D(2005, 1, 10)).days
    assert party_age_days(m, D(2020, 1, 10)) == (D(2020, 1, 10) - D(2000, 1, 10)).days - gap
    assert party_age(m, D(2020, 1, 10)) == (14, 11)
    assert party_age(m, D(2020, 1, 11)) == (15, 0)
    assert in_party_periods(m)[0] == (D(2000, 1, 10), D(2005, 1, 10))


def test_transit_is_not_a_gap_but_leaving_the_registry_keeps_counting(
    tree: dict[str, Unit],
) -> None:
    m = official(tree["B1"], D(2000, 3, 1))
    transfer_out(m, on=D(2005, 3, 1))
    receive_member(m, on=D(2005, 5, 2), branch=tree["B2"])
    assert party_age(m, D(2010, 3, 1)) == (10, 0)
    transfer_out_of_system(m, on=D(2012, 3, 1))
    assert party_age(m, D(2015, 3, 1)) == (15, 0)


def test_badges(tree: dict[str, Unit]) -> None:
    m = official(tree["B1"], D(1980, 3, 3), birth_date=D(1955, 1, 1))
    assert badges_due(m, D(2010, 3, 2)) == []
    assert badges_due(m, D(2010, 3, 3)) == [30]
    assert badges_due(m, D(2009, 3, 3), seriously_ill=True) == [30]  # 12 months early
    assert badges_due(m, D(2009, 3, 2), seriously_ill=True) == []
    assert badges_due(m, D(2025, 3, 3)) == [30, 40, 45]
    assert next_award_day(D(2025, 3, 3)) == D(2025, 5, 19)
    assert next_award_day(D(2025, 11, 8)) == D(2026, 2, 3)
    assert next_award_day(D(2025, 9, 2)) == D(2025, 9, 2)
    assert badges_due_at_next_award(m, D(2020, 1, 5)) == (D(2020, 2, 3), [30])
    assert badges_due_at_next_award(m, D(2020, 3, 4)) == (D(2020, 5, 19), [30, 40])
    strike_off(m, on=D(2026, 1, 5), reason="x")
    assert badges_due(m, D(2026, 6, 1)) == []


def test_probationary_member_has_no_badge(tree: dict[str, Unit]) -> None:
    m = admit(tree["B1"], D(2016, 3, 1))
    assert badges_due(m, D(2016, 6, 1)) == [] and party_age_days(m, D(2016, 6, 1)) == 0
    assert party_age(m, D(2017, 3, 1)) == (0, 0)
    recognize_member(m, decided_on=D(2017, 3, 1))
    assert party_age(m, D(2017, 3, 1)) == (1, 0)
    assert isinstance(party_age(m, dt.date(2018, 1, 1))[0], int)
