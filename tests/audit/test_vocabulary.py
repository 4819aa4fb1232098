"""One name per act: the page, the API and the command line write the same action, and the
entry says which front end (channel) it came through."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from coso.audit.actions import ACTION_GROUPS, AuditAction, action_label
from coso.audit.log import Actor, Channel, channel_of, record_write
from coso.audit.models import AuditEntry
from coso.units.models import UnitSpan
from tests.cast import Cast


def _plan(name: str) -> str:
    return f"op,unit,into,name\nrename,B,,{name}\n"


def test_a_plan_has_one_name_on_the_page_the_api_and_the_command_line(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    web = cast.client("officer")
    url = reverse("web:reorg_plan")
    upload = SimpleUploadedFile("web.csv", _plan("Tên trang").encode(), "text/csv")
    preview = web.post(url, {"file": upload, "on": "01/07/2025", "decision_number": "1-QĐ/TU"})
    assert preview.status_code == 200
    token = preview.context["confirm"].initial["token"]
    applied = web.post(url, {"token": token, "on": "01/07/2025", "decision_number": "1-QĐ/TU"})
    assert applied.status_code == 302

    api = Client().post(
        "/api/v1/reorg/plans",
        {
            "file": SimpleUploadedFile("api.csv", _plan("Tên API").encode(), "text/csv"),
            "on": "2025-07-02",
            "decision": "2-QĐ/TU",
            "dry_run": "false",
        },
        headers={"Authorization": f"Bearer {cast.token('officer')}"},
    )
    assert api.status_code == 200, api.content

    cli = tmp_path / "cli.csv"
    cli.write_text(_plan("Tên dòng lệnh"), encoding="utf-8")
    call_command("reorg_apply", str(cli), "--on", "2025-07-03", "--decision", "3-QĐ/TU", "-v", "0")

    assert UnitSpan.objects.get(unit=cast.B, valid_to__year=9999).name == "Tên dòng lệnh"
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.channel, e.target_id) for e in entries] == [
        ("reorg_plan", "web", "web.csv"),
        ("reorg_plan", "api", "api.csv"),
        ("reorg_plan", "cli", "cli.csv"),
    ]
    assert [e.username for e in entries[:2]] == ["cast.officer", "cast.officer"]
    assert entries[2].username.startswith("cli:") and entries[2].user is None
    # Page and API file the entry under the officer's unit, the command line under the unit
    # the plan names: officers over B read all three.
    assert [e.unit for e in entries] == [cast.P, cast.P, cast.B]
    assert all(e.after["units"] == ["B"] and e.after["summary"] for e in entries)


def test_a_dry_run_or_refused_plan_writes_no_entry(cast: Cast, tmp_path: Path) -> None:
    plan = tmp_path / "p.csv"
    plan.write_text(_plan("Thử"), encoding="utf-8")
    call_command("reorg_apply", str(plan), "--on", "2025-07-03", "--decision", "1", "--dry-run")
    plan.write_text("op,unit,into,name\nrename,NOPE,,X\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("reorg_apply", str(plan), "--on", "2025-07-03", "--decision", "1")
    assert not AuditEntry.objects.exists()


def test_the_operation_catalogue_slugs_are_audit_actions() -> None:
    from coso.authority.catalogue import ACTS

    assert set(ACTS) <= set(AuditAction.values)


def test_every_action_is_listed_once_in_the_filter_groups() -> None:
    listed = [a for _heading, actions in ACTION_GROUPS for a in actions]
    assert sorted(listed) == sorted(AuditAction)
    assert action_label("reorg_plan") == "Áp dụng phương án sắp xếp tổ chức"
    assert action_label("an.old.name") == "an.old.name"


def test_channel_comes_from_the_path_or_is_given(cast: Cast) -> None:
    factory = RequestFactory()
    assert channel_of(factory.get("/api/v1/members")) == Channel.API
    assert channel_of(factory.get("/admin/members/member/1/change/")) == Channel.ADMIN
    assert channel_of(factory.get("/members/CAST-B1/")) == Channel.WEB
    request = factory.post("/api/v1/members", REMOTE_ADDR="10.0.0.7")
    request.user = cast.officer
    entry = record_write(request, AuditAction.ADMIT, cast.members["b1"])
    assert (entry.channel, entry.ip, entry.username) == ("api", "10.0.0.7", "cast.officer")
    entry = record_write(Actor.cli(), AuditAction.IMPORT_UNITS, "file:u.csv")
    assert entry.channel == "cli" and entry.username.startswith("cli:")
    assert (entry.target_type, entry.target_id, entry.unit) == ("file", "u.csv", None)


def test_a_plain_string_is_not_an_action(cast: Cast) -> None:
    with pytest.raises(ValueError):
        record_write(cast.officer, "api.reorg.apply", "file:x")  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()


def test_old_names_map_to_the_one_vocabulary() -> None:
    migration = importlib.import_module("coso.audit.migrations.0002_channel")
    cases = {
        ("api.reorg.apply", "cast.officer"): ("reorg_plan", "api"),
        ("reorg_apply", "cli:root"): ("reorg_plan", "cli"),
        ("reorg_plan", "cast.officer"): ("reorg_plan", "web"),
        ("api.member.strike-off", "x"): ("strike_off", "api"),
        ("api.member.not-recognize", "x"): ("reject_recognition", "api"),
        ("api.meeting.check_in", "x"): ("meeting_check_in", "api"),
        ("units_import", "cli:root"): ("import_units", "cli"),
        ("role.change", "cast.admin"): ("role_change", "admin"),
        ("apitoken.revoke", "cast.admin"): ("token_revoke", "admin"),
    }
    for (old, user), expected in cases.items():
        assert migration.one_name(old, user) == expected, old
    for new, _channel in cases.values():
        assert new in AuditAction.values
