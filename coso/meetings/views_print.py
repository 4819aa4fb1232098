"""A meeting's printable documents as PDF: minutes, resolutions, attendance sheet.

Same access as the meeting's page (get_meeting_for_user with VIEW: 404 outside scope); each
document is rendered by coso.meetings.printing in the Party layout.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from coso.meetings import printing
from coso.meetings.access import get_meeting_for_user
from coso.meetings.models import Meeting


def _pdf(
    request: HttpRequest, pk: int, make: Callable[[Meeting], bytes], stem: str
) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    response = HttpResponse(make(meeting), content_type="application/pdf")
    name = f"{stem}-{meeting.pk}-{meeting.on:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, pk, printing.minutes_pdf, "bien-ban")


@login_required
@require_GET
def resolutions_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, pk, printing.resolutions_pdf, "nghi-quyet")


@login_required
@require_GET
def attendance_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(request, pk, printing.attendance_pdf, "danh-sach-du-hop")
