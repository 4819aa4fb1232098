"""A member's record as PDF: the same access and the same read as the member page."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from coso.authority.scope import Action, get_member_for_user, scope_of
from coso.core.dates import today
from coso.members.queries import read_member
from coso.web.printing import member_record_pdf


@login_required
@require_GET
def member_pdf(request: HttpRequest, member_id: str) -> HttpResponse:
    member = get_member_for_user(request.user, member_id)
    sensitive = scope_of(request.user).can_member(Action.VIEW_SENSITIVE, member)
    record = read_member(member, sensitive=sensitive, reader=request)
    response = HttpResponse(member_record_pdf(record, today()), content_type="application/pdf")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", member.member_id).strip("-") or "dang-vien"
    response["Content-Disposition"] = f'attachment; filename="ly-lich-{stem}.pdf"'
    return response
