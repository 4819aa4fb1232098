"""Snapshots whose day has come: members whose dated changes took effect since the last sync.

A decision recorded ahead of its effective date leaves the member's snapshot (status, home unit,
flags) describing the day it was recorded; scope and lists read the snapshot, so once the date
arrives it must be rewritten from the spans. The scheduler runs `sync_due_snapshots` shortly
after midnight (job `snapshots`, coso/web/jobs.py); `coso sync-snapshots` calls the same.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coso.core.schedule import last_success
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.members.operations import sync_snapshot

JOB_NAME = "snapshots"
# With no successful run on record (a new installation), this many days are looked at.
FIRST_RUN_DAYS = 7


def members_to_resync(since: dt.date, until: dt.date) -> list[int]:
    """Members whose spans or events take effect in (since, until]: their snapshot may be stale."""
    window = Q(valid_from__gt=since, valid_from__lte=until) | Q(
        valid_to__gt=since, valid_to__lte=until
    )
    ids = set(MemberSpan.objects.filter(window).values_list("member_id", flat=True))
    ids |= set(
        MemberEvent.objects.filter(effective_on__gt=since, effective_on__lte=until).values_list(
            "member_id", flat=True
        )
    )
    return sorted(ids)


def default_since(until: dt.date) -> dt.date:
    """The day of the last successful sync (it left every snapshot right as of that day), else
    FIRST_RUN_DAYS before `until`; a missed week is caught up whole."""
    last = last_success(JOB_NAME)
    if last is None:
        return until - dt.timedelta(days=FIRST_RUN_DAYS)
    return min(timezone.localtime(last.started_at).date(), until)


@transaction.atomic
def sync_snapshots(since: dt.date, until: dt.date) -> int:
    """Rewrite the snapshots of members whose changes took effect in (since, until]; how many."""
    ids = members_to_resync(since, until)
    for member in Member.objects.filter(pk__in=ids).iterator():
        sync_snapshot(member)
    return len(ids)


def sync_due_snapshots(day: dt.date, since: dt.date | None = None) -> str:
    """The scheduler's job: catch up from the last successful sync to `day`; one line."""
    since = default_since(day) if since is None else since
    count = sync_snapshots(since, day)
    return f"Đã cập nhật {count} đảng viên có thay đổi từ sau ngày {since:%d/%m/%Y}."


__all__ = ["JOB_NAME", "default_since", "members_to_resync", "sync_due_snapshots", "sync_snapshots"]
