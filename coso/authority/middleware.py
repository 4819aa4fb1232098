"""Send users who need a second factor (coso.authority.scope.totp_required) to enrol or verify
it before anything else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from coso.authority.scope import totp_required

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
