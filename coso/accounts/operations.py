"""Writes on accounts that are not Django admin forms (issue 13: a forgotten password).

Who may do them is a scope question (coso.authority.scope.may_reset_password); these functions
only write, in one transaction, with their audit entry.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from coso.accounts.models import Account
from coso.audit.log import AuditAction, record_write

# No look-alike characters (0/O, 1/l/I): the password is read out or copied by hand.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12


def temporary_password() -> str:
    """A random password of TEMPORARY_LENGTH characters, grouped by four for reading aloud."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, TEMPORARY_LENGTH, 4))


@transaction.atomic
def reset_password(user: Any, *, actor: Any, unit: Any = None) -> str:
    """Give `user` a new temporary password and return it (shown once, never stored in clear).

    The account must choose its own password at its next login (`Account.must_change_password`,
    held by PasswordChangeRequiredMiddleware); its other sessions end, since the password hash
    changed. One `password_reset` audit entry, filed under `unit` (officers over it read it;
    the scope says which: coso.authority.scope.account_unit).
    """
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    account, _created = Account.objects.get_or_create(user=user)
    if not account.must_change_password:
        account.must_change_password = True
        account.save(update_fields=["must_change_password"])
    record_write(
        actor,
        AuditAction.PASSWORD_RESET,
        "user:" + user.get_username(),
        None,
        {"must_change_password": True},
        unit,
    )
    return password
