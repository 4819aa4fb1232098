"""The first administrator of a real installation: a random password, shown once, that must be
changed at the first login (whoever read it on the terminal should not keep a working login)."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from coso.accounts.models import Account, Role, RoleKind

ADMIN_USERNAME = "admin"


@transaction.atomic
def create_first_admin() -> str | None:
    """Create `admin` and return its one-time password; None if `admin` exists already.

    An existing `admin` keeps its password: the command may be run again on a live installation
    without locking its administrator out (`coso changepassword admin` resets it on purpose).
    """
    users = get_user_model().objects
    if users.filter(username=ADMIN_USERNAME).exists():
        return None
    password = secrets.token_urlsafe(12)
    user = users.create_user(ADMIN_USERNAME, "", password, is_staff=True, is_superuser=True)
    Role.objects.create(user=user, kind=RoleKind.ADMIN, unit=None)
    Account.objects.create(user=user, must_change_password=True)
    return password
