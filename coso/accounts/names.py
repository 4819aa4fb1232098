"""How a person is named on pages: their name, never their login (issue 13).

"Khóa sổ · bithu.chibo" tells a reader nothing; "Khóa sổ · Nguyễn Văn An" does. The user's own
full name when set, else the name of the member their account is linked to, else the login.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist


def person_name(user: Any, fallback: str = "") -> str:
    """The name to show for `user` (a User or None); `fallback` (e.g. a stored username) when
    there is no user."""
    if user is None:
        return fallback
    full = (user.get_full_name() or "").strip()
    if full:
        return str(full)
    try:
        member = user.account.member
    except ObjectDoesNotExist:
        member = None
    if member is not None and member.full_name:
        return str(member.full_name)
    return str(user.get_username() or fallback)


def person_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """`person_name` of many users at once (one query, for lists such as the audit trail)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .values_list("pk", "first_name", "last_name", "username", "account__member__full_name")
    )
    names: dict[int, str] = {}
    for pk, first, last, username, member_name in rows:
        # Django's get_full_name: first name, then last name.
        full = f"{first} {last}".strip()
        names[pk] = full or member_name or username
    return names
