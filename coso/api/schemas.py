"""Request and response bodies of the API (they make the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from coso.api.common import Day

Gender = Literal["male", "female"]


class ErrorOut(Schema):
    code: str = Field(description="stable code: not_found, validation_error, refused, ...")
    message: str = Field(description="Vietnamese message for people")
    details: Any = None


class DecisionOut(Schema):
    number: str
    signed_on: dt.date | None = None


class UnitRef(Schema):
    code: str
    name: str
    kind: str


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    tags: list[str]
    parent: str | None = Field(None, description="code of the parent unit on the day")
    depth: int
    valid_from: dt.date = Field(description="start of this period of the unit")
    valid_to: dt.date | None = Field(None, description="end of this period (null: open)")
    unit_valid_from: dt.date
    unit_valid_to: dt.date | None = Field(None, description="when the unit ended (null: alive)")


class UnitEventOut(Schema):
    kind: str
    kind_label: str
    effective_on: dt.date
    decision: DecisionOut | None = None
    other: str | None = Field(None, description="code of the other unit (new parent, target)")
    details: dict[str, Any]


class UnitDetailOut(UnitOut):
    as_of: dt.date
    note: str = Field("", description="set when the unit did not exist on the day asked")
    children: list[UnitRef]
    members: int = Field(description="members in the subtree on the day")
    history: list[UnitEventOut]


class TreeNode(Schema):
    code: str
    name: str
    kind: str
    tags: list[str]
    members: int = Field(description="members in the node's whole subtree on the day")
    children: list[TreeNode] = Field(
        default_factory=list, description="empty below the depth asked"
    )
    has_children: bool


class TreeOut(Schema):
    as_of: dt.date
    depth: int
    root: TreeNode


class MemberOut(Schema):
    member_id: str
    full_name: str
    gender: str
    birth_date: dt.date
    status: str
    status_label: str
    home_unit: str | None = None
    exempt: bool
    in_transit: bool


class SensitiveOut(Schema):
    national_id: str
    ethnicity: str
    religion: str


class MemberEventOut(Schema):
    kind: str
    kind_label: str
    effective_on: dt.date
    decided_on: dt.date | None = None
    decision: DecisionOut | None = None
    unit: str | None = None
    other_unit: str | None = None
    details: dict[str, Any]


class MemberDetailOut(MemberOut):
    card_no: str | None = None
    hometown: str
    residence: str
    education: str
    occupation: str
    first_admitted_on: dt.date | None = None
    admitted_on: dt.date | None = None
    probation_from: dt.date | None = None
    official_on: dt.date | None = None
    ended_on: dt.date | None = None
    readmissions: int
    sensitive: SensitiveOut | None = Field(
        None, description="national ID, ethnicity, religion: only with the right to see them"
    )
    history: list[MemberEventOut]


class AdmitIn(Schema):
    member_id: str = Field(min_length=1, max_length=40)
    full_name: str = Field(min_length=1, max_length=200)
    gender: Gender
    birth_date: Day
    branch: str = Field(min_length=1, max_length=40, description="code of the home branch")
    admitted_on: Day = Field(description="date of the admission decision")
    ceremony_on: Day | None = Field(None, description="admission ceremony (default: decision)")
    decision_number: str = Field("", max_length=120)
    group: str | None = Field(None, max_length=40, description="code of a Party group")
    introducers: list[str] = Field(
        default_factory=list, max_length=2, description="member ids of the introducers"
    )
    introduced_by_youth_union: bool = False
    card_no: str | None = Field(None, max_length=40)
    national_id: str = Field("", max_length=20)
    ethnicity: str = Field("", max_length=60)
    religion: str = Field("", max_length=60)
    hometown: str = Field("", max_length=300)
    residence: str = Field("", max_length=300)
    education: str = Field("", max_length=200)
    occupation: str = Field("", max_length=200)
    # Where the caller's branch may only propose the admission: its resolution.
    resolution_number: str = Field("", max_length=120)
    resolution_date: Day | None = None
    votes_for: int | None = Field(None, ge=0, le=100_000)
    votes_against: int | None = Field(None, ge=0, le=100_000)
    votes_abstain: int | None = Field(None, ge=0, le=100_000)
    resolution_note: str = Field("", max_length=2000)


class PlanOut(Schema):
    file: str
    on: dt.date
    decision: str
    dry_run: bool
    rows: int
    created: int
    renamed: int
    retyped: int
    retagged: int
    moved: int
    merged: int
    ended: int
    members_rehomed: int
    lines: list[str]
    summary: str


class ImportOut(Schema):
    file: str
    rows: int
    created: dict[str, int]
    seconds: float
    summary: str
