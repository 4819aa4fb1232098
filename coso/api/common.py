"""Helpers shared by the routers: the caller, decisions, snapshots for the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Schema
from ninja.pagination import PageNumberPagination
from pydantic import BeforeValidator, Field, WithJsonSchema

from coso.authority.scope import Action, Scope, scope_of
from coso.core.dates import fmt, parse_date
from coso.core.models import Decision
from coso.members.models import Member

MAX_PAGE_SIZE = 200
PAGE_SIZE = 50
MAX_PAGE = 1_000_000

# Dates the API accepts: wide enough for any record, narrow enough that date arithmetic
# (deadlines in working days, probation months) cannot run past the calendar.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
# Only a written date: pydantic alone would read `?as_of=0` (or 1700000000) as a Unix time.
DAY_FORMS = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")
DAY_SCHEMA: dict[str, Any] = {
    # ISO is the documented form; DD/MM/YYYY is also read. (A pattern for both, on top of
    # "format", leaves fuzzers such as Schemathesis unable to generate a body.)
    "type": "string",
    "format": "date",
    "formatMinimum": FIRST_DAY.isoformat(),
    "formatMaximum": LAST_DAY.isoformat(),
    "description": "YYYY-MM-DD or DD/MM/YYYY, from 1900-01-01 to 2199-12-31 (422 otherwise)",
}


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    elif isinstance(value, str) and DAY_FORMS.fullmatch(value.strip()):
        day = parse_date(value)  # ValueError (in Vietnamese) for 31/02/2024
    else:
        raise ValueError(f"ngày không hợp lệ «{value}» (dùng YYYY-MM-DD hoặc DD/MM/YYYY)")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"ngày {fmt(day)} ngoài khoảng 01/01/1900 – 31/12/2199")
    return day


Day = Annotated[dt.date, BeforeValidator(_day), WithJsonSchema(DAY_SCHEMA)]


class Pages(PageNumberPagination):
    """`?page=&page_size=` (at most MAX_PAGE_SIZE); answers `{"items": [...], "count": N}`."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


def caller(request: HttpRequest) -> Any:
    """The authenticated user (token or session)."""
    return getattr(request, "auth", None) or request.user


def scope(request: HttpRequest) -> Scope:
    return scope_of(caller(request))


def require_manager(request: HttpRequest) -> Scope:
    """Trees and lists are for roles on units; a plain member has their record and branch only.

    As on the pages, they answer 404 rather than 403.
    """
    found = scope(request)
    if not found.manages_units:
        raise Http404("Không tìm thấy.")
    return found


def require_action(request: HttpRequest, action: Action) -> Scope:
    """The caller must hold `action` somewhere (404 otherwise, like any object out of scope)."""
    found = scope(request)
    if not found.holds(action):
        raise Http404("Không tìm thấy.")
    return found


def decision_out(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {"number": decision.number, "signed_on": decision.signed_on}


def open_end(day: dt.date) -> dt.date | None:
    """FAR_FUTURE (an open period) is null in the API."""
    return None if day.year == 9999 else day


def member_facts(member: Member) -> dict[str, Any]:
    """The snapshot an audit entry keeps before and after a lifecycle operation."""
    return {
        "status": member.status,
        "home_unit": member.home_unit.code if member.home_unit_id and member.home_unit else None,
        "exempt": member.exempt,
        "in_transit": member.in_transit,
        "ended_on": member.ended_on,
        "official_on": member.official_on,
    }
