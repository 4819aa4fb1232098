"""Login throttling, password rules, sessions, headers, the TOTP second factor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from coso.accounts.models import SiteSettings
from tests.cast import Cast

FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@FAST_HASHER
def test_login_and_lockout_by_username_and_address(cast: Cast) -> None:
    cast.secretary.set_password("Right-password-2026")
    cast.secretary.save()
    client = Client()
    ok = login(client, "cast.secretary", "Right-password-2026")
    assert ok.status_code == 302
    assert client.session.get_expire_at_browser_close()
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(Client(), "cast.secretary", "wrong").status_code == 200
    # The failure that reaches the limit locks the username at this address.
    assert login(Client(), "cast.secretary", "wrong").status_code == 429
    locked = login(Client(), "cast.secretary", "Right-password-2026")
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập".encode() in locked.content
    # Another address is not locked out by someone else's failures.
    assert (
        login(Client(), "cast.secretary", "Right-password-2026", ip="10.0.0.2").status_code == 302
    )


def test_password_rules() -> None:
    for weak in ("short1!", "1234567890123", "password1234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Hoan-Lao-chi-bo-2026")


def test_session_and_security_headers(db: None) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content  # no inline script


def _settings_in_subprocess(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    code = f"import coso.settings as s; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings(tmp_path: Path) -> None:
    done = _settings_in_subprocess(
        {"COSO_PRODUCTION": "1", "COSO_SECRET_KEY": "x" * 50},
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS",
    )
    assert done.stdout.strip() == "True True True 31536000", done.stderr
    # No key given: one is made and kept under the data directory, never the public one.
    made = _settings_in_subprocess(
        {"COSO_PRODUCTION": "1", "COSO_SECRET_KEY": "", "COSO_VAR_DIR": str(tmp_path)},
        "s.SECRET_KEY",
    )
    assert made.stdout.strip() == (tmp_path / "secret_key").read_text().strip(), made.stderr
    public = "insecure-dev-key-change-me-in-production"
    refused = _settings_in_subprocess({"COSO_PRODUCTION": "1", "COSO_SECRET_KEY": public}, "1")
    assert refused.returncode != 0 and "COSO_SECRET_KEY" in refused.stderr
    local = _settings_in_subprocess({"COSO_PRODUCTION": "0"}, "s.SESSION_COOKIE_SECURE")
    assert local.returncode != 0 or local.stdout.strip() == "False"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_totp_mandatory_for_officers_enrol_then_verify(cast: Cast) -> None:
    protected = reverse("admin:index")
    cast.officer.is_staff = True
    cast.officer.save()
    officer = cast.client("officer")
    assert officer.get(protected).status_code == 200
    settings_row = SiteSettings.current()
    settings_row.totp_required_for_officers = True
    settings_row.save()
    # Not an officer: untouched.
    assert "2fa" not in cast.client("committee").get(protected).get("Location", "")
    response = officer.get(protected)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("totp-setup"))
    page = officer.get(response["Location"])
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=cast.officer, confirmed=False)
    wrong = officer.post(reverse("totp-setup"), {"token": "000000", "next": protected})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()  # a failure throttles the device for a second; the test won't wait
    done = officer.post(reverse("totp-setup"), {"token": _code(device), "next": protected})
    assert done.status_code == 302 and done["Location"] == protected
    device.refresh_from_db()
    assert device.confirmed
    assert officer.get(protected).status_code == 200
    # A new session must verify the enrolled device.
    fresh = cast.client("officer")
    response = fresh.get(protected)
    assert response["Location"].startswith(reverse("totp-verify"))
    assert fresh.post(reverse("totp-verify"), {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1  # the code was used at enrolment; a token is not accepted twice
    device.save()
    ok = fresh.post(reverse("totp-verify"), {"token": _code(device), "next": "https://evil.test/"})
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_user_with_a_device_verifies_even_when_not_mandatory(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.member, name="default", confirmed=True)
    response = cast.client("member").get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("totp-verify"))
    assert cast.client("member").get(reverse("login")).status_code in (200, 302)


def test_password_alone_cannot_enrol_a_second_device(cast: Cast) -> None:
    TOTPDevice.objects.create(user=cast.officer, name="default", confirmed=True)
    client = cast.client("officer")  # password checked, second factor not yet
    response = client.get(reverse("totp-setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("totp-verify"))
    client.post(reverse("totp-setup"), {"token": "123456"})
    assert TOTPDevice.objects.filter(user=cast.officer).count() == 1


def test_verify_without_a_device_leads_to_setup(cast: Cast) -> None:
    response = cast.client("secretary").get(reverse("totp-verify"), {"next": "/x/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("totp-setup") + "?next=%2Fx%2F"


def test_second_factor_check_costs_no_query_once_known(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client("secretary")
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("admin:index"))
    assert any("otp_totp" in q["sql"] for q in first.captured_queries)
    assert not any("otp_totp" in q["sql"] for q in second.captured_queries)
    assert not any("sitesettings" in q["sql"] for q in second.captured_queries)
