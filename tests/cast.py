"""The cast: one user per role on a small tree, for permission tests of pages and API.

Tree (all created on START):
    P  province            ── officer (org_officer)
      C  commune           ── committee (committee_member)
        B  branch          ── secretary (branch_secretary); member (linked to a member homed in B)
          G  group
        B2 branch
      C2 commune
        BC2 branch
    Q  province            ── outsider (org_officer)
      QC commune
        QB branch
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client

from coso.accounts.models import Account, Role, RoleKind
from coso.accounts.tokens import create_token
from coso.members.models import Member
from coso.members.operations import admit_member
from coso.units.models import Unit
from coso.units.operations import create_unit

START = dt.date(2020, 1, 6)
ADMITTED = dt.date(2021, 3, 1)
PASSWORD = "Cast-password-2026!"
ROLES = ("admin", "officer", "committee", "secretary", "member", "outsider", "anonymous")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class Cast:
    units: dict[str, Unit]
    members: dict[str, Member]
    users: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # cast.P, cast.officer, cast.anonymous (None) ...
        for table in ("units", "users"):
            values = self.__dict__.get(table, {})
            if name in values:
                return values[name]
        if name == "anonymous":
            return None
        raise AttributeError(name)

    def user(self, name: str) -> Any:
        return None if name == "anonymous" else self.users[name]

    def client(self, name: str) -> Client:
        """A test client logged in as the cast member `name` ("anonymous": not logged in)."""
        client = Client()
        user = self.user(name)
        if user is not None:
            client.force_login(user, backend=MODEL_BACKEND)
        return client

    def token(self, name: str) -> str:
        """A fresh raw API token for `name`."""
        return create_token(self.users[name], name=f"cast-{name}")


def _unit(units: dict[str, Unit], code: str, kind: str, parent: str | None) -> None:
    units[code] = create_unit(
        code=code,
        name=f"Đơn vị {code}",
        kind=kind,
        parent=units[parent] if parent else None,
        on=START,
    )


def _member(member_id: str, full_name: str, branch: Unit, **kw: Any) -> Member:
    return admit_member(
        member_id=member_id,
        full_name=full_name,
        gender=kw.pop("gender", "male"),
        birth_date=kw.pop("birth_date", dt.date(1990, 4, 12)),
        branch=branch,
        admitted_on=ADMITTED,
        **kw,
    )


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once per process: the real hasher is deliberately slow (~1 s here)."""
    return make_password(PASSWORD)


def build_cast() -> Cast:
    units: dict[str, Unit] = {}
    for code, kind, parent in [
        ("P", "province", None),
        ("C", "commune", "P"),
        ("B", "branch", "C"),
        ("G", "group", "B"),
        ("B2", "branch", "C"),
        ("C2", "commune", "P"),
        ("BC2", "branch", "C2"),
        ("Q", "province", None),
        ("QC", "commune", "Q"),
        ("QB", "branch", "QC"),
    ]:
        _unit(units, code, kind, parent)
    members = {
        "b1": _member("CAST-B1", "Phạm Đình Dũng", units["B"], national_id="044090000001"),
        "b2": _member("CAST-B2", "Nguyễn Thị Lan", units["B"], gender="female"),
        "b2x": _member("CAST-B2X", "Trần Văn Bình", units["B2"]),
        "c2": _member("CAST-C2", "Lê Văn Cường", units["BC2"]),
        "q": _member("CAST-Q", "Hoàng Văn Quang", units["QB"], national_id="045090000009"),
    }
    cast = Cast(units=units, members=members)
    users = get_user_model().objects
    cast.users["admin"] = users.create_superuser("cast.admin", "admin@cast.test", None)
    Role.objects.create(user=cast.users["admin"], kind=RoleKind.ADMIN)
    for name, kind, unit in [
        ("officer", RoleKind.ORG_OFFICER, "P"),
        ("committee", RoleKind.COMMITTEE_MEMBER, "C"),
        ("secretary", RoleKind.BRANCH_SECRETARY, "B"),
        ("outsider", RoleKind.ORG_OFFICER, "Q"),
    ]:
        user = users.create_user(f"cast.{name}", f"{name}@cast.test", None)
        Role.objects.create(user=user, kind=kind, unit=units[unit])
        cast.users[name] = user
    member_user = users.create_user("cast.member", "member@cast.test", None)
    Role.objects.create(user=member_user, kind=RoleKind.MEMBER)
    Account.objects.create(user=member_user, member=members["b1"])
    cast.users["member"] = member_user
    get_user_model().objects.filter(username__startswith="cast.").update(password=password_hash())
    for user in cast.users.values():
        user.password = password_hash()
    return cast


@dataclass
class _Replay:
    """The rows `build_cast` writes, table by table, and the cast it returned: written again
    with one INSERT a table instead of the ~550 statements of the operations (0.4 s a test on
    SQLite, about 1 s on PostgreSQL, for some 900 tests)."""

    cast: Cast
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]]


_REPLAYS: dict[str, _Replay | None] = {}  # by test database: one per pytest-xdist worker


def _all_rows(cursor: Any, tables: list[str]) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    rows = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows[table] = ([c[0] for c in cursor.description], [tuple(r) for r in cursor.fetchall()])
    return rows


def _capture() -> _Replay | None:
    """Build the cast inside a transaction (a savepoint within a test's) that is rolled back,
    keeping what it added. None (build each time) if it changed or removed a row that was
    there before. A bare savepoint would be no transaction at all in a transactional test (a
    live server's, autocommit): the build would stay, and its replay collide with it."""
    tables = sorted(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cursor, transaction.atomic():
        before = _all_rows(cursor, tables)
        try:
            cast = build_cast()
            after = _all_rows(cursor, tables)
        finally:
            transaction.set_rollback(True)
    added = []
    for table in tables:
        columns, old_rows = before[table]
        new_rows = after[table][1]
        old, new = (
            collections.Counter(map(repr, old_rows)),
            collections.Counter(map(repr, new_rows)),
        )
        if old - new:
            return None  # the build changed a row that existed: replaying would not do it
        row_of = {repr(row): row for row in new_rows}
        fresh = [row_of[key] for key, times in (new - old).items() for _ in range(times)]
        if fresh:
            added.append((table, columns, fresh))
    return _Replay(cast=cast, tables=added)


def _adapt(value: Any) -> Any:
    if connection.vendor == "postgresql" and isinstance(value, (dict, list)):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def _replay(replay: _Replay) -> Cast:
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in replay.tables:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})",
                [[_adapt(v) for v in row] for row in rows],
            )
    return copy.deepcopy(replay.cast)


@pytest.fixture
def cast(db: Any) -> Cast:
    """The cast, built by the operations once per test database and written again from its
    rows for each later test (`build_cast` itself is what `tests/test_cast_replay.py` checks
    the replay against)."""
    key = connection.settings_dict["NAME"]
    if key not in _REPLAYS:
        _REPLAYS[key] = _capture()
    replay = _REPLAYS[key]
    return build_cast() if replay is None else _replay(replay)
