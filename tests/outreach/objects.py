"""Outreach objects on the cast's tree (tests/cast.py), with fixed keys for the route matrices.

- a household HOUSEHOLD_PK in branch B's village, looked after by CAST-B1 (the `member` user);
- an assignment ASSIGNMENT_PK: CAST-B2X, of commune C's committee, follows branch B;
- a petition PETITION_PK about a place in branch B, handled by commune C, complaining about
  CAST-B2 (a member of B), received on RECEIVED.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.outreach.models import (
    Assignment,
    Household,
    HouseholdResponsibility,
    Petition,
    PetitionStep,
)

HOUSEHOLD_PK = 7_200_001
ASSIGNMENT_PK = 7_200_001
PETITION_PK = 7_200_001
RECEIVED = dt.date(2024, 3, 4)
PETITIONER = "Trương Thị Đơn"
CONTACT = "0912 345 678"


def make_objects(cast: Any) -> dict[str, int]:
    household = Household.objects.create(
        pk=HOUSEHOLD_PK,
        code="HGD-B-001",
        head_name="Lê Văn Hộ",
        address="Thôn B",
        area=cast.B,
        size=4,
        poor=True,
        valid_from=dt.date(2021, 1, 1),
    )
    HouseholdResponsibility.objects.create(
        household=household, member=cast.members["b1"], valid_from=dt.date(2022, 1, 3)
    )
    assignment = Assignment.objects.create(
        pk=ASSIGNMENT_PK,
        member=cast.members["b2x"],
        unit=cast.B,
        assigned_by=cast.C,
        valid_from=dt.date(2022, 1, 3),
    )
    petition = Petition.objects.create(
        pk=PETITION_PK,
        kind="complaint",
        category="land",
        received_on=RECEIVED,
        petitioner_name=PETITIONER,
        petitioner_contact=CONTACT,
        summary="Tranh chấp ranh giới đất",
        place="Thôn B",
        place_unit=cast.B,
        subject_member=cast.members["b2"],
        handling_unit=cast.C,
        due_on=RECEIVED + dt.timedelta(days=30),
    )
    PetitionStep.objects.create(petition=petition, kind="intake", on=RECEIVED, unit=cast.C)
    return {"household": household.pk, "assignment": assignment.pk, "petition": petition.pk}
