"""API tokens: shown once, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from coso.accounts.models import ApiToken, hash_token

TOKEN_PREFIX = "coso_"
# "Last used" is a hint for the admin, not a record: written at most this often per token.
LAST_USED_EVERY = dt.timedelta(minutes=1)

logger = logging.getLogger(__name__)


def create_token(user: Any, name: str = "") -> str:
    """Make a token for `user` and return it; only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name.strip()[:100], token_hash=hash_token(raw), prefix=raw[:12]
    )
    return raw


def user_for_token(raw: str) -> Any | None:
    """The active user owning this unrevoked token, or None; records the use."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = (
        ApiToken.objects.filter(token_hash=digest, revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    # The lookup is by an index on the hash; compare again in constant time all the same.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.user.is_active:
        return None
    _note_use(token)
    return token.user


def _note_use(token: ApiToken) -> None:
    """Record the token's use at most once a minute, without waiting or failing.

    A read must not queue behind a long import for the write lock (nor answer 500 when the wait
    times out): when the database is busy the use is simply not recorded this time; a later
    request records it.
    """
    now = timezone.now()
    due = now - LAST_USED_EVERY
    if token.last_used_at is not None and token.last_used_at > due:
        return
    try:
        # Autocommit: the UPDATE is its own transaction. Inside a caller's transaction, a
        # savepoint keeps that transaction usable should the UPDATE fail (PostgreSQL).
        inner = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with _without_waiting(), inner:
            ApiToken.objects.filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=due), pk=token.pk
            ).update(last_used_at=now)
    except DatabaseError as exc:
        logger.info("token %s: last use not recorded (%s)", token.prefix, exc)


@contextmanager
def _without_waiting() -> Iterator[None]:
    """On SQLite, a busy timeout of zero for the block: the write is tried once, never queued.

    The timeout is a setting of the in-process SQLite handle, set on it directly; afterwards it
    goes back to the configured one (DATABASES' "timeout", in seconds).
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    handle = connection.connection
    configured = float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    handle.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        handle.execute(f"PRAGMA busy_timeout = {int(configured * 1000)}")


def revoke_tokens(user: Any, name: str | None = None) -> int:
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if name is not None:
        tokens = tokens.filter(name=name)
    return tokens.update(revoked_at=timezone.now())


__all__ = ["create_token", "revoke_tokens", "user_for_token"]
