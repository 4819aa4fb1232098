"""Forms of the follow-through pages: they turn typed text into values; the operations decide.

Dates are typed dd/mm/yyyy. Unit codes are resolved within the user's scope by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import UnitPickerInput, date_field
from coso.authority.scope import Action
from coso.followup.models import DocumentKind
from coso.followup.operations import MAX_REPORTS
from coso.units.models import UnitKind


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-lg"
            else:
                css = "form-control form-control-lg"
            widget.attrs.setdefault("class", css)


class DirectiveForm(_Styled):
    owner = forms.CharField(
        label=_("Mã đơn vị đăng ký (cấp ủy nhận văn bản)"),
        max_length=200,
        widget=UnitPickerInput(Action.MANAGE_DIRECTIVES),
    )
    kind = forms.ChoiceField(label=_("Loại văn bản"), choices=DocumentKind.choices)
    number = forms.CharField(label=_("Số hiệu (ví dụ 21-NQ/TW)"), max_length=60)
    issued_on = date_field(_("Ngày ban hành"))
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=200)
    title = forms.CharField(label=_("Trích yếu"), max_length=300)
    summary = forms.CharField(
        label=_("Tóm tắt nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    file = forms.FileField(label=_("Tệp đính kèm (pdf, docx, xlsx, ảnh)"), required=False)


class AttachForm(_Styled):
    file = forms.FileField(label=_("Tệp (pdf, docx, xlsx, ảnh)"))


UNIT_KIND_CHOICES = [(k, label) for k, label in UnitKind.choices if k != UnitKind.CENTRAL]


class CascadeForm(_Styled):
    root = forms.CharField(label=_("Triển khai dưới đơn vị (mã)"), max_length=40)
    kinds = forms.MultipleChoiceField(
        label=_("Loại đơn vị nhận"),
        choices=UNIT_KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    on = date_field(_("Ngày triển khai (tính thời hạn từ ngày này)"))
    study_days = forms.IntegerField(
        label=_("Học tập, quán triệt trong (ngày)"), min_value=1, max_value=3650
    )
    plan_days = forms.IntegerField(
        label=_("Xây dựng kế hoạch trong (ngày)"), min_value=1, max_value=3650
    )
    report_every_months = forms.IntegerField(
        label=_("Báo cáo tiến độ mỗi (tháng)"), min_value=1, max_value=120
    )
    reports = forms.IntegerField(
        label=_("Số lần báo cáo tiến độ"), min_value=0, max_value=MAX_REPORTS
    )
    skip_existing = forms.BooleanField(
        label=_("Bỏ qua các đơn vị đã nhận văn bản này"), required=False
    )


class StepForm(_Styled):
    done_on = date_field(_("Ngày hoàn thành"), required=False)
    meeting = forms.TypedChoiceField(
        label=_("Cuộc họp đã học tập, quán triệt"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args: Any, meetings: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if meetings is None:
            del self.fields["meeting"]
        else:
            self.fields["meeting"].choices = [("", "—"), *meetings]  # type: ignore[attr-defined]


class TargetForm(_Styled):
    indicator = forms.CharField(label=_("Chỉ tiêu"), max_length=300)
    measure = forms.CharField(label=_("Đơn vị tính"), max_length=40, required=False)
    target = forms.DecimalField(label=_("Mục tiêu"), max_digits=14, decimal_places=2, min_value=0)


class ActualsForm(_Styled):
    on = date_field(_("Số liệu tính đến ngày"))

    def __init__(self, *args: Any, targets: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        for row in targets:
            self.fields[f"actual_{row.pk}"] = forms.DecimalField(
                label=row.indicator,
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=0,
                initial=row.actual,
                widget=forms.NumberInput(
                    attrs={"class": "form-control form-control-lg", "step": "any"}
                ),
            )
