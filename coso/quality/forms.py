"""Forms of the quality pages (the decisions' forms are the catalogue acts' in acts.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import ScopedForm, UnitPickerInput, date_field
from coso.authority.scope import Action
from coso.quality.models import CriteriaSet, Level
from coso.units.models import UnitKind, UnitTag


class CriteriaVersionForm(ScopedForm):
    name = forms.CharField(label=_("Tên bộ tiêu chí"), max_length=200)
    unit_kinds = forms.MultipleChoiceField(
        label=_("Loại đơn vị áp dụng"),
        choices=UnitKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Phân loại áp dụng (để trống: mọi phân loại)"),
        choices=UnitTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    effective_from = date_field(_("Áp dụng từ ngày"))
    source = forms.CharField(label=_("Căn cứ"), max_length=300)
    template = forms.BooleanField(label=_("Mẫu chờ văn bản chính thức"), required=False)
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lines = forms.CharField(
        label=_("Tiêu chí"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text=_(
            "Mỗi dòng một mục: «pass: điểm đạt», «+ mã | tiêu chí tốt | hướng dẫn», "
            "«- mã | tiêu chí con | điểm | hướng dẫn», «! mã | tiêu chí không | hướng dẫn»."
        ),
    )


class StartAssessmentForm(ScopedForm):
    criteria = forms.ModelChoiceField(label=_("Bộ tiêu chí"), queryset=CriteriaSet.objects.none())
    year = forms.IntegerField(label=_("Năm đánh giá"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, choices: list[CriteriaSet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["criteria"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = CriteriaSet.objects.filter(pk__in=[c.pk for c in choices])


class ReviewForm(ScopedForm):
    total = forms.IntegerField(label=_("Điểm thẩm định"), min_value=0, max_value=10_000)
    breaches = forms.CharField(
        label=_("Tiêu chí «không» bị vi phạm (mã, cách nhau bởi dấu phẩy)"),
        required=False,
        max_length=300,
    )
    note = forms.CharField(
        label=_("Ý kiến thẩm định"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SelfReviewForm(ScopedForm):
    self_level = forms.ChoiceField(label=_("Tự xếp loại"), choices=Level.choices)
    text = forms.CharField(
        label=_("Bản kiểm điểm (ưu điểm, khuyết điểm, hướng khắc phục)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )


class BranchCommentForm(ScopedForm):
    comment = forms.CharField(
        label=_("Nhận xét của chi bộ"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000
    )
    level = forms.ChoiceField(label=_("Chi bộ đề xuất mức"), choices=Level.choices)
    votes_for = forms.IntegerField(label=_("Số tán thành"), min_value=0, max_value=100_000)
    votes_against = forms.IntegerField(
        label=_("Số không tán thành"), min_value=0, max_value=100_000, required=False
    )
    votes_abstain = forms.IntegerField(
        label=_("Số không biểu quyết"), min_value=0, max_value=100_000, required=False
    )
    disciplined = forms.BooleanField(label=_("Bị kỷ luật trong năm"), required=False)
    discipline_decision = forms.CharField(
        label=_("Số quyết định kỷ luật"), required=False, max_length=120
    )
    suspended = forms.BooleanField(label=_("Bị đình chỉ sinh hoạt"), required=False)


class ResidenceCommentForm(ScopedForm):
    unit = forms.CharField(
        label=_("Mã chi bộ nơi cư trú"), max_length=60, widget=UnitPickerInput(Action.VIEW)
    )
    comment = forms.CharField(
        label=_("Nhận xét của chi bộ nơi cư trú (Quy định 213-QĐ/TW)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )
