"""Issue 13, point 9 on the demo: the unit figures page shows exactly `coso stats CODE --as-of D
--json` — Hoàn Lão the day before and the day of the 2025 reform (counted from the spans,
then summed from SubtreeDelta), a district (SubtreeDelta) and the root (DailyDelta) — and what
the page costs there (57 to 59 queries for two dates and twelve chart points)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.accounts.models import Role, RoleKind
from coso.demo.quangbinh import HOAN_LAO, PROVINCE
from coso.units.models import UnitSpan
from tests.web.test_unit_stats import cli_json, flatten, nonzero, page_figures


def check_the_demo_figures_page_equals_coso_stats() -> None:
    """Called by tests/demo/test_load_demo.py on the demo it loaded: one load of the demo (50 s
    on SQLite, more on PostgreSQL) serves both."""
    root = UnitSpan.objects.get(parent__isnull=True, valid_to__gt="2025-07-01").unit.code
    admin = get_user_model().objects.create_user("figures.admin", "f@demo.test", None)
    Role.objects.create(user=admin, kind=RoleKind.ADMIN)
    client = Client()
    client.force_login(admin)
    assert root == PROVINCE  # the demo's root: Quảng Bình, Quảng Trị from the reform
    cases = [
        # Thị trấn Hoàn Lão under its district (counted from the spans), then Xã Hoàn Lão right
        # below the province (summed from SubtreeDelta) after the reform.
        (HOAN_LAO, "30/06/2025", "01/07/2025"),
        ("455", "31/12/2024", "30/06/2025"),  # Bố Trạch district, right below the root
        (PROVINCE, "30/06/2025", "01/07/2025"),  # the only root: DailyDelta
    ]
    for code, first_day, second_day in cases:
        url = reverse("web:unit_stats", args=[code])
        query = {"as_of": first_day, "compare": second_day}
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url, query)
        assert page.status_code == 200, code
        first, second = page_figures(page.content.decode())
        iso = ["-".join(reversed(d.split("/"))) for d in (first_day, second_day)]
        assert nonzero(first) == nonzero(flatten(cli_json(code, iso[0]))), code
        assert nonzero(second) == nonzero(flatten(cli_json(code, iso[1]))), code
        # Twelve chart points and two dates of figures, whatever the size of the subtree.
        assert len(captured) <= 70, (code, len(captured))
    hl = page_figures(
        client.get(
            reverse("web:unit_stats", args=[HOAN_LAO]), {"as_of": "31/12/2024"}
        ).content.decode()
    )[0]
    assert hl["members.total"] == 1184 and hl["units.branch"] == 30  # the seed article
