"""Random sequences of lifecycle operations keep the spans, snapshot and figures coherent."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from coso.core.dates import FAR_FUTURE
from coso.core.errors import CosoError
from coso.members import operations as ops
from coso.members.models import Member, MemberEvent, MemberSpan
from coso.units.models import Unit

from .helpers import D, admit, assert_snapshot_is_today, assert_tally_consistent


def _operations(t: dict[str, Unit], rng: random.Random):  # type: ignore[no-untyped-def]
    return [
        lambda m, on: ops.recognize_member(m, decided_on=on),
        lambda m, on: ops.reject_recognition(m, decided_on=on),
        lambda m, on: ops.transfer_out(m, on=on),
        lambda m, on: ops.receive_member(m, on=on, branch=rng.choice([t["B1"], t["B2"]])),
        lambda m, on: ops.start_temporary_transfer(m, on=on, host_unit=t["CB"]),
        lambda m, on: ops.end_temporary_transfer(m, on=on),
        lambda m, on: ops.exempt_member(m, on=on, reason="illness"),
        lambda m, on: ops.return_from_exemption(m, on=on),
        lambda m, on: ops.change_group(m, on=on, group=t["G1"]),
        lambda m, on: ops.strike_off(m, on=on, reason="x"),
        lambda m, on: ops.expel_member(m, on=on),
        lambda m, on: ops.readmit_member(m, admitted_on=on, branch=t["B2"], family_hardship=True),
        lambda m, on: ops.add_participation(m, t["B2"], "residence", on=on),
    ]


def _check_spans(member: Member) -> None:
    spans = list(MemberSpan.objects.filter(member=member).order_by("valid_from"))
    for before, after in itertools.pairwise(spans):
        assert before.valid_to <= after.valid_from
    assert all(s.valid_to != FAR_FUTURE for s in spans[:-1])


@pytest.mark.parametrize("seed", range(4))
def test_random_histories(tree: dict[str, Unit], seed: int) -> None:
    rng = random.Random(seed)
    members = [
        admit(tree["B1"], D(1990, 3, 1) + dt.timedelta(days=7 * i), birth_date=D(1965, 1, 1))
        for i in range(3)
    ]
    operations = _operations(tree, rng)
    day = D(1990, 6, 1)
    done = 0
    for _ in range(60):
        day += dt.timedelta(days=rng.choice([0, 3, 40, 200, 400]))
        member = rng.choice(members)
        events = MemberEvent.objects.filter(member=member).count()
        spans = list(MemberSpan.objects.filter(member=member).values_list())
        try:
            rng.choice(operations)(member, day)
            done += 1
        except CosoError as err:
            assert member.member_id in str(err)
            assert list(MemberSpan.objects.filter(member=member).values_list()) == spans
            assert MemberEvent.objects.filter(member=member).count() == events
        _check_spans(member)
        assert_snapshot_is_today(member)
    assert_tally_consistent()
    assert done >= 10  # the walk really changed the members
