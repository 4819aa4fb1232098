"""Criteria sets and assessments: a new version never rewrites a finished assessment; the
evidence prefilled matches the data it cites; self-assessment → proposal → review → decision."""

from __future__ import annotations

import datetime as dt

import pytest

from coso.authority.proposals import decide_proposal
from coso.core.errors import CosoError
from coso.meetings.models import Invitation, Meeting
from coso.meetings.operations import close_meeting, plan_meeting, record_attendance
from coso.meetings.reports import meeting_report
from coso.quality import operations as ops
from coso.quality.criteria import from_lines, to_lines
from coso.quality.models import Assessment, CriteriaSet
from coso.quality.presets import QUANG_BINH
from tests.cast import Cast

Y2024 = (dt.date(2024, 1, 1), dt.date(2025, 1, 1))


def _qb() -> CriteriaSet:
    return CriteriaSet.objects.get(family=QUANG_BINH["family"], version=1)


def test_presets_are_shipped_and_the_template_is_labelled() -> None:
    qb = _qb()
    assert qb.template and "MẪU chờ văn bản chính thức" in qb.name
    assert len(qb.good) == 5 and len(qb.no) == 4 and qb.max_points == 100
    four = CriteriaSet.objects.get(family="4-tot-21-nq-tw")
    assert not four.template and len(four.good) == 4 and "21-NQ/TW" in four.source


def test_a_new_version_leaves_past_assessments_intact(cast: Cast) -> None:
    qb = _qb()
    assessment = ops.start_assessment(cast.B, qb, start=Y2024[0], end=Y2024[1])
    ops.save_self_assessment(assessment, scores={"T1.1": 9, "T4.2": 7}, breaches=["K1"])
    ops.decide_assessment(
        assessment, total=85, breaches=[], decision=None, on=dt.date(2024, 12, 30)
    )
    before = dict(qb.content)
    content = from_lines(to_lines(qb.content).replace("Tốt về chất lượng", "Rất tốt về chất lượng"))
    content["pass_points"] = 90
    v2 = ops.save_criteria_set(
        family=qb.family,
        name=qb.name,
        unit_kinds=qb.unit_kinds,
        categories=[],
        effective_from=dt.date(2025, 1, 1),
        source=qb.source,
        content=content,
        template=True,
    )
    assert (v2.version, v2.previous) == (2, qb)
    assessment.refresh_from_db()
    assert assessment.criteria_set_id == qb.pk and assessment.passed is True
    assert CriteriaSet.objects.get(pk=qb.pk).content == before
    assert assessment.scores == {"T1.1": 9, "T4.2": 7} and assessment.self_total == 16
    # The version in use refuses any edit in place, with the reason.
    qb.name = "Sửa tại chỗ"
    with pytest.raises(CosoError, match="đã được dùng để đánh giá: không sửa được"):
        qb.save()
    # A 2025 assessment takes the new version; the old one is no longer offered for 2025.
    with pytest.raises(CosoError, match="không phải phiên bản áp dụng"):
        ops.start_assessment(cast.B2, qb, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    later = ops.start_assessment(cast.B2, v2, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1))
    assert later.criteria_set.pass_points == 90


def test_line_format_refuses_with_the_line(cast: Cast) -> None:
    with pytest.raises(CosoError, match="Dòng 2"):
        from_lines("+ T1 | Tốt\n? nonsense")
    with pytest.raises(CosoError, match="điểm từ 1 đến 100"):
        from_lines("+ T1 | Tốt\n  - T1.1 | Con | 500")


def _meeting(cast: Cast, kind: str, day: dt.date, present: list[str]) -> Meeting:
    meeting = plan_meeting(cast.B, kind=kind, on=day, place="Nhà văn hóa")
    statuses = {
        inv.member.member_id: ("present" if inv.member.member_id in present else "absent_excused")
        for inv in Invitation.objects.filter(meeting=meeting).select_related("member")
    }
    record_attendance(meeting, statuses, reasons={"CAST-B2": "ốm"})
    return close_meeting(meeting)


def test_prefilled_evidence_matches_the_data_it_cites(cast: Cast) -> None:
    for month in (1, 2, 3):
        _meeting(cast, "regular", dt.date(2024, month, 10), ["CAST-B1"])
    _meeting(cast, "thematic", dt.date(2024, 5, 20), ["CAST-B1", "CAST-B2"])
    assessment = ops.start_assessment(cast.B, _qb(), start=Y2024[0], end=Y2024[1])
    figures = {f["key"]: f for f in assessment.evidence}
    assert figures["meetings.regular"]["numbers"] == [3, 12]
    assert figures["meetings.regular"]["value"] == "3/12"
    assert figures["meetings.thematic"]["numbers"] == [1, 4]
    invitations = Invitation.objects.filter(meeting__unit=cast.B)
    present = invitations.filter(status="present").count()
    assert figures["meetings.attendance"]["numbers"] == [present, invitations.count()] == [5, 8]
    assert figures["meetings.attendance"]["value"] == "62,5%"
    # Each figure names its source and links to the report over the same period.
    report = meeting_report(cast.B, *Y2024, on=Y2024[1])
    assert report.total.regular_held == 3 and report.total.present == 5
    for key, figure in figures.items():
        if not key.startswith("meetings."):
            continue
        assert "Báo cáo sinh hoạt chi bộ của B" in figure["source"]
        assert figure["link"] == "/units/B/activity-report/?from=01/01/2024&to=31/12/2024"


