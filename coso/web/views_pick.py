"""The unit picker (issue 13, point 3): the units matching what is typed in a unit field, within
the reader's scope, as a list of buttons that fill the field in (htmx fragment)."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coso.authority.scope import Action, scope_of
from coso.core.dates import today
from coso.units.queries import pick_units

_ELEMENT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,79}")
MIN_CHARS = 2


def picker_action(value: str) -> Action:
    """The scope a field's picker searches (its form's action); VIEW for anything else."""
    try:
        return Action(value)
    except ValueError:
        return Action.VIEW


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
    action = picker_action(request.GET.get("act", ""))
    picked = pick_units(text, today(), scope.spans_today(action)) if len(text) >= MIN_CHARS else []
    return render(
        request,
        "web/_unit_pick.html",
        {"picked": picked, "text": text, "target": target, "asked": len(text) >= MIN_CHARS},
    )
