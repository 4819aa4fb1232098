"""Issue 13: the Django admin reads in Vietnamese, and the app links to it for administrators."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.urls import reverse

# What Django 5.2 and the vendor apps would show in English (no Vietnamese in their catalogues).
ENGLISH = (
    "Skip to main content",
    "Toggle theme",
    "Model name",
    "Add link",
    "Change or view list link",
    "Axes",
    "Access attempts",
    "Otp_Totp",
    "TOTP devices",
    "Tasks Database Backend",
    "Task Results",
    "Units",
    "Unit events",
    "Members",
    "Member events",
    "Rule sets",
    "Api tokens",
    "Roles",
)


def _text(body: str) -> str:
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def test_the_admin_index_is_in_vietnamese(cast: Any) -> None:
    response = cast.client("admin").get(reverse("admin:index"))
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Coso — Quản trị" in text and "Trang quản trị" in text
    for section in ("Tổ chức đảng", "Đảng viên", "Tài khoản và phân quyền", "Nhật ký", "Quy định"):
        assert section in text, section
    for name in ("Đơn vị", "Sự kiện của đơn vị", "Mã truy cập API", "Vai trò", "Bộ quy định"):
        assert name in text, name
    for name in (
        "Xác thực hai lớp (TOTP)",
        "Thiết bị TOTP",
        "Tác vụ chạy nền",
        "Lần thử đăng nhập",
    ):
        assert name in text, name
    lines = {line.strip() for line in text.splitlines()}
    left = [e for e in ENGLISH if any(line.startswith(e) for line in lines)]
    assert not left, left


@pytest.mark.parametrize(
    ("url", "labels"),
    [
        ("admin:members_member_changelist", ("Số lý lịch", "Họ và tên", "Trạng thái")),
        ("admin:units_unit_changelist", ("Mã", "Từ ngày", "Đến ngày")),
        ("admin:accounts_role_changelist", ("Người dùng", "Loại", "Đơn vị", "Tạo lúc")),
    ],
)
def test_admin_lists_have_vietnamese_columns(cast: Any, url: str, labels: tuple[str, ...]) -> None:
    response = cast.client("admin").get(reverse(url))
    assert response.status_code == 200
    text = _text(response.content.decode())
    for label in labels:
        assert label in text, label


def test_the_user_menu_links_to_the_admin_for_administrators_only(cast: Any) -> None:
    home = reverse("web:home")
    body = cast.client("admin").get(home).content.decode()
    assert f'href="{reverse("admin:index")}" id="nav-admin"' in body
    for who in ("officer", "secretary", "member"):
        body = cast.client(who).get(home).content.decode()
        assert 'id="nav-admin"' not in body, who
