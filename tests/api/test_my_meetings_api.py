"""GET /api/v1/me/meetings: the member's home page through the API (issue 13, §5) — the open
check-in meeting once, then the coming ones; only for a user linked to a member."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from coso.core.dates import today
from coso.meetings.operations import open_check_in, plan_meeting
from tests.cast import Cast


def _get(cast: Cast, role: str) -> object:
    headers = {"Authorization": f"Bearer {cast.token(role)}"}
    return Client().get("/api/v1/me/meetings", headers=headers)


def test_the_members_meetings_check_in_first_and_once(cast: Cast) -> None:
    online = plan_meeting(
        cast.B,
        kind="regular",
        on=today(),
        form="online",
        starts_at=dt.time(19, 30),
        online_link="https://meet.example/chi-bo-b",
        online_reason="Mưa bão",
        unable_in_person=2,
    )
    open_check_in(online, at=timezone.now() - dt.timedelta(minutes=1))
    later = plan_meeting(
        cast.B, kind="thematic", on=today() + dt.timedelta(days=7), place="Nhà văn hóa"
    )
    response = _get(cast, "member")
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["member_id"] == "CAST-B1"
    assert [m["id"] for m in body["open"]] == [online.pk]
    assert body["open"][0]["check_in_open"] is True
    assert body["open"][0]["online_link"] == "https://meet.example/chi-bo-b"
    assert body["open"][0]["role"] == "member" and body["open"][0]["checked_in_at"] is None
    assert [m["id"] for m in body["upcoming"]] == [later.pk]
    assert body["next"]["id"] == later.pk and body["next"]["place"] == "Nhà văn hóa"
    assert body["next"]["unit_name"] == "Đơn vị B"


def test_users_without_a_member_record_have_none(cast: Cast) -> None:
    for role in ("secretary", "officer", "admin", "outsider"):
        response = _get(cast, role)
        assert response.status_code == 404, role  # type: ignore[attr-defined]
        assert response.json()["code"] == "not_found", role  # type: ignore[attr-defined]
    anonymous = Client().get("/api/v1/me/meetings")
    assert anonymous.status_code == 401
