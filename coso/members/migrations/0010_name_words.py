"""The name search's index by word (coso.members.models.NameWord) and its vocabulary
(SearchWord), filled from every member's folded name.

The rows are written in member order before the index by word is built (20 million rows
nationally: that index filled row by row would be written at random). On PostgreSQL one COPY
stream, on SQLite prepared INSERTs in batches. The words are split here as
coso.members.names.name_words splits them (the distinct words of search_name, in order), not
imported: a migration keeps what it did when the code moves on.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 20_000


def fill_name_words(apps, schema_editor):  # type: ignore[no-untyped-def]
    member = apps.get_model("members", "Member")
    connection = schema_editor.connection
    words: set[str] = set()
    last = 0
    with connection.cursor() as cursor:
        while True:
            chunk = list(
                member.objects.using(connection.alias)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "member_id", "sort_key", "search_name")[:BATCH]
            )
            if not chunk:
                break
            last = chunk[-1][0]
            rows = [
                (pk, word, sort_key, number, search_name)
                for pk, number, sort_key, search_name in chunk
                for word in dict.fromkeys(search_name.split())
            ]
            words.update(r[1] for r in rows)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(
                    "COPY members_nameword (member_id, word, sort_key, number, search_name)"
                    " FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    "INSERT INTO members_nameword (member_id, word, sort_key, number, search_name)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
        cursor.executemany(
            "INSERT INTO members_searchword (word) VALUES (%s)", [(w,) for w in sorted(words)]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_search_name_trigram_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=200, primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name="NameWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=200)),
                ("sort_key", models.CharField(max_length=400)),
                ("number", models.CharField(max_length=40)),
                ("search_name", models.CharField(max_length=200)),
                (
                    "member",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="members.member",
                    ),
                ),
            ],
            options={
                # Made with the table: on SQLite a constraint added later rebuilds the table.
                # The rows come in member order, so this index is filled in its own order.
                "constraints": [
                    models.UniqueConstraint(
                        fields=("member", "word"), name="nameword_one_per_member"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_name_words, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="nameword",
            index=models.Index(
                fields=["word", "sort_key", "number", "search_name", "member"], name="nameword_order"
            ),
        ),
    ]
