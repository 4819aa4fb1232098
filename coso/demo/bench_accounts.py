"""Bench logins: one account per role of the cast, placed at each level of a generated dataset.

`coso bench --pages` logs in as each of them and times every route; the load test reuses them
(`ensure_bench_accounts(password)` returns who they are and where they act). Placement, on the
national dataset of `coso generate` (and on the Quảng Bình demo, which has the same codes):

- `bench.admin`     administrator (no unit);
- `bench.central`   organization officer at the root (`TW`): the whole country, without the
                    administrator's rights;
- `bench.province`  organization officer of province `44` (≈160,000 members nationally);
- `bench.commune`   committee member of commune `19111` (Xã Hoàn Lão);
- `bench.branch`    secretary of a branch of `19111`, linked to a member of that branch;
- `bench.member`    a member of the same branch (the `member` role, linked to the member).

Only on a database that `coso generate` or `coso load-demo` built: these are known passwords
on real unit codes, so on any other database they would be working logins into real data (the
same guard as `coso ensure-admin`'s demo logins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from coso.accounts.models import Account, Role, RoleKind
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.demo.accounts import COMMUNE, PROVINCE, is_demo_database
from coso.members.models import IN_PARTY, Member, PositionRole
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan
from coso.units.queries import subtree_range

# The decision `coso generate` files its 2025 reform under (coso/demo/generate.py): its
# presence marks a generated dataset (tests/demo/test_bench_pages.py generates one and relies
# on it, so a change there fails that test).
GENERATED_DECISION = "294-QĐ/TW (dữ liệu tổng hợp)"


@dataclass(frozen=True)
class BenchAccount:
    """One bench login and where it acts."""

    username: str
    level: str  # central, province, commune, branch, member
    role: str  # a RoleKind value
    unit_code: str | None  # the unit of the role; for a member, their home branch
    member_id: str | None  # the member the login is linked to, if any

    @property
    def label(self) -> str:
        return f"{self.level} ({self.role})"


def is_generated_database() -> bool:
    """True on a dataset made by `coso generate` or `coso load-demo` (never on real data)."""
    return is_demo_database() or Decision.objects.filter(number=GENERATED_DECISION).exists()


def _user(username: str, password: str, **extra: Any) -> Any:
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username, f"{username}@bench.coso.local")
    for key, value in extra.items():
        setattr(user, key, value)
    if not user.check_password(password):
        user.set_password(password)
    user.is_active = True
    user.save()
    # A bench login never owes a password change (the first `admin` of ensure-admin does).
    Account.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    return user


def _only_role(user: Any, kind: str, unit: Unit | None) -> None:
    """Exactly this role: a rerun after the dataset changed leaves no stale second role."""
    Role.objects.filter(user=user).exclude(kind=kind, unit=unit).delete()
    Role.objects.get_or_create(user=user, kind=kind, unit=unit)


def _link(user: Any, member: Member | None) -> None:
    if member is None:
        Account.objects.filter(user=user).update(member=None)
        return
    Account.objects.filter(member=member).exclude(user=user).update(member=None)
    Account.objects.update_or_create(user=user, defaults={"member": member})


def _root() -> Unit:
    day = today()
    span = (
        UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
        .select_related("unit")
        .order_by("unit_id")
        .first()
    )
    if span is None:
        raise CosoError("Cơ sở dữ liệu chưa có đơn vị nào: chạy `coso generate` trước.")
    return span.unit


def _current(code: str, kind: str, under: UnitSpan | None = None) -> UnitSpan:
    """The unit `code` today; failing that (a small generated dataset keeps only some of the
    communes), the first unit of `kind` by code, under `under` when there is one."""
    day = today()
    spans = UnitSpan.objects.filter(valid_from__lte=day, valid_to__gt=day).select_related("unit")
    span = spans.filter(unit__code=code).first()
    if span is None:
        others = spans.filter(kind=kind).order_by("unit__code")
        if under is not None:
            lo, hi = subtree_range(under.path)
            others = others.filter(path__gte=lo, path__lt=hi)
        span = others.first()
    if span is None:
        raise CosoError(f"Không có đơn vị «{code}» hay đơn vị loại «{kind}» nào hiện hành.")
    return span


def _branch(commune: UnitSpan) -> Unit | None:
    """The first branch of `commune` (by code) with at least two members in the Party."""
    day = today()
    lo, hi = subtree_range(commune.path)
    branches = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=day, valid_to__gt=day, kind__in=HOME_KINDS
    ).order_by("unit__code")
    for unit_id in branches.values_list("unit_id", flat=True):
        if Member.objects.filter(home_unit_id=unit_id, status__in=IN_PARTY)[:2].count() == 2:
            return Unit.objects.get(pk=unit_id)
    return None


@transaction.atomic
def ensure_bench_accounts(password: str) -> list[BenchAccount]:
    """Create or reset the bench logins (idempotent) and return them, from the centre down.

    Refuses (CosoError) a database that `coso generate` or `coso load-demo` did not build, and
    one without a province, a commune or a branch of that commune with two members. (Province
    44 and commune 19111 are taken when they exist today, as on the national dataset; a
    small generated dataset may lack them, and then the first of their kind stands in.)"""
    if not is_generated_database():
        raise CosoError(
            "Chỉ tạo tài khoản đo trên cơ sở dữ liệu do `coso generate` hoặc `coso load-demo` "
            "tạo: trên dữ liệu thật, mật khẩu đã biết là một lỗ hổng."
        )
    if not password:
        raise CosoError("Tài khoản đo cần một mật khẩu.")
    root = _root()
    province_span = _current(PROVINCE, UnitKind.PROVINCE)
    commune_span = _current(COMMUNE, UnitKind.COMMUNE, under=province_span)
    province, commune = province_span.unit, commune_span.unit
    branch = _branch(commune_span)
    if branch is None:
        raise CosoError(f"Đảng bộ «{commune.code}» không có chi bộ nào có ít nhất hai đảng viên.")
    day = today()
    in_branch = Member.objects.filter(home_unit=branch, status__in=IN_PARTY).order_by("member_id")
    secretary_member = (
        in_branch.filter(
            positions__unit=branch,
            positions__role=PositionRole.SECRETARY,
            positions__valid_from__lte=day,
            positions__valid_to__gt=day,
        ).first()
        or in_branch.first()
    )
    assert secretary_member is not None  # demo_branch() has at least two members
    member = in_branch.exclude(pk=secretary_member.pk).first()
    assert member is not None

    admin = _user("bench.admin", password, is_staff=True, is_superuser=True)
    _only_role(admin, RoleKind.ADMIN, None)
    _only_role(_user("bench.central", password), RoleKind.ORG_OFFICER, root)
    _only_role(_user("bench.province", password), RoleKind.ORG_OFFICER, province)
    _only_role(_user("bench.commune", password), RoleKind.COMMITTEE_MEMBER, commune)
    secretary = _user("bench.branch", password)
    _only_role(secretary, RoleKind.BRANCH_SECRETARY, branch)
    _link(secretary, secretary_member)
    member_user = _user("bench.member", password)
    _only_role(member_user, RoleKind.MEMBER, None)
    _link(member_user, member)
    return [
        BenchAccount("bench.admin", "central", RoleKind.ADMIN, root.code, None),
        BenchAccount("bench.central", "central", RoleKind.ORG_OFFICER, root.code, None),
        BenchAccount("bench.province", "province", RoleKind.ORG_OFFICER, province.code, None),
        BenchAccount("bench.commune", "commune", RoleKind.COMMITTEE_MEMBER, commune.code, None),
        BenchAccount(
            "bench.branch",
            "branch",
            RoleKind.BRANCH_SECRETARY,
            branch.code,
            secretary_member.member_id,
        ),
        BenchAccount("bench.member", "member", RoleKind.MEMBER, branch.code, member.member_id),
    ]
