"""The interactive docs page, with Swagger UI served from the installed Ninja package.

Ninja ships Swagger UI's files, but uses them only with "ninja" in INSTALLED_APPS, which would
also make `collectstatic` copy and compress 8 MB (ReDoc, source maps) on every `coso serve`.
Instead the few files the page needs are answered by `asset` straight from the package: the
page works with no internet, and the files always match the installed Ninja.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from ninja.openapi.docs import DocsBase, _csrf_needed

from coso.api.errors import MESSAGES_BY_STATUS, error_body

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
