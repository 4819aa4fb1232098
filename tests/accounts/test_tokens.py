"""API tokens: made by `coso token create`, stored hashed, verified, revoked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coso.accounts.models import ApiToken, hash_token
from coso.accounts.tokens import create_token, revoke_tokens, user_for_token
from coso.cli import _command_name
from tests.cast import Cast


def test_token_round_trip_and_only_hash_stored(cast: Cast) -> None:
    raw = create_token(cast.secretary, name="phone")
    assert user_for_token(raw) == cast.secretary
    assert user_for_token(f"  {raw}\n") == cast.secretary
    stored = ApiToken.objects.get(user=cast.secretary)
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    assert raw.startswith(stored.prefix) and len(stored.prefix) < len(raw) // 3
    assert stored.last_used_at is not None


def test_bad_revoked_and_inactive_tokens_are_refused(cast: Cast) -> None:
    raw = create_token(cast.officer)
    for bad in ("", "coso_", raw[:-1], raw + "x", "Bearer " + raw, raw.replace("coso_", "")):
        assert user_for_token(bad) is None, bad
    other = create_token(cast.officer, name="other")
    assert revoke_tokens(cast.officer, name="cast-officer") == 0
    assert revoke_tokens(cast.officer, name="") == 1  # the unnamed one
    assert user_for_token(raw) is None
    assert user_for_token(other) == cast.officer
    cast.officer.is_active = False
    cast.officer.save()
    assert user_for_token(other) is None


def test_cast_token_is_valid(cast: Cast) -> None:
    assert user_for_token(cast.token("member")) == cast.member


def test_token_create_command_prints_token_on_last_line(cast: Cast) -> None:
    out = StringIO()
    call_command("token_create", "cast.committee", "--name", "ci", stdout=out)
    lines = out.getvalue().rstrip("\n").split("\n")
    assert len(lines) >= 2
    token = lines[-1]
    assert token == token.strip() and " " not in token
    assert user_for_token(token) == cast.committee
    assert ApiToken.objects.get(user=cast.committee).name == "ci"
    assert token not in "".join(ApiToken.objects.values_list("token_hash", flat=True))


def test_token_create_refuses_unknown_and_inactive(cast: Cast) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("token_create", "nobody", stdout=StringIO())
    cast.outsider.is_active = False
    cast.outsider.save()
    with pytest.raises(CommandError, match=r"cast\.outsider"):
        call_command("token_create", "cast.outsider", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_token_revoke_command(cast: Cast) -> None:
    raw = create_token(cast.officer)
    out = StringIO()
    call_command("token_revoke", "cast.officer", stdout=out)
    assert "1" in out.getvalue()
    assert user_for_token(raw) is None


def test_cli_maps_token_create() -> None:
    assert _command_name(["token", "create", "admin"]) == ("token_create", ["admin"])
