"""Proposals and decisions: the branch proposes, the competent committee decides.

The cast (tests/cast.py): branch B in commune C in province P; the secretary acts for B, the
committee member for C, the officer for P, the outsider for province Q.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from coso.audit.models import AuditEntry
from coso.authority import catalogue
from coso.authority.models import Proposal, ProposalEvent, ProposalStatus
from coso.authority.proposals import decide_proposal, refile_proposal
from coso.authority.queries import (
    get_proposal_for_user,
    inbox,
    inbox_counts,
    proposals_about,
    proposals_visible_to,
    shown_params,
)
from coso.authority.rules import authority_for
from coso.core.dates import add_working_days, today
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.members.models import Member, MemberStatus
from coso.stats.queries import stats_as_of
from tests.authority.filing import file_strike_off, resolution
from tests.cast import Cast


def _decide(proposal: Proposal, user: Any, outcome: str = "approved", **kw: Any) -> Proposal:
    values: dict[str, Any] = {
        "decision_number": "123-QĐ/ĐU",
        "on": today(),
        "reason": "",
        "user": user,
        "actor": user,
        "channel": "web",
    }
    values.update(kw)
    return decide_proposal(proposal, outcome=outcome, **values)


def _figures(cast: Cast) -> dict[str, Any]:
    return {code: stats_as_of(cast.units[code], today())["members"] for code in ("B", "C", "P")}


def _status(cast: Cast, member: str = "b2") -> str:
    return Member.objects.get(pk=cast.members[member].pk).status


def test_the_competent_body_is_the_commune_today_and_was_the_province_before_july_2025(
    cast: Cast,
) -> None:
    member = cast.members["b2"]
    now = authority_for("strike_off", member, dt.date(2025, 7, 1))
    assert now is not None and (now.proposer, now.decider) == (cast.B, cast.C)
    assert "294" in now.source
    # Before 01/07/2025 a district committee decided; the cast has none above B: the province.
    before = authority_for("strike_off", member, dt.date(2025, 6, 30))
    assert before is not None and (before.proposer, before.decider) == (cast.B, cast.P)


def test_filing_changes_nothing_and_approval_strikes_the_member_off(cast: Cast) -> None:
    figures = _figures(cast)
    proposal = file_strike_off(cast)

    assert proposal.status == ProposalStatus.PENDING
    assert (proposal.proposer, proposal.decider, proposal.member) == (
        cast.B,
        cast.C,
        cast.members["b2"],
    )
    assert proposal.params == {"reason": "Bỏ sinh hoạt 3 tháng liền"}
    assert (proposal.votes_for, proposal.votes_against, proposal.resolution_number) == (
        7,
        1,
        "05-NQ/CB",
    )
    assert proposal.due_on == add_working_days(today(), 30)
    assert proposal.due_on.weekday() < 5
    # The member stays in the rolls, counted as before; the rehearsal left no decision behind.
    assert _status(cast) == MemberStatus.PROBATIONARY
    assert _figures(cast) == figures
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(action="strike_off").exists()
    filed = AuditEntry.objects.get(action="proposal_file")
    assert filed.after["decider"] == "C" and filed.unit == cast.B
    assert [e.kind for e in proposal.events.all()] == ["filed"]

    decided = _decide(proposal, cast.committee)

    assert decided.status == ProposalStatus.APPROVED
    assert decided.decision is not None and decided.decision.number == "123-QĐ/ĐU"
    assert decided.decided_by == cast.committee and decided.decided_on == today()
    assert _status(cast) == MemberStatus.STRUCK_OFF
    after = _figures(cast)
    for code in ("B", "C", "P"):
        assert after[code]["total"] == figures[code]["total"] - 1
    assert [e.kind for e in decided.events.all()] == ["filed", "approved"]
    # The act's own entry and the decision's, written together.
    assert AuditEntry.objects.filter(action="strike_off").count() == 1
    entry = AuditEntry.objects.get(action="proposal_decide")
    assert entry.after["status"] == "approved" and entry.after["decision"] == "123-QĐ/ĐU"


def test_a_rejection_leaves_everything_as_it_was(cast: Cast) -> None:
    figures = _figures(cast)
    proposal = file_strike_off(cast)
    decided = _decide(
        proposal, cast.committee, "rejected", decision_number="", reason="Chưa đủ căn cứ"
    )
    assert decided.status == ProposalStatus.REJECTED and decided.reason == "Chưa đủ căn cứ"
    assert _status(cast) == MemberStatus.PROBATIONARY
    assert _figures(cast) == figures
    assert not AuditEntry.objects.filter(action="strike_off").exists()
    # A decided proposal is not decided again.
    with pytest.raises(CosoError, match="không còn chờ"):
        _decide(decided, cast.committee)
    assert _status(cast) == MemberStatus.PROBATIONARY


def test_the_secretary_and_outsiders_cannot_decide(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    for name in ("secretary", "outsider", "member"):
        with pytest.raises(PermissionError):
            _decide(proposal, cast.user(name))
    # The officer of the province decides for the commune too (a committee above it).
    assert _status(cast) == MemberStatus.PROBATIONARY
    assert Proposal.objects.get().status == ProposalStatus.PENDING


def test_who_sees_a_proposal(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    for name in ("admin", "officer", "committee", "secretary"):
        assert get_proposal_for_user(cast.user(name), proposal.pk) == proposal
    for name in ("outsider", "member", "anonymous"):
        with pytest.raises(Http404):
            get_proposal_for_user(cast.user(name), proposal.pk)
        assert not proposals_visible_to(cast.user(name)).exists()
    with pytest.raises(Http404):
        get_proposal_for_user(cast.committee, proposal.pk + 1000)
    assert list(inbox(cast.committee)) == [proposal]
    assert list(inbox(cast.officer)) == [proposal]
    assert list(inbox(cast.secretary)) == []  # B's secretary proposes; C decides
    assert list(proposals_about(cast.secretary, cast.members["b2"])) == [proposal]
    assert not proposals_about(cast.secretary, cast.members["b1"]).exists()
    assert not proposals_about(cast.outsider, cast.members["b2"]).exists()


def test_overdue_proposals_come_first_and_are_counted(cast: Cast) -> None:
    first = file_strike_off(cast, "b2")
    second = file_strike_off(cast, "b1")
    Proposal.objects.filter(pk=second.pk).update(due_on=today() - dt.timedelta(days=1))
    assert [p.pk for p in inbox(cast.committee)] == [second.pk, first.pk]
    assert inbox(cast.committee)[0].overdue
    counts = inbox_counts(cast.committee)
    assert (counts.pending, counts.overdue) == (2, 1)
    assert (inbox_counts(cast.secretary).pending, inbox_counts(cast.outsider).pending) == (0, 0)


def test_the_rules_refuse_a_proposal_at_filing(cast: Cast) -> None:
    # Before the member was admitted: the strike-off would be refused, so is the proposal.
    with pytest.raises(CosoError):
        file_strike_off(cast, on=dt.date(2020, 3, 1))
    assert not Proposal.objects.exists() and not ProposalEvent.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="proposal").exists()
    file_strike_off(cast)
    with pytest.raises(CosoError, match="đang chờ quyết định"):
        file_strike_off(cast)
    assert Proposal.objects.count() == 1


def test_an_approval_the_rules_refuse_writes_nothing(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    entries = AuditEntry.objects.count()
    with pytest.raises(CosoError):
        _decide(proposal, cast.committee, on=dt.date(2020, 3, 1))
    with pytest.raises(CosoError, match="số quyết định"):
        _decide(proposal, cast.committee, decision_number=" ")
    with pytest.raises(CosoError, match="lý do"):
        _decide(proposal, cast.committee, "returned")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING and proposal.decision is None
    assert _status(cast) == MemberStatus.PROBATIONARY
    assert not Decision.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert [e.kind for e in proposal.events.all()] == ["filed"]


def test_a_returned_proposal_is_refiled_by_its_branch(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    returned = _decide(proposal, cast.committee, "returned", reason="Bổ sung biên bản")
    assert returned.status == ProposalStatus.RETURNED
    with pytest.raises(PermissionError):
        refile_proposal(returned, note="", user=cast.committee, actor=cast.committee, channel="web")
    refiled = refile_proposal(
        returned, note="Đã bổ sung", user=cast.secretary, actor=cast.secretary, channel="web"
    )
    assert refiled.status == ProposalStatus.PENDING and refiled.decided_at is None
    assert [(e.kind, e.note) for e in refiled.events.all()] == [
        ("filed", "Bỏ sinh hoạt chi bộ 3 tháng liền không có lý do."),
        ("returned", "Bổ sung biên bản"),
        ("refiled", "Đã bổ sung"),
    ]
    with pytest.raises(CosoError):
        refile_proposal(refiled, note="", user=cast.secretary, actor=cast.secretary, channel="web")
    _decide(refiled, cast.committee)
    assert _status(cast) == MemberStatus.STRUCK_OFF


def test_history_is_only_appended(cast: Cast) -> None:
    event = file_strike_off(cast).events.get()
    event.note = "sửa"
    with pytest.raises(CosoError):
        event.save()
    with pytest.raises(CosoError):
        event.delete()


def test_an_admission_proposed_by_the_branch_creates_the_member_on_approval(cast: Cast) -> None:
    data = resolution(
        member_id="AD-NEW-1",
        full_name="Võ Thị Hoa",
        gender="female",
        birth_date="1995-02-03",
        national_id="044195000123",
    )
    act = catalogue.ACTS["admit"]
    proposal = catalogue.perform(act, cast.B, data, user=cast.secretary).proposal
    assert proposal is not None and proposal.unit == cast.B and proposal.decider == cast.C
    assert not Member.objects.filter(member_id="AD-NEW-1").exists()
    # A second admission of another person from the same branch may wait alongside.
    other = catalogue.perform(
        act, cast.B, {**data, "member_id": "AD-NEW-2", "national_id": ""}, user=cast.secretary
    ).proposal
    assert other is not None and other.pk != proposal.pk
    # The committee member may not see sensitive data; the secretary may.
    assert "national_id" not in shown_params(cast.committee, proposal)
    assert shown_params(cast.secretary, proposal)["national_id"] == "044195000123"
    decided = _decide(proposal, cast.committee)
    created = Member.objects.get(member_id="AD-NEW-1")
    assert created.home_unit == cast.B and created.status == MemberStatus.PROBATIONARY
    assert decided.result == "members.member:AD-NEW-1"


def test_the_committee_approves_an_admission_into_a_party_group_of_the_branch(
    cast: Cast,
) -> None:
    # The decision form is bound as the committee member, who decides for the commune's
    # subtree without managing its members: the group is resolved in what they decide for.
    data = resolution(
        member_id="AD-GRP-1",
        full_name="Lê Thị Hạnh",
        gender="female",
        birth_date="1996-04-05",
        group="G",
    )
    proposal = catalogue.perform(catalogue.ACTS["admit"], cast.B, data, user=cast.secretary)
    assert proposal.proposal is not None
    _decide(proposal.proposal, cast.committee)
    admitted = Member.objects.get(member_id="AD-GRP-1")
    assert admitted.home_unit == cast.B
    assert admitted.spans.get().group == cast.G
    # Outside what the committee decides for, a group is still refused, as on the page.
    with pytest.raises(catalogue.ActInvalid) as refused:
        catalogue.perform(
            catalogue.ACTS["admit"],
            cast.B,
            {**data, "member_id": "AD-GRP-2", "group": "QB", "decision_number": "9-QĐ"},
            user=cast.committee,
        )
    assert "group" in refused.value.form.errors
    assert not Member.objects.filter(member_id="AD-GRP-2").exists()
