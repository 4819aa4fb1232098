"""Notices to users: posting them once, an email copy where mail is set up, reading them.

A feature posts drafts (whom, what kind, about which object, for which day, the message); a
notice already posted for the same recipient, kind, object and day is not posted again, so a job
may run twice or catch up on missed days. Email is a copy, never the notice itself: Coso runs on
isolated networks, so it goes only with COSO_NOTICE_EMAIL=1, to users who have an address, after
the posting transaction commits (a failed send is logged; the notice stands).

Each user reads only their own notices: another's is 404, whether or not it exists.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from coso.accounts.models import Notice

logger = logging.getLogger(__name__)

# The key of `params` listing the params whose values are themselves messages to translate
# (an act's title), rather than names and numbers shown as they are.
TRANSLATED = "_translated"
MAX_ID = 2**63 - 1
CHUNK = 500


@dataclass(frozen=True)
class Draft:
    recipient: Any  # a user
    kind: str
    about: models.Model
    on: dt.date
    text: str  # the message in Vietnamese, marked with gettext_noop, with %(name)s places
    params: dict[str, Any] = field(default_factory=dict)
    link: str = ""

    @property
    def key(self) -> tuple[int, str, str, int, dt.date]:
        return (self.recipient.pk, self.kind, self.about._meta.label_lower, self.about.pk, self.on)


def post_notices(drafts: Iterable[Draft]) -> list[Notice]:
    """Post the drafts not posted before (same recipient, kind, object and day); the new ones.

    Meant to run inside the caller's transaction; email copies are sent once it commits."""
    wanted: dict[tuple[int, str, str, int, dt.date], Draft] = {}
    for draft in drafts:
        wanted.setdefault(draft.key, draft)
    if not wanted:
        return []
    existing: set[tuple[int, str, str, int, dt.date]] = set()
    ids = sorted({k[3] for k in wanted})
    for start in range(0, len(ids), CHUNK):  # a bounded IN list, whatever the database
        existing.update(
            Notice.objects.filter(
                kind__in={k[1] for k in wanted},
                about_type__in={k[2] for k in wanted},
                about_id__in=ids[start : start + CHUNK],
                on__in={k[4] for k in wanted},
            ).values_list("recipient_id", "kind", "about_type", "about_id", "on")
        )
    new = [
        Notice(
            recipient=d.recipient,
            kind=d.kind,
            about_type=key[2],
            about_id=key[3],
            on=d.on,
            text=d.text,
            params=d.params,
            link=d.link[:200],
        )
        for key, d in wanted.items()
        if key not in existing
    ]
    created = Notice.objects.bulk_create(new)
    if created and email_enabled():
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: email_notices(ids))
    return created


def email_enabled() -> bool:
    return bool(getattr(settings, "COSO_NOTICE_EMAIL", False))


def notice_text(notice: Notice) -> str:
    """The message in the reader's language (the active one), its places filled in."""
    params = dict(notice.params)
    for name in params.pop(TRANSLATED, []):
        if isinstance(params.get(name), str):
            params[name] = gettext(params[name])
    try:
        return gettext(notice.text) % params
    except (KeyError, TypeError, ValueError):
        return notice.text  # a message whose places no longer match: shown as stored


def email_notices(ids: list[int]) -> int:
    """Send the email copy of each notice (in the site's language); how many went out."""
    sent = 0
    base = str(getattr(settings, "COSO_SITE_URL", "")).rstrip("/")
    rows = Notice.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related("recipient")
    for notice in rows:
        address = notice.recipient.email
        if not address:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            text = notice_text(notice)
        body = f"{text}\n\n{base}{notice.link}\n" if notice.link else f"{text}\n"
        try:
            send_mail(f"[Coso] {text}"[:150], body, None, [address])
        except (OSError, smtplib.SMTPException):
            logger.warning("notice %s: email to user %s failed", notice.pk, notice.recipient_id)
            continue
        Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def _own(user: Any) -> QuerySet[Notice]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user)


def unread_notices(user: Any) -> QuerySet[Notice]:
    """The user's unread notices, the latest first."""
    return _own(user).filter(read_at__isnull=True).order_by("-on", "-pk")


def notices_for(user: Any) -> QuerySet[Notice]:
    """All the user's notices: unread first, then the latest."""
    return _own(user).order_by(F("read_at").asc(nulls_first=True), "-on", "-pk")


def get_notice_for_user(user: Any, notice_id: int | str) -> Notice:
    """The user's own notice; 404 for anyone else's, whether or not it exists."""
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        raise Http404("Không tìm thấy thông báo.") from None
    found = _own(user).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if found is None:
        raise Http404("Không tìm thấy thông báo.")
    return found


def mark_read(user: Any, notice: Notice | None = None) -> int:
    """Mark one notice of the user (or all of them) as read; how many were unread."""
    rows = unread_notices(user)
    if notice is not None:
        rows = rows.filter(pk=notice.pk)
    return rows.update(read_at=timezone.now())
