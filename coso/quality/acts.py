"""The quality decisions as acts of the authority catalogue, so they go through the rulebook's
mechanism: the unit (its resolution) proposes, the competent committee named by the
`authority` rule set decides with a numbered decision (coso.authority.proposals), or records
it directly when the user acts for that committee (a re-rating by the superior)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority import catalogue
from coso.authority.forms import OperationForm
from coso.authority.scope import Action
from coso.quality import operations as ops
from coso.quality.models import Assessment, Level


class AssessmentDecisionForm(OperationForm):
    """The decision on an assessment. Without a total, the decision applies the advisory
    body's vetting where there is one, else the unit's own scores (what the unit proposed)."""

    assessment = forms.IntegerField(label=_("Bản đánh giá số"), min_value=1)
    total = forms.IntegerField(
        label=_("Tổng điểm"),
        min_value=0,
        max_value=10_000,
        required=False,
        help_text=_("để trống: theo kết quả thẩm định (nếu có), nếu không theo điểm tự chấm"),
    )
    breaches = forms.CharField(
        label=_("Tiêu chí «không» bị vi phạm"),
        required=False,
        max_length=300,
        help_text=_("mã, cách nhau bởi dấu phẩy"),
    )

    def clean_assessment(self) -> int:
        pk = self.cleaned_data["assessment"]
        found = Assessment.objects.filter(pk=pk)
        if self.subject is not None:
            found = found.filter(unit=self.subject)
        if not found.exists():
            raise forms.ValidationError(_("Không có bản đánh giá số %(n)s của đơn vị.") % {"n": pk})
        return int(pk)

    def breach_codes(self) -> list[str]:
        text = self.cleaned_data.get("breaches") or ""
        return [c.strip() for c in text.split(",") if c.strip()]


def _level_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Mức xếp loại"), choices=Level.choices)


class ClassifyForm(OperationForm):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    level = _level_field()
    score = forms.IntegerField(
        label=_("Điểm (thang 100)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("bắt buộc từ năm 2025 (Quy định 366-QĐ/TW)"),
    )
    disciplined = forms.BooleanField(label=_("Bị kỷ luật trong năm"), required=False)
    discipline_decision = forms.CharField(
        label=_("Số quyết định kỷ luật"), required=False, max_length=120
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClassifyUnitForm(ClassifyForm):
    self_detected = forms.BooleanField(
        label=_("Vi phạm do tổ chức tự phát hiện, xử lý"), required=False
    )


def _d(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)


def _decide_assessment(form: Any, unit: Any) -> Any:
    data = _d(form)
    assessment = Assessment.objects.select_related("criteria_set", "unit").get(
        pk=data["assessment"]
    )
    total: int | None = data.get("total")
    breaches: list[str] = form.breach_codes()
    if total is None and assessment.review_total is not None:
        total, breaches = assessment.review_total, list(assessment.review_breaches or [])
    elif total is None:
        total, breaches = assessment.self_total, list(assessment.breaches)
    return ops.decide_assessment(
        assessment,
        total=total,
        breaches=breaches,
        decision=form.decision(),
        on=form.day(),
    )


def _classify_unit(form: Any, unit: Any) -> Any:
    data = _d(form)
    return ops.classify_unit(
        unit,
        year=data["year"],
        level=data["level"],
        score=data.get("score"),
        disciplined=bool(data.get("disciplined")),
        discipline_decision=data.get("discipline_decision") or "",
        self_detected=bool(data.get("self_detected")),
        note=data.get("note") or "",
        decision=form.decision(),
        on=form.day(),
        user=form.user,
    )


def _classify_member(form: Any, member: Any) -> Any:
    data = _d(form)
    return ops.classify_member(
        member,
        year=data["year"],
        level=data["level"],
        score=data.get("score"),
        disciplined=bool(data.get("disciplined")),
        discipline_decision=data.get("discipline_decision") or "",
        note=data.get("note") or "",
        decision=form.decision(),
        on=form.day(),
        user=form.user,
    )


ASSESSMENT = catalogue.Act(
    "assessment",
    _("Quyết định kết quả đánh giá theo bộ tiêu chí"),
    AssessmentDecisionForm,
    _decide_assessment,
    Action.MANAGE_ACTIVITIES,
    on=catalogue.Subject.UNIT,
)
CLASSIFY_UNIT = catalogue.Act(
    "classify_unit",
    _("Xếp loại chất lượng tổ chức đảng"),
    ClassifyUnitForm,
    _classify_unit,
    Action.MANAGE_ACTIVITIES,
    on=catalogue.Subject.UNIT,
)
CLASSIFY_MEMBER = catalogue.Act(
    "classify_member",
    _("Xếp loại chất lượng đảng viên"),
    ClassifyForm,
    _classify_member,
    Action.MANAGE_ACTIVITIES,
    on=catalogue.Subject.MEMBER,
)


def register_acts() -> None:
    for act in (ASSESSMENT, CLASSIFY_UNIT, CLASSIFY_MEMBER):
        if act.slug not in catalogue.FEATURE_ACTS:
            catalogue.register(act)
