"""The demo's assessment and classification history, written in bulk for a province's subtree.

- The annual classification of every rated unit and every member (not exempt) of the subtree
  for 2023 and 2024 (Regulation 124-QĐ/TW) and 2025 (366-QĐ/TW, with scores), one numbered
  decision per deciding committee and year. The levels respect the year's rules by
  construction: the excellent quota within each comparable group, a few units and members
  disciplined in the year and capped, exempt members not rated.
- One round of the Quang Binh "five good, four no" assessment for 2024 for Hoàn Lão's branches,
  with evidence prefilled from the meetings recorded: most decided by Hoàn Lão's committee, a
  few left as drafts to show the way through.
- A few members' 2024 self-reviews with the branch's comments.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from coso.core.models import Decision
from coso.core.rules import ruleset
from coso.members.models import MemberSpan
from coso.quality import operations as ops
from coso.quality.models import Classification, CriteriaSet, Level, MemberReview
from coso.quality.presets import QUANG_BINH, install_presets
from coso.quality.tally import rebuild_year
from coso.units.models import Unit, UnitSpan
from coso.units.queries import subtree_range

YEARS = (2023, 2024, 2025)
BATCH = 5000
MEMBER_DECIDER_KINDS = ("grassroots_branch", "grassroots_committee", "commune")


@dataclass
class QualityReport:
    units: int = 0
    members: int = 0
    assessments: int = 0
    reviews: int = 0


def _levels(rng: random.Random, n: int, quota: dict[str, Any] | None) -> list[str]:
    """`n` levels for one comparable group: mostly good, some complete, a few not complete,
    and excellent up to the quota (of those rated good or better)."""
    levels: list[str] = []
    for _ in range(n):
        r = rng.random()
        levels.append(Level.NOT_COMPLETE if r < 0.04 else Level.COMPLETE if r < 0.2 else Level.GOOD)
    good = [i for i, lv in enumerate(levels) if lv == Level.GOOD]
    if quota:
        num, den = quota["ratio"]
        allowed = len(good) * num // den  # excellent taken from the good: the base stays
        for i in rng.sample(good, min(allowed, max(0, round(len(good) * 0.18)))):
            levels[i] = Level.EXCELLENT
    return levels


def _score(rng: random.Random, level: str, bands: list[list[Any]] | None) -> int | None:
    if not bands:
        return None
    lows = {lv: low for low, lv in bands}
    highs: dict[str, int] = {
        Level.EXCELLENT: 100,
        Level.GOOD: 89,
        Level.COMPLETE: 69,
        Level.NOT_COMPLETE: 49,
    }
    return rng.randint(int(lows[level]), highs[level])


def _decider_of(span: UnitSpan, spans: dict[int, UnitSpan], kinds: tuple[str, ...]) -> int:
    """The member's deciding committee: the branch if its kind is listed, else the nearest
    listed unit above (the authority rule set's `at_or_above`), else the branch's parent."""
    ids = [int(p) for p in span.path.strip("/").split("/")]
    for uid in reversed(ids):
        found = spans.get(uid)
        if found is not None and found.kind in kinds:
            return uid
    return span.parent_id or span.unit_id


def classify_year(
    root: Unit, year: int, rng: random.Random, *, tally: bool = True
) -> tuple[int, int]:
    """Bulk-write the year's classification of `root`'s subtree; (units, members) rated.
    Without `tally` the caller rebuilds the year's tallies once after several subtrees."""
    rules, _source = ruleset("classification", ops.year_end(year))
    day = ops.year_end(year)
    root_span = UnitSpan.objects.filter(unit=root, valid_from__lte=day, valid_to__gt=day).first()
    if root_span is None:
        return 0, 0
    lo, hi = subtree_range(root_span.path)
    spans = {
        s.unit_id: s
        for s in UnitSpan.objects.filter(
            path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day
        )
    }
    rated = [s for s in spans.values() if s.kind in rules["rated_unit_kinds"]]
    decided_on = dt.date(year, 12, 22)
    deciders = {s.parent_id for s in rated if s.parent_id} | {
        _decider_of(s, spans, MEMBER_DECIDER_KINDS) for s in spans.values()
    }
    codes = dict(Unit.objects.filter(pk__in=deciders).values_list("pk", "code"))
    Decision.objects.bulk_create(
        [
            Decision(
                number=f"XL{year}-{codes[d]}",
                signed_on=decided_on,
                title=f"Xếp loại chất lượng năm {year}",
            )
            for d in sorted(deciders)
        ],
        ignore_conflicts=True,
    )
    decisions = {
        d.number: d
        for d in Decision.objects.filter(signed_on=decided_on, number__startswith=f"XL{year}-")
    }
    quota = rules.get("excellent_quota")
    bands = rules.get("bands")
    groups: dict[str, list[UnitSpan]] = defaultdict(list)
    for s in sorted(rated, key=lambda s: s.path):
        tags = s.tag_list
        groups[f"u|{s.kind}|{tags[0] if tags else ''}|{s.parent_id}"].append(s)
    rows: list[Classification] = []
    unit_level: dict[int, str] = {}
    for key, members in sorted(groups.items()):
        for s, level in zip(members, _levels(rng, len(members), quota), strict=True):
            disciplined = level == Level.COMPLETE and rng.random() < 0.1
            unit_level[s.unit_id] = level
            decider = s.parent_id or s.unit_id
            rows.append(
                Classification(
                    year=year,
                    unit_id=s.unit_id,
                    level=level,
                    score=_score(rng, level, bands),
                    regulation=rules["regulation"],
                    group_key=key,
                    decider_id=decider,
                    disciplined=disciplined,
                    discipline_decision=f"KL-{year}-{s.unit_id}" if disciplined else "",
                    decision=decisions[f"XL{year}-{codes[decider]}"],
                    decided_on=decided_on,
                )
            )
    member_spans = list(
        MemberSpan.objects.filter(
            valid_from__lte=day,
            valid_to__gt=day,
            exempt=False,
            unit__spans__path__gte=lo,
            unit__spans__path__lt=hi,
            unit__spans__valid_from__lte=day,
            unit__spans__valid_to__gt=day,
        )
        .order_by("member_id")
        .values_list("member_id", "unit_id")
    )
    by_decider: dict[int, list[int]] = defaultdict(list)
    for member_id, unit_id in member_spans:
        by_decider[_decider_of(spans[unit_id], spans, MEMBER_DECIDER_KINDS)].append(member_id)
    member_rows = 0
    for decider, member_ids in sorted(by_decider.items()):
        for member_id, level in zip(member_ids, _levels(rng, len(member_ids), quota), strict=True):
            disciplined = level in (Level.COMPLETE, Level.NOT_COMPLETE) and rng.random() < 0.05
            rows.append(
                Classification(
                    year=year,
                    member_id=member_id,
                    level=level,
                    score=_score(rng, level, bands),
                    regulation=rules["regulation"],
                    group_key=f"m|{decider}",
                    decider_id=decider,
                    disciplined=disciplined,
                    discipline_decision=f"KL-{year}-DV{member_id}" if disciplined else "",
                    decision=decisions[f"XL{year}-{codes[decider]}"],
                    decided_on=decided_on,
                )
            )
            member_rows += 1
    for start in range(0, len(rows), BATCH):
        Classification.objects.bulk_create(rows[start : start + BATCH])
    if tally:
        rebuild_year(year)
    return len(rated), member_rows


def assessment_round(root_code: str, year: int, rng: random.Random) -> int:
    """The Quang Binh "five good, four no" round of `year` for the branches under `root_code`."""
    unit = Unit.objects.filter(code=root_code).first()
    criteria = CriteriaSet.objects.filter(family=QUANG_BINH["family"]).order_by("-version").first()
    if unit is None or criteria is None:
        return 0
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    day = end - dt.timedelta(days=1)
    branches = list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=day, valid_to__gt=day)
        .select_related("unit")
        .order_by("unit__code")
    )
    decision = Decision.objects.get_or_create(
        number=f"DG{year}-{root_code}", signed_on=dt.date(year, 12, 28)
    )[0]
    made = 0
    for i, span in enumerate(branches):
        if not ops.applies(criteria, span):
            continue
        assessment = ops.start_assessment(
            span.unit, criteria, start=start, end=end, label=str(year)
        )
        scores = {
            s["code"]: rng.randint(max(0, s["points"] - 4), s["points"])
            for c in criteria.good
            for s in c["sub"]
        }
        breaches = ["K1"] if rng.random() < 0.1 else []
        ops.save_self_assessment(assessment, scores=scores, breaches=breaches)
        if i % 10 != 9:  # a few left as the branch's draft
            total = max(0, assessment.self_total - rng.randint(0, 6))
            ops.decide_assessment(
                assessment,
                total=total,
                breaches=breaches,
                decision=decision,
                on=dt.date(year, 12, 28),
            )
        made += 1
    return made


