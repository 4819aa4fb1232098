"""A member's page: profile, timeline, and sensitive fields only for those allowed (and logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.core.models import get_decision
from coso.members.operations import assign_position, recognize_member


def test_member_page_shows_profile_and_timeline(cast: Any) -> None:
    member = cast.members["b1"]
    recognize_member(
        member,
        decided_on=dt.date(2022, 3, 4),
        decision=get_decision("77-QĐ/ĐU", dt.date(2022, 3, 4)),
    )
    assign_position(member, cast.B, "secretary", on=dt.date(2023, 1, 2))
    body = cast.client("committee").get(reverse("web:member", args=["CAST-B1"])).content.decode()
    assert "Phạm Đình Dũng" in body
    assert "12/04/1990" in body  # birth date, dd/mm/yyyy
    assert "Kết nạp" in body and "01/03/2021" in body
    assert "Công nhận chính thức" in body and "77-QĐ/ĐU" in body
    assert "Bí thư" in body and "02/01/2023" in body
    assert 'id="party-age"' in body


def test_sensitive_fields_only_with_the_right_and_every_view_logged(cast: Any) -> None:
    url = reverse("web:member", args=["CAST-B1"])
    views = AuditEntry.objects.filter(action="view_sensitive", target_id="CAST-B1")
    # A committee member reads the record but not the protected fields.
    body = cast.client("committee").get(url).content.decode()
    assert "044090000001" not in body and 'id="sensitive"' not in body
    assert not views.exists()
    # The member sees their own record, without the protected block either.
    body = cast.client("member").get(url).content.decode()
    assert "Phạm Đình Dũng" in body and "044090000001" not in body
    # The branch secretary may: shown, and the view is in the audit trail.
    for who in ("secretary", "officer"):
        body = cast.client(who).get(url).content.decode()
        assert "044090000001" in body
    assert sorted(views.values_list("username", flat=True)) == ["cast.officer", "cast.secretary"]
