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
            # The days of one month (the root's figures beside DailyDeltaSum), and the days a
            # writer recounts, found without reading the whole table.
            models.Index(fields=["day", "metric", "delta"], name="dailydelta_day_cover"),
        ]


class DailyDeltaSum(models.Model):
    """The month and year sums of `DailyDelta` (dated on the month's or year's first day), so
    the root's figures on D read the years before D's year, the months of D's year before D's
    month and the days of D's month: about two thousand rows instead of a hundred thousand.
    Derived data, rewritten by `coso.stats.tally` with the day rows of those months and years.
    """

    MONTH, YEAR = 1, 2

    grain = models.SmallIntegerField()
    day = models.DateField()
    metric = models.CharField(max_length=60)
    delta = models.IntegerField()

    class Meta:
        indexes = [
            # Covering: the sums up to D are read from the index alone.
            models.Index(fields=["grain", "day", "metric", "delta"], name="dailydeltasum_cover"),
        ]


class SubtreeDelta(models.Model):
    """Net change of one figure of one unit's subtree, for the units right below a root, and of
    the member total alone for the units one level below them (communes: a province's tree).

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


class SidePiece(models.Model):
    """A period of a participation, post or external role counted by a unit right below a root.

    The figures of a province that are not membership ("participants": members taking part in
    its units; "outside": what its home members do in units elsewhere) are distinct counts of
    members and units, which deltas cannot add up. So each row of the side tables is cut into
    the periods over which it counts towards one province, and a province's figures on D are
    counts over its rows valid on D (tens to a few thousand), whatever the size of the side
    tables. `what`:

    - `in`: a participation in a unit under the province (`other_id`), from the unit's spans;
    - `p`, `pos`, `ext`: a participation, post or external role of a member at home under the
      province (from the member's spans and their unit's spans) in a unit that is not under it
      that day (`other_id`, `kind` its kind then for posts, empty when it does not exist).

    Derived data: a writer's changes recount the rows of the members concerned
    (`coso.stats.tally.refresh_side_rows`, and `refresh_days` for what span changes touch);
    bulk loads rebuild it set-wise (`rebuild_side`).
    """

    IN, PARTICIPATION, POSITION, EXTERNAL = "in", "p", "pos", "ext"

    unit_id = models.IntegerField()  # the province (no foreign key, as SubtreeDelta)
    what = models.CharField(max_length=3)
    member_id = models.IntegerField()
    other_id = models.IntegerField(null=True)  # the unit of the participation or post
    kind = models.CharField(max_length=30)  # of `other_id` on those days, posts only
    role = models.CharField(max_length=30)  # posts only
    valid_from = models.DateField()
    valid_to = models.DateField()

    class Meta:
        indexes = [
            # Covering: a province's rows valid on a day, counted from the index alone.
            models.Index(
                fields=[
                    "unit_id",
                    "valid_from",
                    "valid_to",
                    "what",
                    "kind",
                    "role",
                    "member_id",
                    "other_id",
                ],
                name="sidepiece_count_cover",
            ),
            # Writers recount the rows of given members, and find those of changed units.
            models.Index(fields=["member_id"], name="sidepiece_member"),
            models.Index(fields=["other_id"], name="sidepiece_other"),
        ]
