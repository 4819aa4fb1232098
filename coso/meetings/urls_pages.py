"""Routes of the meetings pages pages (see coso/meetings/urls.py)."""

from typing import Any

urlpatterns: list[Any] = []
