"""Choice labels (unit kinds, member statuses) follow the reader's language on the web pages."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def _english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_unit_kind_and_member_status_in_english(cast: Any) -> None:
    client = _english(cast.client("officer"))
    unit_page = client.get(reverse("web:unit", args=["B"])).content.decode()
    assert "Party branch (under a committee)" in unit_page
    assert "Chi bộ trực thuộc" not in unit_page
    members = client.get(reverse("web:members") + "?unit=P").content.decode()
    assert "Probationary member" in members
    assert "Đảng viên dự bị" not in members


def test_vietnamese_stays_the_default(cast: Any) -> None:
    client = cast.client("officer")
    unit_page = client.get(reverse("web:unit", args=["B"])).content.decode()
    assert "Chi bộ trực thuộc" in unit_page
    assert "Party branch (under a committee)" not in unit_page
