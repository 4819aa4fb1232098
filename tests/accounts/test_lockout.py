"""Login lockout also by address across accounts (issue 9)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from tests.cast import Cast

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def login(username: str, password: str, ip: str) -> int:
    response = Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code


@FAST_HASHER
def test_one_address_trying_each_account_once_is_locked_out(db: None) -> None:
    limit = settings.COSO_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    User = get_user_model()
    for i in range(limit + 1):
        User.objects.create_user(f"spray{i}", password="Right-password-2026")
    # One guess per account: no account reaches its own limit, the address reaches its.
    for i in range(limit - 1):
        assert login(f"spray{i}", "Password-123", "10.9.9.9") == 200
    assert login(f"spray{limit - 1}", "Password-123", "10.9.9.9") == 429
    # Locked out at this address, whatever the account and even with the right password.
    assert login(f"spray{limit}", "Right-password-2026", "10.9.9.9") == 429
    # Another address is not.
    assert login(f"spray{limit}", "Right-password-2026", "10.9.9.8") == 302


@FAST_HASHER
def test_logging_into_ones_own_account_does_not_clear_the_address_count(cast: Cast) -> None:
    cast.member.set_password("Right-password-2026")
    cast.member.save()
    limit = settings.COSO_LOGIN_ADDRESS_FAILURE_LIMIT
    per_account = settings.AXES_FAILURE_LIMIT - 1  # each account stays below its own limit
    ip = "10.9.9.7"
    failures = 0
    i = 0
    while failures < limit - 1:
        # A success between guesses resets only that account's failures at this address.
        assert login(cast.member.username, "Right-password-2026", ip) == 302
        for _ in range(min(per_account, limit - 1 - failures)):
            assert login(f"nobody{i}", "Password-123", ip) == 200
            failures += 1
        i += 1
    assert login("nobody-last", "Password-123", ip) == 429
    assert login(cast.member.username, "Right-password-2026", ip) == 429


@FAST_HASHER
def test_the_per_account_limit_still_holds_below_the_address_limit(cast: Cast) -> None:
    cast.secretary.set_password("Right-password-2026")
    cast.secretary.save()
    ip = "10.9.9.6"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(cast.secretary.username, "wrong", ip) == 200
    assert login(cast.secretary.username, "wrong", ip) == 429
    # Other accounts at the same address are not locked by one account's failures.
    cast.member.set_password("Right-password-2026")
    cast.member.save()
    assert login(cast.member.username, "Right-password-2026", ip) == 302
