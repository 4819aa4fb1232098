"""The proposals API: list by unit and status, read one, decide it (same scope as the pages)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from coso.authority import catalogue
from coso.authority.models import Proposal, ProposalStatus
from coso.core.dates import today
from coso.members.models import Member, MemberStatus
from coso.stats.queries import stats_as_of
from tests.authority.filing import file_strike_off, resolution
from tests.cast import Cast


def _api(cast: Cast, name: str) -> tuple[Client, dict[str, str]]:
    return Client(), {"Authorization": f"Bearer {cast.token(name)}"}


def _get(cast: Cast, name: str, url: str, **query: Any) -> Any:
    client, headers = _api(cast, name)
    return client.get(url, query, headers=headers)


def _decide(cast: Cast, name: str, pk: int, **body: Any) -> Any:
    client, headers = _api(cast, name)
    return client.post(
        f"/api/v1/proposals/{pk}/decide", body, content_type="application/json", headers=headers
    )


def test_list_by_unit_and_status(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    listed = _get(cast, "committee", "/api/v1/proposals", unit="C").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["id"], item["act"], item["member"], item["decider"], item["proposer"]) == (
        proposal.pk,
        "strike_off",
        "CAST-B2",
        "C",
        "B",
    )
    assert item["status"] == "pending" and item["resolution"]["votes_for"] == 7
    assert item["due_on"] == proposal.due_on.isoformat() and item["overdue"] is False
    assert _get(cast, "secretary", "/api/v1/proposals", unit="B").json()["count"] == 1
    assert _get(cast, "committee", "/api/v1/proposals", status="approved").json()["count"] == 0
    assert _get(cast, "committee", "/api/v1/proposals", unit="QB").status_code == 404
    assert _get(cast, "outsider", "/api/v1/proposals").json()["count"] == 0
    assert _get(cast, "member", "/api/v1/proposals").status_code == 404


def test_read_one_with_its_history_and_404_outside(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    body = _get(cast, "secretary", f"/api/v1/proposals/{proposal.pk}").json()
    assert [e["kind"] for e in body["history"]] == ["filed"]
    assert body["params"] == {"reason": "Bỏ sinh hoạt 3 tháng liền"}
    for name in ("outsider", "member"):
        response = _get(cast, name, f"/api/v1/proposals/{proposal.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _get(cast, "committee", "/api/v1/proposals/999999").status_code == 404


def test_committee_approves_through_the_api_and_the_figures_change(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    before = stats_as_of(cast.B, today())["members"]["total"]
    day = today().isoformat()
    # The secretary proposes; deciding is not theirs: 404, nothing written.
    refused = _decide(
        cast, "secretary", proposal.pk, outcome="approved", decision_number="1", on=day
    )
    assert refused.status_code == 404
    assert (
        _decide(
            cast, "outsider", proposal.pk, outcome="approved", decision_number="1", on=day
        ).status_code
        == 404
    )
    missing = _decide(cast, "committee", proposal.pk, outcome="approved", on=day)
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "decision_number"
    early = _decide(
        cast, "committee", proposal.pk, outcome="approved", decision_number="7", on="2020-03-01"
    )
    assert early.status_code == 409 and early.json()["code"] == "refused"
    assert Proposal.objects.get().status == ProposalStatus.PENDING
    assert Member.objects.get(member_id="CAST-B2").status == MemberStatus.PROBATIONARY
    response = _decide(
        cast, "committee", proposal.pk, outcome="approved", decision_number="88-QĐ/ĐU", on=day
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["decision"]["number"] == "88-QĐ/ĐU"
    assert body["decided_by"] == "cast.committee"
    assert [e["kind"] for e in body["history"]] == ["filed", "approved"]
    assert body["history"][1]["channel"] == "api"
    assert Member.objects.get(member_id="CAST-B2").status == MemberStatus.STRUCK_OFF
    assert stats_as_of(cast.B, today())["members"]["total"] == before - 1
    again = _decide(cast, "committee", proposal.pk, outcome="rejected", reason="x", on=day)
    assert again.status_code == 409


def test_rejection_through_the_api_leaves_the_member(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    day = today().isoformat()
    assert _decide(cast, "officer", proposal.pk, outcome="rejected", on=day).status_code == 422
    response = _decide(cast, "officer", proposal.pk, outcome="rejected", on=day, reason="Chưa đủ")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Member.objects.get(member_id="CAST-B2").status == MemberStatus.PROBATIONARY
    bad = _decide(cast, "officer", proposal.pk, outcome="maybe", on=day)
    assert bad.status_code == 422


def test_sensitive_fields_of_a_proposal_are_hidden_from_a_committee_member(cast: Cast) -> None:
    data = resolution(
        member_id="AD-API-1",
        full_name="Đỗ Văn Nam",
        gender="male",
        birth_date="1994-06-01",
        national_id="044094000777",
        religion="Không",
    )
    proposal = catalogue.perform(
        catalogue.ACTS["admit"], cast.B, data, user=cast.secretary
    ).proposal
    assert proposal is not None
    seen = _get(cast, "committee", f"/api/v1/proposals/{proposal.pk}").json()["params"]
    assert "national_id" not in seen and "religion" not in seen and seen["member_id"] == "AD-API-1"
    officer = _get(cast, "officer", f"/api/v1/proposals/{proposal.pk}").json()["params"]
    assert officer["national_id"] == "044094000777"
