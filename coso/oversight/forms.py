"""Forms of the oversight pages and API: they validate and resolve what was typed (a member id,
unit codes within the user's scope, catalogue items); the operations decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import ScopedForm, UnitPickerInput, date_field
from coso.authority.scope import Action, get_member_for_user, get_unit_for_user
from coso.members.models import Member
from coso.oversight.models import (
    AppealOutcome,
    CaseSource,
    DisciplineForm,
    InspectionPlan,
    PlanKind,
    ViolationItem,
)
from coso.oversight.queries import catalogue_items
from coso.units.models import Unit


class CaseForm(ScopedForm):
    """A new case handled by `subject` (the handling unit): against a member (id) or an
    organization (code) in the handling unit's subtree."""

    member_id = forms.CharField(
        label=_("Mã đảng viên vi phạm"),
        required=False,
        max_length=40,
        help_text=_("hoặc mã tổ chức đảng bên dưới"),
    )
    unit_code = forms.CharField(label=_("Mã tổ chức đảng vi phạm"), required=False, max_length=60)
    source = forms.ChoiceField(label=_("Nguồn phát hiện"), choices=CaseSource.choices)
    items = forms.MultipleChoiceField(
        label=_("Điều vi phạm (Quy định 37-QĐ/TW)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    facts = forms.CharField(label=_("Nội dung vụ việc"), max_length=20_000, widget=forms.Textarea)
    violated_on = date_field(_("Ngày vi phạm"))
    opened_on = date_field(_("Ngày mở hồ sơ"))
    plan = forms.IntegerField(
        label=_("Theo kế hoạch kiểm tra số"), required=False, min_value=1, max_value=2**62
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = {str(i.pk): i for i in catalogue_items()}
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)
        items.choices = [(pk, f"{i.code}. {i.description}") for pk, i in self.catalogue.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        member_id = (data.get("member_id") or "").strip()
        code = (data.get("unit_code") or "").strip()
        if bool(member_id) == bool(code):
            raise forms.ValidationError(
                _("Ghi mã đảng viên hoặc mã tổ chức đảng vi phạm (một trong hai).")
            )
        subject: Member | Unit | None = None
        try:
            if member_id:
                subject = get_member_for_user(self.user, member_id)
            else:
                subject = get_unit_for_user(self.user, code)
        except Http404:
            if member_id:
                self.add_error("member_id", _("Không có đảng viên mã «%(m)s».") % {"m": member_id})
            else:
                self.add_error("unit_code", _("Không có đơn vị mã «%(c)s».") % {"c": code})
        data["subject"] = subject
        plan_pk = data.get("plan")
        data["plan_obj"] = None
        if plan_pk:
            plan = InspectionPlan.objects.filter(pk=plan_pk, unit=self.subject).first()
            if plan is None:
                self.add_error("plan", _("Đơn vị không có kế hoạch số %(n)s.") % {"n": plan_pk})
            data["plan_obj"] = plan
        return data

    def chosen_items(self) -> list[ViolationItem]:
        return [self.catalogue[pk] for pk in self.cleaned_data.get("items") or []]


class FileForm(forms.Form):
    file = forms.FileField(label=_("Tệp chứng cứ"))


class CloseForm(ScopedForm):
    on = date_field(_("Ngày kết thúc hồ sơ"))
    conclusion = forms.CharField(label=_("Kết luận"), max_length=10_000, widget=forms.Textarea)


class ChooseForm(forms.Form):
    form = forms.ChoiceField(label=_("Hình thức kỷ luật"), choices=DisciplineForm.choices)


class AppealForm(ScopedForm):
    lodged_on = date_field(_("Ngày khiếu nại"))
    grounds = forms.CharField(
        label=_("Nội dung khiếu nại"), max_length=10_000, widget=forms.Textarea
    )


class AppealDecisionForm(ScopedForm):
    outcome = forms.ChoiceField(
        label=_("Kết quả"),
        choices=[c for c in AppealOutcome.choices if c[0] != AppealOutcome.PENDING],
    )
    decided_by = forms.CharField(
        label=_("Cấp giải quyết (mã đơn vị)"), max_length=200, widget=UnitPickerInput(Action.DECIDE)
    )
    on = date_field(_("Ngày quyết định"))
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=120)
    new_form = forms.ChoiceField(
        label=_("Hình thức mới (khi giảm)"),
        required=False,
        choices=[("", "—"), *DisciplineForm.choices],
    )
    reason = forms.CharField(
        label=_("Lý do"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_decided_by(self) -> Unit | None:
        return self.unit_from("decided_by", Action.DECIDE)


class PlanForm(ScopedForm):
    kind = forms.ChoiceField(label=_("Loại"), choices=PlanKind.choices)
    title = forms.CharField(label=_("Tên kế hoạch"), max_length=300)
    period_start = date_field(_("Từ ngày"))
    period_end = date_field(_("Đến ngày"))
    targets = forms.CharField(
        label=_("Đối tượng, nội dung"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanResultForm(ScopedForm):
    on = date_field(_("Ngày kết luận"))
    result = forms.CharField(label=_("Kết quả"), max_length=20_000, widget=forms.Textarea)
