"""Every quality page that writes answers 404 to those who may not write there, and writes
nothing: the other province's officer, a plain member, and (where it is not theirs) the
committee member and the secretary. The GET answers are in tests/quality/matrix_pages.py."""

from __future__ import annotations

from typing import Any

import pytest

from coso.quality.models import Assessment, Classification, CriteriaSet, MemberReview
from tests.cast import Cast
from tests.quality.objects import criteria_and_assessment


def _writes(criteria: int, assessment: int) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    """(url, data, roles refused)."""
    outsiders = ("outsider", "member")
    return [
        (
            f"/quality/criteria/{criteria}/new-version/",
            {
                "name": "x",
                "unit_kinds": ["branch"],
                "effective_from": "01/01/2026",
                "source": "x",
                "lines": "+ T1 | Tốt\n  - T1.1 | Con | 10",
            },
            (*outsiders, "committee", "secretary"),
        ),
        (
            "/units/B/quality/assess/",
            {"criteria": criteria, "year": "2025"},
            (*outsiders, "officer"),
        ),
        (
            f"/quality/assessments/{assessment}/",
            {"action": "scores", "score_T1.1": "5"},
            (*outsiders, "officer"),
        ),
        (
            f"/quality/assessments/{assessment}/",
            {"action": "review", "total": "5"},
            (*outsiders, "secretary"),
        ),
        (f"/quality/assessments/{assessment}/", {"action": "nonsense"}, ("admin", "committee")),
        (
            "/units/B/quality/classify/",
            {"on": "20/12/2024", "year": "2024", "level": "good", "decision_number": "1"},
            outsiders,
        ),
        (
            "/members/CAST-B1/quality/2024/",
            {"action": "comment", "comment": "x", "level": "good", "votes_for": "1"},
            ("outsider", "member", "officer"),
        ),
        (
            "/members/CAST-B1/quality/2024/",
            {"action": "self", "self_level": "good", "text": "x"},
            ("outsider", "secretary", "committee"),
        ),
        (
            "/members/CAST-B1/quality/2024/",
            {"action": "classify", "on": "20/12/2024", "year": "2024", "level": "good"},
            ("outsider", "member"),
        ),
    ]


def _state() -> tuple[int, ...]:
    return (
        CriteriaSet.objects.count(),
        Assessment.objects.count(),
        Classification.objects.count(),
        MemberReview.objects.count(),
        sum(len(a.scores) for a in Assessment.objects.all()),
    )


@pytest.mark.django_db
def test_writes_answer_404_and_change_nothing(cast: Cast) -> None:
    criteria, assessment = criteria_and_assessment(cast)
    before = _state()
    wrong = []
    for url, data, roles in _writes(criteria.pk, assessment.pk):
        for role in roles:
            status = cast.client(role).post(url, data).status_code
            if status != 404:
                wrong.append(f"{url} {data.get('action', '')} as {role}: {status}")
    assert wrong == []
    assert _state() == before
    # Anonymous callers are sent to the login page, whatever they post.
    for url, data, _roles in _writes(criteria.pk, assessment.pk):
        assert cast.client("anonymous").post(url, data).status_code == 302
    assert _state() == before
