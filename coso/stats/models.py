from django.db import models


class DailyDelta(models.Model):
    """Net change of one whole-registry figure on one day, derived from the spans.

    The count on D of e.g. `members.official` over the whole registry is the sum of its deltas
    up to D: a few thousand rows instead of millions of spans. Rebuilt per touched day by
    `coso.stats.tally.refresh_days`, in the same transaction as the change.
    """

    day = models.DateField()
    metric = models.CharField(max_length=60)
    delta = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "day"], name="dailydelta_metric_day")
        ]
        indexes = [
            # Covering: the figures on D are sums over every row up to D, read from the index
            # alone (five times faster than visiting 97,000 rows at national size).
            models.Index(fields=["metric", "day", "delta"], name="dailydelta_sum_cover"),
        ]
