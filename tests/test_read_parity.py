"""The pages and the API read through the same functions, so they show the same things.

For each read (member search, a member's record and history, the tree, a unit's detail) the
same cast member asks the page and the API and gets the same members, events and units; the
sensitive parts (national ID, an exemption's health grounds) follow the reader's right on both
channels, and each read that shows them is one audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.authority.scope import Action, scope_of
from coso.members.operations import exempt_member, transfer_out
from coso.members.queries import read_member, search_members
from coso.units.operations import dissolve_unit, move_unit
from tests.cast import Cast

EXEMPT_ON = dt.date(2024, 1, 1)
READERS = ("admin", "officer", "committee", "secretary")


def _api(cast: Cast, role: str) -> Any:
    headers = {"Authorization": f"Bearer {cast.token(role)}"}
    client = Client()
    return lambda path, **query: client.get("/api/v1" + path, query, headers=headers)


@pytest.fixture
def ill(cast: Cast) -> Cast:
    """CAST-B2 exempt for a long illness (its health grounds are sensitive)."""
    exempt_member(cast.members["b2"], on=EXEMPT_ON, reason="illness", illness_months=6)
    return cast


# --- member search ------------------------------------------------------------------------

SEARCHES: list[tuple[dict[str, str], dict[str, str]]] = [
    # (page query string, API query string)
    ({}, {}),
    ({"q": "nguyen lan"}, {"q": "nguyen lan"}),
    ({"q": "CAST-B2X"}, {"q": "CAST-B2X"}),
    ({"unit": "B"}, {"unit": "B"}),
    ({"unit": "C", "status": "all"}, {"unit": "C", "status": "all"}),
    ({"status": "probationary", "exempt": "1"}, {"status": "probationary", "exempt": "true"}),
    ({"exempt": "0", "in_transit": "0"}, {"exempt": "false", "in_transit": "false"}),
    ({"in_transit": "1"}, {"in_transit": "true"}),
]


@pytest.mark.parametrize("role", READERS)
def test_member_search_finds_the_same_members_on_page_and_api(ill: Cast, role: str) -> None:
    transfer_out(ill.members["b2x"], on=EXEMPT_ON, to_unit=ill.BC2)
    page, api = ill.client(role), _api(ill, role)
    found_any = False
    for on_page, on_api in SEARCHES:
        if role == "secretary" and on_page.get("unit") == "C":
            continue  # outside the branch: 404 on both, checked below
        response = page.get(reverse("web:members"), on_page)
        assert response.status_code == 200, on_page
        page_ids = [m.member_id for m, _name, _commune in response.context["rows"]]
        body = api("/members", **on_api).json()
        api_ids = [m["member_id"] for m in body["items"]]
        assert page_ids == api_ids, (role, on_page)
        assert body["count"] == response.context["page"].paginator.count
        found_any |= bool(page_ids)
    assert found_any
    if role == "secretary":
        assert page.get(reverse("web:members"), {"unit": "C"}).status_code == 404
        assert api("/members", unit="C").status_code == 404


def test_search_is_one_function_over_the_readers_scope(ill: Cast) -> None:
    def ids(role: str, **kw: Any) -> list[str]:
        visible = scope_of(ill.user(role)).members(Action.VIEW)
        return [m.member_id for m in search_members(visible, **kw)]

    assert ids("officer") == ["CAST-B2X", "CAST-C2", "CAST-B1", "CAST-B2"]
    assert ids("secretary") == ["CAST-B1", "CAST-B2"]
    assert ids("committee", text="lan", exempt=True) == ["CAST-B2"]
    assert ids("officer", unit=ill.B2) == ["CAST-B2X"]
    assert ids("outsider", text="lan") == []


# --- a member's record and history ----------------------------------------------------------


def _page_events(client: Client, member_id: str) -> list[tuple[dt.date, str, str, str | None]]:
    response = client.get(reverse("web:member", args=[member_id]))
    assert response.status_code == 200
    return [
        (e.day, e.title, e.unit_code, e.decision.number if e.decision else None)
        for e in response.context["events"]
    ]


def _api_events(body: dict[str, Any]) -> list[tuple[dt.date, str, str, str | None]]:
    return [
        (
            dt.date.fromisoformat(e["effective_on"]),
            e["kind_label"],
            e["unit"] or "",
            e["decision"]["number"] if e["decision"] else None,
        )
        for e in body["history"]
    ]


@pytest.mark.parametrize("role", READERS)
def test_member_history_is_the_same_on_page_and_api(ill: Cast, role: str) -> None:
    body = _api(ill, role)("/members/CAST-B2").json()
    events = _page_events(ill.client(role), "CAST-B2")
    assert [e[1] for e in events] == ["Kết nạp", "Miễn công tác và sinh hoạt"]
    assert events == _api_events(body)


def test_committee_reads_no_health_grounds_nor_sensitive_fields_anywhere(ill: Cast) -> None:
    logged = AuditEntry.objects.filter(action="view_sensitive")
    body = _api(ill, "committee")("/members/CAST-B2").json()
    assert body["exempt"] is True and body["sensitive"] is None
    exempt = body["history"][-1]
    assert exempt["kind"] == "exempt"
    text = json.dumps(body, ensure_ascii=False)
    for leak in ("illness", "ốm đau", "reason"):
        assert leak not in text, leak
    assert exempt["details"]["before"]["exempt"] is False  # the rest of the event stays
    page = ill.client("committee").get(reverse("web:member", args=["CAST-B2"]))
    assert page.context["sensitive"] is False
    assert "ốm đau" not in page.content.decode()
    member = ill.members["b2"]
    sensitive = scope_of(ill.committee).can_member(Action.VIEW_SENSITIVE, member)
    record = read_member(member, sensitive=sensitive, reader=ill.committee)
    assert record.sensitive is None and "illness_months" not in record.history[-1].details
    assert logged.count() == 0


@pytest.mark.parametrize("role", ["officer", "secretary"])
def test_sensitive_readers_get_the_grounds_and_each_read_is_one_audit_entry(
    ill: Cast, role: str
) -> None:
    logged = AuditEntry.objects.filter(
        action="view_sensitive", target_id="CAST-B2", username=f"cast.{role}"
    )
    body = _api(ill, role)("/members/CAST-B2").json()
    assert logged.count() == 1
    details = body["history"][-1]["details"]
    assert (details["reason"], details["illness_months"]) == ("illness", 6)
    assert set(body["sensitive"]) == {"national_id", "ethnicity", "religion"}
    response = ill.client(role).get(reverse("web:member", args=["CAST-B2"]))
    assert response.context["sensitive"] is True and 'id="sensitive"' in response.content.decode()
    assert logged.count() == 2
    _api(ill, role)("/members/CAST-B2")
    assert logged.count() == 3


# --- the tree -----------------------------------------------------------------------------


def _page_tree(client: Client, code: str, day: str) -> list[tuple[str, int, bool]]:
    response = client.get(reverse("web:tree"), {"unit": code, "as_of": day})
    assert response.status_code == 200
    children = response.context["nodes"][0]["children"]
    htmx = client.get(reverse("web:tree_children", args=[code]), {"as_of": day}).context
    assert [c.span.unit.code for c in htmx["children"]] == [c.span.unit.code for c in children]
    return [(c.span.unit.code, c.members, c.has_children) for c in children]


def _api_tree(api: Any, code: str, day: str) -> list[tuple[str, int, bool]]:
    root = api(f"/tree/{code}", as_of=day, depth=1).json()["root"]
    return [(c["code"], c["members"], c["has_children"]) for c in root["children"]]


@pytest.mark.parametrize(("role", "code"), [("admin", "P"), ("officer", "P"), ("committee", "C")])
def test_tree_shows_the_same_children_and_counts(cast: Cast, role: str, code: str) -> None:
    # B2 moves to C2 in 2024: the committee of C no longer sees it, even in C's past.
    move_unit(cast.B2, parent=cast.C2, on=dt.date(2024, 1, 1))
    page, api = cast.client(role), _api(cast, role)
    for day in ("2023-06-01", "2025-01-01"):
        shown = _page_tree(page, code, day)
        assert shown == _api_tree(api, code, day), day
    if role == "committee":
        assert _page_tree(page, "C", "2023-06-01") == [("B", 2, True)]
    if role == "officer":
        assert _page_tree(page, "C", "2023-06-01") == [("B", 2, True), ("B2", 1, False)]


# --- a unit -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_unit_detail_shows_the_same_span_children_and_history(cast: Cast, role: str) -> None:
    dissolve_unit(cast.G, on=dt.date(2024, 1, 1))
    page, api = cast.client(role), _api(cast, role)
    for code in ("B", "G"):
        context = page.get(reverse("web:unit", args=[code])).context
        body = api(f"/units/{code}").json()
        span = context["span"]
        assert (span.name, span.valid_from.isoformat()) == (body["name"], body["valid_from"])
        assert bool(context["note"]) == bool(body["note"]) == (code == "G")
        assert [c.unit.code for c in context["children"]] == [c["code"] for c in body["children"]]
        assert [e.title for e in context["events"]] == [e["kind_label"] for e in body["history"]]
    assert [c["code"] for c in api("/units/B").json()["children"]] == []  # G has ended
