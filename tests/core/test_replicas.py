"""Reads on a real streaming replica, writes and read-your-writes on the primary.

Run against the primary of scripts/start-postgres.sh and the standby of scripts/start-replica.sh
(DATABASE_REPLICA_URLS=postgres://coso:coso@127.0.0.1:5433/coso); `.ci/run` starts both. The
replica's copy of the test database is filled by the stream, so the tests commit (transactional)
and wait for the replica to replay what they wrote before they look.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from coso.core import replicas
from coso.units.models import Unit, UnitSpan

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases="__all__")]

REPLICA = "replica1"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
READS = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _one_at_a_time() -> Iterator[None]:
    """The test workers share one replica, and one test pauses its replay: they take turns."""
    path = os.path.join(tempfile.gettempdir(), "coso-replica-tests.lock")
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        replicas.forget_replica_health()
        yield
        replicas.forget_replica_health()


def wait_for_replica(timeout: float = 20.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0]:
                    return
        except Exception:  # the test database may not have reached the replica yet
            connections[REPLICA].close()
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not replay up to {lsn} in {timeout} s")
        time.sleep(0.05)


def server_of(alias: str) -> tuple[bool, int]:
    """(in recovery, port) of the server behind a connection: (True, 5433) is the standby."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        recovery, port = cursor.fetchone()
    return recovery, port


@contextlib.contextmanager
def queries_by_alias() -> Iterator[list[tuple[str, str]]]:
    """Every statement run meanwhile, in order, with the alias of the connection that ran it."""
    seen: list[tuple[str, str]] = []

    def recorder(alias: str) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            seen.append((alias, sql))
            return execute(sql, *args)

        return record

    with contextlib.ExitStack() as stack:
        for alias in ("default", REPLICA):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen


