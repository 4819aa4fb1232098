"""The statute of limitations checked at decision time (refused past the limit, accepted with
a recorded reason, the clock restarted by a newer violation, none for expulsion), and a
decision in the year feeding the classification caps by itself."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.authority import catalogue
from coso.core.errors import CosoError
from coso.members.models import Member
from coso.oversight.models import DisciplineDecision
from coso.oversight.queries import disciplined_in_year
from coso.oversight.statute import check_statute
from coso.quality import operations as qops
from coso.quality.models import Classification
from coso.quality.presets import install_presets
from tests.cast import Cast
from tests.oversight.conftest import case_on, official
from tests.quality.conftest import more_branches

DAY = "10/06/2026"


def _do(slug: str, subject, data, user):  # type: ignore[no-untyped-def]
    return catalogue.perform(catalogue.ACTS[slug], subject, data, user=user)


def test_reprimand_past_five_years_is_refused_unless_a_reason_is_recorded(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    case = case_on(b1, cast.B, violated_on=dt.date(2021, 4, 1), opened_on=dt.date(2026, 5, 1))
    with pytest.raises(CosoError) as refused:
        _do("reprimand", b1, {"on": DAY, "case": case.pk}, cast.secretary)
    message = str(refused.value)
    assert "hết thời hiệu kỷ luật «khiển trách» (5 năm từ ngày vi phạm 01/04/2021" in message
    assert "hết ngày 01/04/2026" in message
    assert not DisciplineDecision.objects.exists()
    reason = "Vi phạm gây hậu quả rất nghiêm trọng, phải xử lý theo kết luận của cấp trên"
    _do("reprimand", b1, {"on": DAY, "case": case.pk, "override_reason": reason}, cast.secretary)
    made = DisciplineDecision.objects.get()
    assert made.statute_expired and made.override_reason == reason
    assert (made.limitation_years, made.limitation_ends) == (5, dt.date(2026, 4, 1))


def test_warning_has_ten_years_and_a_newer_violation_restarts_the_clock(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    old = case_on(b1, cast.B, violated_on=dt.date(2021, 4, 1), opened_on=dt.date(2026, 5, 1))
    # Within ten years: a warning is still possible.
    check = check_statute(
        "member", "warning", dt.date(2021, 4, 1), newer_violations=[], on=dt.date(2026, 6, 10)
    )
    assert not check.expired and check.ends == dt.date(2031, 4, 1)
    # A newer violation within the five years restarts the reprimand's clock from its day.
    case_on(b1, cast.B, violated_on=dt.date(2025, 9, 1), opened_on=dt.date(2025, 10, 1))
    _do("reprimand", b1, {"on": DAY, "case": old.pk}, cast.secretary)
    made = DisciplineDecision.objects.get(case=old)
    assert not made.statute_expired and made.limitation_from == dt.date(2025, 9, 1)
    # A violation after the period had run out restarts nothing.
    late = check_statute(
        "member",
        "reprimand",
        dt.date(2010, 1, 1),
        newer_violations=[dt.date(2016, 1, 1)],
        on=dt.date(2026, 1, 1),
    )
    assert late.expired and not late.restarted
    # No limitation for expulsion or dissolution.
    for kind, form in (("member", "expulsion"), ("unit", "dissolution")):
        none = check_statute(
            kind, form, dt.date(1990, 1, 1), newer_violations=[], on=dt.date(2026, 1, 1)
        )
        assert none.years is None and not none.expired


def test_organizations_five_and_ten_years(cast: Cast) -> None:
    case = case_on(cast.B, cast.C, violated_on=dt.date(2019, 1, 10), opened_on=dt.date(2026, 1, 5))
    with pytest.raises(CosoError, match="hết thời hiệu kỷ luật «khiển trách»"):
        _do(
            "unit_reprimand",
            cast.B,
            {"on": DAY, "case": case.pk, "decision_number": "1"},
            cast.committee,
        )
    _do(
        "unit_warning", cast.B, {"on": DAY, "case": case.pk, "decision_number": "2"}, cast.committee
    )
    assert DisciplineDecision.objects.get().limitation_years == 10


def test_a_member_disciplined_in_the_year_is_capped_without_the_form_flag(cast: Cast) -> None:
    install_presets()
    b1 = official("CAST-B1")
    case = case_on(b1, cast.B, violated_on=dt.date(2024, 2, 1))
    _do("reprimand", b1, {"on": "15/06/2024", "case": case.pk}, cast.secretary)
    assert [d.form for d in disciplined_in_year(b1, 2024)] == ["reprimand"]
    assert disciplined_in_year(b1, 2025) == []
    on = dt.date(2024, 12, 20)
    qops.classify_unit(cast.B, year=2024, level="good", decision=None, on=on)
    with pytest.raises(
        CosoError, match=r"bị kỷ luật trong năm 2024 .* không được xếp loại cao hơn"
    ):
        qops.classify_member(b1, year=2024, level="good", decision=None, on=on)
    rated = qops.classify_member(b1, year=2024, level="complete", decision=None, on=on)
    assert rated.disciplined and rated.discipline_decision.startswith("#")


def test_a_unit_disciplined_by_others_is_capped_but_not_for_what_it_found_itself(
    cast: Cast,
) -> None:
    install_presets()
    on = dt.date(2024, 12, 20)
    found = case_on(cast.B, cast.C, violated_on=dt.date(2024, 3, 1))
    _do(
        "unit_reprimand",
        cast.B,
        {"on": "10/06/2024", "case": found.pk, "decision_number": "12-QĐ/ĐU"},
        cast.committee,
    )
    with pytest.raises(CosoError, match=r"quyết định số 12-QĐ/ĐU\): .*«Hoàn thành tốt nhiệm vụ»"):
        qops.classify_unit(cast.B, year=2024, level="excellent", decision=None, on=on)
    qops.classify_unit(cast.B, year=2024, level="good", decision=None, on=on)
    for unit in more_branches(cast.C, 3):
        qops.classify_unit(unit, year=2024, level="good", decision=None, on=on)
    own = case_on(cast.B2, cast.C, violated_on=dt.date(2024, 3, 1), source="self_report")
    _do(
        "unit_reprimand",
        cast.B2,
        {"on": "10/06/2024", "case": own.pk, "decision_number": "13-QĐ/ĐU"},
        cast.committee,
    )
    rated = qops.classify_unit(cast.B2, year=2024, level="excellent", decision=None, on=on)
    assert rated.disciplined and rated.discipline_self_detected
    assert rated.discipline_decision == "13-QĐ/ĐU"
    assert Classification.objects.get(unit=cast.B).disciplined
