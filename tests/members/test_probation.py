from __future__ import annotations

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members.models import MemberEvent, MemberSpan
from coso.members.operations import (
    probation_end,
    receive_member,
    recognize_member,
    reject_recognition,
    transfer_out,
)
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, assert_tally_consistent, spans_on


def periods(member):  # type: ignore[no-untyped-def]
    return list(
        MemberSpan.objects.filter(member=member)
        .order_by("valid_from")
        .values_list("unit__code", "status", "in_transit", "valid_from", "valid_to")
    )


def test_recognition_refused_before_the_12_months_end(tree: dict[str, Unit]) -> None:
    m = admit(tree["B1"], D(2016, 3, 1), ceremony_on=D(2016, 3, 15))
    assert probation_end(m) == D(2017, 3, 15)
    with pytest.raises(CosoError) as err:
        recognize_member(m, decided_on=D(2017, 3, 14))
    text = str(err.value)
    assert m.member_id in text and "14/03/2017" in text and "Đảng viên dự bị" in text
    assert "15/03/2017" in text  # when the probation ends
    assert MemberSpan.objects.filter(member=m).count() == 1


def test_official_from_the_end_of_probation_when_voted_in_time(tree: dict[str, Unit]) -> None:
    m = admit(tree["B1"], D(2016, 3, 1), ceremony_on=D(2016, 3, 15))
    decision = get_decision("CN-7", D(2017, 3, 20))
    recognize_member(m, decided_on=D(2017, 3, 20), decision=decision)
    assert periods(m) == [
        ("B1", "probationary", False, D(2016, 3, 15), D(2017, 3, 15)),
        ("B1", "official", False, D(2017, 3, 15), FAR_FUTURE),
    ]
    event = MemberEvent.objects.get(member=m, kind="recognize")
    assert (event.effective_on, event.decided_on, event.decision) == (
        D(2017, 3, 15),
        D(2017, 3, 20),
        decision,
    )
    assert event.details["late"] is False
    assert m.official_on == D(2017, 3, 15) and m.status == "official"
    assert spans_on(D(2017, 3, 14), status="official") == 0
    assert spans_on(D(2017, 3, 15), status="official") == 1
    assert_tally_consistent()


def test_a_late_vote_is_recorded_and_still_dates_back(tree: dict[str, Unit]) -> None:
    m = admit(tree["B1"], D(2016, 3, 1))
    recognize_member(m, decided_on=D(2017, 6, 1))
    event = MemberEvent.objects.get(member=m, kind="recognize")
    assert event.details["late"] is True
    assert event.details["working_days_after_probation"] > 30
    assert m.official_on == D(2017, 3, 1)
    assert spans_on(D(2017, 3, 1), status="official") == 1


def test_recognition_rewrites_the_spans_after_the_end_of_probation(
    tree: dict[str, Unit],
) -> None:
    """Moved during probation and voted on late, after the move: official from the end anyway."""
    m = admit(tree["B1"], D(2016, 3, 1))
    transfer_out(m, on=D(2017, 1, 9))
    receive_member(m, on=D(2017, 4, 3), branch=tree["B2"])
    recognize_member(m, decided_on=D(2017, 5, 2))
    assert periods(m) == [
        ("B1", "probationary", False, D(2016, 3, 1), D(2017, 1, 9)),
        ("B1", "probationary", True, D(2017, 1, 9), D(2017, 3, 1)),
        ("B1", "official", True, D(2017, 3, 1), D(2017, 4, 3)),
        ("B2", "official", False, D(2017, 4, 3), FAR_FUTURE),
    ]
    assert_snapshot_is_today(m)
    assert_tally_consistent()


def test_not_recognized_strikes_the_name_from_the_probationary_list(
    tree: dict[str, Unit],
) -> None:
    m = admit(tree["B1"], D(2016, 3, 1))
    with pytest.raises(CosoError, match="chưa hết"):
        reject_recognition(m, decided_on=D(2017, 2, 1))
    reject_recognition(m, decided_on=D(2017, 3, 10), decision=get_decision("XT-2", D(2017, 3, 10)))
    m.refresh_from_db()
    assert (m.status, m.ended_on) == ("not_recognized", D(2017, 3, 10))
    assert periods(m) == [("B1", "probationary", False, D(2016, 3, 1), D(2017, 3, 10))]
    assert MemberEvent.objects.get(member=m, kind="not_recognize").decision.number == "XT-2"
    with pytest.raises(CosoError, match="Xóa tên khỏi danh sách dự bị"):
        recognize_member(m, decided_on=D(2017, 4, 1))
    assert_tally_consistent()