def member_reviews(root_code: str, year: int, rng: random.Random, count: int = 12) -> int:
    """A few members' self-reviews of `year` with their branch's comments."""
    unit = Unit.objects.filter(code=root_code).first()
    if unit is None:
        return 0
    day = ops.year_end(year)
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return 0
    lo, hi = subtree_range(span.path)
    spans = list(
        MemberSpan.objects.filter(
            valid_from__lte=day,
            valid_to__gt=day,
            exempt=False,
            unit__spans__path__gte=lo,
            unit__spans__path__lt=hi,
            unit__spans__valid_from__lte=day,
            unit__spans__valid_to__gt=day,
        )
        .select_related("member", "unit")
        .order_by("member__member_id")[:count]
    )
    rated = dict(
        Classification.objects.filter(
            year=year, current=True, member_id__in=[s.member_id for s in spans]
        ).values_list("member_id", "level")
    )
    made = 0
    for s in spans:
        level = rated.get(s.member_id, Level.GOOD)
        MemberReview.objects.create(
            member=s.member,
            year=year,
            unit=s.unit,
            self_level=level,
            self_text=(
                "Ưu điểm: giữ gìn phẩm chất, tham gia đầy đủ sinh hoạt chi bộ, hoàn thành nhiệm "
                "vụ được giao. Khuyết điểm: có lúc chưa chủ động đề xuất. Hướng khắc phục: tích "
                "cực nghiên cứu nghị quyết, gương mẫu ở nơi cư trú."
            ),
            branch_comment="Chi bộ thống nhất với bản tự kiểm điểm.",
            branch_level=level,
            votes_for=rng.randint(8, 20),
        )
        made += 1
    return made


def load_quality_history(province_code: str, assessed_code: str, seed: int = 7) -> QualityReport:
    """Everything above for the demo (after the meetings history, whose figures it cites)."""
    rng = random.Random(seed)
    install_presets()
    report = QualityReport()
    root = Unit.objects.get(code=province_code)
    with transaction.atomic():
        # The template is the province's: its officers adjust it with new versions.
        CriteriaSet.objects.filter(family=QUANG_BINH["family"], owner__isnull=True).update(
            owner=root
        )
        for year in YEARS:
            units, members = classify_year(root, year, rng)
            report.units += units
            report.members += members
        report.assessments = assessment_round(assessed_code, 2024, rng)
        report.reviews = member_reviews(assessed_code, 2024, rng)
    return report
