"""What the load test's users ask for: the bench accounts and, for each, real ids of its scope.

`coso loadtest prepare` writes this as JSON for `loadtest/locustfile.py` (which runs in Locust's
own environment, without Django): for each bench account (coso/demo/bench_accounts.py) its unit,
a past day on which that unit existed (for the statistics on a past date), and members of its
subtree spread over its branches (so the member pages are not one cached row); for the branch
and the member, a meeting of their branch; for the branch secretary and the commune, a pending
proposal. The objects are those `coso bench --pages` prepares (bench_pages.prepare), created
once on a generated dataset and reused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.core.dates import today
from coso.demo.bench_accounts import BenchAccount
from coso.demo.bench_pages import BENCH_PASSWORD, Fixtures, prepare
from coso.members.models import IN_PARTY, Member
from coso.units.models import HOME_KINDS, UnitSpan
from coso.units.queries import subtree_spans

# Past days to ask the statistics for, the first on which the unit existed: the eve of the
# 2025 reform (the old tree), then the end of 2025 (a commune made by the reform).
PAST_DAYS = (dt.date(2025, 6, 30), dt.date(2025, 12, 31))
# The roles of the locustfile, by bench username.
ROLE_OF = {
    "bench.admin": "admin",
    "bench.central": "central",
    "bench.province": "province",
    "bench.commune": "commune",
    "bench.branch": "branch",
    "bench.member": "member",
}


def past_day(code: str, day: dt.date | None = None) -> dt.date:
    """The first of PAST_DAYS on which unit `code` existed; a month ago otherwise."""
    for candidate in PAST_DAYS:
        if UnitSpan.objects.filter(
            unit__code=code, valid_from__lte=candidate, valid_to__gt=candidate
        ).exists():
            return candidate
    return (day or today()) - dt.timedelta(days=30)


def sample_members(code: str, *, branches: int = 20, per_branch: int = 3) -> list[str]:
    """Member ids in the Party today, a few from each of up to `branches` branches spread
    evenly over the subtree of `code` (in path order)."""
    day = today()
    span = (
        UnitSpan.objects.filter(unit__code=code, valid_from__lte=day, valid_to__gt=day)
        .order_by("valid_from")
        .first()
    )
    if span is None:
        return []
    homes = list(
        subtree_spans(span, day)
        .filter(kind__in=HOME_KINDS)
        .order_by("path")
        .values_list("unit_id", flat=True)
    )
    if not homes:
        return []
    step = max(1, len(homes) // branches)
    chosen = homes[::step][:branches]
    ids: list[str] = []
    for unit_id in chosen:
        ids += list(
            Member.objects.filter(home_unit_id=unit_id, status__in=IN_PARTY)
            .order_by("member_id")
            .values_list("member_id", flat=True)[:per_branch]
        )
    return ids


def _names(member_ids: list[str]) -> list[str]:
    """The full names of these members (a few dozen: the sample above), in their order."""
    names = dict(
        Member.objects.filter(member_id__in=member_ids).values_list("member_id", "full_name")
    )
    return [names[m] for m in member_ids if m in names]


def account_target(account: BenchAccount, fixtures: Fixtures) -> dict[str, Any]:
    role = ROLE_OF[account.username]
    assert account.unit_code is not None
    if role == "member":
        members = [account.member_id or fixtures.member_id]  # a member sees their own record
    else:
        members = sample_members(account.unit_code) or [fixtures.member_id]
    return {
        "role": role,
        "username": account.username,
        "level": account.level,
        "unit_code": account.unit_code,
        "past_day": past_day(account.unit_code).isoformat(),
        "member_ids": members,
        # What an officer types most: a person's full name, rare in the country (the
        # locustfile's other searches are common names).
        "member_names": _names(members) if role != "member" else [],
        "meeting_id": fixtures.meeting_id if role in ("branch", "member") else None,
        "proposal_id": fixtures.proposal_id if role in ("branch", "commune") else None,
    }


def clear_lockouts(usernames: list[str]) -> int:
    """Forget the failed logins of these accounts (django-axes), so that a run with a wrong
    password does not leave them, and their address, locked out for the next run."""
    from axes.models import AccessAttempt

    count, _ = AccessAttempt.objects.filter(username__in=usernames).delete()
    return int(count)


def load_targets(password: str = BENCH_PASSWORD) -> dict[str, Any]:
    """The bench accounts (created or reset, their failed logins forgotten) and what each
    one's pages name."""
    accounts, fixtures = prepare(password)
    clear_lockouts([a.username for a in accounts])
    return {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "password": password,
        "notes": fixtures.notes,
        "accounts": [account_target(a, fixtures) for a in accounts],
    }
