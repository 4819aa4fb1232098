"""The cast fixture writes the rows `build_cast` wrote when it was first asked for in this test
database, instead of running the operations again (tests/cast.py). Here: every row written is
read back as captured, a fresh build writes as many rows to the same tables, and the objects
handed to the test are the ones in the database, a copy for each test."""

from __future__ import annotations

import collections

import pytest
from django.db import connection, transaction

from coso.accounts.models import Role
from coso.members.models import Member
from coso.units.models import Unit
from tests import cast as cast_module
from tests.cast import Cast, build_cast


def _rows() -> dict[str, collections.Counter[str]]:
    tables = sorted(connection.introspection.table_names(include_views=False))
    with connection.cursor() as cursor:
        found = cast_module._all_rows(cursor, tables)
    return {table: collections.Counter(map(repr, rows)) for table, (_c, rows) in found.items()}


@pytest.mark.django_db
def test_the_replayed_cast_is_what_the_build_wrote(cast: Cast) -> None:
    replay = cast_module._REPLAYS[connection.settings_dict["NAME"]]
    assert replay is not None, "the build changed rows that existed before it: nothing replayed"
    written = _rows()
    captured = {table: collections.Counter(map(repr, rows)) for table, _c, rows in replay.tables}
    assert sum(sum(c.values()) for c in captured.values()) > 100
    for table, rows in captured.items():  # read back exactly (dates, JSON, decimals...)
        assert not rows - written[table], table
    # A fresh build on the tables emptied of them, in a savepoint, writes as many rows to the
    # same tables and nothing elsewhere.
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        for table in captured:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    build_cast()
    rebuilt = {t: sum(r.values()) for t, r in _rows().items()}
    transaction.savepoint_rollback(savepoint)
    expected = {t: sum(r.values()) for t, r in written.items()}
    expected.update({t: sum(c.values()) for t, c in captured.items()})
    assert rebuilt == expected
    # The objects are the rows: same ids, same names, the roles and the member's account.
    assert {u.code: u.pk for u in Unit.objects.all()} == {c: u.pk for c, u in cast.units.items()}
    assert Member.objects.get(pk=cast.members["b1"].pk).member_id == "CAST-B1"
    assert Role.objects.get(user=cast.secretary).unit_id == cast.B.pk
    assert cast.client("officer").get(f"/units/{cast.B.code}/").status_code == 200
    # ... and this test's own copies: changing one changes nothing for the next test.
    assert (
        cast.B is not replay.cast.units["B"]
        and cast.users["admin"] is not replay.cast.users["admin"]
    )
