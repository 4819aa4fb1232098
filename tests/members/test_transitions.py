"""Every lifecycle operation against every state: allowed ones succeed, the rest are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coso.core.errors import CosoError
from coso.core.models import get_decision
from coso.members import operations as ops
from coso.members.models import Member, MemberEvent, MemberSpan, MemberStatus
from coso.members.operations import label
from coso.units.models import Unit

from .helpers import (
    D,
    admit,
    assert_snapshot_is_today,
    assert_tally_consistent,
    official,
)

ON = D(2021, 6, 1)  # a Tuesday, after every state below was reached
ON_TEXT = "01/06/2021"
Tree = dict[str, Unit]


def _official(t: Tree) -> Member:
    return official(t["B1"], D(2015, 3, 2))


def _ended(kind: str) -> Callable[[Tree], Member]:
    def make(t: Tree) -> Member:
        m = _official(t)
        on = D(2017, 6, 1)
        if kind == "struck_off":
            return ops.strike_off(m, on=on, reason="bỏ sinh hoạt 3 tháng")
        if kind == "expelled":
            return ops.expel_member(m, on=on)
        if kind == "left":
            return ops.record_leaving(m, on=on)
        if kind == "deceased":
            return ops.record_death(m, on=on)
        return ops.transfer_out_of_system(m, on=on)

    return make


def _not_recognized(t: Tree) -> Member:
    m = admit(t["B1"], D(2016, 3, 1))
    return ops.reject_recognition(m, decided_on=D(2017, 3, 10))


def _in_transit(t: Tree) -> Member:
    return ops.transfer_out(_official(t), on=D(2021, 5, 3), to_unit=t["B2"])


def _exempt(t: Tree) -> Member:
    return ops.exempt_member(_official(t), on=D(2020, 2, 3), reason="illness", illness_months=6)


def _temporary(t: Tree) -> Member:
    m = _official(t)
    ops.start_temporary_transfer(m, on=D(2021, 1, 4), host_unit=t["CB"])
    return m


STATES: dict[str, tuple[Callable[[Tree], Member], str]] = {
    "candidate": (
        lambda t: ops.create_candidate(
            member_id="DV-CAND", full_name="Phạm Văn Dũng", gender="male", birth_date=D(1990, 1, 1)
        ),
        MemberStatus.CANDIDATE,
    ),
    "probationary": (lambda t: admit(t["B1"], D(2020, 3, 2)), MemberStatus.PROBATIONARY),
    "official": (_official, MemberStatus.OFFICIAL),
    "in_transit": (_in_transit, MemberStatus.OFFICIAL),
    "exempt": (_exempt, MemberStatus.OFFICIAL),
    "temporary": (_temporary, MemberStatus.OFFICIAL),
    "not_recognized": (_not_recognized, MemberStatus.NOT_RECOGNIZED),
    "struck_off": (_ended("struck_off"), MemberStatus.STRUCK_OFF),
    "expelled": (_ended("expelled"), MemberStatus.EXPELLED),
    "left": (_ended("left"), MemberStatus.LEFT),
    "deceased": (_ended("deceased"), MemberStatus.DECEASED),
    "transferred_out": (_ended("transferred_out"), MemberStatus.TRANSFERRED_OUT),
}

Op = Callable[[Member, Tree], object]
OPERATIONS: dict[str, Op] = {
    "recognize": lambda m, t: ops.recognize_member(m, decided_on=ON),
    "reject": lambda m, t: ops.reject_recognition(m, decided_on=ON),
    "transfer_out": lambda m, t: ops.transfer_out(m, on=ON, to_unit=t["B2"]),
    "receive": lambda m, t: ops.receive_member(m, on=ON, branch=t["B2"]),
    "out_of_system": lambda m, t: ops.transfer_out_of_system(m, on=ON),
    "start_temporary": lambda m, t: ops.start_temporary_transfer(m, on=ON, host_unit=t["CB"]),
    "end_temporary": lambda m, t: ops.end_temporary_transfer(m, on=ON),
    "exempt": lambda m, t: ops.exempt_member(m, on=ON, reason="illness"),
    "return": lambda m, t: ops.return_from_exemption(m, on=ON),
    "strike_off": lambda m, t: ops.strike_off(m, on=ON, reason="mất tư cách"),
    "expel": lambda m, t: ops.expel_member(m, on=ON, decision=get_decision("KT-1", ON)),
    "leave": lambda m, t: ops.record_leaving(m, on=ON),
    "death": lambda m, t: ops.record_death(m, on=ON),
    "readmit": lambda m, t: ops.readmit_member(m, admitted_on=ON, branch=t["B2"]),
    "change_group": lambda m, t: ops.change_group(m, on=ON, group=t["G2"]),
}

ENDINGS = {"out_of_system", "strike_off", "leave", "death"}
ALLOWED: dict[str, set[str]] = {
    "candidate": set(),
    "probationary": {"recognize", "reject", "transfer_out", "start_temporary", "exempt"}
    | ENDINGS
    | {"change_group"},
    "official": {"transfer_out", "start_temporary", "exempt", "expel", "change_group"} | ENDINGS,
    "in_transit": {"receive", "expel"} | ENDINGS,
    "exempt": {"transfer_out", "start_temporary", "return", "expel", "change_group"} | ENDINGS,
    "temporary": {"end_temporary", "exempt", "expel", "change_group"} | ENDINGS,
    "not_recognized": {"readmit"},
    "struck_off": {"readmit"},
    "expelled": {"readmit"},
    "left": set(),  # only for special family hardship, see test_readmission
    "deceased": set(),
    "transferred_out": set(),
}

STATUS_AFTER = {
    "recognize": "official",
    "reject": "not_recognized",
    "out_of_system": "transferred_out",
    "strike_off": "struck_off",
    "expel": "expelled",
    "leave": "left",
    "death": "deceased",
    "readmit": "probationary",
}


@pytest.mark.parametrize("op_name", list(OPERATIONS))
@pytest.mark.parametrize("state_name", list(STATES))
def test_transition(tree: Tree, state_name: str, op_name: str) -> None:
    make, status = STATES[state_name]
    member = make(tree)
    assert ops.member_state(member).status == status
    spans = list(MemberSpan.objects.filter(member=member).values_list())
    events = MemberEvent.objects.filter(member=member).count()
    operation = OPERATIONS[op_name]
    if op_name in ALLOWED[state_name]:
        operation(member, tree)
        member.refresh_from_db()
        assert MemberEvent.objects.filter(member=member).count() == events + 1
        if op_name in STATUS_AFTER:
            assert ops.member_state(member).status == STATUS_AFTER[op_name]
        assert_snapshot_is_today(member)
        assert_tally_consistent()
    else:
        with pytest.raises(CosoError) as err:
            operation(member, tree)
        message = str(err.value)
        assert member.member_id in message and ON_TEXT in message
        assert label(status) in message
        assert list(MemberSpan.objects.filter(member=member).values_list()) == spans
        assert MemberEvent.objects.filter(member=member).count() == events
