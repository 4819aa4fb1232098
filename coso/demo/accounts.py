"""The demo logins: one per role on the Quảng Bình demo data, all with the same password.

Only on a database that `coso load-demo` built and marked (`is_demo_database`): the units
`44` and `19111` they act on are real province and commune codes, so on any other database
these accounts would be working logins into real data.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from coso.accounts.models import Account, Role, RoleKind, SiteSettings
from coso.core.dates import today
from coso.members.models import IN_PARTY, Member, PositionRole
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.queries import subtree_range

PROVINCE = "44"
COMMUNE = "19111"  # Hoàn Lão

# username -> what the account is, for printing
DEMO_ACCOUNTS = {
    "admin": "quản trị hệ thống / system administrator",
    "tochuc.quangbinh": f"cán bộ tổ chức tỉnh {PROVINCE} / organization officer",
    "bithu.hoanlao": f"cấp ủy viên Đảng bộ {COMMUNE} / committee member",
    "bithu.chibo": "bí thư chi bộ / branch secretary",
    "dangvien": "đảng viên / member",
}


def mark_demo_database() -> None:
    """Record that this database holds the demo (called by `load_demo`, in its transaction)."""
    SiteSettings.objects.update_or_create(pk=1, defaults={"demo_database": True})


def is_demo_database() -> bool:
    return SiteSettings.objects.filter(pk=1, demo_database=True).exists()


def demo_password() -> str:
    """COSO_ADMIN_PASSWORD, else the one kept in var/admin-password.txt (made on first use)."""
    chosen = os.environ.get("COSO_ADMIN_PASSWORD", "").strip()
    secret_file = settings.VAR_DIR / "admin-password.txt"
    if chosen:
        return chosen
    if secret_file.exists() and secret_file.read_text().strip():
        return secret_file.read_text().strip()
    password = secrets.token_urlsafe(12)
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    return password


def _user(username: str, password: str, **extra: Any) -> Any:
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username, f"{username}@coso.local", **extra)
    else:
        for key, value in extra.items():
            setattr(user, key, value)
    # Reset on every run so the printed password is always the one that works.
    user.set_password(password)
    user.is_active = True
    user.save()
    return user


def _role(user: Any, kind: str, unit: Unit | None) -> None:
    Role.objects.get_or_create(user=user, kind=kind, unit=unit)


def _link(user: Any, member: Member | None) -> None:
    if member is None:
        return
    Account.objects.filter(member=member).exclude(user=user).update(member=None)
    Account.objects.update_or_create(user=user, defaults={"member": member})


def demo_branch() -> Unit | None:
    """The first Hoàn Lão branch (by code) that exists today and has at least two members."""
    day = today()
    commune = UnitSpan.objects.filter(
        unit__code=COMMUNE, valid_from__lte=day, valid_to__gt=day
    ).first()
    if commune is None:
        return None
    lo, hi = subtree_range(commune.path)
    branches = (
        UnitSpan.objects.filter(
            path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day, kind__in=HOME_KINDS
        )
        .select_related("unit")
        .order_by("unit__code")
    )
    for span in branches:
        if Member.objects.filter(home_unit=span.unit, status__in=IN_PARTY).count() >= 2:
            return span.unit
    return None


@transaction.atomic
def create_demo_accounts(password: str) -> dict[str, str]:
    """Create (or reset) the demo logins; returns username -> password for those created.

    Accounts whose unit is missing from the database (no demo loaded) are skipped.
    """
    created: dict[str, str] = {}
    admin = _user("admin", password, is_staff=True, is_superuser=True)
    _role(admin, RoleKind.ADMIN, None)
    created["admin"] = password
    province = Unit.objects.filter(code=PROVINCE).first()
    if province is not None:
        _role(_user("tochuc.quangbinh", password), RoleKind.ORG_OFFICER, province)
        created["tochuc.quangbinh"] = password
    commune = Unit.objects.filter(code=COMMUNE).first()
    if commune is not None:
        _role(_user("bithu.hoanlao", password), RoleKind.COMMITTEE_MEMBER, commune)
        created["bithu.hoanlao"] = password
    branch = demo_branch()
    if branch is not None:
        day = today()
        in_branch = Member.objects.filter(home_unit=branch, status__in=IN_PARTY)
        secretary_member = in_branch.filter(
            positions__unit=branch,
            positions__role=PositionRole.SECRETARY,
            positions__valid_from__lte=day,
            positions__valid_to__gt=day,
        ).first()
        secretary = _user("bithu.chibo", password)
        _role(secretary, RoleKind.BRANCH_SECRETARY, branch)
        _link(secretary, secretary_member)
        created["bithu.chibo"] = password
        member_user = _user("dangvien", password)
        others = in_branch.order_by("member_id")
        if secretary_member is not None:
            others = others.exclude(pk=secretary_member.pk)
        _role(member_user, RoleKind.MEMBER, None)
        _link(member_user, others.first())
        created["dangvien"] = password
    return created


def describe(username: str) -> str:
    """One printable line about a demo account, with where its role sits."""
    role = Role.objects.filter(user__username=username).select_related("unit").first()
    where = f" — {role.unit.code}" if role is not None and role.unit is not None else ""
    account = Account.objects.filter(user__username=username).select_related("member").first()
    if account is not None and account.member is not None:
        where += f" — {account.member.full_name} ({account.member.member_id})"
    return f"{DEMO_ACCOUNTS.get(username, '')}{where}"
