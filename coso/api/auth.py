"""Who is calling: an API token (`Authorization: Bearer …`) or the browser's session.

A token made by `coso token create USERNAME` identifies its user; the user then goes through
the same scopes as on the pages. The session serves logged-in browser users (the docs page);
writes through the session need the CSRF token, as forms do, and a user who owes a second
factor must give it first (the TOTP middleware lets /api/ through for token clients).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from coso.accounts.tokens import user_for_token
from coso.api.errors import ApiError
from coso.authority.scope import totp_required


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is None:
            return None
        # The audit trail and the scopes read request.user.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session; unlike Ninja's, it checks CSRF only once a user is logged in.

    (Otherwise an anonymous POST would answer 403 "CSRF" instead of 401.)
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return None  # the session middleware has already read the cookie

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request):
            raise ApiError(
                403,
                "forbidden",
                "Thiếu hoặc sai mã CSRF (ghi qua phiên đăng nhập cần tiêu đề X-CSRFToken).",
            )
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and not is_verified() and totp_required(user):
            raise ApiError(403, "forbidden", "Cần xác thực hai lớp (TOTP) trước khi dùng API.")
        return user
