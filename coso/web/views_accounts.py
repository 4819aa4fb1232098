"""A forgotten password (issue 13): an organization officer gives an account in their scope a
temporary password, shown once; the account must choose its own at its next login.

Who may: `coso.authority.scope.may_reset_password` (RESET_PASSWORD over the account's member and
the units of its roles); anyone else meets 404. The write is
`coso.accounts.operations.reset_password` (one audit entry).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coso.accounts.models import Account
from coso.accounts.names import person_name
from coso.accounts.operations import reset_password
from coso.authority.scope import (
    Action,
    account_unit,
    accounts_to_reset,
    get_account_for_reset,
    scope_of,
)
from coso.members.models import Member


def _linked_member(target: Any) -> Member | None:
    account = Account.objects.filter(user=target).select_related("member").first()
    return account.member if account is not None else None


@login_required
def password_reset_search(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).holds(Action.RESET_PASSWORD):
        raise Http404(_("Không tìm thấy trang."))
    text = request.GET.get("q", "").strip()[:100]
    found = accounts_to_reset(request.user, text) if text else []
    rows = [{"user": u, "name": person_name(u), "member": _linked_member(u)} for u in found]
    return render(request, "web/password_reset.html", {"q": text, "rows": rows})


@never_cache
@login_required
def password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_account_for_reset(request.user, user_id)
    context: dict[str, Any] = {
        "target": target,
        "name": person_name(target),
        "member": _linked_member(target),
    }
    if request.method == "POST":
        context["password"] = reset_password(target, actor=request, unit=account_unit(target))
    return render(request, "web/password_reset_confirm.html", context)
