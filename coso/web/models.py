"""Imports started from the browser: one job per uploaded file, run by the background worker."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    UNITS = "units", _("Đơn vị")
    MEMBERS = "members", _("Đảng viên")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Đã nhập xong")
    REFUSED = "refused", _("Có lỗi, không ghi gì")
    FAILED = "failed", _("Lỗi hệ thống, không ghi gì")


class ImportJob(models.Model):
    """One uploaded file being imported; its errors (file, row, column, reason) once checked.

    Live progress during the import lives in a small file beside the upload (see
    coso.web.imports), because the import writes in one long transaction that would hide (on
    PostgreSQL) or lock (on SQLite) any update of this row until it ends.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # in URLs
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    file_name = models.CharField(max_length=255)  # as uploaded
    path = models.CharField(max_length=500)  # where the upload is kept
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The first COSO_MAX_ERRORS_KEPT errors, [[file, row, column, reason], ...], and how many
    # there were: a file of a million bad rows must not become a million-row list here.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The language of the page that started the job: its messages are written in it.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} «{self.file_name}» ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)

    @property
    def progress_file(self) -> Path:
        return Path(self.path).with_name("progress.json")

    @property
    def errors_total(self) -> int:
        return max(self.error_count, len(self.errors))

    @property
    def errors_cut(self) -> bool:
        """Only the first errors were kept."""
        return self.errors_total > len(self.errors)

    def error_rows(self) -> list[dict[str, Any]]:
        return [
            {"file": f, "row": r, "column": c, "reason": reason} for f, r, c, reason in self.errors
        ]


class HomeWarning(models.Model):
    """Derived data: the home page's warnings about members and units (coso.web.warnings),
    judged on one day, so that a province or the centre reads its counts and first items from
    here instead of recounting millions of spans. One row per unit or member a check finds
    (over every unit); probation and transit rows keep their start day and are cut by the
    rule of the day read. Kept in step with `DailyDelta`'s calls (`coso.stats.tally`), rebuilt
    by bulk loaders and rolled over daily by `coso.web.warnings.refresh_warnings`."""

    kind = models.CharField(max_length=16)
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    label = models.CharField(max_length=300)
    code = models.CharField(max_length=64)  # unit code or member id, for the link
    day = models.DateField(null=True, blank=True)  # start of probation, sending day
    sort_key = models.CharField(max_length=300)  # member's sort key, or the unit's path
    number = models.IntegerField(default=0)  # official members of a small branch
    unit_kind = models.CharField(max_length=24, blank=True)
    # The unit's path on the day judged: a scope's rows are path ranges (Scope.spans_today).
    path = models.CharField(max_length=500, default="")

    class Meta:
        indexes = [
            models.Index(fields=["kind", "unit"], name="homewarning_unit"),
            models.Index(fields=["kind", "path"], name="homewarning_path"),
            models.Index(fields=["kind", "day", "sort_key"], name="homewarning_order"),
            models.Index(fields=["kind", "sort_key"], name="homewarning_unit_order"),
        ]


class HomeWarningState(models.Model):
    """The day `HomeWarning` is judged on (one row)."""

    day = models.DateField()


class HomeWarningCount(models.Model):
    """Derived from `HomeWarning`: how many rows it holds of each kind and day (no day for the
    unit warnings), so that the whole registry's counts (the administrator's and the centre's
    home page) are sums of a few hundred rows instead of counts of half a million. Rewritten
    with the rows by every writer of `HomeWarning` (coso.web.warnings: the refresh of some
    units adds the difference, a rebuild recounts it)."""

    kind = models.CharField(max_length=16)
    day = models.DateField(null=True, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["kind", "day", "n"], name="homewarningcount_cover")]
