"""Tags for the write pages: which operations a user may open from a unit or member page."""

from __future__ import annotations

from typing import Any

from django import template

from coso.members.models import Member
from coso.units.models import Unit
from coso.web.forms_views import Operation, member_operations_for, unit_operations_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_operations(context: Any, unit: Unit) -> list[Operation]:
    return unit_operations_for(context["request"].user, unit, context.get("span"))


@register.simple_tag(takes_context=True)
def member_operations(context: Any, member: Member) -> list[Operation]:
    return member_operations_for(context["request"].user, member)
