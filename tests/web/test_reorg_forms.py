"""Issue 13: the merge preview shows the posts and what becomes of each (point 2), the unit
forms offer only the kinds the rules allow and refuse in words (point 13), and a committee is
listed secretary first.

On the cast (tests/cast.py): branch B (CAST-B1, CAST-B2) is merged into branch B2 (CAST-B2X),
each with its secretary.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from coso.core.dates import FAR_FUTURE
from coso.members.models import Member, Position
from coso.units.models import Unit, UnitKind
from tests.web.test_forms import _hidden_fields

pytestmark = pytest.mark.django_db
JOINED = dt.date(2022, 1, 1)


def _member(member_id: str) -> Member:
    return Member.objects.get(member_id=member_id)


@pytest.fixture
def posts(cast: Any) -> dict[str, Position]:
    return {
        "b_secretary": Position.objects.create(
            member=_member("CAST-B1"), unit=cast.B, role="secretary", valid_from=JOINED
        ),
        "b_member": Position.objects.create(
            member=_member("CAST-B2"), unit=cast.B, role="committee_member", valid_from=JOINED
        ),
        "b2_secretary": Position.objects.create(
            member=_member("CAST-B2X"), unit=cast.B2, role="secretary", valid_from=JOINED
        ),
    }


def _merge(**extra: str) -> dict[str, str]:
    return {"on": "01/07/2025", "into": "B2", "decision_number": "77-QĐ/ĐU", **extra}


def _secretaries(code: str) -> list[str]:
    return list(
        Position.objects.filter(unit__code=code, role="secretary", valid_to=FAR_FUTURE).values_list(
            "member__member_id", flat=True
        )
    )


def test_merge_preview_shows_the_posts_their_default_fate_and_the_committee_after(
    cast: Any, posts: dict[str, Position]
) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_merge", args=["B"])
    form_page = client.get(url).content.decode()
    assert f'name="post_{posts["b_secretary"].pk}"' not in form_page  # chosen in the preview
    preview = client.post(url, _merge())
    assert preview.status_code == 200
    c = preview.context["consequences"]
    fates = {(p.member_id, p.role): (p.fate, p.role_after_label) for p in c.posts}
    assert fates == {
        ("CAST-B1", "secretary"): ("deputy", "Phó Bí thư"),
        ("CAST-B2", "committee_member"): ("keep", "Cấp ủy viên"),
    }
    (after,) = c.committees
    assert after.code == "B2"
    # Secretary first, then the deputy and the member who came with the merge.
    assert [(role, mid, carried) for role, _name, mid, carried in after.posts] == [
        ("Bí thư", "CAST-B2X", False),
        ("Phó Bí thư", "CAST-B1", True),
        ("Cấp ủy viên", "CAST-B2", True),
    ]
    body = preview.content.decode()
    assert 'id="posts"' in body and "Nguyễn Thị Lan" in body
    select = re.search(
        rf'<select name="post_{posts["b_secretary"].pk}"[^>]*>(.*?)</select>', body, re.S
    )
    assert select is not None
    assert re.search(r'<option value="deputy" selected>', select.group(1))
    # Confirming posts the hidden copy and the selects as shown: one secretary in B2.
    data = _hidden_fields(body)
    data[f"post_{posts['b_secretary'].pk}"] = ["deputy"]
    data[f"post_{posts['b_member'].pk}"] = ["keep"]
    assert client.post(url, data).status_code == 302
    assert _secretaries("B2") == ["CAST-B2X"]
    assert (
        Position.objects.get(unit__code="B2", member__member_id="CAST-B1", valid_to=FAR_FUTURE).role
        == "deputy_secretary"
    )


def test_changing_a_fate_in_the_preview_previews_again_and_a_second_secretary_is_refused(
    cast: Any, posts: dict[str, Position]
) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_merge", args=["B"])
    name = f"post_{posts['b_secretary'].pk}"
    again = client.post(url, _merge(confirm="1", repreview="1", **{name: "end"}))
    assert again.status_code == 200 and again.context["preview"]
    assert [p.fate for p in again.context["consequences"].posts if p.role == "secretary"] == ["end"]
    assert Unit.objects.get(code="B").valid_to == FAR_FUTURE
    refused = client.post(url, _merge(confirm="1", **{name: "keep"}))
    assert refused.status_code == 422
    message = refused.context["refusal"]
    assert "Bí thư" in message and "Phạm Đình Dũng (CAST-B1)" in message
    assert "Trần Văn Bình (CAST-B2X)" in message and "secretary" not in message
    assert Unit.objects.get(code="B").valid_to == FAR_FUTURE
    assert _secretaries("B2") == ["CAST-B2X"] and _secretaries("B") == ["CAST-B1"]


def test_the_api_takes_the_same_choices(cast: Any, posts: dict[str, Position]) -> None:
    response = cast.client("officer").post(
        "/api/v1/units/B/operations/merge",
        _merge(**{f"post_{posts['b_secretary'].pk}": "keep"}),
        content_type="application/json",
    )
    assert response.status_code in (400, 409, 422), response.content
    assert "CAST-B2X" in response.content.decode()
    assert _secretaries("B2") == ["CAST-B2X"]


def test_the_api_answers_what_became_of_each_post(cast: Any, posts: dict[str, Position]) -> None:
    response = cast.client("officer").post(
        "/api/v1/units/B/operations/merge",
        _merge(**{f"post_{posts['b_member'].pk}": "end"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["posts"] == [
        {
            "member_id": "CAST-B1",
            "role": "secretary",
            "fate": "deputy",
            "role_after": "deputy_secretary",
        },
        {"member_id": "CAST-B2", "role": "committee_member", "fate": "end", "role_after": None},
    ]
    assert _secretaries("B2") == ["CAST-B2X"]


def _kind_options(html: str) -> list[str]:
    select = re.search(r'<select name="kind"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_create_under_a_branch_offers_only_a_party_group_and_refuses_in_words(cast: Any) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_create", args=["B"])
    assert _kind_options(client.get(url).content.decode()) == [UnitKind.GROUP]
    under_commune = _kind_options(
        client.get(reverse("web:unit_create", args=["C"])).content.decode()
    )
    assert UnitKind.CENTRAL not in under_commune and UnitKind.BRANCH in under_commune
    refused = client.post(
        url, {"on": "01/07/2025", "code": "X1", "name": "Trung ương?", "kind": "central"}
    )
    assert refused.status_code == 422
    errors = " ".join(refused.context["form"].errors["kind"])
    assert "Tổ đảng" in errors
    assert "central" not in errors and "group" not in errors
    assert not Unit.objects.filter(code="X1").exists()


def test_retype_offers_the_kinds_allowed_under_the_parent_but_not_the_current_one(
    cast: Any,
) -> None:
    html = cast.client("officer").get(reverse("web:unit_retype", args=["B"])).content.decode()
    offered = _kind_options(html)
    assert UnitKind.BRANCH not in offered and UnitKind.GRASSROOTS_BRANCH in offered
    assert UnitKind.CENTRAL not in offered and UnitKind.PROVINCE not in offered


def test_move_refusal_names_kinds_in_words(cast: Any) -> None:
    response = cast.client("officer").post(
        reverse("web:unit_move", args=["B"]),
        {"on": "01/07/2025", "parent": "P", "decision_number": "5-QĐ", "confirm": "1"},
    )
    assert response.status_code == 422
    refusal = response.context["refusal"]
    assert "Chi bộ trực thuộc" in refusal and "Đảng bộ tỉnh/thành phố" in refusal
    assert "«branch»" not in refusal and "«province»" not in refusal


def test_the_committee_is_listed_secretary_first(cast: Any, posts: dict[str, Position]) -> None:
    Position.objects.create(
        member=_member("CAST-B2X"), unit=cast.B, role="deputy_secretary", valid_from=JOINED
    )
    body = cast.client("officer").get(reverse("web:unit", args=["B"])).content.decode()
    section = body[body.index('id="positions-title"') :]
    order = [section.index(label) for label in ("Bí thư:", "Phó Bí thư:", "Cấp ủy viên:")]
    assert order == sorted(order)
