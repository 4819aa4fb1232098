"""/api/v1/: the NinjaAPI's routes, then a JSON 404 for anything else under the prefix."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import re_path

from coso.api.api import api
from coso.api.errors import MESSAGES_BY_STATUS, error_body

app_name = "api"


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body("not_found", MESSAGES_BY_STATUS[404]), status=404)


urlpatterns = [*api.urls[0], re_path(r"^(?P<rest>.*)$", not_found, name="not_found")]
