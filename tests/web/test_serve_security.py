"""`coso serve` is safe by default: its own secret key (kept, owner only), never the public one;
secure cookies and HSTS over HTTPS behind a proxy; and it says which mode it runs in."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from coso.core.secret_key import DEV_SECRET_KEY
from coso.web.management.commands import serve
from coso.web.startup import security_mode

ROOT = Path(__file__).resolve().parents[2]
HTTPS_SETTINGS = {
    "HTTPS": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`coso serve` up to the point where gunicorn would start (recorded, not run)."""
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(serve, "run_gunicorn", runs.append)
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # no collectstatic
    monkeypatch.delenv("COSO_SECRET_KEY", raising=False)
    return runs


def _serve() -> str:
    out = io.StringIO()
    call_command("serve", "--no-worker", stdout=out)
    return out.getvalue()


def test_serve_makes_its_own_key_on_first_start_and_keeps_it(
    settings: Any, tmp_path: Path, started: list[dict[str, Any]]
) -> None:
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = DEV_SECRET_KEY
    output = _serve()
    assert started, "gunicorn was not started"
    path = tmp_path / "secret_key"
    key = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50 and key != DEV_SECRET_KEY
    assert key == settings.SECRET_KEY  # the gunicorn workers fork with it
    assert str(path) in output and "HTTP thường" in output and "COSO_HTTPS=1" in output
    # Next start (a new process reads it through the settings): the same key, sessions survive.
    settings.SECRET_KEY = DEV_SECRET_KEY
    _serve()
    assert settings.SECRET_KEY == key == path.read_text().strip()


def test_serve_fixes_a_key_file_others_can_read(
    settings: Any, tmp_path: Path, started: list[dict[str, Any]]
) -> None:
    path = tmp_path / "secret_key"
    path.write_text("k" * 60)
    path.chmod(0o644)
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = "k" * 60
    assert "0600" in _serve()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_serve_refuses_the_public_key_and_a_short_one(
    settings: Any, tmp_path: Path, started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = DEV_SECRET_KEY
    monkeypatch.setenv("COSO_SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(CommandError, match="khóa công khai"):
        _serve()
    settings.SECRET_KEY = "short"
    monkeypatch.setenv("COSO_SECRET_KEY", "short")
    with pytest.raises(CommandError, match="ít nhất 50"):
        _serve()
    assert not started and not (tmp_path / "secret_key").exists()


def test_serve_says_when_it_serves_https(
    settings: Any, tmp_path: Path, started: list[dict[str, Any]]
) -> None:
    settings.VAR_DIR = tmp_path
    settings.SECRET_KEY = "s" * 60
    for name, value in HTTPS_SETTINGS.items():
        setattr(settings, name, value)
    output = _serve()
    assert "HTTPS" in output and "X-Forwarded-Proto" in output and "HSTS 31536000" in output
    assert "COSO_SECRET_KEY" in output  # the key came from the environment, not a file


def _settings(env: dict[str, str], expr: str, var: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COSO_")}
    return subprocess.run(
        [sys.executable, "-c", f"import coso.settings as s; print({expr})"],
        env={**clean, "COSO_VAR_DIR": str(var), **env},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_settings_read_the_kept_key_and_make_one_over_https(tmp_path: Path) -> None:
    # A developer's command without a key: the public one, and no file written.
    plain = _settings({}, "s.SECRET_KEY, s.HTTPS", tmp_path)
    assert plain.stdout.split() == [DEV_SECRET_KEY, "False"], plain.stderr
    assert not (tmp_path / "secret_key").exists()
    # Over HTTPS: one is made (owner only), then read back by every later process.
    https = "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
    https += "s.SECURE_PROXY_SSL_HEADER, s.SECRET_KEY"
    made = _settings({"COSO_HTTPS": "1"}, https, tmp_path)
    key = (tmp_path / "secret_key").read_text().strip()
    assert made.stdout.strip() == (
        f"True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') {key}"
    ), made.stderr
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    again = _settings({}, "s.SECRET_KEY", tmp_path)
    assert again.stdout.strip() == key
    # The environment wins over the file.
    given = _settings({"COSO_SECRET_KEY": "e" * 50}, "s.SECRET_KEY", tmp_path)
    assert given.stdout.strip() == "e" * 50
    # Naming the proxy's header alone means HTTPS behind that proxy.
    other = _settings(
        {"COSO_PROXY_SSL_HEADER": "X-Forwarded-Scheme"},
        "s.HTTPS, s.SESSION_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER[0]",
        tmp_path,
    )
    assert other.stdout.split() == ["True", "True", "HTTP_X_FORWARDED_SCHEME"], other.stderr


@override_settings(**HTTPS_SETTINGS)
def test_behind_an_https_proxy_hsts_secure_cookies_and_redirect(client: Client) -> None:
    url = reverse("login")
    secure = client.get(url, HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure.cookies["csrftoken"]["secure"]
    # A plain-HTTP request reaching the app is sent to HTTPS.
    plain = client.get(url)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert "HTTPS" in security_mode()


def test_plain_http_mode_is_said_and_sends_no_hsts(client: Client) -> None:
    assert not settings.HTTPS
    response = client.get(reverse("login"))
    assert "Strict-Transport-Security" not in response
    assert "HTTP thường" in security_mode()
