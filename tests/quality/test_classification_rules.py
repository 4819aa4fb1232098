"""The classification rules refuse at decision time what they must, with the rule's message:
the excellent quota within a comparable group, the discipline caps, members not rated, the
order of steps, the 366 bands; and the decisions go through the rulebook's proposals."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.authority import catalogue
from coso.authority.models import Proposal, ProposalStatus
from coso.authority.proposals import decide_proposal
from coso.core.errors import CosoError
from coso.members.models import Member
from coso.members.operations import exempt_member
from coso.quality import operations as ops
from coso.quality.models import Classification
from tests.cast import Cast
from tests.quality.conftest import DECIDED_2024, DECIDED_2025, more_branches


def _rate(unit, level, year=2024, **kw):  # type: ignore[no-untyped-def]
    on = kw.pop("on", DECIDED_2024 if year < 2025 else DECIDED_2025)
    return ops.classify_unit(unit, year=year, level=level, decision=None, on=on, **kw)


def test_excellent_quota_within_the_comparable_group(cast: Cast) -> None:
    extra = more_branches(cast.C, 5)
    for unit in (cast.B, cast.B2, *extra[:3]):
        _rate(unit, "good")
    # 5 good + this one = 6 rated good or better: 20% of 6 allows 1 excellent.
    assert _rate(extra[3], "excellent").level == "excellent"
    with pytest.raises(CosoError) as refused:
        _rate(extra[4], "excellent")
    message = str(refused.value)
    assert "vượt hạn mức «Hoàn thành xuất sắc nhiệm vụ»" in message
    assert "124-QĐ/TW" in message and "tối đa 1 xuất sắc, đã có 1" in message
    assert not Classification.objects.filter(unit=extra[4]).exists()
    # A branch of another commune is another group: its own quota (here none yet rated: 0).
    with pytest.raises(CosoError, match="tối đa 0 xuất sắc"):
        _rate(cast.BC2, "excellent")
    _rate(extra[4], "good")


def test_disciplined_unit_cannot_be_excellent_unless_it_found_the_violation(cast: Cast) -> None:
    extra = more_branches(cast.C, 6)
    for unit in extra[:5]:
        _rate(unit, "good")
    with pytest.raises(CosoError) as refused:
        _rate(cast.B, "excellent", disciplined=True, discipline_decision="12-QĐ/ĐU")
    assert "bị kỷ luật trong năm 2024 (quyết định số 12-QĐ/ĐU)" in str(refused.value)
    assert "không được xếp loại cao hơn «Hoàn thành tốt nhiệm vụ»" in str(refused.value)
    with pytest.raises(CosoError, match="ghi số quyết định kỷ luật"):
        _rate(cast.B, "good", disciplined=True)
    rated = _rate(
        cast.B, "excellent", disciplined=True, discipline_decision="12-QĐ/ĐU", self_detected=True
    )
    assert rated.disciplined and rated.discipline_self_detected


def test_members_exempt_or_suspended_are_not_rated_and_the_branch_goes_first(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    b2 = Member.objects.get(member_id="CAST-B2")
    with pytest.raises(CosoError, match="tập thể trước, cá nhân sau — chi bộ «B»"):
        ops.classify_member(b1, year=2024, level="good", decision=None, on=DECIDED_2024)
    _rate(cast.B, "good")
    assert ops.classify_member(b1, year=2024, level="good", decision=None, on=DECIDED_2024)
    exempt_member(b2, on=dt.date(2024, 6, 1), reason="illness", illness_months=4)
    with pytest.raises(CosoError, match="miễn công tác và sinh hoạt đảng: không đánh giá"):
        ops.classify_member(b2, year=2024, level="good", decision=None, on=DECIDED_2024)
    b2x = Member.objects.get(member_id="CAST-B2X")
    _rate(cast.B2, "good")
    ops.comment_review(b2x, year=2024, comment="", level="good", votes_for=3, suspended=True)
    with pytest.raises(CosoError, match="đình chỉ sinh hoạt"):
        ops.classify_member(b2x, year=2024, level="good", decision=None, on=DECIDED_2024)


def test_disciplined_member_is_capped(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    _rate(cast.B, "good")
    ops.comment_review(
        b1,
        year=2024,
        comment="Bị khiển trách",
        level="complete",
        votes_for=3,
        disciplined=True,
        discipline_decision="05-QĐ/CB",
    )
    with pytest.raises(CosoError) as refused:
        ops.classify_member(b1, year=2024, level="good", decision=None, on=DECIDED_2024)
    assert "(quyết định số 05-QĐ/CB)" in str(refused.value)
    assert "không được xếp loại cao hơn «Hoàn thành nhiệm vụ»" in str(refused.value)
    rated = ops.classify_member(b1, year=2024, level="complete", decision=None, on=DECIDED_2024)
    assert rated.disciplined and rated.discipline_decision == "05-QĐ/CB"


def test_lower_levels_before_higher(cast: Cast) -> None:
    _rate(cast.B, "good")
    _rate(cast.B2, "good", year=2023)  # another year's rating does not count for 2024
    with pytest.raises(CosoError, match=r"cấp dưới xếp loại trước, cấp trên sau .* B2"):
        _rate(cast.C, "good")
    _rate(cast.B2, "good")
    assert _rate(cast.C, "good").regulation == "124-QĐ/TW"


def test_regulation_366_bands_from_2025(cast: Cast) -> None:
    with pytest.raises(CosoError, match="thang 100 điểm, cần nhập điểm"):
        _rate(cast.B, "good", year=2025)
    with pytest.raises(CosoError) as refused:
        _rate(cast.B, "good", year=2025, score=92)
    assert "92 điểm thuộc mức «Hoàn thành xuất sắc nhiệm vụ» theo Quy định 366-QĐ/TW" in str(
        refused.value
    )
    with pytest.raises(CosoError, match="49 điểm thuộc mức «Không hoàn thành nhiệm vụ»"):
        _rate(cast.B, "complete", year=2025, score=49)
    rated = _rate(cast.B, "good", year=2025, score=75)
    assert (rated.regulation, rated.score) == ("366-QĐ/TW", 75)
    assert _rate(cast.B2, "not_complete", year=2023).regulation == "124-QĐ/TW"


def test_the_branch_proposes_and_the_commune_decides_with_a_numbered_decision(cast: Cast) -> None:
    act = catalogue.ACTS["classify_unit"]
    data = {
        "on": "20/12/2024",
        "year": "2024",
        "level": "good",
        "resolution_date": "15/12/2024",
        "votes_for": "7",
        "resolution_number": "09-NQ/CB",
    }
    outcome = catalogue.perform(act, cast.B, data, user=cast.secretary)
    assert outcome.proposed
    proposal = outcome.proposal
    assert (proposal.proposer, proposal.decider) == (cast.B, cast.C)
    assert not Classification.objects.filter(unit=cast.B).exists()  # filing decides nothing
    with pytest.raises(CosoError, match="Cần số quyết định"):
        decide_proposal(
            proposal,
            outcome="approved",
            decision_number="",
            on=DECIDED_2024,
            reason="",
            user=cast.committee,
            actor=cast.committee,
            channel="web",
        )
    decide_proposal(
        proposal,
        outcome="approved",
        decision_number="101-QĐ/ĐU",
        on=DECIDED_2024,
        reason="",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    rated = Classification.objects.get(unit=cast.B, current=True)
    assert (rated.level, rated.decision.number, rated.decider) == ("good", "101-QĐ/ĐU", cast.C)
    # The superior re-rates: a new decision supersedes, the old row stays as history.
    again = catalogue.perform(
        act,
        cast.B,
        {"on": "28/12/2024", "year": "2024", "level": "complete", "decision_number": "120-QĐ/ĐU"},
        user=cast.committee,
    )
    assert not again.proposed
    rows = list(Classification.objects.filter(unit=cast.B).order_by("pk"))
    assert [(r.level, r.current) for r in rows] == [("good", False), ("complete", True)]


def test_a_proposal_the_quota_refuses_is_refused_at_filing(cast: Cast) -> None:
    act = catalogue.ACTS["classify_unit"]
    data = {
        "on": "20/12/2024",
        "year": "2024",
        "level": "excellent",
        "resolution_date": "15/12/2024",
        "votes_for": "7",
    }
    with pytest.raises(CosoError, match="vượt hạn mức"):
        catalogue.perform(act, cast.B, data, user=cast.secretary)
    assert not Proposal.objects.exists()


def test_member_rating_proposed_by_the_branch(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    _rate(cast.B, "good")
    act = catalogue.ACTS["classify_member"]
    outcome = catalogue.perform(
        act,
        b1,
        {
            "on": "22/12/2024",
            "year": "2024",
            "level": "good",
            "resolution_date": "18/12/2024",
            "votes_for": "6",
        },
        user=cast.secretary,
    )
    assert outcome.proposed and outcome.proposal.decider == cast.C
    decide_proposal(
        outcome.proposal,
        outcome="returned",
        decision_number="",
        on=DECIDED_2024,
        reason="Bổ sung bản kiểm điểm",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    assert Proposal.objects.get().status == ProposalStatus.RETURNED
    assert not Classification.objects.filter(member=b1).exists()


def test_a_database_initialised_before_gets_the_acts_and_none_is_decided_without(
    cast: Cast,
) -> None:
    import importlib

    from django.apps import apps

    from coso.core.models import RuleSet
    from coso.core.rules import clear_cache

    for version in RuleSet.objects.filter(code="authority"):
        acts = {k: v for k, v in version.values["acts"].items() if not k.startswith("classify")}
        version.values = {**version.values, "acts": acts}
        version.save()
    clear_cache()
    with pytest.raises(CosoError, match="chưa quy định cấp quyết định việc «classify_unit»"):
        _rate(cast.B, "good")
    migration = importlib.import_module("coso.quality.migrations.0002_authority_acts")
    migration.add_acts(apps, None)
    clear_cache()
    assert _rate(cast.B, "good").decider == cast.C
    versions = RuleSet.objects.filter(code="authority")
    assert all("classify_member" in v.values["acts"] for v in versions)
