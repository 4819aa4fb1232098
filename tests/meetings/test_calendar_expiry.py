"""Calendar addresses expire: the feed refuses them and the daily prune revokes, then deletes.

An address works while it is not revoked, its member is in the Party with an active account, and
it was read within COSO_CALENDAR_TOKEN_IDLE_DAYS (180 by default). The cast's member CAST-B1 has
the `member` login; CAST-B2 has none.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coso.accounts.models import Account, hash_token
from coso.audit.models import AuditEntry
from coso.meetings.ics import create_calendar_token
from coso.meetings.models import CalendarToken
from coso.meetings.operations import prune_calendar_tokens
from coso.members.models import Member
from coso.members.operations import record_death
from tests.cast import Cast
from tests.meetings.conftest import with_account


def _feed(cast: Cast, token: str) -> int:
    response = cast.client("anonymous").get(reverse("meetings:calendar_feed", args=[token]))
    return int(response.status_code)


def _token(member: Member, **fields: Any) -> tuple[str, CalendarToken]:
    raw = secrets.token_urlsafe(32)
    row = CalendarToken.objects.create(member=member, token_hash=hash_token(raw))
    if fields:
        CalendarToken.objects.filter(pk=row.pk).update(**fields)
        row.refresh_from_db()
    return raw, row


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _midday(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_the_feed_records_its_last_use_once_a_day(cast: Cast) -> None:
    token = create_calendar_token(cast.members["b1"])
    assert CalendarToken.objects.get().last_used_on is None
    assert _feed(cast, token) == 200
    assert CalendarToken.objects.get().last_used_on == timezone.localdate()
    # Calendar applications ask every few hours: the day is written once, not on each read.
    with CaptureQueriesContext(connection) as queries:
        assert _feed(cast, token) == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    CalendarToken.objects.update(last_used_on=_ago(1))
    assert _feed(cast, token) == 200
    assert CalendarToken.objects.get().last_used_on == timezone.localdate()


def test_an_address_unused_for_the_idle_days_stops_working(cast: Cast, settings: Any) -> None:
    settings.COSO_CALENDAR_TOKEN_IDLE_DAYS = 180
    member = cast.members["b1"]
    token, row = _token(member, last_used_on=_ago(180))
    assert _feed(cast, token) == 200  # read 180 days ago: still within
    CalendarToken.objects.filter(pk=row.pk).update(last_used_on=_ago(181))
    assert _feed(cast, token) == 404
    # Never read: counted from its making.
    never, _ = _token(member, created_at=_midday(_ago(181)))
    assert _feed(cast, never) == 404
    fresh, _ = _token(member, created_at=_midday(_ago(179)))
    assert _feed(cast, fresh) == 200
    # 0 turns the idle rule off.
    settings.COSO_CALENDAR_TOKEN_IDLE_DAYS = 0
    assert _feed(cast, token) == 200 and _feed(cast, never) == 200


def test_the_address_of_a_member_who_left_or_lost_their_login_stops_working(
    cast: Cast,
) -> None:
    b1 = cast.members["b1"]
    token = create_calendar_token(b1)
    assert _feed(cast, token) == 200
    get_user_model().objects.filter(pk=cast.member.pk).update(is_active=False)
    assert _feed(cast, token) == 404
    get_user_model().objects.filter(pk=cast.member.pk).update(is_active=True)
    assert _feed(cast, token) == 200
    Account.objects.filter(member=b1).delete()
    assert _feed(cast, token) == 404

    b2x = with_account(cast.members["b2x"])
    theirs = create_calendar_token(b2x)
    assert _feed(cast, theirs) == 200
    record_death(b2x, on=timezone.localdate())
    assert _feed(cast, theirs) == 404


def test_the_members_page_does_not_offer_an_expired_address_as_in_use(
    cast: Cast, settings: Any
) -> None:
    settings.COSO_CALENDAR_TOKEN_IDLE_DAYS = 30
    _token(cast.members["b1"], last_used_on=_ago(31))
    page = cast.client("member").get(reverse("meetings:me")).content.decode()
    assert "Bạn đang dùng một địa chỉ lịch" not in page


def test_prune_revokes_the_expired_deletes_the_long_revoked_and_is_idempotent(
    cast: Cast, settings: Any
) -> None:
    settings.COSO_CALENDAR_TOKEN_IDLE_DAYS = 180
    settings.COSO_CALENDAR_TOKENS_KEEP_DAYS = 30
    day = timezone.localdate()
    b1 = cast.members["b1"]
    live, live_row = _token(b1, last_used_on=_ago(1))
    _, idle = _token(b1, last_used_on=_ago(181))
    _, no_login = _token(cast.members["b2"])  # CAST-B2 has no account
    dead = with_account(cast.members["b2x"])
    record_death(dead, on=day)
    _, left = _token(dead)
    _, old = _token(b1, revoked_at=timezone.now() - dt.timedelta(days=31))
    _, recent = _token(b1, revoked_at=timezone.now() - dt.timedelta(days=29))
    audits = AuditEntry.objects.filter(action="calendar_token_revoke")

    summary = prune_calendar_tokens(day)

    assert "thu hồi 3" in summary and "xóa 1 đã thu hồi quá 30 ngày" in summary
    remaining = {t.pk: t for t in CalendarToken.objects.all()}
    assert old.pk not in remaining
    assert remaining[recent.pk].revoked_at is not None
    assert remaining[live_row.pk].revoked_at is None
    assert all(remaining[t.pk].revoked_at is not None for t in (idle, no_login, left))
    reasons = {(e.target_id, e.after["reason"]) for e in audits}
    assert reasons == {
        ("CAST-B1", "địa chỉ lâu không dùng"),
        ("CAST-B2", "đảng viên không còn tài khoản đang dùng"),
        ("CAST-B2X", "đảng viên không còn trong Đảng"),
    }
    assert all(e.channel == "cli" for e in audits)
    assert _feed(cast, live) == 200

    # Running again the same day changes nothing.
    before = list(CalendarToken.objects.order_by("pk").values_list("pk", "revoked_at"))
    again = prune_calendar_tokens(day)
    assert "thu hồi 0" in again and "xóa 0" in again
    assert list(CalendarToken.objects.order_by("pk").values_list("pk", "revoked_at")) == before
    assert audits.count() == 3


def test_prune_catches_up_after_missed_days(cast: Cast, settings: Any) -> None:
    settings.COSO_CALENDAR_TOKEN_IDLE_DAYS = 180
    settings.COSO_CALENDAR_TOKENS_KEEP_DAYS = 30
    day = timezone.localdate()
    # Idle from the day after tomorrow on; revoked 28 days ago (deletable in three days).
    _, idle = _token(cast.members["b1"], last_used_on=day - dt.timedelta(days=179))
    _, revoked = _token(cast.members["b1"], revoked_at=timezone.now() - dt.timedelta(days=28))
    assert "thu hồi 0" in prune_calendar_tokens(day)
    # The job did not run for the next two days; the run for the third does their work.
    summary = prune_calendar_tokens(day + dt.timedelta(days=3))
    assert "thu hồi 1" in summary and "xóa 1" in summary
    idle.refresh_from_db()
    assert idle.revoked_at is not None
    assert not CalendarToken.objects.filter(pk=revoked.pk).exists()
    assert "thu hồi 0" in prune_calendar_tokens(day + dt.timedelta(days=3))
