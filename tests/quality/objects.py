"""Objects beyond the cast for the quality matrices: a criteria set issued by province P and
branch B's 2024 assessment against it (optionally under fixed numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.quality.models import Assessment, CriteriaSet


def criteria_and_assessment(
    cast: Any, criteria_pk: int | None = None, assessment_pk: int | None = None
) -> tuple[CriteriaSet, Assessment]:
    from coso.quality.operations import save_criteria_set, start_assessment
    from coso.quality.presets import QUANG_BINH

    made = save_criteria_set(
        family="p-criteria",
        name="Bộ tiêu chí của tỉnh P",
        unit_kinds=["branch"],
        categories=[],
        effective_from=dt.date(2021, 1, 1),
        source="Hướng dẫn của tỉnh P",
        content=QUANG_BINH["content"],
        owner=cast.P,
    )
    if criteria_pk is not None:
        CriteriaSet.objects.filter(pk=made.pk).update(id=criteria_pk)
        made = CriteriaSet.objects.get(pk=criteria_pk)
    assessment = start_assessment(cast.B, made, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1))
    if assessment_pk is not None:
        Assessment.objects.filter(pk=assessment.pk).update(id=assessment_pk)
        assessment = Assessment.objects.get(pk=assessment_pk)
    return made, assessment
