"""What every page's layout needs: the navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from coso.authority.scope import scope_of
from coso.web.views_audit import may_view_audit


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_manager": False,
            "nav_own_member": None,
            "nav_audit": False,
            "nav_schedule": False,
        }
    scope = scope_of(user)
    return {
        "nav_manager": scope.manages_units,
        "nav_own_member": scope.own_member,
        "nav_roles": scope.role_kinds,
        "nav_audit": may_view_audit(scope),
        "nav_schedule": scope.is_admin,
    }
