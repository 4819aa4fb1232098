"""/api/v1/: the NinjaAPI's routes, a JSON root, and a JSON 404 for anything else under it."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path, reverse

from coso.api.api import api
from coso.api.docs import asset
from coso.api.errors import MESSAGES_BY_STATUS, error_body

app_name = "api"


def root(request: HttpRequest) -> JsonResponse:
    """Where to read about the API (Ninja's own root only raises a 404)."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": reverse("api:openapi-json"),
            "docs": reverse("api:openapi-view"),
        }
    )


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body("not_found", MESSAGES_BY_STATUS[404]), status=404)


# Ninja reverses "api-root" to find the prefix of every path in the schema: keep the name.
urlpatterns = [
    *(p for p in api.urls[0] if getattr(p, "name", None) != "api-root"),
    path("", root, name="api-root"),
    path("docs/assets/<str:name>", asset, name="docs-asset"),
    re_path(r"^(?P<rest>.*)$", not_found, name="not_found"),
]
