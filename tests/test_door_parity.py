"""Pages and API are two doors to the same room: for every act of the catalogue and every role
of the cast, the page opens exactly when the API lets the request through, and both offer the
same way of doing it (record with a decision, or propose to the competent committee)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from coso.authority import catalogue
from tests.cast import Cast

ROLES = ("admin", "officer", "committee", "secretary", "member", "outsider")


def _page(client: Client, act: catalogue.Act) -> tuple[bool, bool]:
    """(the page opens, it is the proposal form)."""
    if act.subject == catalogue.Subject.MEMBER:
        url = reverse(f"web:member_{act.slug}", args=["CAST-B1"])
    else:
        url = reverse(f"web:unit_{act.slug}", args=["B"])
    response = client.get(url)
    assert response.status_code in (200, 404), (act.slug, response.status_code)
    body = response.content.decode()
    return response.status_code == 200, 'name="resolution_date"' in body


def _api(token: str, act: catalogue.Act) -> int:
    """The API's answer to the act with only a date: 404 when the caller may not do it at all;
    anything else means it reached the act's form or the rules (rolled back either way)."""
    if act.subject == catalogue.Subject.MEMBER:
        url = f"/api/v1/members/CAST-B1/operations/{act.slug}"
    else:
        url = f"/api/v1/units/B/operations/{act.slug}"
    with transaction.atomic():
        response = Client().post(
            url,
            {"on": "2024-06-03"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        transaction.set_rollback(True)
    assert response.status_code != 500, (act.slug, response.content)
    return int(response.status_code)


@pytest.mark.django_db
def test_page_and_api_allow_and_refuse_the_same_acts_for_every_role(cast: Cast) -> None:
    differences: list[str] = []
    opened: dict[str, set[str]] = {}
    for role in ROLES:
        client, token = cast.client(role), cast.token(role)
        for act in _generic_acts():
            page_opens, proposing = _page(client, act)
            route = catalogue.route_for(cast.user(role), act, _subject(cast, act))
            api_reached = _api(token, act) != 404
            if page_opens != api_reached:
                differences.append(f"{act.slug} as {role}: page {page_opens}, API {api_reached}")
            if page_opens and proposing != (route is not None and route[0] == "propose"):
                differences.append(f"{act.slug} as {role}: page proposing={proposing}")
            if page_opens:
                opened.setdefault(role, set()).add(act.slug)
    assert differences == []
    # The walk means something: each kind of caller reaches some acts and not others.
    assert "strike_off" in opened["secretary"] and "merge" not in opened["secretary"]
    assert "strike_off" in opened["committee"] and "death" not in opened["committee"]
    assert not opened.get("member") and not opened.get("outsider")
    assert opened["admin"] == {act.slug for act in _generic_acts()}


def _generic_acts() -> list[catalogue.Act]:
    """The acts with generic pages and API routes; feature apps' registered acts (a quality
    rating) are done on their own pages, tested with their app."""
    return [*catalogue.MEMBER_OPERATIONS, *catalogue.UNIT_OPERATIONS]


def _subject(cast: Cast, act: catalogue.Act) -> Any:
    from coso.members.models import Member

    if act.subject == catalogue.Subject.MEMBER:
        return Member.objects.get(member_id="CAST-B1")
    return cast.B


@pytest.mark.django_db
def test_a_secretary_proposes_what_the_commune_decides_on_both_doors(cast: Cast) -> None:
    strike_off = catalogue.ACTS["strike_off"]
    page = cast.client("secretary").get(reverse("web:member_strike_off", args=["CAST-B1"]))
    assert 'name="resolution_date"' in page.content.decode()
    assert 'name="decision_number"' not in page.content.decode()
    route = catalogue.route_for(cast.secretary, strike_off, _subject(cast, strike_off))
    assert route is not None and route[0] == catalogue.Route.PROPOSE
    assert route[1] is not None and route[1].decider == cast.C
    committee = catalogue.route_for(cast.committee, strike_off, _subject(cast, strike_off))
    assert committee is not None and committee[0] == catalogue.Route.DIRECT
