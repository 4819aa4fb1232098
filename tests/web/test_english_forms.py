"""English is selectable: the operation forms, imports and sign-in pages are translated."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse


def _english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_admission_form_in_english(cast: Any) -> None:
    client = _english(cast.client("officer"))
    body = client.get(reverse("web:unit_admit", args=["B"])).content.decode()
    assert '<html lang="en">' in body
    for label in ("Admit a Party member", "Admission decision date", "Admission ceremony date"):
        assert label in body
    assert "Introducers (record numbers, separated by commas)" in body
    assert "Introduced by the Youth Union" in body
    assert "Kết nạp đảng viên" not in body and "Ngày quyết định kết nạp" not in body


def test_imports_page_in_english(cast: Any) -> None:
    client = _english(cast.client("officer"))
    body = client.get(reverse("web:imports")).content.decode()
    for label in ("Import data", "File (.csv or .xlsx)", "Data type", "Templates:"):
        assert label in body
    assert "Nhập dữ liệu" not in body and "Tệp mẫu:" not in body


def test_sign_in_page_in_english() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("login")).content.decode()
    assert "Sign in" in body and "Username" in body and "Password" in body
    assert "Mật khẩu" not in body
