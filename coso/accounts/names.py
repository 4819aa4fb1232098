"""How a person is named on pages: their name, never their login (issue 13).

"Khóa sổ · bithu.chibo" tells a reader nothing; "Khóa sổ · Nguyễn Văn An" does. The user's own
full name when set, else the name of the member their account is linked to, else the login.

The full name is written the Vietnamese way, family name first: Django's fields are labelled
"Họ" (last_name) and "Tên" (first_name) in Vietnamese, so «Nguyễn» + «Văn An» reads
«Nguyễn Văn An».
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
    full = _full(user.first_name, user.last_name)
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
        names[pk] = _full(first, last) or member_name or username
    return names


def _full(first: str | None, last: str | None) -> str:
    return " ".join(p.strip() for p in (last or "", first or "") if p and p.strip())
