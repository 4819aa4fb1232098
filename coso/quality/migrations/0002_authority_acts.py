"""Add the classification acts to the `authority` rule sets already in the database.

`coso init` installs the shipped rule versions that are missing but never changes one that
exists, so a database initialised before this app would lack the acts `classify_unit` and
`classify_member`, and the catalogue would then let anyone who manages activities record a
rating directly. This adds them to every existing version that lacks them (nothing else in a
version is touched; an administrator's own entry for these acts is kept).
"""

from typing import Any

from django.db import migrations

ACTS = {
    "classify_unit": {"proposer": "unit", "decider": "parent"},
    "classify_member": {
        "proposer": "branch",
        "decider": {"at_or_above": ["grassroots_branch", "grassroots_committee", "commune"]},
    },
}


def add_acts(apps: Any, schema_editor: Any) -> None:
    RuleSet = apps.get_model("core", "RuleSet")
    for version in RuleSet.objects.filter(code="authority"):
        acts = dict(version.values.get("acts", {}))
        missing = {k: v for k, v in ACTS.items() if k not in acts}
        if missing:
            version.values = {**version.values, "acts": {**acts, **missing}}
            version.save(update_fields=["values"])


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial"), ("core", "__first__")]

    operations = [migrations.RunPython(add_acts, migrations.RunPython.noop)]
