"""A token's "last used" is written at most once a minute and never fails or delays a read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coso.accounts.models import ApiToken
from coso.accounts.tokens import user_for_token
from tests.cast import Cast


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_last_use_written_at_most_once_a_minute(cast: Cast) -> None:
    raw = cast.token("secretary")
    with CaptureQueriesContext(connection) as first:
        assert user_for_token(raw) == cast.secretary
    stamp = ApiToken.objects.get(user=cast.secretary).last_used_at
    assert stamp is not None and len(_updates(first)) == 1
    with CaptureQueriesContext(connection) as again:
        for _ in range(5):
            assert user_for_token(raw) == cast.secretary
    assert _updates(again) == []  # a plain read writes nothing
    assert ApiToken.objects.get(user=cast.secretary).last_used_at == stamp

    earlier = timezone.now() - dt.timedelta(seconds=61)
    ApiToken.objects.filter(user=cast.secretary).update(last_used_at=earlier)
    assert user_for_token(raw) == cast.secretary
    later = ApiToken.objects.get(user=cast.secretary).last_used_at
    assert later is not None and later > earlier + dt.timedelta(seconds=60)


def _locked(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
    if sql.startswith("UPDATE") and "accounts_apitoken" in sql:
        raise OperationalError("database is locked")
    return execute(sql, *args)


def test_a_locked_database_does_not_fail_a_token_read(cast: Cast) -> None:
    raw = cast.token("officer")
    with connection.execute_wrapper(_locked):
        assert user_for_token(raw) == cast.officer
        response = Client().get("/api/v1/units/C/stats", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content
    assert ApiToken.objects.get(user=cast.officer).last_used_at is None  # tried, not recorded
    assert user_for_token(raw) == cast.officer  # recorded by the next read
    assert ApiToken.objects.get(user=cast.officer).last_used_at is not None
