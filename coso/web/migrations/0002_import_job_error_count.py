"""Import jobs keep their first errors and a count; jobs stored before keep only their first."""

from typing import Any

from django.conf import settings
from django.db import migrations, models


def cut_error_lists(apps: Any, schema_editor: Any) -> None:
    ImportJob = apps.get_model("web", "ImportJob")
    kept = settings.COSO_MAX_ERRORS_KEPT
    # One job at a time: a single stored list may be hundreds of megabytes.
    for job in ImportJob.objects.only("pk", "errors").iterator(chunk_size=1):
        count = len(job.errors or [])
        ImportJob.objects.filter(pk=job.pk).update(
            error_count=count, errors=(job.errors or [])[:kept]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="error_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(cut_error_lists, migrations.RunPython.noop),
    ]
