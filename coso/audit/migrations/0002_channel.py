"""Entries gain the front end they came through; names written before the one vocabulary
(`api.member.strike-off`, `reorg_apply`, `role.change`, ...) become the one name of their act,
and their channel is read from the old name (or the `cli:` user name)."""

from typing import Any

from django.db import migrations, models

# Old name -> (one name, channel). Names not listed were already the one name (web pages).
_API_MEMBER_OPS = {
    "not-recognize": "reject_recognition",
    "temporary-transfer": "temporary_start",
    "temporary-return": "temporary_end",
}
_RENAMED = {
    "api.reorg.apply": ("reorg_plan", "api"),
    "reorg_apply": ("reorg_plan", "cli"),
    "api.import.units": ("import_units", "api"),
    "api.import.members": ("import_members", "api"),
    "units_import": ("import_units", "cli"),
    "members_import": ("import_members", "cli"),
    "account.totp_enrol": ("totp_enrol", "web"),
    "apitoken.revoke": ("token_revoke", "admin"),
    "apitoken.change": ("token_change", "admin"),
    "apitoken.delete": ("token_delete", "admin"),
    "sitesettings.change": ("settings_change", "admin"),
    "sitesettings.add": ("settings_change", "admin"),
}
for _model in ("role", "account"):
    for _verb in ("add", "change", "delete"):
        _RENAMED[f"{_model}.{_verb}"] = (f"{_model}_{_verb}", "admin")


def one_name(action: str, username: str) -> tuple[str, str]:
    channel = "cli" if username.startswith("cli:") else "web"
    if action in _RENAMED:
        return _RENAMED[action]
    if action.startswith("api.member."):
        op = action.removeprefix("api.member.")
        return _API_MEMBER_OPS.get(op, op.replace("-", "_")), "api"
    if action.startswith("api.meeting."):
        return "meeting_" + action.removeprefix("api.meeting."), "api"
    if action.startswith("api."):
        return action, "api"
    return action, channel


def forwards(apps: Any, schema_editor: Any) -> None:
    # The historical model has a plain manager: this one rewrite is allowed, nothing after it.
    # One UPDATE per distinct old name (and cli/other), not one per entry.
    entries = apps.get_model("audit", "AuditEntry").objects
    for action in list(entries.values_list("action", flat=True).distinct()):
        for cli in (True, False):
            name, channel = one_name(action, "cli:" if cli else "")
            if (name, channel) != (action, "web"):
                rows = entries.filter(action=action)
                rows = rows.filter(username__startswith="cli:") if cli else rows.exclude(
                    username__startswith="cli:"
                )
                rows.update(action=name, channel=channel)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_entry"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="channel",
            field=models.CharField(
                choices=[
                    ("web", "Trang web"),
                    ("api", "API"),
                    ("cli", "Dòng lệnh"),
                    ("admin", "Trang quản trị"),
                ],
                default="web",
                max_length=10,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
