"""A user's own notices (deadline reminders and the like): the list, and marking them read.

Only the recipient sees or marks a notice: anyone else's answers 404, whether or not it exists.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from coso.accounts.notices import get_notice_for_user, mark_read, notices_for

NOTICES_PER_PAGE = 50


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices_for(request.user), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    unread = any(n.read_at is None for n in page.object_list)
    return render(request, "web/notices.html", {"page": page, "unread": unread})


@require_POST
@login_required
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    mark_read(request.user, get_notice_for_user(request.user, pk))
    return redirect("web:notices")


@require_POST
@login_required
def notices_read_all(request: HttpRequest) -> HttpResponse:
    mark_read(request.user)
    return redirect("web:notices")