def test_self_assessment_through_review_to_the_superiors_decision(cast: Cast) -> None:
    assessment = ops.start_assessment(cast.B, _qb(), start=Y2024[0], end=Y2024[1])
    scores = {s["code"]: s["points"] - 1 for c in _qb().good for s in c["sub"]}  # 90 points
    ops.save_self_assessment(assessment, scores=scores, breaches=[], user=cast.secretary)
    assert assessment.self_total == 90
    outcome = ops.submit_assessment(
        assessment,
        {"on": "20/12/2024", "resolution_date": "18/12/2024", "votes_for": "6"},
        user=cast.secretary,
    )
    assert outcome.proposed and assessment.status == "pending"
    with pytest.raises(CosoError, match="đã gửi đề nghị"):
        ops.save_self_assessment(assessment, scores={}, breaches=[])
    ops.review_assessment(
        assessment,
        total=78,
        breaches=["K3"],
        note="Có đảng viên vi phạm QĐ 37",
        user=cast.committee,
    )
    decide_proposal(
        assessment.proposal,
        outcome="returned",
        decision_number="",
        on=dt.date(2024, 12, 22),
        reason="Tự chấm chưa sát",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.status == "returned" and assessment.editable
    ops.save_self_assessment(
        assessment, scores={**scores, "T5.1": 0}, breaches=["K3"], user=cast.secretary
    )
    assert assessment.review_total is None  # the vetting was of the scores sent back
    outcome = ops.submit_assessment(
        assessment,
        {"on": "27/12/2024", "resolution_date": "26/12/2024", "votes_for": "6"},
        user=cast.secretary,
    )
    decide_proposal(
        outcome.proposal,
        outcome="approved",
        decision_number="88-QĐ/ĐU",
        on=dt.date(2024, 12, 30),
        reason="",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    assessment = Assessment.objects.get(pk=assessment.pk)
    assert (assessment.decided_total, assessment.decided_breaches) == (81, ["K3"])
    assert assessment.passed is False  # a "no" criterion broken bars the title
    assert assessment.decision.number == "88-QĐ/ĐU" and assessment.decider == cast.C


def test_a_criteria_set_applies_to_its_kinds_and_categories(cast: Cast) -> None:
    from coso.quality.queries import criteria_for_unit
    from coso.units.operations import create_unit
    from tests.cast import START

    village = create_unit(
        code="BV", name="Chi bộ thôn", kind="branch", parent=cast.C, on=START, tags=["village"]
    )
    only_villages = ops.save_criteria_set(
        family="thon-ban",
        name="Tiêu chí chi bộ thôn, bản",
        unit_kinds=["branch"],
        categories=["village"],
        effective_from=dt.date(2022, 1, 1),
        source="Hướng dẫn",
        content=QUANG_BINH["content"],
    )
    for_village = criteria_for_unit(village, *Y2024)
    for_b = criteria_for_unit(cast.B, *Y2024)
    assert only_villages in for_village and only_villages not in for_b
    assert _qb() in for_b  # the province's template: every grassroots kind
    assert criteria_for_unit(cast.C, *Y2024) == []  # a commune committee is not assessed here
    with pytest.raises(CosoError, match="không áp dụng cho «B»"):
        ops.start_assessment(cast.B, only_villages, start=Y2024[0], end=Y2024[1])


def test_prefilled_directive_steps_match_the_follow_through(cast: Cast) -> None:
    from coso.followup.operations import report_step
    from coso.followup.queries import directive_timeliness
    from tests.followup.helpers import cascaded, step_of

    directive = cascaded(cast)  # cascaded to P's branches (B among them) 60 days ago
    study = step_of(directive, "B", "study")
    report_step(study, done_on=study.due, actor=cast.secretary)  # on time
    plan = step_of(directive, "B", "plan")
    report_step(plan, done_on=plan.due + dt.timedelta(days=1), actor=cast.secretary)  # late
    start, end = study.due - dt.timedelta(days=400), study.due + dt.timedelta(days=400)
    assessment = ops.start_assessment(cast.B, _qb(), start=start, end=end)
    figure = {f["key"]: f for f in assessment.evidence}["directives.on_time"]
    cited = directive_timeliness(cast.B, start, end)
    assert figure["numbers"] == [cited["on_time"], cited["due"]] and cited["on_time"] == 1
    assert cited["late"] == 1 and figure["value"] == f"1/{cited['due']}"
    assert "đúng hạn 1, trễ hạn 1" in figure["source"]
    assert figure["link"] == "/units/B/directives/"
