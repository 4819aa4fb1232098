"""Send users holding a password someone else saw to change it, before anything else (the
second factor's middleware is coso.authority.middleware: who needs one is a scope question)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

# Session key set at login for an account whose password must be changed (see
# Account.must_change_password): read from the session so that requests cost no query.
MUST_CHANGE_PASSWORD = "coso_must_change_password"


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
