"""On PostgreSQL the index by home, status and name also holds each member's sort key, member id
and id (INCLUDE), so that a subtree's search reads its matches' places in display order from the
index alone and sorts them for a page, instead of looking up each match's row again (6,745
"nguyen van an" in a province: 58 ms). SQLite has no INCLUDE (its index entries hold the rowid)
and keeps its index as it is; the model's definition changes on both."""

from django.db import migrations, models

COLUMNS = '"home_unit_id", "status", "search_name"'


def _rebuild(schema_editor, include: str) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "member_home_status_name"')
    schema_editor.execute(
        f'CREATE INDEX "member_home_status_name" ON "members_member" ({COLUMNS}){include}'
    )


def include_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    _rebuild(schema_editor, ' INCLUDE ("sort_key", "member_id", "id")')


def exclude_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    _rebuild(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_vacuum_for_index_only_scans"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="member", name="member_home_status_name"),
                migrations.AddIndex(
                    model_name="member",
                    index=models.Index(
                        fields=["home_unit", "status", "search_name"],
                        include=["sort_key", "member_id", "id"],
                        name="member_home_status_name",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(include_keys, exclude_keys, elidable=False)],
        ),
    ]
