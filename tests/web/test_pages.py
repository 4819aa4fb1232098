"""The read pages: who sees what, what they show, and how many queries they cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.core.models import get_decision
from coso.members.operations import admit_member
from coso.units.operations import rename_unit
from tests.cast import ADMITTED
from tests.web.matrix_notices import PAGES as NOTICE_PAGES
from tests.web.matrix_pages import PAGES
from tests.web.matrix_pages import setup as setup_pages

URL_NAMES = set(PAGES)
# The home page of any role: scope, figures, warnings, activity, notices, proposals.
# Fixed counts (they do not grow with the tree): besides the warnings, the home page shows the
# user's notices, the directives' reminders and, to administrators, scheduled-work problems.
# The administrator's home also reads each scheduled job's state (four queries a job, nine jobs).
HOME_QUERIES = {"admin": 72, "officer": 42, "committee": 38, "secretary": 40, "member": 14}


def test_every_page_answers_each_role_as_the_matrix_says(cast: Any) -> None:
    setup_pages(cast)  # the objects some entries name (a member's login, issue 13)
    seen: dict[tuple[str, str], int] = {}
    for role in ("admin", "officer", "committee", "secretary", "member", "outsider", "anonymous"):
        client = cast.client(role)
        for name, spec in PAGES.items():
            url = reverse(name, args=spec["args"])
            if spec.get("method") == "post":  # an action (e.g. run a scheduled job now)
                seen[(name, role)] = client.post(url, spec.get("data", {})).status_code
            else:
                seen[(name, role)] = client.get(url).status_code
    expected = {(n, r): s for n, spec in PAGES.items() for r, s in spec["expect"].items()}
    assert seen == expected


def test_matrix_covers_every_web_route() -> None:
    from coso.web import urls

    names = {f"web:{p.name}" for p in urls.urlpatterns if p.name}
    # The forms helper's routes are checked by their own matrix (tests/web/matrix_forms.py).
    try:
        from tests.web.matrix_forms import PAGES as FORM_PAGES  # type: ignore[import-not-found]
    except ImportError:
        FORM_PAGES = {}
    # And a user's notices by theirs (tests/web/matrix_notices.py).
    assert names - set(FORM_PAGES) - set(NOTICE_PAGES) == URL_NAMES


def test_anonymous_is_sent_to_login_and_outsider_gets_a_vietnamese_404(cast: Any) -> None:
    response = cast.client("anonymous").get(reverse("web:unit", args=["B"]))
    assert response.status_code == 302
    assert "next=/units/B/" in response["Location"]
    response = cast.client("outsider").get(reverse("web:member", args=["CAST-B1"]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang (lỗi 404)" in body
    assert "Phạm Đình Dũng" not in body


def test_home_shows_counts_of_the_users_unit(cast: Any) -> None:
    body = cast.client("secretary").get(reverse("web:home")).content.decode()
    assert "Đơn vị B" in body  # the branch's name as title
    assert f'action="{reverse("logout")}"' in body
    assert 'id="stats-title"' in body
    body = cast.client("member").get(reverse("web:home")).content.decode()
    assert 'href="/members/CAST-B1/"' in body
    assert 'href="/units/B/"' in body
    assert 'id="alerts"' not in body  # no warnings for a plain member


def test_tree_lists_children_with_counts_and_loads_more_by_htmx(cast: Any) -> None:
    client = cast.client("officer")
    body = client.get(reverse("web:tree")).content.decode()
    assert "Đơn vị P" in body and "Đơn vị C" in body
    assert 'hx-get="/tree/C/children/?as_of=' in body and 'aria-controls="kids-' in body
    fragment = client.get(reverse("web:tree_children", args=["C"]), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<html" not in text
    assert "Đơn vị B" in text and "Đơn vị B2" in text
    assert "2 đảng viên" in text  # B: CAST-B1 and CAST-B2


def test_tree_as_of_a_date_before_the_units_existed(cast: Any) -> None:
    body = cast.client("officer").get(reverse("web:tree"), {"as_of": "01/01/2019"}).content.decode()
    assert "không tồn tại vào ngày 01/01/2019" in body
    body = cast.client("officer").get(reverse("web:tree"), {"as_of": "31/02/2020"}).content.decode()
    assert "ngày không hợp lệ" in body


def test_unit_page_shows_history_with_decision_numbers(cast: Any) -> None:
    decision = get_decision("123-QĐ/HU", dt.date(2022, 5, 2))
    rename_unit(cast.B, name="Chi bộ Thôn Mới", on=dt.date(2022, 5, 10), decision=decision)
    client = cast.client("officer")
    body = client.get(reverse("web:unit", args=["B"])).content.decode()
    assert "Chi bộ Thôn Mới" in body
    assert "123-QĐ/HU" in body and "02/05/2022" in body and "10/05/2022" in body
    assert "«Đơn vị B» → «Chi bộ Thôn Mới»" in body
    assert "Phạm Đình Dũng" in body  # members of the branch
    # As of an earlier date the old name shows.
    body = client.get(reverse("web:unit", args=["B"]), {"as_of": "2021-01-01"}).content.decode()
    assert '<h1 class="h2">Đơn vị B</h1>' in body


def test_member_role_sees_branch_page_without_the_member_list(cast: Any) -> None:
    body = cast.client("member").get(reverse("web:unit", args=["B"])).content.decode()
    assert "Đơn vị B" in body
    assert 'id="members-title"' not in body
    assert "Nguyễn Thị Lan" not in body


def _names(response: Any) -> list[str]:
    return [m.full_name for m, _home, _commune in response.context["rows"]]


def test_search_finds_names_typed_without_diacritics(cast: Any) -> None:
    client = cast.client("secretary")
    for typed in ("Pham Dinh Dung", "pham dinh dung", "dung pham", "PHẠM ĐÌNH", "CAST-B1"):
        response = client.get(reverse("web:members"), {"q": typed})
        assert _names(response) == ["Phạm Đình Dũng"], typed
    assert _names(client.get(reverse("web:members"), {"q": "Hoang Van Quang"})) == []
    # The outsider's own member is found by the outsider, not by the secretary above.
    response = cast.client("outsider").get(reverse("web:members"), {"q": "hoang van quang"})
    assert _names(response) == ["Hoàng Văn Quang"]


def test_member_list_filters_by_unit_subtree_and_status(cast: Any) -> None:
    client = cast.client("officer")
    assert _names(client.get(reverse("web:members"), {"unit": "C"})) == [
        "Trần Văn Bình",
        "Phạm Đình Dũng",
        "Nguyễn Thị Lan",
    ]
    assert _names(client.get(reverse("web:members"), {"unit": "C2"})) == ["Lê Văn Cường"]
    assert _names(client.get(reverse("web:members"), {"status": "official"})) == []
    assert len(_names(client.get(reverse("web:members"), {"status": "probationary"}))) == 4
    assert client.get(reverse("web:members"), {"unit": "Q"}).status_code == 404


def test_member_list_sorts_by_given_name_then_the_rest(cast: Any) -> None:
    # Given names with Đ, Ă, Ơ, Ư; family and middle names decide between equal given names.
    for i, name in enumerate(
        [
            "Trần Văn Ước",
            "Lê Thị Ơn",
            "Nguyễn Văn Đức",
            "Vũ Thị Ăn",
            "Đỗ Văn Đức",
            "Bùi Thị Bích",
        ]
    ):
        admit_member(
            member_id=f"SORT-{i}",
            full_name=name,
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=cast.B2,
            admitted_on=ADMITTED,
        )
    names = _names(cast.client("officer").get(reverse("web:members"), {"unit": "B2"}))
    assert names == [
        "Vũ Thị Ăn",
        "Bùi Thị Bích",
        "Trần Văn Bình",
        "Đỗ Văn Đức",
        "Nguyễn Văn Đức",
        "Lê Thị Ơn",
        "Trần Văn Ước",
    ]


def _count_queries(client: Any, url: str, params: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_member_list_and_unit_page_cost_a_fixed_number_of_queries(cast: Any) -> None:
    client = cast.client("officer")
    members_url = reverse("web:members")
    unit_url = reverse("web:unit", args=["B"])
    client.get(reverse("web:home"))  # first request of a site writes its settings row
    before = (_count_queries(client, members_url), _count_queries(client, unit_url))
    for i in range(12):
        admit_member(
            member_id=f"MORE-{i}",
            full_name=f"Nguyễn Văn Thêm {i}",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=cast.B,
            admitted_on=ADMITTED,
        )
    after = (_count_queries(client, members_url), _count_queries(client, unit_url))
    assert after == before
    # Session, user, scope and the page's own reads; the action links of the forms add a few.
    assert before[0] <= 15 and before[1] <= 40


def test_english_switch(cast: Any) -> None:
    client = cast.client("officer")
    # Vietnamese first, even for a browser that asks for English.
    body = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body and "Cây tổ chức" in body
    response = client.post(reverse("set_language"), {"language": "en", "next": "/tree/"})
    assert response.status_code == 302 and response["Location"] == "/tree/"
    body = client.get(reverse("web:tree")).content.decode()
    assert '<html lang="en">' in body
    assert "Organization tree" in body and "Date (dd/mm/yyyy)" in body
    assert "Cây tổ chức" not in body


def test_pages_use_only_local_assets(cast: Any) -> None:
    body = cast.client("officer").get(reverse("web:home")).content.decode()
    assert "http://" not in body.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in body
    assert "<script>" not in body and "style=" not in body
    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/be-vietnam-pro/be-vietnam-pro.css",
        "web/app.css",
        "web/app.js",
    ):
        assert f"/static/{asset}" in body


@pytest.mark.parametrize("who", ["admin", "officer", "committee", "secretary", "member"])
def test_the_home_page_reads_the_stored_warnings_by_path_within_a_bound(
    cast: Any, who: str, django_assert_max_num_queries: Any
) -> None:
    """The stored rows (judged today) give the home page the alerts the live checks give,
    read by their path (Scope.spans_today), in a bounded number of queries."""
    from coso.web.warnings import rebuild_home_warnings

    client = cast.client(who)
    live = client.get(reverse("web:home")).context.get("alerts")
    rebuild_home_warnings()
    client.get(reverse("web:home"))
    with django_assert_max_num_queries(HOME_QUERIES[who]):
        stored = client.get(reverse("web:home")).context.get("alerts")
    assert stored == live
    if who != "member":
        assert stored, who  # the cast has warnings in every manager's scope
