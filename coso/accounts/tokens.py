"""API tokens: shown once, stored only as a hash."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from django.utils import timezone

from coso.accounts.models import ApiToken, hash_token

TOKEN_PREFIX = "coso_"


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
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_tokens(user: Any, name: str | None = None) -> int:
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if name is not None:
        tokens = tokens.filter(name=name)
    return tokens.update(revoked_at=timezone.now())


__all__ = ["create_token", "revoke_tokens", "user_for_token"]
