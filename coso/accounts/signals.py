"""Logins, logouts and failed logins go to the audit trail (read by administrators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from coso.audit.log import record_write

    record_write(request, "account.login", _target(user), user=user)


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from coso.audit.log import record_write

    if user is not None:
        record_write(request, "account.logout", _target(user), user=user)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from coso.audit.log import record_write

    username = str(credentials.get("username", ""))[:90]
    # The request's user is anonymous here: the entry keeps the address and the name tried.
    record_write(request, "account.login_failed", f"user:{username}")


def _target(user: Any) -> str:
    return f"user:{user.get_username()}"
