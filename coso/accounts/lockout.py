"""Login lockout by account and address, and by address across accounts (django-axes).

Axes compares every lockout parameter to one failure limit, and a success resets the failures
of every parameter. Either alone would defeat the address lockout: one limit for both means a
shared office address locks everyone at the per-account limit, and a reset per address lets an
attacker with one valid account clear the count by logging in between guesses. So each
parameter has its own limit, and a success clears only that account's failures at that address.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def _sum(attempts: Any) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class AccountAndAddressHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """AXES_LOCKOUT_PARAMETERS is `[["username", "ip_address"], "ip_address"]`: the first is
    held to AXES_FAILURE_LIMIT, the second to COSO_LOGIN_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_account, per_address = (_sum(a) for a in self.get_user_attempts(request, credentials))
        # Axes locks when the count reaches AXES_FAILURE_LIMIT: shift the address count so that
        # it reaches it exactly when the address reaches its own limit.
        shift = settings.COSO_LOGIN_ADDRESS_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT
        return max(per_account, per_address - shift)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_account.delete()
        return int(count)
