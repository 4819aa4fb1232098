from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coso.members.models import Member
from coso.members.operations import recognize_member
from coso.oversight import operations as ops
from coso.oversight.models import ViolationCase, ViolationItem
from coso.oversight.regulation37 import install_catalogues
from coso.units.models import Unit


@pytest.fixture(autouse=True)
def _catalogue(db: Any) -> None:
    install_catalogues()


def official(member_id: str) -> Member:
    """A cast member recognized as official (the cast admits them on probation in 2021)."""
    member = Member.objects.get(member_id=member_id)
    recognize_member(member, decided_on=dt.date(2022, 3, 10))
    member.refresh_from_db()
    return member


def case_on(
    subject: Member | Unit,
    handling: Unit,
    *,
    violated_on: dt.date = dt.date(2024, 2, 1),
    opened_on: dt.date | None = None,
    source: str = "inspection",
    items: tuple[str, ...] = ("Đ12",),
) -> ViolationCase:
    return ops.open_case(
        subject=subject,
        handling_unit=handling,
        source=source,
        title="Vi phạm quy định",
        facts="Nội dung vụ việc theo kết luận kiểm tra.",
        violated_on=violated_on,
        opened_on=opened_on or violated_on + dt.timedelta(days=30),
        items=ViolationItem.objects.filter(code__in=items),
    )
