"""Forms of the outreach pages: they turn typed text into values; the operations decide.

Dates are typed dd/mm/yyyy; unit codes and registry numbers are resolved by the views within the
user's scope. Every error names its field ("Người gửi đơn: bắt buộc.").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import UnitPickerInput, date_field
from coso.authority.scope import Action
from coso.outreach.models import PetitionCategory, PetitionKind, Satisfaction


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            widget = f.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-lg"
            else:
                css = "form-control form-control-lg"
            widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        super().full_clean()
        # Errors name their field, wherever they are shown (page, summary, API details).
        for name, errors in list(getattr(self, "_errors", {}).items()):
            if name not in self.fields:
                continue
            label = str(self.fields[name].label)
            errors[:] = [e if str(e).startswith(label) else f"{label}: {e}" for e in errors]


class HouseholdForm(_Styled):
    code = forms.CharField(label=_("Số hộ"), max_length=40)
    head_name = forms.CharField(label=_("Chủ hộ"), max_length=200)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300)
    area = forms.CharField(label=_("Thôn, tổ dân phố (mã chi bộ)"), max_length=40)
    area_name = forms.CharField(label=_("Tên thôn, tổ dân phố"), max_length=200, required=False)
    size = forms.IntegerField(label=_("Số nhân khẩu"), min_value=1, max_value=50)
    poor = forms.BooleanField(label=_("Hộ nghèo"), required=False)
    near_poor = forms.BooleanField(label=_("Hộ cận nghèo"), required=False)
    policy_family = forms.BooleanField(label=_("Gia đình chính sách"), required=False)
    on = date_field(_("Ngày đăng ký"))


class ResponsibleForm(_Styled):
    member = forms.CharField(
        label=_("Số lý lịch đảng viên phụ trách (để trống: không ai)"),
        max_length=40,
        required=False,
    )
    on = date_field(_("Từ ngày"))
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class VisitForm(_Styled):
    member = forms.CharField(label=_("Số lý lịch đảng viên thăm hộ"), max_length=40)
    on = date_field(_("Ngày thăm"))
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class AssignmentForm(_Styled):
    member = forms.CharField(label=_("Số lý lịch cấp ủy viên"), max_length=40)
    unit = forms.CharField(
        label=_("Mã đơn vị theo dõi"), max_length=200, widget=UnitPickerInput(Action.VIEW)
    )
    area = forms.CharField(label=_("Lĩnh vực, địa bàn"), max_length=300, required=False)
    on = date_field(_("Từ ngày"))
    until = date_field(_("Đến ngày (hết nhiệm kỳ)"), required=False)
    decision = forms.CharField(label=_("Số quyết định phân công"), max_length=100, required=False)
    report_every_months = forms.IntegerField(
        label=_("Báo cáo mỗi (tháng)"), min_value=1, max_value=12, required=False
    )


class ReportForm(_Styled):
    period_end = date_field(_("Kỳ báo cáo đến ngày"))
    text = forms.CharField(label=_("Nội dung báo cáo"), widget=forms.Textarea(attrs={"rows": 5}))


class PetitionForm(_Styled):
    kind = forms.ChoiceField(label=_("Loại đơn"), choices=PetitionKind.choices)
    category = forms.ChoiceField(label=_("Lĩnh vực"), choices=PetitionCategory.choices)
    received_on = date_field(_("Ngày nhận đơn"))
    petitioner_name = forms.CharField(label=_("Người gửi đơn"), max_length=200)
    petitioner_contact = forms.CharField(
        label=_("Địa chỉ, điện thoại người gửi"), max_length=300, required=False
    )
    summary = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Nơi xảy ra"), max_length=300)
    place_unit = forms.CharField(
        label=_("Mã chi bộ nơi xảy ra"),
        max_length=200,
        required=False,
        widget=UnitPickerInput(Action.VIEW),
    )
    subject_member = forms.CharField(
        label=_("Số lý lịch đảng viên bị phản ánh (nếu có)"), max_length=40, required=False
    )
    handler = forms.CharField(label=_("Số lý lịch người giải quyết"), max_length=40, required=False)


class PetitionStepForm(_Styled):
    on = date_field(_("Ngày"))
    text = forms.CharField(label=_("Nội dung xử lý"), widget=forms.Textarea(attrs={"rows": 3}))
    handler = forms.CharField(
        label=_("Giao cho (số lý lịch, nếu đổi người)"), max_length=40, required=False
    )


class EscalateForm(_Styled):
    to = forms.CharField(label=_("Mã cấp trên nhận đơn"), max_length=40)
    on = date_field(_("Ngày chuyển"))
    reason = forms.CharField(label=_("Lý do chuyển"), widget=forms.Textarea(attrs={"rows": 2}))


class LinkCaseForm(_Styled):
    case = forms.IntegerField(label=_("Số hồ sơ vụ việc"), min_value=1)


class ResolveForm(_Styled):
    on = date_field(_("Ngày giải quyết xong"))
    resolution = forms.CharField(
        label=_("Kết quả giải quyết"), widget=forms.Textarea(attrs={"rows": 3})
    )
    satisfaction = forms.ChoiceField(label=_("Ý kiến người gửi đơn"), choices=Satisfaction.choices)
