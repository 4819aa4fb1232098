"""The coverage tally per unit: the root's tally is emptied (not built: figures are counted live
until the nightly households job, or a loader, builds them again), the member runs get their unit."""

import django.db.models.deletion
from django.db import migrations, models


def unbuild(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("outreach", "CoverageStamp").objects.all().delete()
    apps.get_model("outreach", "CoverageDelta").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_merge_20261205_1907"),
        ("units", "0004_merge_0003_admin_in_vietnamese_0003_unit_search_keys"),
        ("outreach", "0003_coverage_tally"),
    ]

    operations = [
        migrations.RunPython(unbuild, migrations.RunPython.noop),
        migrations.DeleteModel(name="ResponsibleRun"),
        migrations.CreateModel(
            name="ResponsibleRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                ("valid_to", models.DateField()),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="units.unit")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["member"], name="responsible_run_member"),
                    models.Index(fields=["valid_from"], name="responsible_run_from"),
                    models.Index(fields=["valid_to"], name="responsible_run_to"),
                ],
            },
        ),
        migrations.CreateModel(
            name="CrossResponsibility",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                ("valid_to", models.DateField()),
                ("household", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="outreach.household")),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member")),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="units.unit")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["member"], name="cross_responsibility_member"),
                    models.Index(fields=["unit", "valid_from"], name="cross_responsibility_unit"),
                ],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("valid_to__gt", models.F("valid_from"))), name="cross_responsibility_period")
                ],
            },
        ),
        migrations.CreateModel(
            name="UnitCoverageDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("metric", models.CharField(choices=[("households", "households on the register"), ("covered", "households on the register with somebody responsible"), ("visited", "households on the register visited since the quarter began"), ("members", "members in the party responsible for a household")], max_length=16)),
                ("day", models.DateField()),
                ("delta", models.IntegerField(default=0)),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="units.unit")),
            ],
            options={
                "indexes": [models.Index(fields=["unit", "day", "metric", "delta"], name="unit_coverage_sum")],
                "constraints": [models.UniqueConstraint(fields=("unit", "day", "metric"), name="unit_coverage_delta_once")],
            },
        ),
    ]
