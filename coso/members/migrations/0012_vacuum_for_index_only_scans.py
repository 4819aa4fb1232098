"""On PostgreSQL only: autovacuum visits the member table and the index by word after 1 % of
their rows have changed or been added, not PostgreSQL's default 20 %.

The name search reads them by index alone (index-only scans of member_home_status_name,
member_name_order and nameword_order, coso.members.queries.MemberList); PostgreSQL skips a
member row only on a page the visibility map marks all-visible, which a vacuum does. At 20 %
the national member table (6.8 million rows) waits for 1.4 million changes: after the bench's
rolled-back imports (280,001 dead rows) a province's "hung" read 63,881 member rows through the
"index-only" scan, and its page took 185-195 ms; 145-155 ms after a VACUUM. At 1 % autovacuum
comes after 68,000 changes. Nothing changes on SQLite; the reverse restores the defaults.
"""

from django.db import migrations

TABLES = ("members_member", "members_nameword")
SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0.01",
    "autovacuum_vacuum_insert_scale_factor = 0.01",
    "autovacuum_analyze_scale_factor = 0.01",
)


def vacuum_sooner(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" SET ({", ".join(SETTINGS)})')


def vacuum_as_default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    names = ", ".join(setting.split(" = ")[0] for setting in SETTINGS)
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" RESET ({names})')


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_search_word_counts"),
    ]

    operations = [
        migrations.RunPython(vacuum_sooner, vacuum_as_default, elidable=False),
    ]
