"""The summary over a subtree, the command line's JSON, and bounded query counts."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from coso.members.models import Member
from coso.quality import operations as ops
from coso.quality.queries import classification_summary, clean_and_strong, rated_units
from tests.cast import Cast
from tests.quality.conftest import DECIDED_2024, DECIDED_2025, more_branches


def _rate_2024(cast: Cast) -> None:
    extra = more_branches(cast.C, 3)
    for unit in (cast.B, *extra):
        ops.classify_unit(unit, year=2024, level="good", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.B2, year=2024, level="complete", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.C, year=2024, level="good", decision=None, on=DECIDED_2024)
    b1 = Member.objects.get(member_id="CAST-B1")
    ops.classify_member(b1, year=2024, level="good", decision=None, on=DECIDED_2024)


def _cli(*args: str) -> dict:  # type: ignore[type-arg]
    out = io.StringIO()
    call_command("classification", *args, stdout=out)
    return json.loads(out.getvalue())


def test_cli_json_counts_the_subtree(cast: Cast) -> None:
    _rate_2024(cast)
    data = _cli("P", "--year", "2024", "--json")
    assert data == {
        "regulation": "124-QĐ/TW",
        # C, C2 (communes), B, B2, BX1-3, BC2 (branches); P (province) is not a rated kind.
        "units": {"excellent": 0, "good": 5, "complete": 1, "not_complete": 0, "not_rated": 2},
        # CAST-B1, B2, B2X, C2 (P); the other province's member is outside.
        "members": {"excellent": 0, "good": 1, "complete": 0, "not_complete": 0, "not_rated": 3},
    }
    only_c = _cli("C", "--year", "2024", "--json")
    assert only_c["units"]["good"] == 5 and only_c["units"]["not_rated"] == 0
    assert only_c["members"]["not_rated"] == 2
    assert _cli("Q", "--year", "2025", "--json") == {
        "regulation": "366-QĐ/TW",
        "units": {"excellent": 0, "good": 0, "complete": 0, "not_complete": 0, "not_rated": 2},
        "members": {"excellent": 0, "good": 0, "complete": 0, "not_complete": 0, "not_rated": 1},
    }


def test_cli_text_and_bad_input(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    _rate_2024(cast)
    out = io.StringIO()
    call_command("classification", "P", "--year", "2024", stdout=out)
    assert "Quy định 124-QĐ/TW" in out.getvalue() and "Hoàn thành tốt nhiệm vụ" in out.getvalue()
    with pytest.raises(SystemExit):
        call_command("classification", "NOPE", "--year", "2024")
    assert "Không có đơn vị mã «NOPE»" in capsys.readouterr().err


def test_lists_and_a_bounded_number_of_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    _rate_2024(cast)
    more_branches(cast.C2, 20, prefix="BY")
    # 12 counted live; a root with the year's summed tallies reads 4 small ones instead of 2.
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        summary = classification_summary(cast.P, 2024)
    assert summary["by_kind"]["branch"]["not_rated"] == 21
    items, count = clean_and_strong(cast.P, 2024)
    assert count == 5 and [i.code for i in items][:2] == ["B", "BX1"]
    assert {i.level for i in items} == {"good"}
    items, count = rated_units(cast.P, 2024)
    assert count == 6 and items[-1].code == "B2"
    ops.classify_unit(cast.B, year=2025, level="good", score=80, decision=None, on=DECIDED_2025)
    assert classification_summary(cast.P, 2025)["units"]["good"] == 1


def test_the_tally_counts_what_the_spans_say(cast: Cast) -> None:
    import datetime as dt

    from django.db.models import Count

    from coso.members.models import MemberSpan
    from coso.quality.queries import member_counts, root_span
    from coso.quality.tally import rebuild_year

    _rate_2024(cast)
    ops.classify_unit(cast.B2, year=2024, level="good", decision=None, on=DECIDED_2024)
    b2x = Member.objects.get(member_id="CAST-B2X")
    ops.classify_member(b2x, year=2024, level="complete", decision=None, on=DECIDED_2024)
    b1 = Member.objects.get(member_id="CAST-B1")  # re-rated: counted once, at the new level
    ops.classify_member(b1, year=2024, level="complete", decision=None, on=DECIDED_2024)
    day = dt.date(2024, 12, 31)
    expected = dict(
        MemberSpan.objects.filter(
            valid_from__lte=day,
            valid_to__gt=day,
            member__classifications__year=2024,
            member__classifications__current=True,
        )
        .values_list("member__classifications__level")
        .annotate(n=Count("pk"))
    )
    counts = member_counts(root_span(cast.P, day), 2024)
    assert {k: v for k, v in counts.items() if v and k != "not_rated"} == expected
    assert expected == {"complete": 2}
    rebuild_year(2024)
    assert member_counts(root_span(cast.P, day), 2024) == counts


def test_the_nightly_job_recounts_a_member_moved_after_the_rating(cast: Cast) -> None:
    import datetime as dt

    from coso.members.operations import receive_member, transfer_out
    from coso.quality.models import MemberTally
    from coso.quality.tally import rebuild_recent
    from coso.web.jobs import registered_jobs

    _rate_2024(cast)
    b1 = Member.objects.get(member_id="CAST-B1")
    assert MemberTally.objects.get(year=2024, level="good").unit == cast.B
    transfer_out(b1, on=dt.date(2024, 12, 26), to_unit=cast.BC2)
    receive_member(b1, on=dt.date(2024, 12, 27), branch=cast.BC2)
    assert "quality_tally" in {job.name for job in registered_jobs()}
    assert "2024" in rebuild_recent(dt.date(2025, 1, 2))
    assert MemberTally.objects.get(year=2024, level="good").unit == cast.BC2


def test_lists_cut_at_their_limit_keep_the_best(cast: Cast) -> None:
    import datetime as dt

    from coso.quality.models import CriteriaSet
    from coso.quality.presets import QUANG_BINH
    from coso.quality.queries import ranking

    extra = more_branches(cast.C, 5)
    for unit in extra:
        ops.classify_unit(unit, year=2024, level="good", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.B2, year=2024, level="complete", decision=None, on=DECIDED_2024)
    ops.classify_unit(cast.B, year=2024, level="excellent", decision=None, on=DECIDED_2024)
    items, count = rated_units(cast.P, 2024, limit=2)
    assert count == 7 and [i.level for i in items] == ["excellent", "good"]
    criteria = CriteriaSet.objects.get(family=QUANG_BINH["family"], version=1)
    start, end = dt.date(2024, 1, 1), dt.date(2025, 1, 1)
    for unit, points in ((cast.B, 3), (cast.B2, 9), (extra[0], 6)):
        assessment = ops.start_assessment(unit, criteria, start=start, end=end)
        ops.save_self_assessment(assessment, scores={"T1.1": points}, breaches=[])
    top = ranking(cast.P, start, limit=2)
    assert [(r.assessment.unit.code, r.total) for r in top] == [("B2", 9), ("BX1", 6)]
