"""Forms of the meeting pages: they validate what was typed; the domain functions decide.

Dates are typed dd/mm/yyyy and times HH:MM. Each form only turns text into values; the rules
(eligibility for online meetings, quorum, locking) live in coso.meetings.operations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority.forms import date_field
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
    MeetingForm,
    MeetingKind,
)
from coso.meetings.operations import AMENDABLE_FIELDS

# What the attendance form offers per person (pending is "not recorded yet", never chosen).
ATTENDANCE_CHOICES = [
    (AttendanceStatus.PRESENT, _("Có mặt")),
    (AttendanceStatus.ABSENT_EXCUSED, _("Vắng có lý do")),
    (AttendanceStatus.ABSENT_UNEXCUSED, _("Vắng không lý do")),
]

FIELD_LABELS: dict[str, Any] = {
    "review": _("Đánh giá tình hình kỳ qua"),
    "tasks_ahead": _("Nhiệm vụ kỳ tới"),
    "discussion": _("Ý kiến thảo luận"),
    "political_news": _("Thông tin thời sự, chính trị"),
    "dues_collected_vnd": _("Đảng phí đã thu (đồng)"),
    "place": _("Địa điểm"),
    "agenda": _("Chương trình"),
    "title": _("Tiêu đề"),
    "starts_at": _("Giờ bắt đầu"),
}


class _Styled(forms.Form):
    """Bootstrap classes on every widget (big controls on phones)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-lg"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            else:
                css = "form-control form-control-lg"
            widget.attrs.setdefault("class", css)


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M", "%H.%M", "%Hh%M", "%H:%M:%S"],
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": "HH:MM", "type": "time"}),
        help_text=_("HH:MM, ví dụ 08:00"),
    )


def _text(label: Any, rows: int = 4, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


class PlanForm(_Styled):
    kind = forms.ChoiceField(label=_("Loại cuộc họp"), choices=MeetingKind.choices)
    form = forms.ChoiceField(
        label=_("Hình thức"), choices=MeetingForm.choices, widget=forms.RadioSelect
    )
    on = date_field(_("Ngày họp"))
    starts_at = _time_field(_("Giờ bắt đầu"))
    title = forms.CharField(label=_("Tiêu đề (nếu có)"), required=False, max_length=300)
    place = forms.CharField(
        label=_("Địa điểm"),
        required=False,
        max_length=300,
        help_text=_("Bắt buộc khi họp trực tiếp."),
    )
    online_link = forms.URLField(
        label=_("Đường liên kết họp trực tuyến"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    online_platform = forms.CharField(
        label=_("Nền tảng (Zoom, Google Meet…)"), required=False, max_length=100
    )
    online_reason = forms.CharField(label=_("Lý do họp trực tuyến"), required=False, max_length=500)
    unable_in_person = forms.IntegerField(
        label=_("Số đảng viên không thể sinh hoạt trực tiếp"),
        required=False,
        min_value=0,
        help_text=_("Không tính người được miễn sinh hoạt."),
    )
    agenda = _text(_("Chương trình"), rows=5)
    guests = forms.MultipleChoiceField(
        label=_("Cấp ủy cấp trên dự (không bắt buộc)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, guests: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        guest_field: Any = self.fields["guests"]
        guest_field.choices = [(str(pk), label) for pk, label in guests]
        if not guests:
            del self.fields["guests"]

    def guest_ids(self) -> list[int]:
        return [int(v) for v in self.cleaned_data.get("guests", [])]


class MinutesForm(_Styled):
    review = _text(FIELD_LABELS["review"])
    tasks_ahead = _text(FIELD_LABELS["tasks_ahead"])
    discussion = _text(FIELD_LABELS["discussion"])
    political_news = _text(FIELD_LABELS["political_news"])
    dues_collected_vnd = forms.IntegerField(
        label=FIELD_LABELS["dues_collected_vnd"], required=False, min_value=0
    )


class ResolutionForm(_Styled):
    title = forms.CharField(label=_("Tên nghị quyết"), max_length=300)
    text = _text(_("Nội dung"), rows=6)
    votes_for = forms.IntegerField(label=_("Số phiếu tán thành"), min_value=0)
    votes_against = forms.IntegerField(label=_("Số phiếu không tán thành"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("Số phiếu không biểu quyết"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("votes_for", "votes_against", "votes_abstain"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"


class CancelForm(_Styled):
    reason = forms.CharField(label=_("Lý do hủy"), max_length=500)


class AmendForm(_Styled):
    """A correction of a closed meeting: which field, the new value, and why."""

    field = forms.ChoiceField(label=_("Mục cần đính chính"))
    value = _text(_("Giá trị mới"), rows=3)
    status = forms.ChoiceField(
        label=_("Tình trạng dự họp mới (khi đính chính điểm danh)"),
        required=False,
        choices=[("", "—"), *ATTENDANCE_CHOICES],
    )
    reason = forms.CharField(label=_("Lý do đính chính"), max_length=500)

    def __init__(self, *args: Any, invitations: list[Invitation] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(f, FIELD_LABELS[f]) for f in AMENDABLE_FIELDS]
        for inv in invitations:
            label = _("Điểm danh: %(name)s (%(id)s)") % {
                "name": inv.member.full_name,
                "id": inv.member.member_id,
            }
            choices.append((f"attendance:{inv.member.member_id}", label))
        field_field: Any = self.fields["field"]
        field_field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("field") or ""
        raw = (data.get("value") or "").strip()
        value: Any = raw
        if name.startswith("attendance:"):
            value = data.get("status") or ""
            if not value:
                self.add_error("status", _("Chọn tình trạng dự họp mới."))
        elif name == "starts_at":
            value = None
            if raw:
                try:
                    value = dt.datetime.strptime(raw, "%H:%M").time()
                except ValueError:
                    self.add_error(
                        "value", _("Giờ không hợp lệ «%(v)s» (dùng HH:MM).") % {"v": raw}
                    )
        elif name == "dues_collected_vnd":
            value = None
            if raw:
                digits = raw.replace(".", "").replace(",", "").replace(" ", "")
                if not digits.isdigit():
                    self.add_error(
                        "value", _("Số tiền không hợp lệ «%(v)s» (chỉ ghi số).") % {"v": raw}
                    )
                else:
                    value = int(digits)
        data["new_value"] = value
        return data


class UploadForm(_Styled):
    file = forms.FileField(label=_("Tệp (pdf, docx, xlsx, ảnh)"))


class ConfirmCheckInForm(_Styled):
    """Reasons typed for those who did not check in (left blank: absent without reason)."""

    def __init__(self, *args: Any, invitations: list[Invitation] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        for inv in invitations:
            if inv.checked_in_at is None:
                self.fields[f"reason_{inv.pk}"] = forms.CharField(
                    label=_("Lý do vắng của %(name)s") % {"name": inv.member.full_name},
                    required=False,
                    max_length=300,
                )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def excused(self, invitations: list[Invitation]) -> dict[str, str]:
        result = {}
        for inv in invitations:
            reason = (self.cleaned_data.get(f"reason_{inv.pk}") or "").strip()
            if inv.checked_in_at is None and reason:
                result[inv.member.member_id] = reason
        return result
