"""Forms of the file pages: reorganization plans and imports (the operation forms are the
catalogue's, in coso.authority.forms)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import ScopedForm, VNDateField, date_field

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
