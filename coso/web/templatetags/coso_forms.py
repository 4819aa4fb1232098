"""Tags for the write pages: which acts a user may open from a unit or member page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext_lazy

from coso.authority.catalogue import Act, Route, member_acts_for, unit_acts_for
from coso.core.dates import fmt
from coso.members.models import Member, MemberStatus
from coso.units.models import Unit

register = template.Library()

_FACT_LABELS = {
    "status": gettext_lazy("Trạng thái"),
    "home_unit": gettext_lazy("Nơi sinh hoạt"),
    "in_transit": gettext_lazy("Đang chuyển sinh hoạt"),
    "exempt": gettext_lazy("Miễn công tác và sinh hoạt"),
    "ended_on": gettext_lazy("Ngày ra khỏi Đảng"),
}


@register.filter
def fact_label(name: str) -> str:
    return str(_FACT_LABELS.get(name, name))


@register.filter
def fact_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(gettext_lazy("có") if value else gettext_lazy("không"))
    if isinstance(value, dt.date):
        return fmt(value)
    try:
        return str(MemberStatus(value).label)
    except ValueError:
        return str(value)


@register.simple_tag(takes_context=True)
def unit_operations(context: Any, unit: Unit) -> list[tuple[Act, Route]]:
    return unit_acts_for(context["request"].user, unit, context.get("span"))


@register.simple_tag(takes_context=True)
def member_operations(context: Any, member: Member) -> list[tuple[Act, Route]]:
    return member_acts_for(context["request"].user, member)
