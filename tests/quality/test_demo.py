"""The demo's quality history on a small tree: every rated unit and every member not exempt is
classified each year, and the levels respect the year's rules (quota, caps, bands)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from coso.members.models import Member
from coso.members.operations import exempt_member
from coso.quality import demo
from coso.quality.models import Assessment, Classification
from coso.quality.queries import classification_summary
from tests.cast import Cast
from tests.quality.conftest import more_branches


def test_demo_history_follows_the_rules(cast: Cast) -> None:
    more_branches(cast.C, 12)
    exempt_member(
        Member.objects.get(member_id="CAST-B2"),
        on=dt.date(2022, 6, 1),
        reason="illness",
        illness_months=6,
    )
    report = demo.load_quality_history("P", "C", seed=3)
    assert report.assessments == 14 and report.reviews > 0
    for year, regulation in ((2023, "124-QĐ/TW"), (2024, "124-QĐ/TW"), (2025, "366-QĐ/TW")):
        summary = classification_summary(cast.P, year)
        assert summary["regulation"] == regulation
        assert summary["units"]["not_rated"] == 0  # C, C2 and the 15 branches
        assert sum(summary["units"].values()) == 17
        assert summary["members"]["not_rated"] == 1  # the exempt member only
    rows = list(Classification.objects.all())
    groups: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        groups[(row.year, row.group_key)][row.level] += 1
        if row.year >= 2025:
            assert row.score is not None
            low = {"excellent": 90, "good": 70, "complete": 50, "not_complete": 0}[row.level]
            assert row.score >= low
        if row.disciplined:
            assert row.level in ("complete", "not_complete") and row.discipline_decision
        assert row.decision is not None
    for counts in groups.values():
        assert counts["excellent"] * 5 <= counts["excellent"] + counts["good"]
    assert any(c["excellent"] for c in groups.values())  # the quota leaves room in the big group
    decided = Assessment.objects.exclude(passed=None)
    assert decided.count() == 13 and all(a.evidence for a in decided)
    assert {f["key"] for f in decided[0].evidence} >= {"meetings.regular", "meetings.attendance"}


def test_levels_respect_the_quota_for_any_group_size() -> None:
    rng = random.Random(1)
    quota = {"ratio": [1, 5], "of": ["excellent", "good"]}
    for n in range(0, 60):
        levels = Counter(demo._levels(rng, n, quota))
        assert levels["excellent"] * 5 <= levels["excellent"] + levels["good"]
        assert sum(levels.values()) == n
