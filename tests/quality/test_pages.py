"""The quality pages as the cast uses them: the self-assessment through to the superior's
decision on the proposals page; classifying with the rules' refusals shown; the member's
review with the branch's and the residence's comments; outsiders get 404 on every write."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from coso.accounts.models import Role, RoleKind
from coso.core.spreadsheet import read_xlsx
from coso.members.models import Member
from coso.members.operations import add_participation
from coso.quality.models import Assessment, Classification, CriteriaSet, MemberReview
from coso.quality.presets import QUANG_BINH
from tests.cast import MODEL_BACKEND, Cast
from tests.quality.conftest import more_branches


def _qb() -> CriteriaSet:
    return CriteriaSet.objects.get(family=QUANG_BINH["family"], version=1)


def test_self_assessment_to_the_superiors_decision_through_the_pages(cast: Cast) -> None:
    secretary, committee = cast.client("secretary"), cast.client("committee")
    response = secretary.post("/units/B/quality/assess/", {"criteria": _qb().pk, "year": "2024"})
    assert response.status_code == 302
    assessment = Assessment.objects.get(unit=cast.B)
    url = f"/quality/assessments/{assessment.pk}/"
    page = secretary.get(url).content.decode()
    assert "Số liệu minh chứng" in page and "Báo cáo sinh hoạt chi bộ của B" in page
    scores = {f"score_{s['code']}": "9" for c in _qb().good for s in c["sub"]}
    assert secretary.post(url, {"action": "scores", **scores}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.self_total == 90
    # The outsider and the plain member cannot write, whatever they post: 404.
    for role in ("outsider", "member"):
        assert cast.client(role).post(url, {"action": "scores", **scores}).status_code == 404
    # The committee above may not score B's self-assessment (it reviews it).
    response = secretary.post(
        url,
        {"action": "submit", "on": "20/12/2024", "resolution_date": "18/12/2024", "votes_for": "5"},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "pending" and assessment.proposal is not None
    assert committee.post(url, {"action": "scores", **scores}).status_code == 404
    response = committee.post(url, {"action": "review", "total": "88", "note": "Đạt"})
    assert response.status_code == 302
    response = committee.post(
        f"/proposals/{assessment.proposal.pk}/decide/",
        {"outcome": "approved", "decision_number": "77-QĐ/ĐU", "on": "30/12/2024", "confirm": "1"},
    )
    assert response.status_code in (200, 302)
    assessment.refresh_from_db()
    # Approving decides on the advisory body's vetting (88), not the self-scored 90.
    assert assessment.passed is True and assessment.decided_total == 88
    assert assessment.decision.number == "77-QĐ/ĐU"
    page = secretary.get(url).content.decode()
    assert "đạt danh hiệu" in page and "77-QĐ/ĐU" in page
    # The superior re-rates with a new decision; the secretary cannot.
    again = {"action": "redecide", "on": "15/01/2025", "total": "70", "decision_number": "3/QĐ"}
    assert secretary.post(url, again).status_code == 404
    assert committee.post(url, again).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.decided_total, assessment.passed) == (70, False)
    assert assessment.decision.number == "3/QĐ"


def test_classify_page_shows_the_refusal_and_records_the_decision(cast: Cast) -> None:
    committee = cast.client("committee")
    data = {"on": "20/12/2024", "year": "2024", "level": "excellent", "decision_number": "1/QĐ"}
    page = committee.post("/units/B/quality/classify/", data)
    assert page.status_code == 200
    assert "vượt hạn mức" in page.content.decode()
    for unit in more_branches(cast.C, 5):
        response = committee.post(
            f"/units/{unit.code}/quality/classify/", {**data, "level": "good"}
        )
        assert response.status_code == 302
    assert committee.post("/units/B/quality/classify/", data).status_code == 302
    assert Classification.objects.get(unit=cast.B).level == "excellent"
    assert cast.client("outsider").post("/units/B/quality/classify/", data).status_code == 404
    # The secretary proposes: the page sends them to the proposal.
    response = cast.client("secretary").post(
        "/units/B2/quality/classify/",
        {
            "on": "20/12/2024",
            "year": "2024",
            "level": "good",
            "resolution_date": "10/12/2024",
            "votes_for": "3",
        },
    )
    assert response.status_code == 404  # B2 is not the secretary's branch


def test_member_review_branch_and_residence_comments(cast: Cast) -> None:
    b1 = Member.objects.get(member_id="CAST-B1")
    url = "/members/CAST-B1/quality/2024/"
    member = cast.client("member")
    response = member.post(url, {"action": "self", "self_level": "good", "text": "Ưu điểm..."})
    assert response.status_code == 302
    assert (
        cast.client("member")
        .post(
            "/members/CAST-B2/quality/2024/", {"action": "self", "self_level": "good", "text": "x"}
        )
        .status_code
        == 404
    )
    response = cast.client("secretary").post(
        url, {"action": "comment", "comment": "Tốt", "level": "good", "votes_for": "5"}
    )
    assert response.status_code == 302
    # A residential branch's secretary (BC2, another commune) comments on the working member.
    add_participation(b1, cast.BC2, "residence", on=dt.date(2023, 1, 1))
    user = get_user_model().objects.create_user("bc2.secretary", None, None)
    Role.objects.create(user=user, kind=RoleKind.BRANCH_SECRETARY, unit=cast.BC2)
    from django.test import Client

    residence = Client()
    residence.force_login(user, backend=MODEL_BACKEND)
    seen_by_residence = residence.get(url)
    assert seen_by_residence.status_code == 200
    # The residence reads what it needs to comment, not the self-review or the branch's vote.
    assert "Ưu điểm..." not in seen_by_residence.content.decode()
    response = residence.post(url, {"action": "residence", "unit": "BC2", "comment": "Gương mẫu"})
    assert response.status_code == 302
    review = MemberReview.objects.get(member=b1, year=2024)
    assert (review.self_level, review.branch_level) == ("good", "good")
    assert review.residence_unit == cast.BC2 and review.residence_comment == "Gương mẫu"
    # The residence's secretary cannot classify or comment for the workplace.
    assert (
        residence.post(
            url, {"action": "comment", "comment": "x", "level": "good", "votes_for": "1"}
        ).status_code
        == 404
    )
    assert cast.client("outsider").post(url, {"action": "comment"}).status_code == 404
    page = cast.client("secretary").get(url).content.decode()
    assert "Gương mẫu" in page and "Ưu điểm..." in page


def test_summary_page_and_xlsx(cast: Cast) -> None:
    committee = cast.client("committee")
    committee.post(
        "/units/B/quality/classify/",
        {"on": "20/12/2024", "year": "2024", "level": "good", "decision_number": "2/QĐ"},
    )
    page = committee.get("/units/C/quality/summary/?year=2024").content.decode()
    assert "<svg" in page and "124-QĐ/TW" in page
    unit_page = committee.get("/units/C/quality/").content.decode()
    assert 'id="trend"' in unit_page and "<title>2024: " in unit_page  # the 2024 bar
    data = committee.get("/units/C/quality/summary.xlsx?year=2024").content
    sheets = read_xlsx(data)
    assert sheets["Trong sạch vững mạnh"][1][0] == "B"


def test_an_officer_adds_a_version_from_the_page(cast: Cast) -> None:
    from tests.quality.objects import criteria_and_assessment

    criteria, assessment = criteria_and_assessment(cast)
    url = f"/quality/criteria/{criteria.pk}/new-version/"
    officer = cast.client("officer")
    form = officer.get(url).content.decode()
    assert "+ T1 | Tốt về xây dựng và thực hiện quy chế làm việc" in form  # the lines to edit
    data = {
        "name": "Bộ tiêu chí của tỉnh P (2026)",
        "unit_kinds": ["branch"],
        "effective_from": "01/01/2026",
        "source": "Hướng dẫn mới",
        "lines": "pass: 15\n+ T1 | Tốt về quy chế\n  - T1.1 | Có quy chế | 20\n! K1 | Không vi phạm",
    }
    bad = officer.post(url, {**data, "lines": "+ T1 | Tốt\n  - T1.1 | Con | 500"})
    assert bad.status_code == 200 and "điểm từ 1 đến 100" in bad.content.decode()
    response = officer.post(url, data)
    assert response.status_code == 302
    latest = CriteriaSet.objects.filter(family=criteria.family).order_by("-version").first()
    assert latest is not None and (latest.version, latest.pass_points) == (2, 15)
    assert latest.owner == cast.P and latest.previous == criteria
    criteria.refresh_from_db()
    assert criteria.max_points == 100 and assessment.criteria_set_id == criteria.pk
