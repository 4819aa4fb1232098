"""Vietnamese first: the browser's Accept-Language does not switch the interface to English.

Django's LocaleMiddleware would follow an English browser; Coso speaks Vietnamese until the user
picks English with the language switch (stored in the language cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
