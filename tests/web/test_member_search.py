"""The member search at any size: the same answers, and a query count that does not grow with
the members found (the page and the API both count and fetch one page)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coso.authority.scope import Action, scope_of
from coso.members.operations import admit_member
from coso.members.queries import STATUS_ALL, search_members
from tests.cast import Cast


def _admit(cast: Cast, n: int, prefix: str) -> None:
    for i in range(n):
        admit_member(
            member_id=f"{prefix}-{i:03d}",
            full_name=f"Nguyễn Văn Hùng {i}",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=cast.B,
            admitted_on=dt.date(2021, 3, 1),
        )


def _queries(client: object, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # type: ignore[attr-defined]
    return response.status_code, len(queries.captured_queries)


def test_search_finds_by_words_in_any_order_or_by_exact_id(cast: Cast) -> None:
    visible = scope_of(cast.officer).members(Action.VIEW)
    by_words = search_members(visible, text="dung pham")
    assert [m.member_id for m in by_words] == ["CAST-B1"]
    assert [m.member_id for m in search_members(visible, text="CAST-B1")] == ["CAST-B1"]
    assert not search_members(visible, text="CAST-B")  # the id is matched exactly, not as a word
    # Out of scope stays out, even by its exact id.
    assert not search_members(visible, text="CAST-Q", status=STATUS_ALL)


def test_member_list_and_api_queries_do_not_grow_with_the_matches(cast: Cast) -> None:
    client = cast.client("officer")
    page = "/members/?q=nguyen"
    api = "/api/v1/members?q=nguyen"
    _admit(cast, 2, "FEW")
    _queries(client, page), _queries(client, api)  # the session's first request does more
    small = _queries(client, page), _queries(client, api)
    _admit(cast, 40, "MANY")  # more than a page (25)
    large = _queries(client, page), _queries(client, api)
    assert small[0][0] == large[0][0] == 200 and small[1][0] == large[1][0] == 200
    assert large == small, f"queries grew with the matches: {small} → {large}"
