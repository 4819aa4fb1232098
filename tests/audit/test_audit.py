"""The audit trail: entries carry who/where/what, cannot be changed, are read by scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory, override_settings

from coso.audit.log import AuditAction, Channel, client_ip, record_sensitive_view, record_write
from coso.audit.models import AuditEntry, AuditImmutable
from coso.authority.scope import audit_entries_for, forget_scope
from tests.cast import Cast


def request_from(user, addr: str = "10.1.2.3", forwarded: str = ""):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": addr}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().post("/x", **extra)
    request.user = user
    return request


def test_write_entry_has_user_ip_before_after(cast: Cast) -> None:
    member = cast.members["b1"]
    entry = record_write(
        request_from(cast.secretary),
        AuditAction.RECOGNIZE,
        member,
        before={"status": "probationary", "on": dt.date(2022, 3, 1)},
        after={"status": "official", "unit": cast.B},
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.user == cast.secretary
    assert entry.username == "cast.secretary"
    assert entry.ip == "10.1.2.3"
    assert (entry.target_type, entry.target_id) == ("members.member", "CAST-B1")
    assert entry.unit == cast.B  # the member's home unit by default
    assert entry.before == {"status": "probationary", "on": "2022-03-01"}
    assert entry.after == {"status": "official", "unit": "B"}
    assert entry.at is not None


def test_write_from_a_user_without_request_and_string_target(cast: Cast) -> None:
    entry = record_write(
        cast.officer, AuditAction.REORG_PLAN, "plan:abc-123", None, {"n": 3}, unit=cast.P
    )
    assert (entry.ip, entry.username, entry.target_type, entry.target_id) == (
        None,
        "cast.officer",
        "plan",
        "abc-123",
    )
    anonymous = record_write(None, AuditAction.IMPORT_UNITS, cast.C, None, None)
    assert anonymous.user is None and anonymous.username == "" and anonymous.unit == cast.C


def test_sensitive_view_is_logged(cast: Cast) -> None:
    entry = record_sensitive_view(request_from(cast.officer), cast.members["q"])
    assert entry.action == "view_sensitive"
    assert entry.target_id == "CAST-Q"
    assert entry.unit == cast.units["QB"]
    assert "national_id" in entry.after["fields"]


def test_entries_cannot_be_changed_or_deleted(cast: Cast) -> None:
    entry = record_write(cast.officer, AuditAction.RENAME, cast.C, {"name": "a"}, {"name": "b"})
    entry.action = "forged"
    with pytest.raises(AuditImmutable):
        entry.save()
    with pytest.raises(AuditImmutable):
        entry.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "rename"


def test_admin_is_read_only(cast: Cast) -> None:
    model_admin = site._registry[AuditEntry]
    request = request_from(cast.admin)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_audit_read_by_scope(cast: Cast) -> None:
    in_b = record_write(cast.secretary, AuditAction.ADMIT, cast.members["b2"], None, {})
    in_c2 = record_write(cast.officer, AuditAction.RENAME, cast.units["C2"], None, {})
    in_q = record_write(cast.outsider, AuditAction.ADMIT, cast.members["q"], None, {})
    nowhere = record_write(cast.admin, AuditAction.SETTINGS_CHANGE, "site:1", None, {})
    assert set(audit_entries_for(cast.officer)) == {in_b, in_c2}
    assert set(audit_entries_for(cast.outsider)) == {in_q}
    assert set(audit_entries_for(cast.admin)) == {in_b, in_c2, in_q, nowhere}
    for name in ("committee", "secretary", "member", "anonymous"):
        assert not audit_entries_for(cast.user(name)).exists(), name


def test_audit_scope_follows_a_move(cast: Cast) -> None:
    from coso.core.dates import today
    from coso.units.operations import move_unit

    entry = record_write(cast.officer, AuditAction.ADMIT, cast.members["c2"], None, {})
    move_unit(cast.units["C2"], parent=cast.Q, on=today() - dt.timedelta(days=2))
    forget_scope(cast.officer)
    forget_scope(cast.outsider)
    assert entry not in audit_entries_for(cast.officer)
    assert entry in audit_entries_for(cast.outsider)


def test_client_ip_ignores_forwarded_header_unless_behind_a_proxy(cast: Cast) -> None:
    request = request_from(None, addr="127.0.0.1", forwarded="203.0.113.9, 198.51.100.1")
    assert client_ip(request) == "127.0.0.1"
    with override_settings(COSO_TRUSTED_PROXIES=1):
        assert client_ip(request) == "198.51.100.1"
    with override_settings(COSO_TRUSTED_PROXIES=2):
        assert client_ip(request) == "203.0.113.9"
    assert client_ip(request_from(None, addr="not-an-ip")) is None


def test_logins_are_not_audit_entries_but_axes_logs(cast: Cast) -> None:
    """Login history lives in django-axes's logs; the audit trail stays for writes and views."""
    from axes.models import AccessFailureLog
    from django.test import Client
    from django.urls import reverse

    Client().post(
        reverse("login"), {"username": "cast.member", "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
    )
    cast.client("member")
    assert not AuditEntry.objects.exists()
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address) == ("cast.member", "10.9.9.9")


def test_admin_changes_to_roles_are_logged(cast: Cast) -> None:
    from django.urls import reverse

    from coso.accounts.models import Role, SiteSettings

    client = cast.client("admin")
    role = Role.objects.get(user=cast.committee)
    response = client.post(
        reverse("admin:accounts_role_change", args=[role.pk]),
        {"user": cast.committee.pk, "kind": "org_officer", "unit": cast.C.pk},
    )
    assert response.status_code == 302, response.content[:500]
    entry = AuditEntry.objects.get(action="role_change", channel=Channel.ADMIN)
    assert entry.before["kind"] == "committee_member" and entry.after["kind"] == "org_officer"
    assert entry.user == cast.admin
    SiteSettings.current()
    response = client.post(
        reverse("admin:accounts_sitesettings_change", args=[1]),
        {"totp_required_for_officers": "on"},
    )
    assert response.status_code == 302
    assert SiteSettings.current().totp_required_for_officers
    assert AuditEntry.objects.filter(action="settings_change").exists()
