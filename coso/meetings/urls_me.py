"""Routes of the meetings me pages (see coso/meetings/urls.py)."""

from typing import Any

urlpatterns: list[Any] = []
