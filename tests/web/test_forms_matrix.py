"""Every write page answers each member of the cast as tests/web/matrix_forms.py says."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from coso.authority.catalogue import MEMBER_OPERATIONS, UNIT_OPERATIONS
from coso.web.forms_views import form_urlpatterns
from tests.web import matrix_forms
from tests.web.matrix_forms import PAGES


def test_every_write_page_answers_each_role_as_the_matrix_says(cast: Any) -> None:
    matrix_forms.setup(cast)
    seen: dict[tuple[str, str], int] = {}
    for role in ("admin", "officer", "committee", "secretary", "member", "outsider", "anonymous"):
        client = cast.client(role)
        for name, spec in PAGES.items():
            seen[(name, role)] = client.get(reverse(name, args=spec["args"])).status_code
    expected = {(n, r): s for n, spec in PAGES.items() for r, s in spec["expect"].items()}
    assert {k: v for k, v in seen.items() if expected[k] != v} == {}


def test_matrix_names_every_write_route_and_every_operation() -> None:
    assert {f"web:{p.name}" for p in form_urlpatterns} == set(PAGES)
    assert [op.slug for op in MEMBER_OPERATIONS] == matrix_forms.MEMBER_OPS
    assert [op.slug for op in UNIT_OPERATIONS] == ["admit", *matrix_forms.UNIT_OPS]
