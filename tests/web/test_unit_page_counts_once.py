"""The unit page counts its subtree's members once: the member list's count is the figure the
page shows above it (the centre's page summed the whole registry's tally twice)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.core.dates import today
from coso.stats.queries import stats_as_of

# The statement of `coso.stats.queries._span_members`: the members of a subtree by status.
MEMBER_COUNT = "GROUP BY ms.status, ms.exempt, ms.in_transit"


def test_the_subtree_members_are_counted_once_and_the_list_says_as_many(cast: Any) -> None:
    client = cast.client("officer")
    url = reverse("web:unit", args=["P"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert [q["sql"] for q in queries if MEMBER_COUNT in q["sql"]] != []
    assert len([q for q in queries if MEMBER_COUNT in q["sql"]]) == 1
    total = stats_as_of(cast.units["P"], today())["members"]["total"]
    page = response.context["page"]
    assert page.paginator.count == total == 4
    assert len(page.object_list) == total
    # A past day shown where the unit did not exist yet counts the list by itself.
    response = client.get(url, {"as_of": "2000-01-01"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
