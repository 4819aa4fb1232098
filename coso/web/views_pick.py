"""The unit picker (issue 13, point 3): the units matching what is typed in a unit field, within
the reader's scope, as a list of buttons that fill the field in (htmx fragment)."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coso.authority.scope import Action, Scope, scope_of
from coso.core.dates import today
from coso.units.queries import pick_units

_ELEMENT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,79}")
MIN_CHARS = 2


def picker_actions(value: str) -> list[Action]:
    """The actions whose scope a field's picker searches ("manage_units,decide": the form's
    action, and DECIDE where the user's body decides the act); VIEW when none is known."""
    known = {a.value for a in Action}
    found = [Action(v) for v in value.split(",")[:3] if v in known]
    return found or [Action.VIEW]


def picker_scope(scope: Scope, actions: list[Action]) -> Q | None:
    """Today's spans of units the user may do any of `actions` on (None: every unit)."""
    where: Q | None = None
    for action in actions:
        cond = scope.spans_today(action)
        if cond is None:
            return None
        where = cond if where is None else where | cond
    return where


@login_required
def unit_pick(request: HttpRequest) -> HttpResponse:
    """GET /pick/units/?q=… (or ?name=FIELD&FIELD=…, as htmx sends a field's value)&act=&for=.

    Roles only (a plain member has no unit field to fill: 404, as for the lists). At most
    PICK_LIMIT units, the reader's scope for `act` today; fewer than two characters: none."""
    scope = scope_of(request.user)
    if not scope.manages_units:
        raise Http404(_("Không tìm thấy trang."))
    name = request.GET.get("name", "")
    text = (request.GET.get("q") or (request.GET.get(name, "") if name else "")).strip()[:100]
    target = request.GET.get("for", "")
    if not _ELEMENT_ID.fullmatch(target):
        target = ""
    actions = picker_actions(request.GET.get("act", ""))
    visible = picker_scope(scope, actions)
    picked = pick_units(text, today(), visible) if len(text) >= MIN_CHARS else []
    return render(
        request,
        "web/_unit_pick.html",
        {"picked": picked, "text": text, "target": target, "asked": len(text) >= MIN_CHARS},
    )
