"""Send users who need a second factor to enrol or verify it, and users holding a password
someone else saw to change it, before anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from coso.accounts.otp import totp_required

# Session key set at login for an account whose password must be changed (see
# Account.must_change_password): read from the session so that requests cost no query.
MUST_CHANGE_PASSWORD = "coso_must_change_password"

# Reachable without the second factor: the login/2FA pages themselves, static files, and the
# API (which authenticates by token, not by session).
_OPEN_NAMES = ("login", "logout", "totp-setup", "totp-verify", "set_language")


class TotpRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._open(request)
            and totp_required(user, request.session)
        ):
            from django_otp import user_has_device

            name = "totp-verify" if user_has_device(user, confirmed=True) else "totp-setup"
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(name)}?{query}")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/api/")):
            return True
        return any(path == reverse(name) for name in _OPEN_NAMES)


class PasswordChangeRequiredMiddleware:
    _open_names = (
        "login",
        "logout",
        "password-change",
        "set_language",
        "totp-setup",
        "totp-verify",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(MUST_CHANGE_PASSWORD)
            and request.user.is_authenticated
            and not self._open(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('password-change')}?{query}")
        return self.get_response(request)

    def _open(self, request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/api/")):
            return True
        return any(path == reverse(name) for name in self._open_names)
