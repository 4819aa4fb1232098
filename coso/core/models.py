from django.db import models


class RuleSet(models.Model):
    """A versioned set of numbers from one regulation, in force from `effective_from`.

    A question about date D is answered by the newest version with effective_from <= D, so a
    2024 rating is still judged by the 2024 rule after the rule changes.
    """

    code = models.SlugField(max_length=60, help_text="e.g. charter, unit_kinds, badges")
    effective_from = models.DateField()
    source = models.CharField(max_length=300, help_text="regulation and article cited")
    confidence = models.CharField(max_length=10, default="sure")
    values = models.JSONField()
    note = models.TextField(blank=True)

    class Meta:
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

    number = models.CharField(max_length=120)
    signed_on = models.DateField(null=True, blank=True)
    issuer = models.CharField(max_length=300, blank=True)
    title = models.CharField(max_length=500, blank=True)

    class Meta:
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
