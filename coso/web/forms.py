"""Forms of the file pages: reorganization plans and imports (the operation forms are the
catalogue's, in coso.authority.forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import ScopedForm, VNDateField, date_field
from coso.members.models import SENSITIVE_CORRECTIONS, CorrectableField, Gender

UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def check_upload(upload: Any) -> Any:
    name = (upload.name or "").lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise forms.ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
    cap = settings.COSO_MAX_UPLOAD_BYTES
    if upload.size > cap:
        raise forms.ValidationError(
            _("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": cap // (1024 * 1024)}
        )
    return upload


class PlanUploadForm(ScopedForm):
    file = forms.FileField(label=_("Tệp phương án (.csv hoặc .xlsx)"))
    on = date_field(_("Ngày hiệu lực"))
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=120)
    decision_date = date_field(_("Ngày ký quyết định"), required=False)

    def clean_file(self) -> Any:
        return check_upload(self.cleaned_data["file"])


class PlanConfirmForm(ScopedForm):
    token = forms.UUIDField(widget=forms.HiddenInput)
    on = VNDateField(widget=forms.HiddenInput)
    decision_number = forms.CharField(max_length=120, widget=forms.HiddenInput)
    decision_date = VNDateField(required=False, widget=forms.HiddenInput)


class ImportUploadForm(ScopedForm):
    kind = forms.ChoiceField(label=_("Loại dữ liệu"), choices=[])
    file = forms.FileField(label=_("Tệp (.csv hoặc .xlsx)"))

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = kinds

    def clean_file(self) -> Any:
        return check_upload(self.cleaned_data["file"])


# --- issue 13, point 1: correcting a member's record ------------------------------------------


class CorrectionForm(ScopedForm):
    """The member's profile as it stands, to be corrected; with the effective date and the
    reason. Sensitive fields only for a user allowed to see them (`sensitive`)."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    gender = forms.ChoiceField(label=_("Giới tính"), choices=Gender.choices)
    birth_date = date_field(_("Ngày sinh"))
    card_no = forms.CharField(label=_("Số thẻ đảng viên"), max_length=40, required=False)
    national_id = forms.CharField(label=_("Số định danh cá nhân"), max_length=20, required=False)
    ethnicity = forms.CharField(label=_("Dân tộc"), max_length=60, required=False)
    religion = forms.CharField(label=_("Tôn giáo"), max_length=60, required=False)
    hometown = forms.CharField(label=_("Quê quán"), max_length=300, required=False)
    residence = forms.CharField(label=_("Nơi cư trú"), max_length=300, required=False)
    education = forms.CharField(label=_("Trình độ"), max_length=200, required=False)
    occupation = forms.CharField(label=_("Nghề nghiệp"), max_length=200, required=False)
    effective_on = date_field(_("Ngày hiệu lực của việc đính chính"))
    reason = forms.CharField(
        label=_("Lý do đính chính"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc, ví dụ: sai chính tả khi nhập; theo căn cước công dân."),
    )

    def __init__(self, *args: Any, sensitive: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sensitive:
            for name in SENSITIVE_CORRECTIONS:
                del self.fields[name]

    def changes(self) -> dict[str, Any]:
        """The profile fields as typed (the operation keeps those that differ)."""
        return {
            name: self.cleaned_data.get(name)
            for name in CorrectableField.values
            if name in self.fields
        }
