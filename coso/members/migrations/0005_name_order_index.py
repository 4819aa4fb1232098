"""The lists' display order as one covering index (member_name_order) in place of the index on
sort_key alone, which it leads; home_unit joins member_status_name (the root officer's count
reads it alone), whose lead makes the index on status alone redundant.

The single-column indexes are dropped by name rather than by altering their fields: on SQLite
altering a field rebuilds the whole member table (6.8 million rows nationally); dropping an
index is instant.
"""

from django.db import migrations, models


def _single_indexes(schema_editor, model, column):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"]
        and info["columns"] == [column]
    ]


def drop_single_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("members", "Member")
    for column in ("sort_key", "status"):
        # PostgreSQL has a second ("_like") index on a character column.
        for name in _single_indexes(schema_editor, model, column):
            schema_editor.execute(schema_editor._delete_index_sql(model, name))


def restore_single_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("members", "Member")
    for column in ("sort_key", "status"):
        field = model._meta.get_field(column)
        for sql in schema_editor._field_indexes_sql(model, field):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_search_name_in_the_member_indexes"),
        ("units", "0002_index_validity_for_root_figures"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="sort_key",
                    field=models.CharField(default="", max_length=400),
                ),
                migrations.AlterField(
                    model_name="member",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("candidate", "Đối tượng kết nạp"),
                            ("probationary", "Đảng viên dự bị"),
                            ("official", "Đảng viên chính thức"),
                            ("not_recognized", "Xóa tên khỏi danh sách dự bị"),
                            ("transferred_out", "Chuyển ra ngoài hệ thống"),
                            ("struck_off", "Xóa tên"),
                            ("expelled", "Khai trừ"),
                            ("left", "Xin ra khỏi Đảng"),
                            ("deceased", "Từ trần"),
                        ],
                        max_length=20,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_single_indexes, restore_single_indexes),
            ],
        ),
        migrations.RemoveIndex(model_name="member", name="member_status_name"),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["status", "search_name", "home_unit"], name="member_status_name"
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=[
                    "sort_key",
                    "member_id",
                    "status",
                    "search_name",
                    "home_unit",
                    "exempt",
                    "in_transit",
                ],
                name="member_name_order",
            ),
        ),
    ]
