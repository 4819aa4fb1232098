"""The unit picker on the pages and the API (issue 13, point 3): what is offered, to whom, and
unit fields that take a name as well as a code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from coso.units.models import Unit
from coso.units.operations import create_unit
from tests.cast import START, Cast

PICK = reverse("web:unit_pick")


def _village(cast: Cast) -> Unit:
    create_unit(code="QTN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.QC, on=START)
    return create_unit(
        code="TN", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.C, on=START
    )


def _offered(client: Client, **query: str) -> list[str]:
    response = client.get(PICK, query)
    assert response.status_code == 200
    return re.findall(r'data-pick-value="([^"]+)"', response.content.decode())


def test_the_picker_offers_the_units_of_the_readers_scope_with_their_parent(cast: Cast) -> None:
    _village(cast)
    officer = cast.client("officer")
    response = officer.get(PICK, {"q": "chi bo thon thong nhat", "for": "id_into"})
    body = response.content.decode()
    assert _offered(officer, q="chi bo thon thong nhat") == ["TN"]
    assert "Chi bộ thôn Thống Nhất" in body and "thuộc Đơn vị C" in body
    assert 'data-pick-for="id_into"' in body
    # As htmx sends it: the field's own name and value.
    assert _offered(officer, name="into", into="thong nhat", act="manage_units") == ["TN"]
    assert _offered(cast.client("outsider"), q="thong nhat") == ["QTN"]  # never P's
    assert _offered(cast.client("secretary"), q="thong nhat") == []
    assert (
        "Không có đơn vị nào khớp «thong nhat»"
        in cast.client("secretary").get(PICK, {"q": "thong nhat"}).content.decode()
    )
    assert cast.client("member").get(PICK, {"q": "thong"}).status_code == 404
    assert _offered(officer, q="t") == []  # two characters at least
    # An element id that is not one is dropped, not echoed.
    assert 'data-pick-for=""' in officer.get(PICK, {"q": "TN", "for": '"><x'}).content.decode()


def test_a_deciding_committee_is_offered_what_it_decides_for(cast: Cast) -> None:
    _village(cast)
    committee = cast.client("committee")
    assert _offered(committee, q="thong", act="manage_units") == []
    assert _offered(committee, q="thong", act="manage_units,decide") == ["TN"]
    assert _offered(committee, q="thong", act="bogus") == ["TN"]  # VIEW


def test_the_merge_form_renders_the_picker_and_takes_a_name(cast: Cast) -> None:
    target = _village(cast)
    client = cast.client("officer")
    url = reverse("web:unit_merge", args=["B2"])
    page = client.get(url).content.decode()
    assert f'hx-get="{PICK}"' in page and 'data-unit-picker="id_into_choices"' in page
    assert "manage_units,decide" in page
    data = {"on": "01/07/2025", "into": "Chi bo thon Thong Nhat", "decision_number": "7-QĐ/TU"}
    preview = client.post(url, data)
    assert preview.status_code == 200 and 'id="consequences"' in preview.content.decode()
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302
    assert Unit.objects.get(code="B2").valid_to == dt.date(2025, 7, 1)
    assert target.events.filter(kind="absorb").exists()


def test_a_name_nobody_bears_is_refused_naming_the_field_and_the_text(cast: Cast) -> None:
    _village(cast)
    client = cast.client("officer")
    url = reverse("web:unit_merge", args=["B2"])
    data = {"on": "01/07/2025", "decision_number": "7-QĐ/TU"}
    body = client.post(url, {**data, "into": "Chi bộ thôn Không Có"}).content.decode()
    assert (
        "«Sáp nhập vào (mã đơn vị)»: không có đơn vị tên «Chi bộ thôn Không Có» trong phạm vi "
        "được giao." in body
    )
    # A name two units in scope bear asks for a choice.
    create_unit(code="TN9", name="Chi bộ thôn Thống Nhất", kind="branch", parent=cast.C2, on=START)
    body = client.post(url, {**data, "into": "chi bo thon thong nhat"}).content.decode()
    assert "có nhiều đơn vị tên «chi bo thon thong nhat»" in body
    # The outsider's namesake in Q is not one of them, nor reachable by its name.
    outsider = cast.client("outsider")
    answer = outsider.post(reverse("web:unit_merge", args=["QB"]), {**data, "into": "Đơn vị B"})
    assert "không có đơn vị tên «Đơn vị B»" in answer.content.decode()


def test_the_member_list_filters_by_a_unit_name(cast: Cast) -> None:
    client = cast.client("officer")
    response = client.get(reverse("web:members"), {"unit": "don vi b2"})
    assert [row[0].member_id for row in response.context["rows"]] == ["CAST-B2X"]
    page = response.content.decode()
    assert 'data-unit-picker="id_unit_choices"' in page
    response = client.get(reverse("web:members"), {"unit": "don vi khong co"})
    assert response.status_code == 200 and response.context["rows"] == []
    assert "không có đơn vị tên «don vi khong co»" in response.content.decode()
    assert client.get(reverse("web:members"), {"unit": "Q"}).status_code == 404  # a code


def test_the_api_answers_the_same_search_in_the_same_scope(cast: Cast) -> None:
    _village(cast)

    def codes(role: str, **query: Any) -> Any:
        response = Client().get(
            "/api/v1/pick/units", query, HTTP_AUTHORIZATION=f"Bearer {cast.token(role)}"
        )
        ok = response.status_code == 200
        return response.status_code, [u["code"] for u in response.json()] if ok else None

    assert codes("officer", q="thong nhat") == (200, ["TN"])
    assert codes("outsider", q="thong nhat") == (200, ["QTN"])
    assert codes("committee", q="thong", action="manage_units") == (200, [])
    assert codes("member", q="thong")[0] == 404
    answer = (
        Client()
        .get("/api/v1/pick/units", {"q": "tn"}, HTTP_AUTHORIZATION=f"Bearer {cast.token('admin')}")
        .json()
    )
    assert answer[0] == {
        "code": "TN",
        "name": "Chi bộ thôn Thống Nhất",
        "kind": "branch",
        "kind_label": "Chi bộ trực thuộc",
        "parent": "C",
        "parent_name": "Đơn vị C",
    }
