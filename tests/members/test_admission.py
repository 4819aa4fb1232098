from __future__ import annotations

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.members.operations import admit_member, create_candidate, name_keys
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, assert_tally_consistent, official, spans_on


def test_admission_opens_a_probationary_span_from_the_ceremony(tree: dict[str, Unit]) -> None:
    decision = get_decision("123-QĐ/HU", D(2016, 3, 1))
    m = admit_member(
        member_id="DV-1",
        full_name="  Trần  Thị Bích ",
        gender="female",
        birth_date=D(1990, 1, 1),
        branch=tree["B1"],
        group=tree["G1"],
        admitted_on=D(2016, 3, 1),
        ceremony_on=D(2016, 3, 15),
        decision=decision,
        national_id="044190000001",
        card_no="",
    )
    span = MemberSpan.objects.get(member=m)
    assert (span.unit, span.group, span.status, span.valid_from, span.valid_to) == (
        tree["B1"],
        tree["G1"],
        "probationary",
        D(2016, 3, 15),
        FAR_FUTURE,
    )
    event = MemberEvent.objects.get(member=m)
    assert (event.kind, event.decision, event.decided_on, event.effective_on) == (
        "admit",
        decision,
        D(2016, 3, 1),
        D(2016, 3, 15),
    )
    assert (m.full_name, m.card_no, m.national_id) == ("Trần Thị Bích", None, "044190000001")
    assert (m.sort_key, m.search_name) == ("b0i0c0h04 t0r0a2n01 t0h0i05", "tran thi bich")
    assert (m.first_admitted_on, m.admitted_on, m.probation_from) == (
        D(2016, 3, 1),
        D(2016, 3, 1),
        D(2016, 3, 15),
    )
    assert spans_on(D(2016, 3, 14)) == 0 and spans_on(D(2016, 3, 15), status="probationary") == 1
    assert_snapshot_is_today(m)
    assert m.status == "probationary" and m.home_unit == tree["B1"]
    assert_tally_consistent()


def test_name_keys_fold_vietnamese() -> None:
    assert name_keys("Đặng Hữu Đức") == ("d1u1c04 d1a1n0g05 h0u1u03", "dang huu duc")


@pytest.mark.parametrize(
    ("birth", "admitted", "ok"),
    [
        (D(1998, 3, 1), D(2016, 3, 1), True),  # 18 on the day
        (D(1998, 3, 2), D(2016, 3, 1), False),  # one day short of 18
        (D(1956, 3, 1), D(2016, 3, 1), True),  # exactly 60
        (D(1956, 2, 2), D(2016, 3, 1), True),  # 60 years and 0 full months
        (D(1956, 2, 1), D(2016, 3, 1), False),  # 60 years and 1 month: over age
    ],
)
def test_admission_age_is_counted_in_months(
    tree: dict[str, Unit], birth: D, admitted: D, ok: bool
) -> None:
    if ok:
        assert admit(tree["B1"], admitted, birth_date=birth).status == "probationary"
    else:
        with pytest.raises(CosoError, match="tuổi") as err:
            admit(tree["B1"], admitted, birth_date=birth, member_id="DV-AGE")
        assert "DV-AGE" in str(err.value) and "01/03/2016" in str(err.value)
        assert not Member.objects.filter(member_id="DV-AGE").exists()


def test_over_age_needs_a_decision_of_a_committee_under_the_centre(tree: dict[str, Unit]) -> None:
    with pytest.raises(CosoError, match="quá 60 tuổi"):
        admit(tree["B1"], D(2016, 3, 1), birth_date=D(1950, 1, 1))
    allowed = get_decision("45-QĐ/TU", D(2016, 2, 1))
    m = admit(tree["B1"], D(2016, 3, 1), birth_date=D(1950, 1, 1), allow_over_age_decision=allowed)
    assert MemberEvent.objects.get(member=m).details["over_age"] is True


@pytest.mark.parametrize(
    ("ceremony", "ok"),
    [
        (D(2016, 3, 1), True),
        (D(2016, 4, 12), True),  # the 30th working day after Tue 01/03/2016
        (D(2016, 4, 13), False),
        (D(2016, 2, 29), False),  # before the decision
    ],
)
def test_ceremony_within_30_working_days_of_the_decision(
    tree: dict[str, Unit], ceremony: D, ok: bool
) -> None:
    if ok:
        m = admit(tree["B1"], D(2016, 3, 1), ceremony_on=ceremony)
        assert m.probation_from == ceremony
    else:
        with pytest.raises(CosoError, match="lễ kết nạp"):
            admit(tree["B1"], D(2016, 3, 1), ceremony_on=ceremony)
        assert MemberSpan.objects.count() == 0


