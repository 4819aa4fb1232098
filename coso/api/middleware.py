"""A wrong method on a known API path is answered by Ninja before any handler of ours runs, as a
plain-text 405. Rewrite it into the API's JSON error shape so every API error reads the same."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from coso.api.errors import error_body


class ApiMethodNotAllowedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            json = JsonResponse(
                error_body(
                    "method_not_allowed",
                    f"Phương thức {request.method} không dùng được ở địa chỉ này"
                    + (f" (được phép: {allowed})." if allowed else "."),
                    {"allowed": [m.strip() for m in allowed.split(",") if m.strip()]},
                ),
                status=405,
            )
            if allowed:
                json["Allow"] = allowed
            return json
        return response
