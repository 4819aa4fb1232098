"""Demo logins on a small Quảng Bình-shaped tree: one per role, idempotent, printed, and only on
a database `coso load-demo` built; elsewhere `coso ensure-admin` makes `admin` alone, with a
one-time password that must be changed at the first login."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings

from coso.accounts.middleware import MUST_CHANGE_PASSWORD
from coso.accounts.models import Account, Role, RoleKind
from coso.audit.models import AuditEntry
from coso.authority.scope import Action, scope_of
from coso.demo.accounts import (
    create_demo_accounts,
    demo_password,
    is_demo_database,
    mark_demo_database,
)
from coso.members.operations import admit_member
from coso.units.models import Unit
from coso.units.operations import create_unit
from tests.imports.files import coso, write_csv

START = dt.date(2020, 1, 6)
FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def _tree() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, kind, parent in [
        ("44", "province", None),
        ("19111", "commune", "44"),
        ("19111-02", "branch", "19111"),
        ("19111-01", "branch", "19111"),  # first by code but with a single member
        ("19111-03", "branch", "19111"),
    ]:
        units[code] = create_unit(
            code=code,
            name=f"Đơn vị {code}",
            kind=kind,
            parent=units.get(parent) if parent else None,
            on=START,
        )
    for i, branch in enumerate(["19111-01", "19111-02", "19111-02", "19111-02"]):
        admit_member(
            member_id=f"QB{i:04d}",
            full_name=f"Nguyễn Văn {chr(65 + i)}",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=units[branch],
            admitted_on=dt.date(2022, 5, 2),
        )
    return units


@FAST_HASHER
def test_demo_accounts_one_per_role(db: None) -> None:
    units = _tree()
    accounts = create_demo_accounts("Demo-password-2026")
    assert set(accounts) == {
        "admin",
        "tochuc.quangbinh",
        "bithu.hoanlao",
        "bithu.chibo",
        "dangvien",
    }
    assert set(accounts.values()) == {"Demo-password-2026"}
    request = RequestFactory().post("/accounts/login/")
    users = {}
    for username in accounts:
        user = authenticate(request, username=username, password="Demo-password-2026")
        assert user is not None, username
        users[username] = user
    assert scope_of(users["admin"]).is_admin and users["admin"].is_superuser
    assert scope_of(users["tochuc.quangbinh"]).home_unit() == units["44"]
    assert scope_of(users["bithu.hoanlao"]).home_unit() == units["19111"]
    branch = units["19111-02"]
    assert scope_of(users["bithu.chibo"]).home_unit() == branch
    assert scope_of(users["bithu.chibo"]).can(Action.MANAGE_MEMBERS, branch)
    member = Account.objects.get(user=users["dangvien"]).member
    assert member is not None and member.home_unit == branch
    assert set(scope_of(users["dangvien"]).members()) == {member}
    assert not scope_of(users["bithu.hoanlao"]).can(Action.MANAGE_MEMBERS, branch)

    # Idempotent: a second run resets passwords without duplicating roles or accounts.
    again = create_demo_accounts("Other-password-2026")
    assert set(again) == set(accounts)
    assert Role.objects.filter(user__username="tochuc.quangbinh").count() == 1
    assert Account.objects.filter(user__username="dangvien").count() == 1
    assert authenticate(request, username="dangvien", password="Other-password-2026")


@FAST_HASHER
def test_without_demo_data_only_admin(db: None) -> None:
    assert set(create_demo_accounts("Demo-password-2026")) == {"admin"}
    assert Role.objects.get(user__username="admin").kind == RoleKind.ADMIN


@FAST_HASHER
def test_ensure_admin_prints_every_account(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree()
    mark_demo_database()  # as `coso load-demo` does
    monkeypatch.delenv("COSO_ADMIN_PASSWORD", raising=False)
    with override_settings(VAR_DIR=tmp_path):
        out = StringIO()
        call_command("ensure_admin", stdout=out)
        password = (tmp_path / "admin-password.txt").read_text().strip()
        assert len(password) >= 12 and demo_password() == password
        again = StringIO()
        call_command("ensure_admin", stdout=again)
    text = out.getvalue()
    for username in ("admin", "tochuc.quangbinh", "bithu.hoanlao", "bithu.chibo", "dangvien"):
        assert f"{username} / mật khẩu: {password}" in text
    assert "19111-02" in text
    assert again.getvalue() == text
    monkeypatch.setenv("COSO_ADMIN_PASSWORD", "Chosen-password-2026")
    call_command("ensure_admin", stdout=StringIO())
    assert get_user_model().objects.get(username="admin").check_password("Chosen-password-2026")


def _real_database(tmp_path: Path) -> None:
    """Units 44 and 19111 (real codes) from a file, with a branch of two members: everything
    the demo accounts would attach to, but not built by `coso load-demo`."""
    units = write_csv(
        tmp_path / "don-vi.csv",
        [
            ["code", "name", "kind", "parent", "valid_from"],
            ["44", "Đảng bộ tỉnh Quảng Bình", "province", "", "2019-01-01"],
            ["19111", "Đảng bộ thị trấn Hoàn Lão", "commune", "44", "2019-01-01"],
            ["19111-01", "Chi bộ khu phố 1", "branch", "19111", "2019-01-01"],
        ],
    )
    assert coso(["coso", "units", "import", str(units)]) == 0
    for i in range(2):
        admit_member(
            member_id=f"HL{i:04d}",
            full_name=f"Trần Thị {chr(65 + i)}",
            gender="female",
            birth_date=dt.date(1991, 1, 1),
            branch=Unit.objects.get(code="19111-01"),
            admitted_on=dt.date(2022, 5, 2),
        )


@FAST_HASHER
def test_on_an_imported_database_ensure_admin_makes_only_admin(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _real_database(tmp_path)
    monkeypatch.setenv("COSO_ADMIN_PASSWORD", "Shared-demo-password")  # ignored here
    var = tmp_path / "var"
    var.mkdir()
    with override_settings(VAR_DIR=var):
        out = StringIO()
        call_command("ensure_admin", stdout=out)
    assert not is_demo_database()
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["admin"]
    assert list(Role.objects.values_list("user__username", "kind", "unit")) == [
        ("admin", RoleKind.ADMIN, None)
    ]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert Account.objects.get(user=admin).must_change_password
    # The password is random, printed once, written nowhere.
    printed = out.getvalue().split("admin / mật khẩu: ")[1].split()[0]
    assert len(printed) >= 12 and printed != "Shared-demo-password"
    assert admin.check_password(printed)
    assert not any(var.iterdir())

    # Run again (say by `make demo` on this database): admin keeps the password it has.
    again = StringIO()
    call_command("ensure_admin", stdout=again)
    assert "đã có" in again.getvalue() and printed not in again.getvalue()
    admin.refresh_from_db()
    assert admin.check_password(printed)
    assert get_user_model().objects.count() == 1


@FAST_HASHER
def test_the_first_admin_must_change_the_password_before_anything_else(
    db: None, tmp_path: Path
) -> None:
    _real_database(tmp_path)
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    printed = out.getvalue().split("admin / mật khẩu: ")[1].split()[0]
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin", "password": printed})
    assert response.status_code == 302 and client.session[MUST_CHANGE_PASSWORD]
    for url in ("/", "/units/44/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/password/?next="), url
    page = client.get("/accounts/password/?next=/units/44/")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.content.decode()

    refused = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert refused.status_code == 200
    assert Account.objects.get(user__username="admin").must_change_password

    changed = client.post(
        "/accounts/password/?next=/units/44/",
        {
            "old_password": printed,
            "new_password1": "Mat-khau-rieng-cua-toi-2026",
            "new_password2": "Mat-khau-rieng-cua-toi-2026",
            "next": "/units/44/",
        },
    )
    assert changed.status_code == 302 and changed["Location"] == "/units/44/"
    assert not Account.objects.get(user__username="admin").must_change_password
    assert AuditEntry.objects.filter(action="password_change").count() == 1
    assert client.get("/").status_code == 200  # still logged in, no longer held

    client.post("/accounts/logout/")
    fresh = Client()
    fresh.post("/accounts/login/", {"username": "admin", "password": "Mat-khau-rieng-cua-toi-2026"})
    assert MUST_CHANGE_PASSWORD not in fresh.session
    assert fresh.get("/").status_code == 200


@FAST_HASHER
def test_a_demo_login_is_not_held_on_the_password_page(db: None) -> None:
    _tree()
    mark_demo_database()
    call_command("ensure_admin", stdout=StringIO())
    client = Client()
    client.post("/accounts/login/", {"username": "bithu.chibo", "password": demo_password()})
    assert client.get("/").status_code == 200
