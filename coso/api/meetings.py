"""API of branch activities: meetings, attendance, check-in, resolutions (same scopes as pages)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["meetings"])
