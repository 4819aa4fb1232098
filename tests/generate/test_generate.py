"""`coso generate`: national shape, exact membership and the time model on a small dataset."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from coso.core import rules
from coso.core.dates import FAR_FUTURE, add_months, today
from coso.core.errors import CosoError
from coso.core.models import RuleSet
from coso.demo import generate
from coso.demo.bench import plain_stats
from coso.demo.generate import REFORM_DAY, ROOT_CODE, generate_dataset
from coso.members.models import (
    Member,
    MemberEvent,
    MemberSpan,
    NameWord,
    Participation,
    SearchWord,
)
from coso.members.names import WORD_COLUMNS, word_rows
from coso.stats.queries import stats_as_of, stats_from_spans
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.operations import check_kind_allowed

MEMBERS = 3000


def _valid(day: dt.date) -> dict[str, dt.date]:
    return {"valid_from__lte": day, "valid_to__gt": day}


def _rows(sql: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


@pytest.fixture
def dataset() -> dict[str, object]:
    return generate_dataset(members=MEMBERS, seed=7, progress=False)


def test_command_builds_the_national_shape_with_exactly_the_members_asked() -> None:
    out = StringIO()
    call_command("generate", members=MEMBERS, seed=3, quiet=True, stdout=out)
    assert f"{MEMBERS:,} đảng viên đang sinh hoạt" in out.getvalue()
    day = today()
    assert UnitSpan.objects.filter(kind="province", **_valid(day)).count() == 34
    assert UnitSpan.objects.filter(kind="central", **_valid(day)).get().unit.code == ROOT_CODE
    # Districts existed until 30/06/2025 and none after.
    districts = UnitSpan.objects.filter(kind="district")
    assert districts.filter(parent__spans__kind="province").exists()
    assert set(districts.values_list("valid_to", flat=True)) == {REFORM_DAY}
    assert UnitSpan.objects.filter(kind="district", **_valid(day)).count() == 0
    assert UnitSpan.objects.filter(kind="district", **_valid(dt.date(2025, 6, 30))).count() >= 34
    # From 01/07/2025 commune-level committees sit directly under the provinces.
    communes = UnitSpan.objects.filter(kind="commune", tags=";commune;", **_valid(day))
    assert communes.count() >= 34
    assert set(communes.values_list("parent__spans__kind", flat=True)) == {"province"}
    before = UnitSpan.objects.filter(kind="grassroots_committee", tags=";commune;")
    assert set(before.values_list("valid_to", flat=True)) == {REFORM_DAY}
    # Exactly the members asked for are in the Party today, by spans and by snapshot.
    assert MemberSpan.objects.filter(**_valid(day)).count() == MEMBERS
    assert Member.objects.filter(status__in=["probationary", "official"]).count() == MEMBERS
    statuses = set(Member.objects.values_list("status", flat=True))
    assert {"deceased", "struck_off", "left", "expelled", "not_recognized"} <= statuses
    assert MemberSpan.objects.filter(in_transit=True).exists()
    assert MemberSpan.objects.filter(exempt=True, **_valid(day)).exists()
    assert MemberEvent.objects.filter(kind="receive").exists()
    assert UnitSpan.objects.filter(kind="group", **_valid(day)).exists()
    assert MemberSpan.objects.filter(group__isnull=False).exists()
    assert Participation.objects.exists()
    # Decades of history: admissions from the 1960s on.
    first = Member.objects.order_by("probation_from").first()
    assert first is not None and first.probation_from is not None
    assert first.probation_from.year < 1970


def test_every_member_has_the_words_of_its_name_in_the_search_index(
    dataset: dict[str, object],
) -> None:
    stored = set(NameWord.objects.values_list(*WORD_COLUMNS))
    derived = {
        row
        for member in Member.objects.values_list("pk", "member_id", "sort_key", "search_name")
        for row in word_rows(*member)
    }
    assert stored == derived and len(stored) > 2 * MEMBERS
    vocabulary = set(SearchWord.objects.values_list("word", flat=True))
    assert {word for _m, word, *_rest in stored} <= vocabulary


def test_refuses_a_database_that_is_not_empty(dataset: dict[str, object]) -> None:
    with pytest.raises(CosoError, match="không trống"):
        generate_dataset(members=MEMBERS, progress=False)


def test_refuses_to_start_without_the_rule_sets() -> None:
    RuleSet.objects.filter(code="meetings").delete()
    rules.clear_cache()
    with pytest.raises(CosoError, match="«meetings»: chạy `coso init` trước `coso generate`"):
        generate_dataset(members=MEMBERS, progress=False)
    assert not Unit.objects.exists() and not Member.objects.exists()


def test_member_spans_follow_the_time_model(dataset: dict[str, object]) -> None:
    overlapping = _rows(
        "SELECT COUNT(*) FROM members_memberspan a JOIN members_memberspan b "
        "ON a.member_id = b.member_id AND a.id < b.id "
        "AND a.valid_from < b.valid_to AND b.valid_from < a.valid_to"
    )
    assert overlapping == [(0,)]
    unit_spans: dict[int, list[UnitSpan]] = defaultdict(list)
    for s in UnitSpan.objects.order_by("valid_from"):
        unit_spans[s.unit_id].append(s)
    units = {u.pk: u for u in Unit.objects.all()}

    def span_at(unit_id: int, day: dt.date) -> UnitSpan | None:
        return next((s for s in unit_spans[unit_id] if s.valid_from <= day < s.valid_to), None)

    for ms in MemberSpan.objects.all():
        assert ms.valid_from < ms.valid_to
        unit = units[ms.unit_id]
        assert unit.valid_from <= ms.valid_from and ms.valid_to <= unit.valid_to
        home = span_at(ms.unit_id, ms.valid_from)
        assert home is not None and home.kind in HOME_KINDS
        if ms.group_id is not None:
            group = span_at(ms.group_id, ms.valid_from)
            assert group is not None and group.kind == "group" and group.parent_id == ms.unit_id
    today_ = today()
    open_spans = {ms.member_id: ms for ms in MemberSpan.objects.filter(**_valid(today_))}
    in_party = Member.objects.filter(status__in=["probationary", "official"])
    assert len(open_spans) == in_party.count()
    for member in in_party:
        open_span = open_spans[member.pk]
        assert (open_span.status, open_span.unit_id) == (member.status, member.home_unit_id)
        assert open_span.in_transit == member.in_transit and open_span.exempt == member.exempt
    for member in Member.objects.exclude(official_on=None)[:500]:
        assert member.probation_from is not None
        assert member.official_on == add_months(member.probation_from, 12)
    assert not Member.objects.exclude(
        pk__in=MemberEvent.objects.filter(kind="admit").values("member_id")
    ).exists()


def test_unit_spans_have_consistent_paths_and_allowed_kinds(dataset: dict[str, object]) -> None:
    spans: dict[int, list[UnitSpan]] = defaultdict(list)
    for s in UnitSpan.objects.order_by("valid_from"):
        spans[s.unit_id].append(s)
    for unit in Unit.objects.all():
        own = spans[unit.pk]
        assert own, unit.code
        # One unbroken run of spans from the unit's start to its end.
        assert own[0].valid_from == unit.valid_from and own[-1].valid_to == unit.valid_to
        for a, b in itertools.pairwise(own):
            assert a.valid_to == b.valid_from
        for s in own:
            assert s.path.endswith(f"/{unit.pk}/") and s.depth == s.path.count("/") - 2
            if s.parent_id is None:
                assert s.path == f"/{unit.pk}/"
                check_kind_allowed(s.kind, None, s.valid_from)
                continue
            # The parent exists through the whole span (a retype may split its spans, a
            # path change may not) and its path is the prefix.
            parents = [
                p
                for p in spans[s.parent_id]
                if p.valid_from < s.valid_to and s.valid_from < p.valid_to
            ]
            assert parents[0].valid_from <= s.valid_from and parents[-1].valid_to >= s.valid_to
            for parent in parents:
                assert s.path == f"{parent.path}{unit.pk}/"
                check_kind_allowed(s.kind, parent.kind, max(s.valid_from, parent.valid_from))
    assert (
        UnitSpan.objects.filter(valid_to=FAR_FUTURE).count()
        == Unit.objects.filter(valid_to=FAR_FUTURE).count()
    )


@pytest.mark.parametrize("seed", [11])
def test_fast_path_equals_spans_at_the_root(seed: int) -> None:
    generate_dataset(members=MEMBERS, seed=seed, progress=False)
    root = Unit.objects.get(code=ROOT_CODE)
    for day in (
        today(),
        REFORM_DAY,
        dt.date(2025, 6, 30),
        dt.date(2019, 5, 1),
        dt.date(1975, 4, 30),
    ):
        fast = stats_as_of(root, day)
        assert fast == stats_from_spans(root, day), day
        plain = plain_stats(root, day)
        for key in ("members", "units", "branch_categories", "participants"):
            assert fast[key] == plain[key], (day, key)
    assert stats_as_of(root, today())["members"]["total"] == MEMBERS


@pytest.mark.django_db(transaction=True)
def test_parallel_writer_writes_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker-process path (large sizes) gives the rows of the simple path."""
    members = 600

    def snapshot() -> tuple[list[tuple[object, ...]], ...]:
        return (
            _rows(
                "SELECT member_id, unit_id, group_id, status, exempt, in_transit, valid_from, "
                "valid_to FROM members_memberspan ORDER BY member_id, valid_from"
            ),
            _rows(
                "SELECT id, member_id, full_name, status, home_unit_id FROM members_member ORDER BY id"
            ),
            _rows(
                "SELECT kind, member_id, effective_on, unit_id, other_unit_id "
                "FROM members_memberevent ORDER BY member_id, effective_on, kind"
            ),
            _rows(
                "SELECT member_id, word, sort_key, number, search_name FROM members_nameword "
                "ORDER BY member_id, word"
            ),
            # The parallel path counts DailyDelta in its workers; the simple one recounts.
            _rows("SELECT day, metric, delta FROM stats_dailydelta ORDER BY day, metric"),
        )

    def schema() -> dict[str, dict[str, object]]:
        """The indexes and constraints of the tables the bulk loads strip and restore."""
        with connection.cursor() as cur:
            return {
                table: connection.introspection.get_constraints(cur, table)
                for table in [*generate.BIG_TABLES, *generate.OUTREACH_TABLES]
            }

    monkeypatch.setattr(generate, "FORCE_PARALLEL", True)
    assert generate._can_fan_out(members)  # both databases: scratch files or COPY
    before = schema()
    generate_dataset(members=members, seed=5, progress=False)
    # Every index, unique constraint and foreign key dropped for the loads is back.
    assert schema() == before
    fanned = snapshot()
    with connection.cursor() as cur:
        for table in (
            # The generated violation cases refer to units and members (coso.oversight).
            "oversight_disciplinedecision",
            "oversight_violationcase_items",
            "oversight_violationcase",
            # Derived data first (it refers to units and members); the generator rebuilds it.
            "stats_subtreedelta",
            "stats_sidepiece",
            "meetings_branchactivity",
            "meetings_activitytotal",
            "web_homewarning",
            "quality_leveltally",
            "quality_leveltallystamp",
            "stats_dailydelta",
            # Outreach rows (households, petitions) refer to members and units.
            "outreach_responsiblerun",
            "outreach_crossresponsibility",
            "outreach_unitcoveragedelta",
            "outreach_coveragedelta",
            "outreach_coveragestamp",
            "outreach_petitionstep",
            "outreach_petition",
            "outreach_visit",
            "outreach_householdresponsibility",
            "outreach_household",
            "members_participation",
            "members_nameword",
            "members_searchword",
            "members_memberevent",
            "members_memberspan",
            "members_member",
            "units_unitspan",
            "units_unitevent",
            "units_unit",
        ):
            cur.execute(f"DELETE FROM {table}")
    monkeypatch.setattr(generate, "FORCE_PARALLEL", False)
    generate_dataset(members=members, seed=5, progress=False)
    assert snapshot() == fanned
    assert len(fanned[0]) > members
