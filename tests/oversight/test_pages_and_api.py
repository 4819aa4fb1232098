"""Pages and API: a case opened and decided through the pages, restricted access for every
role of the cast (handling body and those above; the member sees their own case only; the
outsider 404), the API with the same scopes and answers, and the case list's query bound."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.members.models import Member
from coso.oversight.models import CaseFile, CaseStatus, DisciplineDecision, ViolationCase
from coso.oversight.queries import cases_in_subtree
from tests.cast import ROLES, Cast
from tests.oversight.conftest import case_on
from tests.oversight.objects import matrix_cases

PDF = b"%PDF-1.4\n% evidence\n%%EOF\n"


def test_the_secretary_opens_a_case_attaches_evidence_and_reprimands(cast: Cast) -> None:
    client = cast.client("secretary")
    made = client.post(
        reverse("oversight:case_new", args=["B"]),
        {
            "member_id": "CAST-B2",
            "source": "inspection",
            "items": [],
            "title": "Không tham gia sinh hoạt",
            "facts": "Vắng sinh hoạt ba tháng liền không lý do.",
            "violated_on": "01/03/2026",
            "opened_on": "01/04/2026",
        },
    )
    assert made.status_code == 302
    case = ViolationCase.objects.get()
    assert (case.handling_unit, case.member.member_id) == (cast.B, "CAST-B2")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(
            reverse("oversight:case_file_add", args=[case.pk]), {"file": upload}
        ).status_code
        == 302
    )
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    refused = client.post(reverse("oversight:case_file_add", args=[case.pk]), {"file": bad})
    assert refused.status_code == 422 and CaseFile.objects.count() == 1
    stored = CaseFile.objects.get()
    got = client.get(reverse("oversight:case_file", args=[stored.pk]))
    assert b"".join(got.streaming_content) == PDF
    page = client.get(reverse("oversight:case_decide", args=[case.pk]))
    assert page.status_code == 200 and "Kỷ luật khiển trách" in page.content.decode()
    done = client.post(
        reverse("oversight:case_decide", args=[case.pk]),
        {"form": "reprimand", "on": "10/06/2026"},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    assert DisciplineDecision.objects.get().form == "reprimand"
    detail = client.get(reverse("oversight:case", args=[case.pk])).content.decode()
    assert "Khiển trách" in detail and "bien-ban.pdf" in detail
    listed = client.get(reverse("oversight:unit_cases", args=["B"]), {"status": "decided"})
    assert f'data-case="{case.pk}"' in listed.content.decode()
    empty = client.get(reverse("oversight:unit_cases", args=["B"]), {"status": "open"})
    assert f'data-case="{case.pk}"' not in empty.content.decode()


def test_a_refusal_on_the_page_names_the_rule_and_writes_nothing(cast: Cast) -> None:
    b2 = Member.objects.get(member_id="CAST-B2")  # probationary
    case = case_on(b2, cast.B)
    page = cast.client("committee").post(
        reverse("oversight:case_decide", args=[case.pk]),
        {"form": "expulsion", "on": "10/06/2026", "decision_number": "5-QĐ/ĐU"},
    )
    assert page.status_code == 422
    assert "đảng viên dự bị" in page.content.decode()
    assert not DisciplineDecision.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# Who reads a case handled by commune C about CAST-B1, and one handled by B about CAST-B2.
SEES_ABOVE = {"admin", "officer", "committee", "member"}  # the member: their own case
SEES_BRANCH = {"admin", "officer", "committee", "secretary"}  # not another member's


@pytest.mark.parametrize("role", ROLES)
def test_case_files_only_for_the_handling_body_and_above_on_pages_and_api(
    cast: Cast, role: str
) -> None:
    refs = matrix_cases(cast)
    own = DisciplineDecision.objects.get(pk=refs["discipline_decision"]).case_id
    client = cast.client(role)
    for pk, allowed in ((refs["case_c"], SEES_ABOVE), (own, SEES_BRANCH)):
        page = client.get(reverse("oversight:case", args=[pk]))
        expected = 200 if role in allowed else (302 if role == "anonymous" else 404)
        assert page.status_code == expected, (role, pk)
        if role == "anonymous":
            continue
        api = client.get(f"/api/v1/cases/{pk}", HTTP_AUTHORIZATION=f"Bearer {cast.token(role)}")
        assert api.status_code == (200 if role in allowed else 404), (role, pk)
    # The list: roles over the unit see what is handled in its subtree, nobody else.
    listed = client.get(reverse("oversight:unit_cases", args=["C"]))
    on_c = {"admin", "officer", "committee"}
    assert listed.status_code == (200 if role in on_c else 302 if role == "anonymous" else 404)
    if listed.status_code == 200:
        body = listed.content.decode()
        assert f'data-case="{refs["case_c"]}"' in body and f'data-case="{own}"' in body
    branch = client.get(reverse("oversight:unit_cases", args=["B"]))
    if role == "secretary":
        body = branch.content.decode()  # B's own case, not the one C handles
        assert f'data-case="{own}"' in body and f'data-case="{refs["case_c"]}"' not in body


def test_the_api_decides_or_proposes_as_the_rule_set_says(cast: Cast) -> None:
    from tests.oversight.conftest import official

    b1 = official("CAST-B1")
    case = case_on(b1, cast.B)
    body = {
        "form": "expulsion",
        "on": "2026-06-10",
        "resolution_date": "2026-06-05",
        "votes_for": 5,
    }
    filed = cast.client("secretary").post(
        f"/api/v1/cases/{case.pk}/discipline",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token('secretary')}",
    )
    assert filed.status_code == 202 and filed.json()["decider"] == "C"
    decided = cast.client("committee").post(
        f"/api/v1/cases/{case.pk}/discipline",
        json.dumps({**body, "decision_number": "77-QĐ/ĐU"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token('committee')}",
    )
    assert decided.status_code == 200, decided.content
    out = decided.json()
    assert (out["form"], out["body"], out["decision_number"]) == ("expulsion", "C", "77-QĐ/ĐU")
    b1.refresh_from_db()
    assert b1.status == "expelled"
    assert AuditEntry.objects.filter(action="expulsion", channel="api").count() == 1
    outsider = cast.client("outsider").get(
        "/api/v1/units/B/cases", HTTP_AUTHORIZATION=f"Bearer {cast.token('outsider')}"
    )
    assert outsider.status_code == 404


def test_the_case_list_reads_a_fixed_number_of_queries(
    cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    members = list(Member.objects.filter(member_id__in=["CAST-B1", "CAST-B2"]))
    for i in range(30):
        case_on(members[i % 2], cast.B, violated_on=dt.date(2024, 1, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(5):
        found = cases_in_subtree(cast.P)
        assert len(found.rows) == 30 and found.count == 30
        for row in found.rows:
            _ = (row.member.full_name, row.handling_unit.code, list(row.decisions.all()))
    client = cast.client("officer")
    client.get(reverse("oversight:unit_cases", args=["P"]))  # warm the session and scope
    with django_assert_max_num_queries(16):
        assert client.get(reverse("oversight:unit_cases", args=["P"])).status_code == 200


def test_the_case_list_is_read_a_page_at_a_time_newest_first(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case of the subtree is reachable, page after page, newest first, on the page and
    through the API; a page past the last gives the last, as the other lists do."""
    from coso.oversight import queries

    monkeypatch.setattr(queries, "PER_PAGE", 4)
    members = list(Member.objects.filter(member_id__in=["CAST-B1", "CAST-B2"]))
    made = [
        case_on(members[i % 2], cast.B, violated_on=dt.date(2024, 1, 1) + dt.timedelta(days=i))
        for i in range(10)
    ]
    newest = [c.pk for c in sorted(made, key=lambda c: (c.opened_on, c.pk), reverse=True)]
    pages = [cases_in_subtree(cast.P, page=n, per_page=4) for n in (1, 2, 3)]
    assert [c.pk for p in pages for c in p.rows] == newest
    # Below the root (C, a commune) the same order, by the subtree's cases sorted.
    below = [cases_in_subtree(cast.C, page=n, per_page=4) for n in (1, 2, 3)]
    assert [c.pk for p in below for c in p.rows] == newest
    assert [p.page.number for p in pages] == [1, 2, 3] and pages[0].count == 10
    assert [c.pk for c in cases_in_subtree(cast.P, page=9, per_page=4).rows] == newest[8:]
    client = cast.client("officer")
    url = reverse("oversight:unit_cases", args=["P"])
    second = client.get(url, {"page": "2", "source": "inspection"}).content.decode()
    assert [f'data-case="{pk}"' in second for pk in newest] == [
        i in (4, 5, 6, 7) for i in range(10)
    ]
    assert "5–8" in second and 'href="?page=3&amp;source=inspection"' in second
    assert client.get(url, {"page": "x"}).status_code == 200  # not a number: the first page
    api = client.get(
        "/api/v1/units/P/cases",
        {"page": 3},
        HTTP_AUTHORIZATION=f"Bearer {cast.token('officer')}",
    ).json()
    assert (api["count"], api["limit"], api["page"], api["pages"]) == (10, 4, 3, 3)
    assert [c["id"] for c in api["items"]] == newest[8:]


def test_a_proposed_expulsion_shows_and_is_decided_on_the_proposal_page(cast: Cast) -> None:
    from tests.oversight.conftest import official

    b1 = official("CAST-B1")
    case = case_on(b1, cast.B)
    filed = cast.client("secretary").post(
        reverse("oversight:case_decide", args=[case.pk]),
        {
            "form": "expulsion",
            "on": "10/06/2026",
            "resolution_date": "05/06/2026",
            "votes_for": "6",
        },
    )
    assert filed.status_code == 302 and "/proposals/" in filed["Location"]
    committee = cast.client("committee")
    page = committee.get(filed["Location"])
    assert page.status_code == 200 and "Kỷ luật khai trừ" in page.content.decode()
    from coso.authority.models import Proposal

    proposal = Proposal.objects.get()
    decided = committee.post(
        reverse("authority:decide", args=[proposal.pk]),
        {"outcome": "approved", "decision_number": "90-QĐ/ĐU", "on": "12/06/2026", "confirm": "1"},
    )
    assert decided.status_code in (200, 302), decided.content.decode()[:500]
    b1.refresh_from_db()
    assert b1.status == "expelled"
    assert DisciplineDecision.objects.get().decision.number == "90-QĐ/ĐU"
