"""Each discipline form's effect, done through the rulebook (the branch decides reprimand and
warning of its members, the committee above decides removal and expulsion, the committee
directly above an organization decides its discipline), and its refusal where it does not
apply; the catalogue of Regulation 37 as data; appeals kept as history."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.audit.models import AuditEntry
from coso.authority import catalogue
from coso.authority.models import Proposal
from coso.authority.proposals import decide_proposal
from coso.core.errors import CosoError
from coso.core.rules import ruleset
from coso.members.models import Member, MemberStatus, Position
from coso.members.operations import assign_position
from coso.oversight import operations as ops
from coso.oversight.acts import MEMBER_DISCIPLINE, UNIT_DISCIPLINE, act_for
from coso.oversight.models import (
    AppealOutcome,
    CaseStatus,
    DecisionStatus,
    DisciplineDecision,
    ViolationCatalogue,
)
from coso.units.models import Unit
from coso.units.operations import create_unit
from tests.cast import START, Cast
from tests.oversight.conftest import case_on, official

DAY = "10/06/2026"


def _do(slug: str, subject, data, user):  # type: ignore[no-untyped-def]
    return catalogue.perform(catalogue.ACTS[slug], subject, data, user=user)


def test_regulation_37_is_versioned_data_with_references() -> None:
    version = ViolationCatalogue.objects.get(code="37-QĐ/TW")
    assert version.effective_from == dt.date(2021, 10, 25)
    items = list(version.items.all())
    assert len(items) == 19
    assert items[0].code == "Đ1" and items[0].reference.endswith("điều 1")
    assert {i.code for i in items if i.confidence == "unsure"} >= {"Đ6", "Đ13"}
    assert next(i for i in items if i.code == "Đ14").confidence == "sure"
    values, source = ruleset("discipline", dt.date(2026, 1, 1))
    assert "69-QĐ/TW" in source and values["probationary_forms"] == ["reprimand", "warning"]


def test_the_branch_reprimands_its_own_member_and_the_audit_names_the_act(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    case = case_on(b1, cast.B)
    outcome = _do("reprimand", b1, {"on": DAY, "case": case.pk}, cast.secretary)
    assert not outcome.proposed
    made = DisciplineDecision.objects.get()
    assert (made.form, made.body, made.member) == ("reprimand", cast.B, b1)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert AuditEntry.objects.filter(action="reprimand").count() == 1
    assert AuditEntry.objects.filter(action="case_open").count() == 1
    # A second decision on the same case is refused (one decision in force per case).
    with pytest.raises(CosoError, match="không còn đang xem xét"):
        _do("warning", b1, {"on": DAY, "case": case.pk}, cast.secretary)


def test_removal_from_post_ends_the_position_and_is_refused_without_a_post(cast: Cast) -> None:
    b1, b2 = official("CAST-B1"), official("CAST-B2")
    post = assign_position(b1, cast.B, "deputy_secretary", on=dt.date(2023, 1, 5))
    case = case_on(b1, cast.B)
    data = {"on": DAY, "case": case.pk, "decision_number": "45-QĐ/ĐU"}
    # The branch may only propose: the commune committee decides (authority rule set).
    assert _do(
        "removal_from_post", b1, {**data, "resolution_date": DAY, "votes_for": "5"}, cast.secretary
    ).proposed
    outcome = _do("removal_from_post", b1, data, cast.committee)
    assert not outcome.proposed
    post.refresh_from_db()
    assert post.valid_to == dt.date(2026, 6, 10)
    made = DisciplineDecision.objects.get()
    assert (made.position, made.body, made.decision.number) == (post, cast.C, "45-QĐ/ĐU")
    b1.refresh_from_db()
    assert b1.status == MemberStatus.OFFICIAL  # still a member
    other = case_on(b2, cast.B)
    with pytest.raises(CosoError, match=r"không giữ chức vụ nào .* không thể cách chức"):
        _do("removal_from_post", b2, {**data, "case": other.pk}, cast.committee)
    assert DisciplineDecision.objects.count() == 1
    assert not Position.objects.filter(member=b2).exists()


def test_expulsion_proposed_by_the_branch_ends_the_membership_on_the_decision(cast: Cast) -> None:
    b1 = official("CAST-B1")
    case = case_on(b1, cast.B)
    filed = _do(
        "expulsion",
        b1,
        {"on": DAY, "case": case.pk, "resolution_date": "05/06/2026", "votes_for": "6"},
        cast.secretary,
    )
    assert filed.proposed and filed.proposal.decider == cast.C
    b1.refresh_from_db()
    assert b1.status == MemberStatus.OFFICIAL and not DisciplineDecision.objects.exists()
    decide_proposal(
        filed.proposal,
        outcome="approved",
        decision_number="88-QĐ/ĐU",
        on=dt.date(2026, 6, 12),
        reason="",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    b1.refresh_from_db()
    assert b1.status == MemberStatus.EXPELLED
    made = DisciplineDecision.objects.get()
    assert (made.form, made.decided_on, made.body) == ("expulsion", dt.date(2026, 6, 12), cast.C)
    assert made.limitation_years is None and not made.statute_expired


def test_a_probationary_member_may_only_be_reprimanded_or_warned(cast: Cast) -> None:
    b2 = Member.objects.get(member_id="CAST-B2")
    assert b2.status == MemberStatus.PROBATIONARY
    case = case_on(b2, cast.B)
    for slug in ("expulsion", "removal_from_post"):
        with pytest.raises(
            CosoError, match="đảng viên dự bị: chỉ bị kỷ luật khiển trách, cảnh cáo"
        ):
            _do(slug, b2, {"on": DAY, "case": case.pk, "decision_number": "9-QĐ"}, cast.committee)
        # Refused at filing too: the proposal is rehearsed.
        with pytest.raises(CosoError, match="đảng viên dự bị"):
            _do(
                slug,
                b2,
                {"on": DAY, "case": case.pk, "resolution_date": DAY, "votes_for": "4"},
                cast.secretary,
            )
    assert not Proposal.objects.exists() and not DisciplineDecision.objects.exists()
    _do("warning", b2, {"on": DAY, "case": case.pk}, cast.secretary)
    assert DisciplineDecision.objects.get().form == "warning"


def test_organization_forms_only_for_organizations(cast: Cast) -> None:
    empty = create_unit(code="BX", name="Chi bộ BX", kind="branch", parent=cast.C, on=START)
    case = case_on(empty, cast.C)
    with pytest.raises(CosoError, match="không áp dụng cho tổ chức đảng"):
        act_for(case, "expulsion")
    member_case = case_on(Member.objects.get(member_id="CAST-B1"), cast.B)
    with pytest.raises(CosoError, match="chỉ áp dụng cho tổ chức đảng"):
        act_for(member_case, "dissolution")
    assert act_for(case, "dissolution") is UNIT_DISCIPLINE["dissolution"]
    # The committee directly above decides; the secretary of another branch may not at all.
    with pytest.raises(PermissionError):
        _do("unit_dissolution", empty, {"on": DAY, "case": case.pk}, cast.secretary)
    _do(
        "unit_dissolution",
        empty,
        {"on": DAY, "case": case.pk, "decision_number": "3-QĐ/ĐU"},
        cast.committee,
    )
    empty.refresh_from_db()
    assert empty.valid_to == dt.date(2026, 6, 10)
    made = DisciplineDecision.objects.get()
    assert (made.unit, made.form, made.body) == (empty, "dissolution", cast.C)


def test_dissolution_goes_through_the_existing_operation_and_its_refusal(cast: Cast) -> None:
    case = case_on(cast.B, cast.C)
    with pytest.raises(CosoError, match="Không thể giải thể «B»"):
        _do(
            "unit_dissolution",
            cast.B,
            {"on": DAY, "case": case.pk, "decision_number": "4-QĐ"},
            cast.committee,
        )
    assert not DisciplineDecision.objects.exists()
    assert Unit.objects.get(code="B").valid_to > dt.date(2026, 6, 10)
    _do(
        "unit_warning",
        cast.B,
        {"on": DAY, "case": case.pk, "decision_number": "5-QĐ"},
        cast.committee,
    )
    assert DisciplineDecision.objects.get().form == "warning"


def test_an_appeal_reduces_or_annuls_and_the_history_stays(cast: Cast) -> None:
    b1, b2 = official("CAST-B1"), Member.objects.get(member_id="CAST-B2")
    _do("warning", b1, {"on": DAY, "case": case_on(b1, cast.B).pk}, cast.secretary)
    warning = DisciplineDecision.objects.get(member=b1)
    appeal = ops.lodge_appeal(warning, lodged_on=dt.date(2026, 6, 20), grounds="Nặng so với lỗi")
    with pytest.raises(CosoError, match="không phải cấp trên"):
        ops.decide_appeal(
            appeal,
            outcome="reduced",
            on=dt.date(2026, 7, 1),
            decided_by=cast.B,
            decision=None or _decision("1-QĐ"),
            new_form="reprimand",
            reason="x",
        )
    with pytest.raises(CosoError, match="nhẹ hơn"):
        ops.decide_appeal(
            appeal,
            outcome="reduced",
            on=dt.date(2026, 7, 1),
            decided_by=cast.C,
            decision=_decision("1-QĐ"),
            new_form="expulsion",
            reason="x",
        )
    ops.decide_appeal(
        appeal,
        outcome="reduced",
        on=dt.date(2026, 7, 1),
        decided_by=cast.C,
        decision=_decision("2-QĐ/ĐU"),
        new_form="reprimand",
        reason="Tự giác sửa",
    )
    rows = list(DisciplineDecision.objects.filter(member=b1).order_by("pk"))
    assert [(r.form, r.status) for r in rows] == [
        ("warning", DecisionStatus.REDUCED),
        ("reprimand", DecisionStatus.IN_FORCE),
    ]
    assert rows[1].replaces == rows[0] and rows[1].body == cast.C
    _do("reprimand", b2, {"on": DAY, "case": case_on(b2, cast.B).pk}, cast.secretary)
    second = DisciplineDecision.objects.get(member=b2)
    appeal = ops.lodge_appeal(second, lodged_on=dt.date(2026, 6, 15), grounds="Không vi phạm")
    ops.decide_appeal(
        appeal,
        outcome="annulled",
        on=dt.date(2026, 7, 2),
        decided_by=cast.P,
        decision=_decision("7-QĐ/TU"),
        reason="Không đủ căn cứ",
    )
    second.refresh_from_db()
    appeal.refresh_from_db()
    assert second.status == DecisionStatus.ANNULLED and appeal.outcome == AppealOutcome.ANNULLED
    with pytest.raises(CosoError, match="không còn hiệu lực"):
        ops.lodge_appeal(second, lodged_on=dt.date(2026, 8, 1), grounds="lần nữa")
    assert AuditEntry.objects.filter(action="appeal_decide").count() == 2


def _decision(number: str):  # type: ignore[no-untyped-def]
    from coso.core.models import get_decision

    return get_decision(number, dt.date(2026, 7, 1))


def test_every_form_has_its_act_in_the_rule_set(cast: Cast) -> None:
    values, _source = ruleset("authority", dt.date(2026, 1, 1))
    for act in (*MEMBER_DISCIPLINE.values(), *UNIT_DISCIPLINE.values()):
        assert act.slug in values["acts"], act.slug


def test_a_database_initialised_before_gets_the_discipline_acts(cast: Cast) -> None:
    import importlib

    from django.apps import apps

    from coso.core.models import RuleSet
    from coso.core.rules import clear_cache

    slugs = {a.slug for a in (*MEMBER_DISCIPLINE.values(), *UNIT_DISCIPLINE.values())}
    for version in RuleSet.objects.filter(code="authority"):
        acts = {k: v for k, v in version.values["acts"].items() if k not in slugs}
        version.values = {**version.values, "acts": acts}
        version.save()
    clear_cache()
    b1 = Member.objects.get(member_id="CAST-B1")
    case = case_on(b1, cast.B)
    with pytest.raises(CosoError, match="chưa quy định cấp quyết định việc «reprimand»"):
        _do("reprimand", b1, {"on": DAY, "case": case.pk}, cast.admin)
    migration = importlib.import_module("coso.oversight.migrations.0002_authority_acts")
    migration.add_acts(apps, None)
    clear_cache()
    for version in RuleSet.objects.filter(code="authority"):
        acts = version.values["acts"]
        assert slugs <= set(acts)
        assert acts["expulsion"]["decider"] == acts["expel"]["decider"]
    _do("reprimand", b1, {"on": DAY, "case": case.pk}, cast.secretary)
    assert DisciplineDecision.objects.get().body == cast.B
