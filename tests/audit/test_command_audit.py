import datetime as dt

import pytest
from django.core.management import call_command

from coso.audit.models import AuditEntry
from coso.units.models import Unit
from coso.units.operations import create_unit


def test_imports_and_plans_from_the_command_line_are_in_the_audit_trail(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,kind,parent,valid_from,category\nP9,Tỉnh thử,province,,2000-01-01,\n",
        encoding="utf-8",
    )
    call_command("units_import", str(units), "--no-progress")
    plan = tmp_path / "plan.csv"
    plan.write_text("op,unit,into,name,kind,category\nrename,P9,,Tỉnh mới,,\n", encoding="utf-8")
    call_command("reorg_apply", str(plan), "--on", "2020-01-01", "--decision", "1/QĐ", "--dry-run")
    call_command("reorg_apply", str(plan), "--on", "2020-01-01", "--decision", "1/QĐ")

    entries = list(
        AuditEntry.objects.order_by("id").values_list("action", "channel", "username", "target_id")
    )
    # The dry run wrote nothing, so it is not in the trail.
    assert [(a, c, t) for a, c, _u, t in entries] == [
        ("import_units", "cli", "units.csv"),
        ("reorg_plan", "cli", "plan.csv"),
    ]
    assert all(user.startswith("cli:") for _a, _c, user, _t in entries)
    # Filed under the unit the plan names, so the officers of that subtree read it too.
    assert AuditEntry.objects.get(action="reorg_plan").unit == Unit.objects.get(code="P9")


def test_a_refused_import_leaves_no_audit_entry(tmp_path):
    create_unit(code="P1", name="Tỉnh", kind="province", parent=None, on=dt.date(2000, 1, 1))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,kind,parent,valid_from,category\nP1,Trùng mã,province,,2000-01-01,\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit):
        call_command("units_import", str(bad), "--no-progress")
    assert not AuditEntry.objects.exists()
    assert Unit.objects.count() == 1


def test_token_commands_are_in_the_audit_trail(cast):
    call_command("token_create", "cast.officer", "--name", "máy chủ")
    call_command("token_revoke", "cast.officer", "--name", "máy chủ")
    call_command("token_revoke", "cast.officer", "--name", "máy chủ")  # nothing left: no entry
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.channel, e.target_id) for e in entries] == [
        ("token_create", "cli", str(cast.officer.pk)),
        ("token_revoke", "cli", str(cast.officer.pk)),
    ]
    assert entries[1].after == {"name": "máy chủ", "revoked": 1}
