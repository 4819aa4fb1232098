"""Must show: a transfer decided today with effect in three days moves the member to the new
branch's scope and lists on that day, by the scheduler alone (no command run by anyone)."""

from __future__ import annotations

import datetime as dt

import time_machine

from coso.authority.scope import Action, forget_scope, scope_of
from coso.core.models import JobOutcome, JobRun
from coso.core.schedule import find_job, tick
from coso.members.models import Member
from coso.members.operations import receive_member, transfer_out
from coso.members.queries import search_members
from coso.web.jobs import registered_jobs
from tests.cast import Cast
from tests.schedule.helpers import ahead, vn


def _seen_by(cast: Cast, who: str, member: Member) -> bool:
    user = cast.users[who]
    forget_scope(user)
    return scope_of(user).members(Action.VIEW).filter(pk=member.pk).exists()


def _listed_in(cast: Cast, who: str, unit_code: str, member: Member) -> bool:
    user = cast.users[who]
    forget_scope(user)
    visible = scope_of(user).members(Action.VIEW)
    found = search_members(visible, unit=cast.units[unit_code])
    return found.filter(pk=member.pk).exists()


def _where(cast: Cast, member: Member) -> dict[str, bool]:
    return {
        "committee sees": _seen_by(cast, "committee", member),
        "committee lists in B": _listed_in(cast, "committee", "B", member),
        "outsider sees": _seen_by(cast, "outsider", member),
        "outsider lists in QB": _listed_in(cast, "outsider", "QB", member),
    }


OLD_BRANCH = {
    "committee sees": True,
    "committee lists in B": True,
    "outsider sees": False,
    "outsider lists in QB": False,
}
NEW_BRANCH = {key: not value for key, value in OLD_BRANCH.items()}


def test_a_transfer_dated_ahead_reaches_scope_and_lists_on_its_day(cast: Cast) -> None:
    # The snapshot job ticked alone: the backup needs a database outside a transaction, which
    # a test's is not (tests/schedule/test_jobs.py runs it).
    jobs = [find_job(registered_jobs(), "snapshots")]
    decided = ahead(30)
    effective = decided + dt.timedelta(days=3)
    member = cast.members["b2"]  # homed in branch B (commune C), moving to QB (province Q)

    with time_machine.travel(vn(decided, 15), tick=False):
        transfer_out(member, on=effective, to_unit=cast.QB)
        receive_member(member, on=effective, branch=cast.QB)
        tick(jobs)  # the day's run: the transfer has not taken effect
        assert _where(cast, member) == OLD_BRANCH

    with time_machine.travel(vn(effective - dt.timedelta(days=1), 23, 59), tick=False):
        tick(jobs)  # the eve: still the old branch
        assert _where(cast, member) == OLD_BRANCH

    with time_machine.travel(vn(effective, 0, 10), tick=False):
        made = tick(jobs)
        assert [(r.job, r.outcome) for r in made] == [("snapshots", JobOutcome.OK)]
        assert "1 đảng viên" in made[0].summary
        assert _where(cast, member) == NEW_BRANCH
        member.refresh_from_db()
        assert member.home_unit == cast.QB and not member.in_transit

    assert JobRun.objects.filter(job="snapshots", outcome=JobOutcome.OK).count() == 3
