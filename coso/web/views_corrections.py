"""Correcting a member's record (issue 13, point 1): a form of the profile as it stands, a
preview of what changes (old → new), then one call to
`coso.members.operations.correct_member_record` (rows appended, audit entry).

Who may: `Action.CORRECT_MEMBER_RECORD` on the member (coso.authority.scope): organization
officers over the member's subtree and the secretary of the member's branch; anyone else 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coso.authority.scope import Action, get_member_for_user, scope_of
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.members.models import CorrectableField, Member
from coso.members.operations import correct_member_record, correction_changes, shown_value
from coso.web.forms import CorrectionForm


def _initial(member: Member) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(member, name) for name in CorrectableField.values}
    initial["card_no"] = member.card_no or ""
    initial["effective_on"] = today()
    return initial


@login_required
def correct_member(request: HttpRequest, member_id: str) -> HttpResponse:
    member = get_member_for_user(request.user, member_id, Action.CORRECT_MEMBER_RECORD)
    sensitive = scope_of(request.user).can_member(Action.VIEW_SENSITIVE, member)
    data = request.POST if request.method == "POST" else None
    form = CorrectionForm(
        data, user=request.user, subject=member, sensitive=sensitive, initial=_initial(member)
    )
    context: dict[str, Any] = {"member": member, "form": form}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                if request.POST.get("confirm") == "1":
                    rows = correct_member_record(
                        member,
                        changes=form.changes(),
                        effective_on=form.cleaned_data["effective_on"],
                        reason=form.cleaned_data["reason"],
                        actor=request,
                    )
                    messages.success(
                        request,
                        _("Đã đính chính %(n)s thông tin của %(name)s.")
                        % {"n": len(rows), "name": member.full_name},
                    )
                    return redirect("web:member", member.member_id)
                changes = correction_changes(member, form.changes())
            except CosoError as exc:
                context["refusal"] = str(exc)
            else:
                status = 200
                context["preview"] = [
                    {
                        "field": c.field,
                        "label": CorrectableField(c.field).label,
                        "old": shown_value(c.field, c.old),
                        "new": shown_value(c.field, c.new),
                        "sensitive": c.sensitive,
                    }
                    for c in changes
                ]
    return render(request, "web/forms/correction.html", context, status=status)