def _hidden_fields(html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name and name.group(1) != "csrfmiddlewaretoken":
            fields.setdefault(name.group(1), []).append(unescape(value.group(1) if value else ""))
    return fields


def rename(client: Client, code: str, name: str) -> HttpResponse:
    """The officer's "Lưu": preview the rename, then confirm it (the redirect is returned)."""
    url = reverse("web:unit_rename", args=[code])
    post = {"on": "01/07/2025", "decision_number": "QĐ-rename", "name": name}
    preview = client.post(url, post)
    assert preview.status_code == 200, preview.content.decode()[-2000:]
    response = client.post(url, _hidden_fields(preview.content.decode()))
    assert response.status_code == 302, response.content.decode()[-2000:]
    return response


def current_name(alias: str, code: str) -> str:
    return (
        UnitSpan.objects.using(alias)
        .filter(unit__code=code)
        .order_by("-valid_from")
        .values_list("name", flat=True)
        .first()
        or ""
    )


@pytest.fixture
def ready(cast: Any) -> Any:
    wait_for_replica()
    return cast


def logged_in(cast: Any, name: str) -> Client:
    """A client whose session the replica already has (reads of the session go there too).

    The session's first page writes once to it (whether the user has a second factor); that
    write, and the cookie it leaves, belong to logging in, not to the test.
    """
    client = cast.client(name)
    wait_for_replica()
    assert client.get(reverse("web:unit", args=["B"])).status_code == 200
    client.cookies.pop(replicas.STICKY_COOKIE, None)
    wait_for_replica()
    return client


def test_the_replica_alias_is_a_standby_and_default_the_primary() -> None:
    assert server_of(REPLICA) == (True, 5433)
    recovery, _port = server_of("default")
    assert recovery is False


def test_a_page_reads_from_the_replica(ready: Any) -> None:
    client = logged_in(ready, "officer")
    with queries_by_alias() as seen:
        response = client.get(reverse("web:unit", args=["B"]))
    assert response.status_code == 200
    assert "Đơn vị B" in response.content.decode()
    on_replica = [sql for alias, sql in seen if alias == REPLICA]
    # Reads only: SELECTs, and the statistics' WITH … SELECT (a CTE that writes nothing).
    odd = [
        sql
        for sql in on_replica
        if not READS.match(sql) or re.search(r"\b(INSERT|UPDATE|DELETE)\b", sql, re.I)
    ]
    assert on_replica and not odd, odd
    assert [sql for alias, sql in seen if alias == "default"] == []
    assert server_of(REPLICA)[0] is True  # the connection that served them is the standby


def test_a_save_writes_on_the_primary_and_the_next_page_reads_it_there(ready: Any) -> None:
    client = logged_in(ready, "officer")
    with queries_by_alias() as seen:
        response = rename(client, "B", "Chi bộ Đông")
    writes = [(alias, sql) for alias, sql in seen if WRITES.match(sql)]
    assert writes and {alias for alias, _ in writes} == {"default"}
    # A POST reads the primary from its first query: its form checks what it is about to change.
    assert [sql for alias, sql in seen if alias == REPLICA] == []
    assert replicas.STICKY_COOKIE in response.cookies
    with queries_by_alias() as seen:
        page = client.get(response["Location"])
    assert page.status_code == 200 and "Chi bộ Đông" in page.content.decode()
    assert seen and {alias for alias, _ in seen} == {"default"}


def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary(ready: Any) -> None:
    """A GET that writes: its reads before the write use the replica, those after it the
    primary (which has the write), and so does everything inside a transaction."""
    user_model = get_user_model()
    officer = ready.officer
    seen_names: list[tuple[str, str]] = []

    def view(request: HttpRequest) -> HttpResponse:
        first = user_model.objects.get(pk=officer.pk)
        seen_names.append((first._state.db or "", first.first_name))
        user_model.objects.filter(pk=officer.pk).update(first_name="Đã ghi")
        after = user_model.objects.get(pk=officer.pk)
        seen_names.append((after._state.db or "", after.first_name))
        return HttpResponse("ok")

    def view_in_transaction(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            inside = user_model.objects.get(pk=officer.pk)
        seen_names.append((inside._state.db or "", inside.first_name))
        return HttpResponse("ok")

    response = replicas.ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert seen_names == [(REPLICA, ""), ("default", "Đã ghi")]
    # The write also keeps this browser's next pages on the primary for a while.
    assert replicas.STICKY_COOKIE in response.cookies
    seen_names.clear()
    replicas.ReplicaRoutingMiddleware(view_in_transaction)(RequestFactory().get("/"))
    assert seen_names == [("default", "Đã ghi")]


def test_a_lagging_replica_never_shows_the_writer_a_stale_page(ready: Any) -> None:
    """Replay paused: the replica keeps the old name. The officer who saved sees the new one
    (the signed cookie keeps the pages after the save on the primary); a forged cookie does
    not, nor does a reader who did not write, until the replica catches up."""
    client = logged_in(ready, "officer")
    forged = logged_in(ready, "officer")
    forged.cookies[replicas.STICKY_COOKIE] = "1"
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        response = rename(client, "B", "Chi bộ Tây")
        assert current_name("default", "B") == "Chi bộ Tây"
        assert current_name(REPLICA, "B") == "Đơn vị B"  # the replica lags: it is stale
        page = client.get(response["Location"])
        assert "Chi bộ Tây" in page.content.decode()

        other = forged.get(reverse("web:unit", args=["B"])).content.decode()
        assert "Đơn vị B" in other and "Chi bộ Tây" not in other  # read from the replica
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for_replica()
    other = forged.get(reverse("web:unit", args=["B"])).content.decode()
    assert "Chi bộ Tây" in other


def test_a_replica_that_lags_too_far_is_left_aside(ready: Any, settings: Any) -> None:
    client = logged_in(ready, "officer")
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        get_user_model().objects.filter(pk=ready.officer.pk).update(first_name="x")
        time.sleep(1.2)
        settings.COSO_REPLICA_MAX_LAG_SECONDS = 1
        settings.COSO_REPLICA_LAG_CHECK_SECONDS = 0
        assert replicas.replica_lag_seconds(REPLICA) > 1
        with queries_by_alias() as seen:
            assert client.get(reverse("web:unit", args=["B"])).status_code == 200
        assert {alias for alias, sql in seen if "auth_user" in sql} == {"default"}
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_for_replica()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_reads_fall_back_to_the_primary_when_the_replica_is_unreachable(ready: Any) -> None:
    client = logged_in(ready, "officer")
    replica = connections[REPLICA]
    port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = _closed_port()
    try:
        with queries_by_alias() as seen:
            response = client.get(reverse("web:unit", args=["B"]))
        assert response.status_code == 200 and "Đơn vị B" in response.content.decode()
        assert seen and {alias for alias, _ in seen} == {"default"}
        # Left aside for a while: the next request does not try it again.
        assert not replicas.replica_is_available(REPLICA)
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port
    replicas.forget_replica_health()
    with queries_by_alias() as seen:
        assert client.get(reverse("web:unit", args=["B"])).status_code == 200
    assert {alias for alias, _ in seen} == {REPLICA}


def test_commands_the_worker_and_migrations_use_the_primary(ready: Any) -> None:
    # Outside a web request (commands, the task worker, the scheduler) reads use the primary.
    assert Unit.objects.all().db == "default"
    assert router.db_for_read(Unit) == "default"
    assert router.allow_migrate("default", "units", model_name="unit") is True
    assert router.allow_migrate(REPLICA, "units", model_name="unit") is False
