"""The proposals about a member or a unit, on their page (a pending strike-off shows there)."""

from __future__ import annotations

from typing import Any

from django import template

from coso.authority.queries import proposals_about

register = template.Library()

SHOWN = 5  # the latest proposals about one subject; the rest are on /proposals/


@register.inclusion_tag("authority/_about.html", takes_context=True)
def proposals_on(context: Any, subject: Any) -> dict[str, Any]:
    rows = list(
        proposals_about(context["request"].user, subject).select_related(
            "member", "unit", "proposer", "decider"
        )[:SHOWN]
    )
    return {"proposals": rows, "request": context["request"]}
