"""One open holder of a single-holder post (secretary, group leader) per unit (issue 13).

Merges before this change carried the absorbed unit's secretary to the absorbing unit as a
second secretary. Such pairs are repaired first as a merge now does by default
(coso.units.posts.default_fate): the holder who came later (the carried post: the later start,
then the higher id) keeps the post as the deputy (Phó Bí thư, Tổ phó), or, when that person
already holds the deputy post there, the carried row ends on its own first day + 1.
"""

import datetime

from django.db import migrations, models
from django.db.models import Count

FAR_FUTURE = datetime.date(9999, 12, 31)
DEPUTY_OF = {"secretary": "deputy_secretary", "group_leader": "deputy_group_leader"}


def repair_duplicates(apps, schema_editor):  # type: ignore[no-untyped-def]
    Position = apps.get_model("members", "Position")
    doubled = (
        Position.objects.filter(role__in=list(DEPUTY_OF), valid_to=FAR_FUTURE)
        .values("unit_id", "role")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for row in doubled:
        holders = list(
            Position.objects.filter(
                unit_id=row["unit_id"], role=row["role"], valid_to=FAR_FUTURE
            ).order_by("valid_from", "id")
        )
        for later in holders[1:]:
            deputy = DEPUTY_OF[row["role"]]
            if Position.objects.filter(
                unit_id=later.unit_id, member_id=later.member_id, role=deputy, valid_to=FAR_FUTURE
            ).exists():
                later.valid_to = later.valid_from + datetime.timedelta(days=1)
            else:
                later.role = deputy
            later.save(update_fields=["role", "valid_to"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_scheduled_jobs"),
        ("members", "0005_name_order_index"),
        ("units", "0002_index_validity_for_root_figures"),
    ]

    operations = [
        migrations.RunPython(repair_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="position",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("role__in", ["secretary", "group_leader"]),
                    ("valid_to", datetime.date(9999, 12, 31)),
                ),
                fields=("unit", "role"),
                name="position_one_open_single_holder",
            ),
        ),
    ]
