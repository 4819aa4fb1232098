"""The Django admin is a front end like the others: its sensitive reads and password setting
are in the audit trail, once each, with the channel admin."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.members.models import MemberEvent, MemberEventKind
from coso.members.operations import exempt_member
from tests.cast import Cast


def test_a_member_record_read_in_the_admin_is_logged_once(cast: Cast) -> None:
    client = cast.client("admin")
    member = cast.members["b1"]
    listing = client.get(reverse("admin:members_member_changelist"))
    assert listing.status_code == 200 and "044090000001" not in listing.content.decode()
    assert not AuditEntry.objects.exists()  # the list shows no sensitive field

    page = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert page.status_code == 200 and "044090000001" in page.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.channel, entry.target_id) == ("view_sensitive", "admin", "CAST-B1")
    assert entry.user == cast.admin and entry.unit == cast.B
    assert entry.after == {"fields": ["national_id", "ethnicity", "religion"]}

    client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert AuditEntry.objects.filter(action="view_sensitive").count() == 2  # one per read


def test_an_exemption_event_shows_health_and_is_logged(cast: Cast) -> None:
    member = cast.members["b2x"]
    exempt_member(member, on=dt.date(2024, 5, 1), reason="illness", illness_months=6)
    client = cast.client("admin")
    admission = MemberEvent.objects.filter(member=member).exclude(kind=MemberEventKind.EXEMPT)
    client.get(reverse("admin:members_memberevent_change", args=[admission.first().pk]))
    assert not AuditEntry.objects.exists()
    event = MemberEvent.objects.get(member=member, kind=MemberEventKind.EXEMPT)
    page = client.get(reverse("admin:members_memberevent_change", args=[event.pk]))
    assert page.status_code == 200 and "illness_months" in page.content.decode()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.channel, entry.target_id) == ("view_sensitive", "admin", "CAST-B2X")
    assert entry.after == {"fields": ["health"]}


def test_the_admin_setting_a_password_is_logged(cast: Cast) -> None:
    client = cast.client("admin")
    url = reverse("admin:auth_user_password_change", args=[cast.secretary.pk])
    assert client.get(url).status_code == 200
    refused = client.post(
        url, {"password1": "Một-mật-khẩu-2026", "password2": "khác", "usable_password": "true"}
    )
    assert refused.status_code == 200 and not AuditEntry.objects.exists()

    done = client.post(
        url,
        {
            "password1": "Một-mật-khẩu-2026",
            "password2": "Một-mật-khẩu-2026",
            "usable_password": "true",
        },
    )
    assert done.status_code == 302
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.channel, entry.user) == ("password_set", "admin", cast.admin)
    assert (entry.target_type, entry.target_id) == ("auth.user", str(cast.secretary.pk))
    assert entry.after is None and entry.before is None  # no password material is kept
    cast.secretary.refresh_from_db()
    assert cast.secretary.check_password("Một-mật-khẩu-2026")
