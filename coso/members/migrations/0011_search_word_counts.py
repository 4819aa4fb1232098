"""How many members have each word of the vocabulary (SearchWord.members), counted once here;
the search reads it to choose the word that leads a walk (coso.members.queries.MemberList).
The count is the same statement as coso.members.names.count_search_words (one index range per
word), written out: a migration keeps what it did when the code moves on."""

from django.db import migrations, models


def count_words(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute(
        'UPDATE "members_searchword" SET members = (SELECT COUNT(*) FROM "members_nameword" r'
        ' WHERE r.word = "members_searchword".word)'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_name_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchword",
            name="members",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_words, migrations.RunPython.noop, elidable=False),
    ]
