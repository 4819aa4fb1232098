"""The interactive docs page, with Swagger UI served from the installed Ninja package.

The schema and the docs page are for callers of the API only (`signed_in`): a token or a
logged-in session, as for any operation; anonymous callers get 401 for the schema and the
login page for the docs. Swagger UI's own files stay public: they are Ninja's, not Coso's.

Ninja ships Swagger UI's files, but uses them only with "ninja" in INSTALLED_APPS, which would
also make `collectstatic` copy and compress 8 MB (ReDoc, source maps) on every `coso serve`.
Instead the few files the page needs are answered by `asset` straight from the package: the
page works with no internet, and the files always match the installed Ninja.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from ninja.openapi.docs import DocsBase, _csrf_needed

from coso.api.auth import SessionAuth, TokenAuth
from coso.api.errors import CODES_BY_STATUS, MESSAGES_BY_STATUS, ApiError, error_body

if TYPE_CHECKING:
    from ninja import NinjaAPI

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


class LocalSwagger(DocsBase):
    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "swagger_settings": json.dumps(config, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, "api/docs.html", context)


def asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        return JsonResponse(error_body("not_found", MESSAGES_BY_STATUS[404]), status=404)
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer `view` to a caller with a valid token or a logged-in (and verified) session."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = TokenAuth()(request) or SessionAuth()(request)
        except ApiError as exc:  # a second factor still due
            return JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status)
        if user:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            body = error_body(CODES_BY_STATUS[401], MESSAGES_BY_STATUS[401])
            return JsonResponse(body, status=401)
        return redirect_to_login(request.get_full_path())

    return guarded
