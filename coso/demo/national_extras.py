"""What `coso generate` adds after the registry: follow-through and quality at national size.

- Two documents of the centre cascaded to every branch in the country (one record and its
  steps per branch, through the same `cascade_directive` as the pages), reported as branches
  would: most on time, some late, some never (`coso.followup.demo` chances).
- The annual classification of the last two finished years, units and members, province by
  province through the demo's `classify_year`, then the members' tallies rebuilt once a year.
- On a dataset generated before the oversight and outreach apps existed: their violation cases,
  households and petitions (`coso generate` writes them with the registry now), and any
  tracking, classification or household coverage tally missing.

Written in bulk (the steps' dates with one prepared UPDATE a chunk), so the extras take minutes
at 5.6 M members; `coso generate --extras-only` adds them to a dataset generated before.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min

from coso.audit.log import Actor
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.followup import operations as followup_ops
from coso.followup.demo import _done_on
from coso.followup.models import Directive, Implementation, Step, TallyStamp
from coso.followup.tally import rebuild_directive
from coso.outreach import tally as coverage
from coso.outreach.bulk import generate_outreach
from coso.outreach.models import Household
from coso.oversight.generate import generate_cases
from coso.oversight.models import ViolationCase
from coso.quality.demo import classify_year
from coso.quality.models import Classification, LevelTallyStamp
from coso.quality.presets import install_presets
from coso.quality.tally import rebuild_levels, rebuild_year
from coso.units.models import HOME_KINDS, Unit, UnitSpan

CHUNK = 20_000

# (number, kind, issuer, title, days before today it was issued, cascaded, terms)
DOCUMENTS = [
    (
        "SL-21-NQ/TW",
        "resolution",
        "Ban Chấp hành Trung ương",
        "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ "
        "đảng viên (dữ liệu sinh tự động)",
        200,
        180,
        followup_ops.Terms(30, 45, 3, 2),
    ),
    (
        "SL-50-CT/TW",
        "directive",
        "Ban Bí thư",
        "Về đổi mới, nâng cao chất lượng sinh hoạt chi bộ (dữ liệu sinh tự động)",
        60,
        40,
        followup_ops.Terms(30, 50, 3, 2),
    ),
]


def _root() -> Unit:
    day = today()
    roots = list(
        UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
    )
    if len(roots) != 1:
        raise CosoError("Dữ liệu sinh tự động phải có đúng một đơn vị gốc (Trung ương).")
    return Unit.objects.get(pk=roots[0].unit_id)


def _mark_steps(directive: Directive, rng: random.Random, now: dt.date) -> int:
    """Report the steps of `directive` as branches would, by ranges of ids (a cascade's steps
    are written together, so their ids are nearly contiguous)."""
    # The records' cascade days by key, and each chunk of steps read by its ids alone: joined
    # to the records in the statement, PostgreSQL planned on the statistics of the tables as
    # they were before the cascade (a few hundred rows, the cascade's not yet analyzed) and
    # scanned the directive's 127,000 records for each step (minutes a chunk).
    cascaded = dict(
        Implementation.objects.filter(directive=directive).values_list("pk", "cascaded_on")
    )
    bounds = Step.objects.filter(implementation__directive=directive).aggregate(
        lo=Min("pk"), hi=Max("pk")
    )
    if bounds["lo"] is None:
        return 0
    done = 0
    for start in range(bounds["lo"], bounds["hi"] + 1, CHUNK):
        rows = Step.objects.filter(pk__gte=start, pk__lt=start + CHUNK).values_list(
            "pk", "kind", "due", "implementation_id"
        )
        changes = []
        for pk, kind, due, record in rows:
            if record not in cascaded:
                continue  # another directive's step
            day = _done_on(rng, kind, due, cascaded[record], now)
            if day is not None:
                changes.append((day.isoformat() if connection.vendor == "sqlite" else day, pk))
        with connection.cursor() as cur:
            cur.executemany("UPDATE followup_step SET done_on = %s WHERE id = %s", changes)
        done += len(changes)
    return done


def add_directives(root: Unit, rng: random.Random, say: Callable[[str], None]) -> dict[str, int]:
    now = today()
    actor = Actor.cli()
    out = {"directives": 0, "records": 0, "steps": 0, "steps_done": 0}
    for number, kind, issuer, title, issued_ago, cascaded_ago, terms in DOCUMENTS:
        if Directive.objects.filter(owner=root, number=number).exists():
            continue
        with transaction.atomic():
            directive = followup_ops.register_directive(
                owner=root,
                kind=kind,
                number=number,
                issued_on=now - dt.timedelta(days=issued_ago),
                issuer=issuer,
                title=title,
                summary="Văn bản của dữ liệu sinh tự động, không phải văn bản thật.",
                actor=actor,
            )
            result = followup_ops.cascade_directive(
                directive,
                root,
                list(HOME_KINDS),
                now - dt.timedelta(days=cascaded_ago),
                terms,
                actor=actor,
            )
            say(f"{number}: {result.implementations:,} records, {result.steps:,} steps")
            if connection.vendor == "postgresql":
                # The statements below plan on the cascade's rows, not the tables' last counts.
                with connection.cursor() as cur:
                    cur.execute("ANALYZE followup_implementation, followup_step")
            out["steps_done"] += _mark_steps(directive, rng, now)
            rebuild_directive(directive)
        out["directives"] += 1
        out["records"] += result.implementations
        out["steps"] += result.steps
    return out


def add_classifications(
    root: Unit, years: list[int], rng: random.Random, say: Callable[[str], None]
) -> dict[str, int]:
    install_presets()
    out = {"units": 0, "members": 0}
    for year in years:
        day = dt.date(year, 12, 31)
        provinces = list(
            UnitSpan.objects.filter(parent=root, valid_from__lte=day, valid_to__gt=day)
            .select_related("unit")
            .order_by("unit__code")
        )
        for span in provinces:
            with transaction.atomic():
                units, members = classify_year(span.unit, year, rng, tally=False)
            out["units"] += units
            out["members"] += members
        with transaction.atomic():
            rebuild_year(year)
        say(f"classification {year}: {out['units']:,} units, {out['members']:,} members so far")
    return out


def _catch_up(seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    """What a dataset generated by an earlier `coso generate` lacks."""

    out: dict[str, Any] = {}
    day = today()
    if not Household.objects.exists():
        with transaction.atomic():
            out["outreach"] = generate_outreach(day)
        say(f"outreach: {out['outreach']}")
    elif not coverage.built():
        with transaction.atomic():
            out["coverage"] = coverage.rebuild()
        say("household coverage tally")
    if not ViolationCase.objects.exists():
        out["oversight"] = generate_cases(day=day, seed=seed)
        say(f"oversight: {out['oversight']}")
    for directive in (
        Directive.objects.exclude(pk__in=TallyStamp.objects.values("directive_id"))
        .filter(implementations__isnull=False)
        .distinct()
    ):
        with transaction.atomic():
            rebuild_directive(directive)
    rated = set(Classification.objects.values_list("year", flat=True).distinct())
    for year in sorted(rated - set(LevelTallyStamp.objects.values_list("year", flat=True))):
        with transaction.atomic():
            rebuild_levels(year)
        say(f"classification tally {year}")
    return out


def add_extras(*, seed: int = 1, progress: bool = True) -> dict[str, Any]:
    """Directives and classifications over the generated registry (idempotent per document;
    a year already classified is skipped)."""
    from coso.quality.models import Classification

    started = time.perf_counter()

    def say(text: str) -> None:
        if progress:
            print(f"[{time.perf_counter() - started:7.1f}s] {text}", flush=True)

    rng = random.Random(seed * 7919 + 3)
    root = _root()
    result: dict[str, Any] = add_directives(root, rng, say)
    now = today()
    years = [
        y
        for y in (now.year - 2, now.year - 1)
        if not Classification.objects.filter(year=y).exists()
    ]
    result.update(add_classifications(root, years, rng, say))
    result.update(_catch_up(seed, say))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
