"""The audit trail page: officers read the entries of their subtree; nothing here writes.

Visibility is decided by coso.authority.scope.audit_entries_for (VIEW_AUDIT of coso.authority.scope);
a user holding that right on no unit gets 404, as for every page they cannot use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from coso.accounts.names import person_names
from coso.audit.actions import ACTION_GROUPS, Channel
from coso.audit.models import AuditEntry
from coso.authority.forms import DateInput, UnitPickerInput
from coso.authority.scope import Action, Scope, audit_entries_for, scope_of
from coso.core.dates import fmt, parse_date, today
from coso.meetings.models import Meeting
from coso.members.models import Member
from coso.units.models import Unit, UnitSpan
from coso.units.queries import pick_units, subtree_range
from coso.web import timeline

ENTRIES_PER_PAGE = 50
VALUE_WIDTH = 80  # a diff cell shows this much of each value; the rest is in the title


def may_view_audit(scope: Scope) -> bool:
    """Whether some role of the user grants VIEW_AUDIT on some unit (or they are an admin)."""
    return scope.holds(Action.VIEW_AUDIT)


def _action_choices() -> list[Any]:
    groups: list[Any] = [("", gettext_lazy("Mọi thao tác"))]
    for heading, actions in ACTION_GROUPS:
        groups.append((heading, [(a.value, a.label) for a in actions]))
    return groups


class AuditFilter(forms.Form):
    date_from = forms.CharField(
        label=gettext_lazy("Từ ngày"), required=False, max_length=30, widget=DateInput()
    )
    date_to = forms.CharField(
        label=gettext_lazy("Đến ngày"), required=False, max_length=30, widget=DateInput()
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Thao tác"),
        required=False,
        choices=_action_choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Qua"),
        required=False,
        choices=[("", gettext_lazy("Mọi kênh")), *Channel.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    username = forms.CharField(label=gettext_lazy("Người dùng"), required=False, max_length=150)
    unit = forms.CharField(
        label=gettext_lazy("Đơn vị, mã hoặc tên (cả cấp dưới)"),
        required=False,
        max_length=100,
        widget=UnitPickerInput(Action.VIEW_AUDIT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to", "unit"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def mark_errors(self) -> None:
        """The fields in error say so to assistive technology (after validation)."""
        for name in ("date_from", "date_to", "unit"):
            if name in self.errors:
                self.fields[name].widget.attrs.update(
                    {
                        "class": "form-control is-invalid",
                        "aria-invalid": "true",
                        "aria-describedby": f"id_{name}-error",
                    }
                )

    def _date(self, name: str) -> dt.date | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_date_from(self) -> dt.date | None:
        return self._date("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._date("date_to")


def _local_midnight(day: dt.date) -> dt.datetime:
    # Bounds on `at` itself (not at__date) keep the index on `at` usable.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _subtree_units(unit: Unit) -> QuerySet[UnitSpan]:
    """Units that stood under `unit` (or were it) at some time while `unit` held that place."""
    cond = Q()
    for path, start, end in UnitSpan.objects.filter(unit=unit).values_list(
        "path", "valid_from", "valid_to"
    ):
        lo, hi = subtree_range(path)
        cond |= Q(path__gte=lo, path__lt=hi, valid_from__lt=end, valid_to__gt=start)
    if not cond:
        return UnitSpan.objects.filter(unit=unit)
    return UnitSpan.objects.filter(cond)


def filter_entries(
    entries: QuerySet[AuditEntry],
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    action: str = "",
    channel: str = "",
    username: str = "",
    unit: Unit | None = None,
) -> QuerySet[AuditEntry]:
    """Narrow already scoped entries; dates are local days, both ends included."""
    if date_from is not None:
        entries = entries.filter(at__gte=_local_midnight(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    if action:
        entries = entries.filter(action=action)
    if channel:
        entries = entries.filter(channel=channel)
    if username.strip():
        entries = entries.filter(username__icontains=username.strip())
    if unit is not None:
        entries = entries.filter(unit__in=_subtree_units(unit).values("unit_id"))
    return entries


# What each key of an entry's before/after means, in the reader's words. Keys not listed (a
# field added later) show as they are.
FIELD_LABELS: dict[str, Any] = {
    "national_id": gettext_lazy("Số định danh cá nhân"),  # as on the member page
    "ethnicity": gettext_lazy("Dân tộc"),
    "religion": gettext_lazy("Tôn giáo"),
    "health": gettext_lazy("Sức khỏe"),
    "absence_reason": gettext_lazy("Lý do vắng họp"),
    "fields": gettext_lazy("Thông tin đã xem"),
    "status": gettext_lazy("Trạng thái"),
    "home_unit": gettext_lazy("Nơi sinh hoạt"),
    "in_transit": gettext_lazy("Đang chuyển sinh hoạt"),
    "exempt": gettext_lazy("Được miễn sinh hoạt"),
    "ended_on": gettext_lazy("Ngày ra khỏi danh sách"),
    "official_on": gettext_lazy("Ngày chính thức"),
    "on": gettext_lazy("Ngày hiệu lực"),
    "decision": gettext_lazy("Quyết định"),
    "name": gettext_lazy("Tên"),
    "kind": gettext_lazy("Loại"),
    "parent": gettext_lazy("Trực thuộc"),
    "tags": gettext_lazy("Phân loại"),
    "record": gettext_lazy("Bản ghi"),
    "role": gettext_lazy("Chức vụ"),
    "title": gettext_lazy("Tiêu đề"),
    "valid_from": gettext_lazy("Từ ngày"),
    "valid_to": gettext_lazy("Đến ngày"),
    "details": gettext_lazy("Chi tiết"),
    "file": gettext_lazy("Tệp"),
    "rows": gettext_lazy("Số dòng"),
    "created": gettext_lazy("Đã tạo"),
    "summary": gettext_lazy("Kết quả"),
    "lines": gettext_lazy("Các thao tác"),
    "units": gettext_lazy("Các đơn vị"),
    "unit": gettext_lazy("Đơn vị"),
    "form": gettext_lazy("Hình thức"),
    "starts_at": gettext_lazy("Giờ bắt đầu"),
    "place": gettext_lazy("Địa điểm"),
    "online_ground": gettext_lazy("Lý do họp trực tuyến"),
    "check_in_opens_at": gettext_lazy("Mở điểm danh lúc"),
    "check_in_closes_at": gettext_lazy("Đóng điểm danh lúc"),
    "opens": gettext_lazy("Mở điểm danh lúc"),
    "closes": gettext_lazy("Đóng điểm danh lúc"),
    "expected_count": gettext_lazy("Số phải dự"),
    "expected": gettext_lazy("Số phải dự"),
    "present_count": gettext_lazy("Số có mặt"),
    "present": gettext_lazy("Số có mặt"),
    "checked_in": gettext_lazy("Số đã điểm danh"),
    "checked_in_at": gettext_lazy("Giờ điểm danh"),
    "cancel_reason": gettext_lazy("Lý do hủy"),
    "reason": gettext_lazy("Lý do"),
    "attendance": gettext_lazy("Điểm danh"),
    "resolution": gettext_lazy("Số nghị quyết"),
    "document": gettext_lazy("Tên tài liệu"),
    "size": gettext_lazy("Dung lượng (byte)"),
    "sha256": gettext_lazy("Mã băm SHA-256"),
    "member": gettext_lazy("Đảng viên"),
    "field": gettext_lazy("Mục đính chính"),
    "value": gettext_lazy("Giá trị mới"),
    "before": gettext_lazy("Giá trị cũ"),
    "revoked": gettext_lazy("Số mã đã thu hồi"),
    "revoked_at": gettext_lazy("Thu hồi lúc"),
    "user": gettext_lazy("Tài khoản"),
    "username": gettext_lazy("Tên đăng nhập"),
    "prefix": gettext_lazy("Đầu mã"),
    "is_active": gettext_lazy("Đang hoạt động"),
    "is_staff": gettext_lazy("Vào được trang quản trị"),
    "is_superuser": gettext_lazy("Toàn quyền quản trị"),
    "totp_required_for_officers": gettext_lazy("Bắt buộc xác thực hai lớp với cán bộ"),
    "status_text": gettext_lazy("Trạng thái"),
}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _raw(key: str, value: Any) -> str:
    return str(value)


def readable(key: str, value: Any) -> str:
    """A stored value as a reader would write it: dates dd/mm/yyyy, yes/no, lists as text."""
    if isinstance(value, bool):
        return str(_("có") if value else _("không"))
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return fmt(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        # A list of field names (what a sensitive read showed) reads as their labels.
        return ", ".join(field_label(v) if key == "fields" else readable("", v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {readable(k, v)}" for k, v in value.items())
    return str(value)


def changes(
    before: Any, after: Any, text: Callable[[str, Any], str] = _raw
) -> list[dict[str, str]]:
    """The keys whose value differs between `before` and `after`, sorted, values shortened."""

    def as_dict(value: Any) -> dict[str, Any]:
        # record_write stores dicts; anything else (a list, a scalar) shows under no key.
        if value is None:
            return {}
        return value if isinstance(value, dict) else {"": value}

    old, new = as_dict(before), as_dict(after)
    rows = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        if key in old and key in new and was == now:
            continue
        shown_was = text(key, was) if key in old and was is not None else None
        shown_now = text(key, now) if key in new and now is not None else None
        rows.append(
            {
                "key": key,
                "before": _short(shown_was),
                "after": _short(shown_now),
                "full": f"{shown_was if key in old else was!s} → {shown_now if key in new else now!s}",
            }
        )
    return rows


def _model_label(target_type: str) -> str:
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def describe_targets(entries: list[AuditEntry], day: dt.date) -> dict[int, str]:
    """Each entry's target as a reader names it: «Nguyễn Văn A (DV0001)», «Chi bộ X (CB01)».

    One query per kind of target on the page, whatever the number of entries.
    """
    wanted: dict[str, set[str]] = {}
    for e in entries:
        wanted.setdefault(e.target_type, set()).add(e.target_id)
    names: dict[tuple[str, str], str] = {}
    if "members.member" in wanted:
        for member_id, full_name in Member.objects.filter(
            member_id__in=wanted["members.member"]
        ).values_list("member_id", "full_name"):
            names["members.member", member_id] = f"{full_name} ({member_id})"
    if "units.unit" in wanted:
        ids = dict(Unit.objects.filter(code__in=wanted["units.unit"]).values_list("pk", "code"))
        for label in timeline.unit_labels(set(ids), day).values() if ids else ():
            names["units.unit", label.code] = f"{label.name} ({label.code})"
    if "meetings.meeting" in wanted:
        pks = [int(i) for i in wanted["meetings.meeting"] if i.isdigit()]
        for meeting in Meeting.objects.filter(pk__in=pks).only("pk", "kind", "title", "on"):
            title = meeting.title or meeting.get_kind_display()
            names["meetings.meeting", str(meeting.pk)] = _("Cuộc họp «%(t)s» ngày %(d)s") % {
                "t": title,
                "d": fmt(meeting.on),
            }
    if "auth.user" in wanted:
        pks = [int(i) for i in wanted["auth.user"] if i.isdigit()]
        for pk, username in (
            get_user_model().objects.filter(pk__in=pks).values_list("pk", "username")
        ):
            names["auth.user", str(pk)] = _("Tài khoản %(u)s") % {"u": username}
    described = {}
    for e in entries:
        key = (e.target_type, e.target_id)
        if key in names:
            described[e.pk] = names[key]
        elif e.target_type == "file":
            described[e.pk] = _("Tệp %(f)s") % {"f": e.target_id}
        elif e.target_type:
            described[e.pk] = f"{_model_label(e.target_type)} {e.target_id}"
        else:
            described[e.pk] = e.target_id
    return described


def _find_unit(scope: Scope, text: str) -> tuple[Unit | None, str]:
    """The unit typed in the filter, by code or else by (part of) its name, within the scope."""
    units = scope.units(Action.VIEW_AUDIT)
    unit = units.filter(code=text).first()
    if unit is not None:
        return unit, ""
    day = today()
    spans = (
        UnitSpan.objects.filter(
            unit__in=units.values("pk"),
            name__icontains=text,
            valid_from__lte=day,
            valid_to__gt=day,
        )
        .select_related("unit")
        .order_by("unit__code")[:6]
    )
    found = list(spans)
    if not found:
        # Typed without tones, or picked: the picker's search in the same scope.
        found = [p.span for p in pick_units(text, day, scope.spans_today(Action.VIEW_AUDIT))][:6]
    if len(found) == 1:
        return found[0].unit, ""
    if found:
        listed = ", ".join(f"{s.name} ({s.unit.code})" for s in found[:5])
        return None, _("«%(text)s» khớp với nhiều đơn vị: %(units)s. Hãy gõ mã đơn vị.") % {
            "text": text,
            "units": listed + ("…" if len(found) > 5 else ""),
        }
    # The same words for a unit that does not exist and one out of scope.
    return None, _("Không tìm thấy đơn vị %(code)s trong phạm vi bạn được xem nhật ký.") % {
        "code": text
    }


@require_safe
@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not may_view_audit(scope):
        raise Http404(_("Không tìm thấy trang."))
    form = AuditFilter(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    form.mark_errors()
    error = ""
    unit = None
    text = (data.get("unit") or "").strip()
    if text:
        unit, error = _find_unit(scope, text)
    entries: QuerySet[AuditEntry] = AuditEntry.objects.none()
    if not error and (form.is_valid() or not form.is_bound):
        entries = filter_entries(
            audit_entries_for(request.user),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action", ""),
            channel=data.get("channel", ""),
            username=data.get("username", ""),
            unit=unit,
        )
    entries = entries.select_related("unit").order_by("-at", "-id")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    day = today()
    unit_ids = {e.unit_id for e in shown if e.unit_id}
    names = (
        {uid: label.name for uid, label in timeline.unit_labels(unit_ids, day).items()}
        if unit_ids
        else {}
    )
    targets = describe_targets(shown, day) if shown else {}
    # Who, by name rather than login (issue 13): one query for the page.
    people = person_names({e.user_id for e in shown})
    rows = [
        {
            "entry": e,
            "person": people.get(e.user_id or 0, ""),
            "target": targets.get(e.pk, ""),
            "unit_name": names.get(e.unit_id or 0, ""),
            "changes": [
                c | {"label": field_label(c["key"])} for c in changes(e.before, e.after, readable)
            ],
        }
        for e in shown
    ]
    return render(
        request,
        "web/audit.html",
        {"form": form, "page": page, "rows": rows, "error": error},
    )
