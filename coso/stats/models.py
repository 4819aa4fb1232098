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


class SubtreeDelta(models.Model):
    """Net change of one figure of one unit's subtree, for the units right below a root.

    A province's figures on D are the sum of its rows up to D, as `DailyDelta` is for the root;
    counting its member spans instead reads hundreds of thousands. Rows come in three grains:
    day (the net change on that day), month and year (the sums of the day rows of the month or
    year, dated on its first day), so a sum up to D reads the years before D's year, the months
    before D's month and the days of D's month: about a hundred rows per figure whatever the
    history. Derived data, rewritten by `coso.stats.tally` with `DailyDelta`.
    """

    DAY, MONTH, YEAR = 0, 1, 2

    # No foreign key: derived rows of a unit that is deleted (tests, a failed load) are rebuilt
    # with the rest, and a key would add an index nothing reads.
    unit_id = models.IntegerField()
    grain = models.SmallIntegerField()
    day = models.DateField()
    metric = models.CharField(max_length=60)
    delta = models.IntegerField()

    class Meta:
        indexes = [
            # Covering: a unit's sums are read from the index alone.
            models.Index(
                fields=["unit_id", "grain", "day", "metric", "delta"],
                name="subtreedelta_sum_cover",
            ),
            # Writers rewrite the rows of given days, months and years for every unit.
            models.Index(fields=["grain", "day"], name="subtreedelta_grain_day"),
        ]