def test_branch_must_be_a_home_kind_existing_then(tree: dict[str, Unit]) -> None:
    with pytest.raises(CosoError, match="không phải chi bộ"):
        admit(tree["X"], D(2016, 3, 1))
    with pytest.raises(CosoError, match="không tồn tại"):
        admit(tree["LATE"], D(2016, 3, 1))
    assert admit(tree["CB"], D(2016, 3, 1)).home_unit == tree["CB"]  # grassroots branch


def test_group_must_be_inside_the_branch(tree: dict[str, Unit]) -> None:
    with pytest.raises(CosoError, match="tổ đảng"):
        admit(tree["B1"], D(2016, 3, 1), group=tree["G3"])
    with pytest.raises(CosoError, match="tổ đảng"):
        admit(tree["B1"], D(2016, 3, 1), group=tree["B2"])


def test_introducers_are_two_official_members_on_the_day(tree: dict[str, Unit]) -> None:
    a = official(tree["B1"], D(2010, 3, 1))
    b = official(tree["B2"], D(2010, 3, 1))
    probationary = admit(tree["B1"], D(2015, 9, 1))
    m = admit(tree["B1"], D(2016, 3, 1), introducers=[a, b])
    details = MemberEvent.objects.get(member=m, kind="admit").details
    assert details["introducers"] == [a.member_id, b.member_id]
    assert details["introducers_12_months_checked"] is False
    with pytest.raises(CosoError, match=probationary.member_id):
        admit(tree["B1"], D(2016, 3, 1), introducers=[a, probationary])
    with pytest.raises(CosoError, match="cần đúng 2"):
        admit(tree["B1"], D(2016, 3, 1), introducers=[a])
    with pytest.raises(CosoError, match="cần đúng 2"):
        admit(tree["B1"], D(2016, 3, 1), introducers=[a, a])
    # Not yet official on the day (recognized 01/03/2011).
    with pytest.raises(CosoError, match="không phải đảng viên chính thức"):
        admit(tree["B1"], D(2011, 2, 1), introducers=[a, b])
    # The Youth Union committee and one official member.
    youth = admit(tree["B1"], D(2016, 3, 1), introducers=[a], introduced_by_youth_union=True)
    assert youth.status == "probationary"


def test_decision_date_must_match_the_admission_day(tree: dict[str, Unit]) -> None:
    with pytest.raises(CosoError, match="ký ngày"):
        admit(tree["B1"], D(2016, 3, 1), decision=get_decision("1-QĐ", D(2016, 2, 1)))


def test_a_candidate_is_admitted_in_place_and_admission_happens_once(
    tree: dict[str, Unit],
) -> None:
    c = create_candidate(
        member_id="DV-C",
        full_name="Lê Văn Cường",
        gender="male",
        birth_date=D(1990, 1, 1),
        branch=tree["B1"],
        occupation="giáo viên",
    )
    assert (c.status, c.home_unit, MemberSpan.objects.filter(member=c).count()) == (
        "candidate",
        tree["B1"],
        0,
    )
    with pytest.raises(CosoError, match="«DV-C» không dùng được"):
        create_candidate(member_id="DV-C", full_name="X", gender="male", birth_date=D(1990, 1, 1))
    m = admit(tree["B1"], D(2016, 3, 1), member_id="DV-C", full_name="Lê Văn Cường")
    assert m.pk == c.pk and m.status == "probationary" and m.occupation == "giáo viên"
    # Admitted once: the id is no longer usable for a new admission (and the answer says no
    # more than that, wherever the id belongs).
    with pytest.raises(CosoError, match="«DV-C» không dùng được"):
        admit(tree["B1"], D(2016, 6, 1), member_id="DV-C")
    with pytest.raises(TypeError):
        admit(tree["B1"], D(2016, 6, 1), nickname="x")
    with pytest.raises(CosoError, match="giới tính"):
        admit(tree["B1"], D(2016, 6, 1), gender="nam")


def test_sort_keys_follow_the_vietnamese_alphabet() -> None:
    names = [
        "Lê Văn Dũng",
        "Nguyễn Văn Đức",
        "Đỗ Văn Đức",
        "Vũ Thị Ăn",
        "Trần Thị An",
        "Bùi Thị Ân",
        "Trần Văn Anh",
        "Lê Thị Ơn",
        "Trần Văn Ôn",
        "Phạm On",
        "Trần Văn Ước",
        "Lê Uyên",
        "Lê Án",
    ]
    ordered = sorted(names, key=lambda n: name_keys(n)[0])
    assert ordered == [
        "Trần Thị An",
        "Lê Án",
        "Trần Văn Anh",
        "Vũ Thị Ăn",
        "Bùi Thị Ân",
        "Lê Văn Dũng",
        "Đỗ Văn Đức",
        "Nguyễn Văn Đức",
        "Phạm On",
        "Trần Văn Ôn",
        "Lê Thị Ơn",
        "Lê Uyên",
        "Trần Văn Ước",
    ]
