from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    """Recount the tallies, now with the member total of the units below the provinces (derived
    data, as a load would)."""
    from coso.stats.tally import rebuild_subtrees

    rebuild_subtrees()
    # Three times the rows at national size: plan the reads on the new counts.
    with schema_editor.connection.cursor() as cur:
        cur.execute("ANALYZE stats_subtreedelta")


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0006_daily_delta_by_day"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
