"""Routes of the meetings reports pages (see coso/meetings/urls.py)."""

from typing import Any

urlpatterns: list[Any] = []
