"""A small tree for meeting tests: a commune with a residential branch (two party groups, six
members of whom one is exempt), a border-post branch, and another commune's branch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from coso.members.models import Member
from coso.members.operations import add_participation, admit_member, exempt_member
from coso.units.models import Unit
from coso.units.operations import create_unit
from tests.cast import Cast
from tests.meetings.activity_history import make_history

START = dt.date(2020, 1, 6)
ADMITTED = dt.date(2021, 3, 1)
DAY = dt.date(2024, 3, 15)


@dataclass
class Tree:
    units: dict[str, Unit]
    members: dict[str, Member]

    def __getattr__(self, name: str) -> Any:
        units = self.__dict__.get("units", {})
        if name in units:
            return units[name]
        raise AttributeError(name)

    def member_ids(self, *keys: str) -> list[str]:
        return [self.members[k].member_id for k in keys]


def build_tree() -> Tree:
    units: dict[str, Unit] = {}
    for code, kind, parent, tags in [
        ("P", "province", None, ()),
        ("C", "commune", "P", ()),
        ("B", "branch", "C", ("residential",)),
        ("G1", "group", "B", ()),
        ("G2", "group", "B", ()),
        ("BP", "branch", "C", ("border",)),
        ("C2", "commune", "P", ()),
        ("B2", "branch", "C2", ()),
    ]:
        units[code] = create_unit(
            code=code,
            name=f"Đơn vị {code}",
            kind=kind,
            parent=units[parent] if parent else None,
            on=START,
            tags=tags,
        )
    members: dict[str, Member] = {}
    for i in range(1, 7):
        members[f"m{i}"] = admit_member(
            member_id=f"M{i}",
            full_name=f"Đảng viên {i}",
            gender="male",
            birth_date=dt.date(1962 if i == 6 else 1985, 1, 1),
            branch=units["B"],
            group=units["G1"] if i <= 3 else units["G2"],
            admitted_on=ADMITTED,
        )
    exempt_member(members["m6"], on=dt.date(2023, 1, 1), reason="age")
    for i in range(1, 4):
        members[f"p{i}"] = admit_member(
            member_id=f"BP{i}",
            full_name=f"Bộ đội {i}",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=units["BP"],
            admitted_on=ADMITTED,
        )
    members["q"] = admit_member(
        member_id="Q1",
        full_name="Người chi bộ khác",
        gender="female",
        birth_date=dt.date(1990, 1, 1),
        branch=units["B2"],
        admitted_on=ADMITTED,
    )
    # A border guard taking part in the residential branch's activities.
    add_participation(members["p1"], units["B"], "activity", on=dt.date(2022, 1, 1))
    return Tree(units, members)


@pytest.fixture
def tree(db: Any) -> Tree:
    return build_tree()


def with_account(member: Member) -> Member:
    """Give `member` a login, as every member who makes a calendar address has (an address
    whose member has no account does not work)."""
    from django.contrib.auth import get_user_model

    from coso.accounts.models import Account

    user = get_user_model().objects.create_user(f"login.{member.member_id}", None, None)
    Account.objects.create(user=user, member=member)
    return member


@pytest.fixture
def history(cast: Cast) -> Cast:
    """The first half of 2024 of the cast's branches (`tests.meetings.activity_history`)."""
    return make_history(cast)
