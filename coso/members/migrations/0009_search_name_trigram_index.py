"""On PostgreSQL only: a trigram index (pg_trgm, GIN) on members_member.search_name, so that the
name search (`search_name LIKE '%word%'` for every word) finds the matches of a rare name, or
of none, without reading every member (6.8 million nationally): the bounded count of
coso.members.queries.MemberList then reads only the rows holding the words' trigrams.

SQLite has no such index (its search reads the covering B-tree indexes; see MemberList), and
the index is not part of the model state: nothing else changes. The extension needs a role
allowed to create it (a superuser, or the database owner on PostgreSQL 13+ since pg_trgm is
trusted); the reverse drops the index and leaves the extension.
"""

from django.db import migrations

INDEX = "member_search_name_trgm"


def create_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("members", "Member")._meta.db_table
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{table}" USING gin ("search_name" gin_trgm_ops)'
    )


def drop_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_merge_20261205_1907"),
    ]

    operations = [
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
