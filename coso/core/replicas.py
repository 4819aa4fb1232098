"""Reads on streaming replicas, writes on the primary, and a request that wrote reads its writes.

`DATABASE_REPLICA_URLS` (settings) adds one alias per replica and names them in
`COSO_READ_REPLICAS`. With none, the router answers nothing and Django does what it always did.

Replica reads happen only inside a web request (`ReplicaRoutingMiddleware` opens the scope):
commands, the task worker, the scheduler, migrations and the shell always use the primary,
without having to say so. Inside a request, every read goes to the primary once

- the request has written (any `db_for_write`: save, update, delete, select_for_update), or
- the primary is inside a transaction (a read there must see the transaction's own rows), or
- the browser carries the signed "just wrote" cookie that a request which wrote sets for
  `COSO_REPLICA_STICKY_SECONDS`: the page after "Lưu" (the redirect after a POST) shows the
  change even while the replica lags behind.

A replica that cannot be reached, or that lags more than `COSO_REPLICA_MAX_LAG_SECONDS` (when
set), is left aside for `COSO_REPLICA_RETRY_SECONDS` and its reads go to the primary.

Why not django-multidb-router or django-replicated: the first pins a thread to the primary only
for non-GET requests through an unsigned cookie, not on a write nor inside a transaction, keeps
its list of replicas in a module global and never checks that a replica is up; the second
(last released 2020) predates Django 4 and psycopg 3. What is left is Django's own router API,
which this module implements in a few lines.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
STICKY_COOKIE = "coso_primary"
_STICKY_SALT = "coso.core.replicas.sticky"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class _RequestState:
    """What the router knows about the request being served."""

    pinned: bool  # every further read goes to the primary
    wrote: bool = False
    replica: str | None = None  # the replica this request reads, once chosen


_request: ContextVar[_RequestState | None] = ContextVar("coso_replica_request", default=None)

# Replicas found unusable, alias -> monotonic time until which they are left aside; and when each
# replica's lag was last measured. Shared by the threads of a process.
_down_until: dict[str, float] = {}
_lag_checked_at: dict[str, float] = {}
_lock = threading.Lock()


def read_replicas() -> list[str]:
    return list(getattr(settings, "COSO_READ_REPLICAS", []))


def replica_is_available(alias: str) -> bool:
    """Whether reads may go to `alias` now: it answers, and does not lag too far behind.

    Opening the connection here costs nothing more than the read would have cost; a refused or
    timed-out connection leaves the replica aside for a while, so that the requests after it do
    not each wait for the timeout.
    """
    now = time.monotonic()
    if _down_until.get(alias, 0.0) > now:
        return False
    connection = connections[alias]
    try:
        if connection.connection is None:
            connection.ensure_connection()
        max_lag = float(getattr(settings, "COSO_REPLICA_MAX_LAG_SECONDS", 0))
        check_every = float(getattr(settings, "COSO_REPLICA_LAG_CHECK_SECONDS", 5))
        if max_lag > 0 and now - _lag_checked_at.get(alias, -check_every) >= check_every:
            _lag_checked_at[alias] = now
            lag = replica_lag_seconds(alias)
            if lag > max_lag:
                logger.warning("Replica %s lags %.1f s: reads go to the primary", alias, lag)
                _set_down(alias, now)
                return False
    except DatabaseError as exc:
        logger.warning("Replica %s unreachable (%s): reads go to the primary", alias, exc)
        connection.close_if_unusable_or_obsolete()
        _set_down(alias, now)
        return False
    return True


def _set_down(alias: str, now: float) -> None:
    with _lock:
        _down_until[alias] = now + float(getattr(settings, "COSO_REPLICA_RETRY_SECONDS", 30))


def forget_replica_health() -> None:
    """Take every replica back into use at once (tests, and after an operator fixed one)."""
    with _lock:
        _down_until.clear()
        _lag_checked_at.clear()


def replica_lag_seconds(alias: str) -> float:
    """How far behind the primary the replica's replay is: 0 when it has replayed all it received.

    A replica with nothing to replay is as fresh as its stream; measuring the age of the last
    replayed transaction would call an idle but current replica late.
    """
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
            " END"
        )
        row = cursor.fetchone()
    return float(row[0]) if row else 0.0


def _pinned_to_primary(state: _RequestState) -> bool:
    return state.pinned or state.wrote or connections[PRIMARY].in_atomic_block


class ReplicaRouter:
    """Django's DATABASE_ROUTERS entry: reads to a replica where that is safe, the rest to the
    primary. Answers None (Django's own choice) when no replica is configured."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        replicas = read_replicas()
        if not replicas:
            return None
        state = _request.get()
        if state is None or _pinned_to_primary(state):
            return PRIMARY
        # A request keeps the replica it began with: two replicas replay to different points,
        # and one page must not mix them. Random rather than round-robin: every process would
        # start its own cycle at the same place.
        if state.replica is not None and replica_is_available(state.replica):
            return state.replica
        for alias in random.sample(replicas, len(replicas)):
            if replica_is_available(alias):
                state.replica = alias
                return alias
        state.replica = None
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        if not read_replicas():
            return None
        state = _request.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """The primary and its replicas hold the same rows: an object read from one may refer
        to an object read from another."""
        ours = {PRIMARY, *read_replicas()}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        """Migrations run on the primary only; a replica receives them through the stream."""
        if db in read_replicas():
            return False
        return None


class ReplicaRoutingMiddleware:
    """Opens the request's routing scope, and after a request that wrote (or any POST, PUT,
    PATCH, DELETE) sets the signed cookie that keeps the next pages on the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not read_replicas():
            return self.get_response(request)
        sticky = int(getattr(settings, "COSO_REPLICA_STICKY_SECONDS", 15))
        recent = (
            request.get_signed_cookie(
                STICKY_COOKIE, default=None, salt=_STICKY_SALT, max_age=sticky
            )
            is not None
        )
        state = _RequestState(pinned=recent or request.method not in SAFE_METHODS)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote or request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=_STICKY_SALT,
                max_age=sticky,
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
                httponly=True,
                samesite="Lax",
            )
        return response
