import datetime as dt

from django.db import models


class RuleSet(models.Model):
    """A versioned set of numbers from one regulation, in force from `effective_from`.

    A question about date D is answered by the newest version with effective_from <= D, so a
    2024 rating is still judged by the 2024 rule after the rule changes.
    """

    code = models.SlugField(
        max_length=60, help_text="ví dụ: charter, unit_kinds, badges", verbose_name="mã"
    )
    effective_from = models.DateField(verbose_name="hiệu lực từ")
    source = models.CharField(
        max_length=300, help_text="văn bản và điều khoản được trích dẫn", verbose_name="nguồn"
    )
    confidence = models.CharField(max_length=10, default="sure", verbose_name="độ tin cậy")
    values = models.JSONField(verbose_name="giá trị")
    note = models.TextField(blank=True, verbose_name="ghi chú")

    class Meta:
        verbose_name = "bộ quy định"
        verbose_name_plural = "bộ quy định"
        ordering = ["code", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "effective_from"], name="ruleset_one_version_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} từ {self.effective_from:%d/%m/%Y} ({self.source})"


class Decision(models.Model):
    """A decision (quyết định) that authorizes operations: its number and signing date."""

    number = models.CharField(max_length=120, verbose_name="số")
    signed_on = models.DateField(null=True, blank=True, verbose_name="ngày ký")
    issuer = models.CharField(max_length=300, blank=True, verbose_name="cơ quan ban hành")
    title = models.CharField(max_length=500, blank=True, verbose_name="trích yếu")

    class Meta:
        verbose_name = "quyết định"
        verbose_name_plural = "quyết định"
        constraints = [
            models.UniqueConstraint(
                fields=["number", "signed_on"], name="decision_unique_number_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ngày {self.signed_on:%d/%m/%Y}" if self.signed_on else self.number


def get_decision(number: str | None, signed_on=None) -> Decision | None:  # type: ignore[no-untyped-def]
    """The decision with that number and date, created on first use; None for no number."""
    number = (number or "").strip()
    if not number:
        return None
    decision, _ = Decision.objects.get_or_create(number=number, signed_on=signed_on)
    return decision


class JobOutcome(models.TextChoices):
    QUEUED = "queued", "chờ chạy / queued"  # asked for from the page; the scheduler takes it
    RUNNING = "running", "đang chạy / running"
    OK = "ok", "xong / ok"
    FAILED = "failed", "lỗi / failed"


class JobRun(models.Model):
    """One run of a scheduled job (coso/core/schedule.py) for one slot, one attempt.

    The row is the claim: (job, slot, attempt) is unique, so of several schedulers reaching the
    same slot at once exactly one inserts it and runs the job; the others get an IntegrityError
    and skip. A run asked for by hand ("run now") is its own slot, the moment it was asked; one
    asked for from the page waits QUEUED until a scheduler turns it RUNNING by a conditional
    UPDATE (the same kind of claim).
    """

    job = models.SlugField(max_length=60)
    slot = models.DateTimeField(help_text="the scheduled moment this run is for")
    attempt = models.PositiveSmallIntegerField(default=1)
    requested_by = models.CharField(max_length=150, blank=True, help_text="blank: the schedule")
    outcome = models.CharField(max_length=10, choices=JobOutcome.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "slot", "attempt"], name="jobrun_one_claim_per_attempt"
            )
        ]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M} #{self.attempt} {self.outcome}"

    @property
    def error_line(self) -> str:
        """The failure's message without the traceback."""
        return self.error.split("\n", 1)[0]

    @property
    def duration(self) -> dt.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None


class JobLease(models.Model):
    """Who runs a job now, until when: one row per job, taken by a conditional UPDATE.

    Holding the lease keeps two runs of one job from overlapping (a scheduled slot and a
    "run now", or a retry); the runner renews it while the job works (heartbeat), so a lease
    that has expired means its process died, and the next scheduler takes the job over.
    """

    job = models.SlugField(max_length=60, primary_key=True)
    run = models.ForeignKey(JobRun, null=True, blank=True, on_delete=models.SET_NULL)
    holder = models.CharField(max_length=300, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.job}: {self.holder or '-'} → {self.lease_until}"
