"""Demo logins on a small Quảng Bình-shaped tree: one per role, idempotent, printed."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory, override_settings

from coso.accounts.demo_accounts import create_demo_accounts, demo_password
from coso.accounts.models import Account, Role, RoleKind
from coso.authority.scope import Action, scope_of
from coso.members.operations import admit_member
from coso.units.models import Unit
from coso.units.operations import create_unit

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
