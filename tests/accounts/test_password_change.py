"""Every logged-in user can change their own password from the menu; the change is audited."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from coso.audit.actions import AuditAction
from coso.audit.models import AuditEntry
from tests.cast import PASSWORD, ROLES, Cast

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.mark.parametrize("who", [r for r in ROLES if r != "anonymous"])
def test_the_menu_links_to_the_change_password_page(cast: Cast, who: str) -> None:
    client = cast.client(who)
    url = reverse("password-change")
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert f'href="{url}"' in home.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="old_password"' in page.content.decode()


def test_anonymous_is_sent_to_login(cast: Cast) -> None:
    response = cast.client("anonymous").get(reverse("password-change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    home = cast.client("anonymous").get(reverse("login"))
    assert reverse("password-change") not in home.content.decode()


@FAST_HASHER
def test_a_member_changes_their_password_and_it_is_audited(cast: Cast) -> None:
    user = cast.user("member")
    user.set_password(PASSWORD)
    user.save()
    client = cast.client("member")
    url = reverse("password-change")
    wrong = client.post(
        url,
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert wrong.status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGE).exists()
    new = "Mat-khau-moi-cua-toi-2026"
    done = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password(new)
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert entry.user == user and entry.channel == "web"
    assert client.get(reverse("web:home")).status_code == 200  # still logged in
