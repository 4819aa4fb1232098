"""A member's private calendar feed (iCalendar, RFC 5545) of their upcoming meetings.

The address carries a random token; only its hash is stored. Revoking it ends the feed, and so
does the member's leaving the Party or losing their account, or leaving the address unused for
COSO_CALENDAR_TOKEN_IDLE_DAYS (180 by default; 0 turns that off): the feed refuses such an
address at once, and the daily prune (coso.meetings.operations.prune_calendar_tokens) revokes it
and later deletes it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from coso.accounts.models import Account, hash_token
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.meetings.models import CalendarToken, Meeting, MeetingForm
from coso.meetings.queries import upcoming_meetings
from coso.members.models import IN_PARTY, Member

DEFAULT_MINUTES = 120


@transaction.atomic
def create_calendar_token(member: Member) -> str:
    """A new private address for `member`, ending the earlier ones; the raw token.

    One live address a member: a leaked old address stops working as soon as a new one is
    made, which is what a member who asks for a new address expects.
    """
    revoke_calendar_tokens(member)
    raw = secrets.token_urlsafe(32)
    CalendarToken.objects.create(member=member, token_hash=hash_token(raw))
    return raw


@transaction.atomic
def revoke_calendar_tokens(member: Member) -> int:
    return CalendarToken.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def idle_since(day: dt.date) -> dt.date | None:
    """Addresses not read since before this day have expired on `day` (None: they never do)."""
    idle = int(settings.COSO_CALENDAR_TOKEN_IDLE_DAYS)
    return day - dt.timedelta(days=idle) if idle > 0 else None


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _account_alive() -> Exists:
    return Exists(Account.objects.filter(member=OuterRef("member"), user__is_active=True))


def expiry_conditions(day: dt.date) -> dict[str, Q]:
    """Why an address that is not revoked has expired on `day`, by reason (the first that holds
    is the one to report): its member left the Party, lost their account, or never read it."""
    reasons: dict[str, Q] = {
        "left_party": ~Q(member__status__in=IN_PARTY),
        "no_account": ~Q(_account_alive()),
    }
    cutoff = idle_since(day)
    if cutoff is not None:
        reasons["unused"] = Q(last_used_on__lt=cutoff) | Q(
            last_used_on__isnull=True, created_at__lt=_start_of(cutoff)
        )
    return reasons


def live_calendar_tokens(day: dt.date) -> QuerySet[CalendarToken]:
    """The addresses that work on `day`: not revoked and expired for none of the reasons."""
    rows = CalendarToken.objects.filter(revoked_at__isnull=True)
    for condition in expiry_conditions(day).values():
        rows = rows.exclude(condition)
    return rows


def member_for_token(token: str) -> Member:
    day = today()
    found = (
        live_calendar_tokens(day)
        .select_related("member")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if found is None:
        raise CosoError("Địa chỉ lịch không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    # Its last use, at most one write a day however often the calendar application asks.
    if found.last_used_on != day:
        CalendarToken.objects.filter(pk=found.pk).update(last_used_on=day)
    return found.member


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continuations starting with a space (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_event_lines(meeting: Meeting, stamp: dt.datetime) -> list[str]:
    zone = ZoneInfo(settings.TIME_ZONE)
    title = meeting.title or f"{meeting.get_kind_display()} — {meeting.unit.code}"
    if meeting.group_id is not None:  # a party group's part of a by-group meeting
        title = f"{meeting.get_kind_display()} — {meeting.title} ({meeting.unit.code})"
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@coso",
        f"DTSTAMP:{_utc(stamp)}",
    ]
    if meeting.starts_at is not None:
        start = dt.datetime.combine(meeting.on, meeting.starts_at, tzinfo=zone)
        lines.append(f"DTSTART:{_utc(start)}")
        lines.append(f"DTEND:{_utc(start + dt.timedelta(minutes=DEFAULT_MINUTES))}")
    else:
        lines.append(f"DTSTART;VALUE=DATE:{meeting.on:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{meeting.on + dt.timedelta(days=1):%Y%m%d}")
    lines.append(f"SUMMARY:{_escape(title)}")
    where = meeting.online_link if meeting.form == MeetingForm.ONLINE else meeting.place
    if where:
        lines.append(f"LOCATION:{_escape(where)}")
    if meeting.online_link:
        lines.append(f"URL:{meeting.online_link}")
    if meeting.agenda:
        lines.append(f"DESCRIPTION:{_escape(meeting.agenda)}")
    lines.append("END:VEVENT")
    return lines


def member_calendar_ics(token: str) -> str:
    """The iCalendar text of the token owner's upcoming meetings (cancelled ones left out)."""
    member = member_for_token(token)
    meetings = list(upcoming_meetings(member))
    # A meeting held by party groups: the member's own group meeting stands for it (its place
    # and time are the member's), so the branch meeting is not listed a second time.
    folded = {m.parent_id for m in meetings if m.parent_id is not None}
    stamp = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Coso//Sinh hoat chi bo//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape('Lịch sinh hoạt — ' + member.full_name)}",
    ]
    for meeting in meetings:
        if meeting.pk not in folded:
            lines += meeting_event_lines(meeting, stamp)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
