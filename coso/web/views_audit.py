"""The audit trail page: officers read the entries of their subtree; nothing here writes.

Visibility is decided by coso.authority.scope.audit_entries_for (VIEW_AUDIT of coso.authority.scope);
a user holding that right on no unit gets 404, as for every page they cannot use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from coso.audit.models import AuditEntry
from coso.authority.scope import GRANTS, Action, Scope, audit_entries_for, scope_of
from coso.core.dates import parse_date, today
from coso.units.models import Unit, UnitSpan
from coso.units.queries import subtree_range
from coso.web import timeline

ENTRIES_PER_PAGE = 50
VALUE_WIDTH = 80  # a diff cell shows this much of each value; the rest is in the title


def may_view_audit(scope: Scope) -> bool:
    """Whether some role of the user grants VIEW_AUDIT on some unit (or they are an admin)."""
    return scope.is_admin or any(Action.VIEW_AUDIT in GRANTS[r.kind] for r in scope.reaches)


class AuditFilter(forms.Form):
    date_from = forms.CharField(label=gettext_lazy("Từ ngày"), required=False, max_length=10)
    date_to = forms.CharField(label=gettext_lazy("Đến ngày"), required=False, max_length=10)
    action = forms.CharField(label=gettext_lazy("Thao tác"), required=False, max_length=60)
    username = forms.CharField(label=gettext_lazy("Người dùng"), required=False, max_length=150)
    unit = forms.CharField(
        label=gettext_lazy("Mã đơn vị (cả cấp dưới)"), required=False, max_length=40
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
    username: str = "",
    unit: Unit | None = None,
) -> QuerySet[AuditEntry]:
    """Narrow already scoped entries; dates are local days, both ends included."""
    if date_from is not None:
        entries = entries.filter(at__gte=_local_midnight(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    if action.strip():
        entries = entries.filter(action__icontains=action.strip())
    if username.strip():
        entries = entries.filter(username__icontains=username.strip())
    if unit is not None:
        entries = entries.filter(unit__in=_subtree_units(unit).values("unit_id"))
    return entries


def _short(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def changes(before: Any, after: Any) -> list[dict[str, str]]:
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
        rows.append(
            {
                "key": key,
                "before": _short(was) if key in old else "—",
                "after": _short(now) if key in new else "—",
                "full": f"{was!s} → {now!s}",
            }
        )
    return rows


@require_safe
@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not may_view_audit(scope):
        raise Http404(_("Không tìm thấy trang."))
    form = AuditFilter(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    error = ""
    unit = None
    code = (data.get("unit") or "").strip()
    if code:
        unit = scope.units(Action.VIEW_AUDIT).filter(code=code).first()
        if unit is None:
            # The same words for a unit that does not exist and one out of scope.
            error = _("Không tìm thấy đơn vị %(code)s trong phạm vi bạn được xem nhật ký.") % {
                "code": code
            }
    entries: QuerySet[AuditEntry] = AuditEntry.objects.none()
    if not error and (form.is_valid() or not form.is_bound):
        entries = filter_entries(
            audit_entries_for(request.user),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action", ""),
            username=data.get("username", ""),
            unit=unit,
        )
    entries = entries.select_related("unit").order_by("-at", "-id")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    unit_ids = {e.unit_id for e in page.object_list if e.unit_id}
    names = (
        {uid: label.name for uid, label in timeline.unit_labels(unit_ids, today()).items()}
        if unit_ids
        else {}
    )
    rows = [
        {
            "entry": e,
            "unit_name": names.get(e.unit_id or 0, ""),
            "changes": changes(e.before, e.after),
        }
        for e in page.object_list
    ]
    return render(
        request,
        "web/audit.html",
        {"form": form, "page": page, "rows": rows, "error": error},
    )
