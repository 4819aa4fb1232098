"""Add the discipline acts to the `authority` rule sets already in the database.

`coso init` installs the shipped rule versions that are missing but never changes one that
exists, so a database initialised before this app would lack the acts `expulsion`,
`unit_reprimand`, `unit_warning` and `unit_dissolution` (and, if older still, `reprimand`,
`warning`, `removal_from_post`); the discipline decisions would then be refused for want of a
deciding body. This adds them to every existing version that lacks them (nothing else in a
version is touched; an administrator's own entry for these acts is kept). Members' acts decided
above the branch take the version's own committee list (that of its `expel` entry).
"""

from typing import Any

from django.db import migrations

BRANCH = {"proposer": "branch", "decider": "self"}
PARENT = {"proposer": "unit", "decider": "parent"}


def add_acts(apps: Any, schema_editor: Any) -> None:
    RuleSet = apps.get_model("core", "RuleSet")
    for version in RuleSet.objects.filter(code="authority"):
        acts = dict(version.values.get("acts", {}))
        above = acts.get("expel") or acts.get("strike_off") or {"decider": ["district"]}
        wanted = {
            "reprimand": BRANCH,
            "warning": BRANCH,
            "removal_from_post": {"proposer": "branch", "decider": above["decider"]},
            "expulsion": {"proposer": "branch", "decider": above["decider"]},
            "unit_reprimand": PARENT,
            "unit_warning": PARENT,
            "unit_dissolution": PARENT,
        }
        missing = {k: v for k, v in wanted.items() if k not in acts}
        if missing:
            version.values = {**version.values, "acts": {**acts, **missing}}
            version.save(update_fields=["values"])


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial"), ("core", "__first__")]

    operations = [migrations.RunPython(add_acts, migrations.RunPython.noop)]
