"""The member's own activity page: upcoming meetings, online check-in, resolutions, attendance,
and the private calendar feed.

Thin views: the member is the one linked to the logged-in account (scope_of(user).own_member);
meetings are loaded only through get_meeting_for_user; every write calls ONE domain function and
records itself in the audit trail in the same transaction. The calendar feed is public by token
(calendar applications carry no session), so its address is secret, shown once, and revocable.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from coso.audit.log import AuditAction, record_write
from coso.authority.scope import scope_of
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.meetings import operations
from coso.meetings.access import get_meeting_for_user
from coso.meetings.ics import (
    create_calendar_token,
    live_calendar_tokens,
    member_calendar_ics,
    revoke_calendar_tokens,
)
from coso.meetings.models import (
    AttendanceStatus,
    Invitation,
)
from coso.meetings.queries import (
    attendance_record,
    member_meetings,
    resolutions_of,
    unit_names,
)
from coso.members.models import Member

FIRST_YEAR = 2000  # the earliest year the attendance record may be asked for


def _own_member(request: HttpRequest) -> Member | None:
    return scope_of(request.user).own_member


def _own_member_or_404(request: HttpRequest) -> Member:
    member = _own_member(request)
    if member is None:
        raise Http404(_("Tài khoản chưa được liên kết với hồ sơ đảng viên."))
    return member


def _year(request: HttpRequest, day: dt.date) -> int:
    """The ?year asked for, within [FIRST_YEAR, this year]; this year otherwise."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return day.year
    return year if FIRST_YEAR <= year <= day.year else day.year


@login_required
def me(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    if member is None:
        return render(request, "meetings/me/unlinked.html")
    day = today()
    year = _year(request, day)
    cards = member_meetings(member, day, timezone.now())
    branch = member.home_unit
    branch_name = unit_names({branch.pk}, day).get(branch.pk, "") if branch is not None else ""
    resolutions = list(resolutions_of(branch, year=year)) if branch is not None else []
    rows, summary = attendance_record(member, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    calendar = live_calendar_tokens(day).filter(member=member).order_by("-created_at").first()
    return render(
        request,
        "meetings/me/me.html",
        {
            "member": member,
            "branch": branch,
            "branch_name": branch_name,
            "year": year,
            "years": list(range(day.year, max(FIRST_YEAR, day.year - 4) - 1, -1)),
            "open_cards": cards.open,
            "upcoming_cards": cards.upcoming,
            "resolutions": resolutions,
            "attendance": rows,
            "summary": summary,
            "statuses": AttendanceStatus,
            "calendar": calendar,
        },
    )


@require_POST
@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The member checks themselves in to an online meeting whose window is open."""
    member = _own_member_or_404(request)
    meeting = get_meeting_for_user(request.user, pk)
    # Seeing a meeting (e.g. a secretary of the unit who is also a member elsewhere) is not
    # being called to it: only the invited may check in.
    if not Invitation.objects.filter(meeting=meeting, member=member).exists():
        raise Http404(_("Không tìm thấy cuộc họp."))
    # The home page's button brings the member back home; my page's to my page.
    back = "web:home" if request.POST.get("back") == "home" else "meetings:me"
    at = timezone.now()
    try:
        with transaction.atomic():
            invitation = operations.check_in(member, meeting, at)
            if invitation.checked_in_at == at:
                record_write(
                    request,
                    AuditAction.MEETING_CHECK_IN,
                    meeting,
                    None,
                    {"member": member.member_id, "checked_in_at": at},
                    meeting.unit,
                )
    except CosoError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    title = meeting.title or meeting.get_kind_display()
    when = timezone.localtime(invitation.checked_in_at or at).strftime("%H:%M %d/%m/%Y")
    if invitation.checked_in_at == at:
        messages.success(
            request, _("Đã điểm danh: %(title)s, lúc %(when)s.") % {"title": title, "when": when}
        )
    else:
        messages.info(
            request,
            _("Bạn đã điểm danh %(title)s từ trước, lúc %(when)s.")
            % {"title": title, "when": when},
        )
    return redirect(back)


@require_POST
@login_required
@never_cache
def calendar_create(request: HttpRequest) -> HttpResponse:
    """A new private calendar address; older ones stop working. The address is shown once."""
    member = _own_member_or_404(request)
    with transaction.atomic():
        revoked = revoke_calendar_tokens(member)
        raw = create_calendar_token(member)
        # Never the token itself: the audit trail is read by officers.
        record_write(request, AuditAction.CALENDAR_TOKEN_CREATE, member, None, {"revoked": revoked})
    path = reverse("meetings:calendar_feed", args=[raw])
    # Calendar servers (Google's) fetch the feed from outside: the site's public address
    # (https) when it is configured, else the address the page was asked at.
    site = str(getattr(settings, "COSO_SITE_URL", "")).rstrip("/")
    url = site + path if site else request.build_absolute_uri(path)
    links = calendar_links(url)
    return render(
        request,
        "meetings/me/calendar_created.html",
        {"member": member, "feed_url": url, "revoked": revoked, **links},
    )


def calendar_links(feed_url: str) -> dict[str, str]:
    """Ways to subscribe to the feed: iPhone and Mac open `webcal:`; most Android phones have
    no app for it, so Google Calendar's own https page adds the address by URL (the calendar
    then syncs to the phone's Google Calendar app)."""
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    return {
        "webcal_url": webcal,
        "google_url": "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal}),
    }


@require_POST
@login_required
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    member = _own_member_or_404(request)
    with transaction.atomic():
        revoked = revoke_calendar_tokens(member)
        if revoked:
            record_write(
                request, AuditAction.CALENDAR_TOKEN_REVOKE, member, None, {"revoked": revoked}
            )
    if revoked:
        messages.success(request, _("Đã thu hồi địa chỉ lịch: địa chỉ cũ không còn dùng được."))
    else:
        messages.info(request, _("Bạn chưa có địa chỉ lịch nào đang dùng."))
    return redirect("meetings:me")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of the token's owner; no login (calendar applications have none)."""
    try:
        text = member_calendar_ics(token)
    except CosoError:
        raise Http404(_("Địa chỉ lịch không hợp lệ hoặc đã bị thu hồi.")) from None
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    # The address is the secret: no shared cache may keep the member's schedule, and the
    # address must not leak through a Referer.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Disposition"] = 'inline; filename="lich-sinh-hoat.ics"'
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
