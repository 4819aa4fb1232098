"""The demo reproduces the seed article's figures (issue §5, BRIEF.md §7).

Loading takes tens of seconds, so the whole demo is loaded once, in one test, which then checks
every figure; the cheaper tests around it do not load it.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, OuterRef, Subquery

from coso.accounts.models import Account, Role, RoleKind
from coso.core.dates import add_months, today, working_days_between
from coso.core.rules import rule
from coso.demo.accounts import is_demo_database
from coso.demo.geography import legacy_units, reform_mapping
from coso.demo.quangbinh import (
    BORDER_GUARD,
    HOAN_LAO,
    HOAN_TRACH,
    MERGER_DAY,
    PROVINCE,
    Demo,
    build_demo,
)
from coso.meetings.models import Invitation, Meeting
from coso.meetings.warnings import WarningKind, activity_warnings
from coso.members.imports import import_members
from coso.members.models import (
    IN_PARTY,
    Member,
    MemberEvent,
    MemberSpan,
    Participation,
    Position,
    PositionRole,
)
from coso.stats.queries import stats_as_of, stats_from_spans
from coso.units.imports import import_units
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan
from coso.units.operations import create_unit
from coso.units.queries import span_on, subtree_range
from coso.web.imports import template_xlsx
from coso.web.warnings import warnings_for
from tests.web.unit_stats_demo import check_the_demo_figures_page_equals_coso_stats

D2019 = dt.date(2019, 12, 31)
D2024 = dt.date(2024, 12, 31)
D2025 = dt.date(2025, 6, 30)
DISTRICTS = {"450", "452", "453", "454", "455", "456", "457", "458"}


@functools.cache
def demo_7() -> Demo:
    return build_demo(7)


def _children(code: str, day: dt.date) -> list[UnitSpan]:
    unit = Unit.objects.get(code=code)
    return list(
        UnitSpan.objects.filter(parent=unit, valid_from__lte=day, valid_to__gt=day).select_related(
            "unit"
        )
    )


def _cli_json(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.slow
def test_the_demo_reproduces_the_seed_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("COSO_ADMIN_PASSWORD", "demo-password-for-tests")
    out = io.StringIO()
    call_command("load_demo", "--no-progress", "--directory", str(tmp_path), stdout=out)
    assert (tmp_path / "2025-07-01-sap-xep-tinh-quang-tri.csv").exists()
    printed = out.getvalue()
    assert "khớp bài báo" in printed and "KHÔNG KHỚP" not in printed
    # The unit figures page (issue 13, point 9), on the demo as loaded, before the checks below
    # write to it.
    check_the_demo_figures_page_equals_coso_stats()
    # A handful of violation cases and decisions in Hoàn Lão's commune (coso.oversight.demo).
    from coso.oversight.models import DisciplineDecision, ViolationCase

    assert ViolationCase.objects.count() == 5
    assert sorted(DisciplineDecision.objects.values_list("form", flat=True)) == [
        "removal_from_post",
        "reprimand",
        "warning",
    ]

    # Hoàn Lão, as the article describes it at the end of 2024, through the command line.
    hl = _cli_json("stats", HOAN_LAO, "--as-of", "2024-12-31", "--json")
    assert hl["unit"] == HOAN_LAO and hl["as_of"] == "2024-12-31"
    assert hl["members"]["total"] == 1184
    assert hl["units"]["branch"] == 30
    assert hl["branch_categories"]["residential"] == 20
    assert hl["members"]["official"] + hl["members"]["probationary"] == 1184
    assert hl["members"]["exempt"] > 0  # the story exempts old members
    assert stats_from_spans(Unit.objects.get(code=HOAN_LAO), D2024)["members"] == hl["members"]

    # Six years of history went through the member operations.
    kinds = Counter(
        MemberEvent.objects.filter(effective_on__gte=dt.date(2019, 1, 1)).values_list(
            "kind", flat=True
        )
    )
    for kind in ("admit", "recognize", "not_recognize", "transfer_out", "receive", "exempt",
                 "death", "strike_off"):  # fmt: skip
        assert kinds[kind] > 0, kind

    # Before the merger the two were separate committees under Bố Trạch.
    town, commune = Unit.objects.get(code=HOAN_LAO), Unit.objects.get(code=HOAN_TRACH)
    assert span_on(town, D2019).parent.code == "455"
    assert span_on(commune, D2019).parent.code == "455"
    assert span_on(commune, D2019).name.startswith("Đảng bộ xã Hoàn Trạch")
    town_2019 = stats_as_of(town, D2019)
    commune_2019 = stats_as_of(commune, D2019)
    assert town_2019["units"]["branch"] == 17 and commune_2019["units"]["branch"] == 10
    assert commune_2019["branch_categories"]["village"] == 9
    assert commune.valid_to == MERGER_DAY
    assert {s.unit.code for s in _children(HOAN_LAO, D2019)}.isdisjoint(
        {s.unit.code for s in _children(HOAN_TRACH, D2019)}
    )
    on_merger = stats_as_of(town, MERGER_DAY)
    before = stats_as_of(town, MERGER_DAY - dt.timedelta(days=1))
    before_ht = stats_as_of(commune, MERGER_DAY - dt.timedelta(days=1))
    assert on_merger["members"]["total"] == (
        before["members"]["total"] + before_ht["members"]["total"]
    )

    # The border guard arrangement, readable from `coso stats 44-BDBP --as-of 2024-12-31 --json`.
    bg = _cli_json("stats", BORDER_GUARD, "--as-of", "2024-12-31", "--json")
    outside = bg["outside"]
    assert outside["participations"] == {"members": 135, "units": 41}
    assert outside["positions"]["district.committee_member"] == 7
    assert outside["positions"]["grassroots_committee.deputy_secretary"] == 5
    assert outside["positions"]["grassroots_committee.committee_member"] == 16
    assert outside["external_roles"] == 11
    # The soldiers responsible for households (coso.outreach), from `coso report households`.
    households = _cli_json("report_households", BORDER_GUARD, "--as-of", "2024-12-31", "--json")
    assert households["responsible_members"] == 377
    assert households["households"] == 1741
    assert 0 < households["visited_this_quarter"] < 1741
    assert households["without_member"] == 0  # the posts' own subtree has no villages
    villages = Participation.objects.filter(member__home_unit__code__startswith=BORDER_GUARD)
    assert {p.unit.code.split("-")[0] for p in villages} <= {
        "18904", "18907", "19147", "19192", "19204", "19318", "19327"
    }  # fmt: skip
    # Taking part never adds to a village's membership.
    village = villages.first().unit
    village_stats = stats_as_of(village, D2024)
    assert village_stats["participants"] >= 3
    assert (
        village_stats["members"]["total"]
        == MemberSpan.objects.filter(
            unit=village, valid_from__lte=D2024, valid_to__gt=D2024
        ).count()
    )

    # 2024: Quảng Bình with its 8 districts (and 5 committees directly under the province,
    # the border guard among them, which are district-level too).
    province = Unit.objects.get(code=PROVINCE)
    assert span_on(province, D2024).name == "Đảng bộ tỉnh Quảng Bình"
    children_2024 = _children(PROVINCE, D2024)
    districts = {s.unit.code for s in children_2024 if "directly_under" not in s.tag_list}
    assert districts == DISTRICTS
    assert all(s.kind == "district" for s in children_2024)
    assert stats_as_of(province, D2024)["units"]["district"] == 13

    # Today: Quảng Trị, no district level, every member still there.
    now = today()
    assert span_on(province, now).name == "Đảng bộ tỉnh Quảng Trị"
    after = stats_as_of(province, now)
    assert "district" not in after["units"]
    assert after["units"]["commune"] == len(reform_mapping()) + 5
    reform_day = dt.date(2025, 7, 1)
    assert (
        stats_as_of(province, reform_day)["members"]["total"]
        == stats_as_of(province, D2025)["members"]["total"]
    )
    assert after["members"] == stats_from_spans(province, now)["members"]

    # Not one member lost: the same people, with the same status, before and after.
    def in_party(day: dt.date) -> set[tuple[int, str]]:
        spans = MemberSpan.objects.filter(valid_from__lte=day, valid_to__gt=day)
        return set(spans.values_list("member_id", "status"))

    assert in_party(D2025) == in_party(reform_day)
    # Since then only the recent story's admissions (the probation warnings) were added.
    added = {m for m, _status in in_party(now) - in_party(D2025)}
    assert in_party(D2025) <= in_party(now)
    assert added and all(
        admitted > reform_day
        for admitted in Member.objects.filter(pk__in=added).values_list("admitted_on", flat=True)
    )
    assert all(s.kind == "commune" for s in _children(PROVINCE, now))
    for code in DISTRICTS:
        assert Unit.objects.get(code=code).valid_to == dt.date(2025, 7, 1)

    # Xã Hoàn Lão kept 19111 and took in the four communes the official mapping names.
    assert span_on(town, now).kind == "commune"
    assert span_on(town, now).name == "Đảng bộ xã Hoàn Lão"
    merged = {"19177", "19180", "19183", "19186"}
    for code in merged:
        assert Unit.objects.get(code=code).valid_to == dt.date(2025, 7, 1)
    hl_now = stats_as_of(town, reform_day)
    expected = sum(
        stats_as_of(Unit.objects.get(code=c), D2025)["members"]["total"]
        for c in merged | {HOAN_LAO}
    )
    assert hl_now["members"]["total"] == expected
    border_now = span_on(Unit.objects.get(code=BORDER_GUARD), now)
    assert border_now.kind == "commune"
    assert border_now.name == "Đảng bộ Bộ đội Biên phòng tỉnh Quảng Trị"
    # Officers' posts in merged communes followed their committees.
    assert stats_as_of(Unit.objects.get(code=BORDER_GUARD), now)["outside"]["external_roles"] == 11

    _check_committees(now)
    _check_home_warnings(now)
    _check_accounts(printed, now)
    _check_meetings(now)
    _check_import_templates(tmp_path)

    # Loading again is refused; --if-empty says it is already there.
    with pytest.raises(CommandError, match="đã có đơn vị"):
        call_command("load_demo", "--no-progress", stdout=io.StringIO())
    again = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=again)
    assert "đã được nạp" in again.getvalue()


def _check_committees(now: dt.date) -> None:
    """Posts through the 2020–2025 term, and the new commune committees since the reform."""
    congress = dt.date(2020, 5, 15)  # quangbinh.BRANCH_CONGRESS

    def official_by_branch(day: dt.date) -> dict[int, int]:
        official = MemberSpan.objects.filter(
            unit=OuterRef("unit"), status="official", valid_from__lte=day, valid_to__gt=day
        )
        return dict(
            UnitSpan.objects.filter(kind__in=HOME_KINDS, **_valid(day))
            .annotate(n=Subquery(official.values("unit").annotate(c=Count("id")).values("c")))
            .values_list("unit_id", "n")
        )

    branches = official_by_branch(D2024)
    secretaries = _holders(PositionRole.SECRETARY, D2024)
    assert sum(u in secretaries for u in branches) > 0.99 * len(branches)
    # A committee (deputy secretary and members) where the branch had at least the charter's
    # minimum of official members at the 2020 congress; a secretary alone elsewhere.
    minimum = int(rule("charter.branch_committee_min_members", congress))
    on_congress = official_by_branch(congress)
    deputies = _holders(PositionRole.DEPUTY_SECRETARY, congress)
    committees = _holders(PositionRole.COMMITTEE_MEMBER, congress)
    seated = [u for u in on_congress if u in _holders(PositionRole.SECRETARY, congress)]
    big = [u for u in seated if (on_congress[u] or 0) >= minimum]
    wrong = [u for u in seated if (u in deputies) != (u in big)]
    assert len(big) > 50 and len(seated) - len(big) > 500
    assert len(wrong) <= 3, wrong  # a death or two between the draw and the congress
    assert all(u in committees for u in big if u in deputies)
    # Never two secretaries of one unit at once; every holder homed inside the unit's
    # subtree, but border guard officers (the seed's posts outside the border guard).
    for day in (D2024, now):
        held = Position.objects.filter(role=PositionRole.SECRETARY, **_valid(day))
        assert held.count() == held.values("unit").distinct().count()
    # The reform: the merged communes' posts ended with them, and every new commune-level
    # committee has a secretary from that day.
    for code in ("19177", "19180", "19183", "19186"):
        assert not Position.objects.filter(unit__code=code, valid_to__gt=dt.date(2025, 7, 1))
    now_secretaries = _holders(PositionRole.SECRETARY, now)
    communes = UnitSpan.objects.filter(kind="commune", **_valid(now)).values_list(
        "unit_id", flat=True
    )
    assert len(communes) == len(reform_mapping()) + 5
    assert all(u in now_secretaries for u in communes)
    hl_secretary = Position.objects.get(
        unit__code=HOAN_LAO, role=PositionRole.SECRETARY, **_valid(now)
    )
    assert hl_secretary.valid_from == dt.date(2025, 7, 1)


def _valid(day: dt.date) -> dict[str, dt.date]:
    return {"valid_from__lte": day, "valid_to__gt": day}


def _holders(role: str, day: dt.date) -> set[int]:
    return set(Position.objects.filter(role=role, **_valid(day)).values_list("unit_id", flat=True))


def _check_home_warnings(now: dt.date) -> None:
    """Each warning of the home page has real rows over the province, and a handful only of
    units without a secretary; Hoàn Lão's committee sees its own probation and transit rows."""
    province = Unit.objects.filter(code=PROVINCE)
    subtree = Unit.objects.filter(pk__in=_subtree_ids(PROVINCE, now))
    alerts = {a.key: a for a in warnings_for(subtree, now)[0]}
    assert set(alerts) == {"probation", "small_branch", "no_secretary", "transit"}
    assert 3 <= alerts["no_secretary"].total <= 8
    vacant = alerts["no_secretary"].items
    assert all(i.detail == UnitKind.BRANCH.label and "-CB" in i.code for i in vacant), vacant
    details = [i.detail for i in alerts["probation"].items]
    assert any("chưa có quyết định" in d for d in details)
    assert any("chưa có quyết định" not in d for d in details)
    late = alerts["transit"].items
    assert late and all(working_days_between(i.day, now) > 30 for i in late if i.day)
    hoan_lao = Unit.objects.filter(pk__in=_subtree_ids(HOAN_LAO, now))
    assert {a.key for a in warnings_for(hoan_lao, now)[0]} >= {
        "probation",
        "transit",
        "no_secretary",
    }
    assert province.exists()


def _subtree_ids(code: str, day: dt.date) -> list[int]:
    lo, hi = subtree_range(span_on(Unit.objects.get(code=code), day).path)
    return list(
        UnitSpan.objects.filter(path__gte=lo, path__lt=hi, **_valid(day)).values_list(
            "unit_id", flat=True
        )
    )


def _check_accounts(printed: str, now: dt.date) -> None:
    """`coso load-demo` made the five logins; the branch secretary is that branch's secretary
    and `dangvien` one of its members."""
    for name in ("admin", "tochuc.quangbinh", "bithu.hoanlao", "bithu.chibo", "dangvien"):
        assert f"  {name} / mật khẩu: demo-password-for-tests" in printed
    role = Role.objects.get(user__username="bithu.chibo", kind=RoleKind.BRANCH_SECRETARY)
    secretary = Account.objects.get(user__username="bithu.chibo").member
    assert secretary is not None
    assert Position.objects.filter(
        member=secretary, unit=role.unit, role=PositionRole.SECRETARY, **_valid(now)
    ).exists()
    assert span_on(role.unit, now).path.startswith(
        span_on(Unit.objects.get(code=HOAN_LAO), now).path
    )
    member = Account.objects.get(user__username="dangvien").member
    assert member is not None and member != secretary
    assert member.home_unit == role.unit and member.status in IN_PARTY
    officer = Role.objects.get(user__username="tochuc.quangbinh")
    assert officer.kind == RoleKind.ORG_OFFICER and officer.unit.code == PROVINCE
    assert get_user_model().objects.get(username="admin").check_password("demo-password-for-tests")
    # The database is marked as the demo, so `coso ensure-admin` (make demo) resets all five.
    assert is_demo_database()
    again = io.StringIO()
    call_command("ensure_admin", stdout=again)
    for name in ("admin", "tochuc.quangbinh", "bithu.hoanlao", "bithu.chibo", "dangvien"):
        assert f"  {name} / mật khẩu: demo-password-for-tests" in again.getvalue()


def _check_import_templates(folder: Path) -> None:
    """The example row of each downloadable import template imports cleanly into the demo."""
    for kind, importer in (("units", import_units), ("members", import_members)):
        path = folder / f"mau-{kind}.xlsx"
        path.write_bytes(template_xlsx(kind))
        assert importer(path, progress=False).rows == 1


def _check_meetings(now: dt.date) -> None:
    """Two years of branch meetings, and the activity warnings have something to show."""
    first = Meeting.objects.order_by("on").first()
    assert first is not None and first.on >= add_months(now, -24)
    assert Meeting.objects.filter(unit__code__startswith=f"{HOAN_LAO}-").exists()
    assert Invitation.objects.exists()
    province = Unit.objects.get(code=PROVINCE)
    found = {w.kind for w in activity_warnings(province, add_months(now, -24), now, on=now)}
    assert {WarningKind.NO_REGULAR, WarningKind.ABSENT_UNEXCUSED} <= found, found


def test_load_demo_refuses_a_database_with_units_and_if_empty_succeeds():
    create_unit(code="01", name="Đảng bộ thành phố Hà Nội", kind="province", parent=None, on=D2019)
    # CommandError: `coso load-demo` prints the message and exits with status 1.
    with pytest.raises(CommandError, match="đã có đơn vị"):
        call_command("load_demo", "--no-progress", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "không nạp lại" in out.getvalue()
    assert Unit.objects.count() == 1


def test_the_demo_is_deterministic_and_uses_real_codes():
    first, second, other = demo_7(), build_demo(7), build_demo(8)
    assert [m.csv() for m in first.members] == [m.csv() for m in second.members]
    assert [u.csv() for u in first.units] == [u.csv() for u in second.units]
    assert [(s.day, s.op, s.member, s.unit) for s in first.timeline()] == [
        (s.day, s.op, s.member, s.unit) for s in second.timeline()
    ]
    assert [m.csv() for m in other.members[:50]] != [m.csv() for m in first.members[:50]]
    codes = {u.code for u in first.units}
    districts, communes = legacy_units()
    assert {d.code for d in districts} == DISTRICTS
    assert {c.code for c in communes} <= codes and len(communes) == 145
    assert "19111-CB01" in codes and "455" in codes
    ethnicities = {m.ethnicity for m in first.members}
    assert {"Kinh", "Bru-Vân Kiều", "Chứt"} <= ethnicities
    kinh = sum(m.ethnicity == "Kinh" for m in first.members)
    assert kinh > 0.9 * len(first.members)
    minority = {m.branch.split("-")[0] for m in first.members if m.ethnicity != "Kinh"}
    assert minority <= {"18904", "18907", "18946", "19147", "19192", "19204", "19318", "19327"}


def test_the_reform_plan_follows_the_official_mapping():
    rows = demo_7().reform_rows
    mapping = reform_mapping()
    assert len(mapping) == 41
    hoan_lao = next(n for n in mapping if n.code == HOAN_LAO)
    assert set(hoan_lao.sources) == {HOAN_LAO, "19177", "19180", "19183", "19186"}
    merges = {(r[1], r[2]) for r in rows if r[0] == "merge"}
    assert {(c, HOAN_LAO) for c in ("19177", "19180", "19183", "19186")} <= merges
    # Every old commune is either kept (moved under 44) or merged, exactly once.
    kept = {r[1] for r in rows if r[0] == "move"}
    _districts, communes = legacy_units()
    assert sorted(kept | {m[0] for m in merges}) == sorted(c.code for c in communes)
    assert not kept & {m[0] for m in merges}
    assert ["retype", HOAN_LAO, "", "", "commune", ""] in rows
    assert ["retype", BORDER_GUARD, "", "", "commune", ""] in rows
    # Districts are dissolved after every commune has left them, then the province renamed.
    first_dissolve = min(i for i, r in enumerate(rows) if r[0] == "dissolve")
    assert all(r[0] in ("dissolve", "rename") for r in rows[first_dissolve:])
    assert rows[-1] == ["rename", PROVINCE, "", "Đảng bộ tỉnh Quảng Trị", "", ""]


def test_a_new_commune_without_an_old_code_is_created(monkeypatch):
    from coso.demo import quangbinh
    from coso.demo.geography import NewCommune

    real = reform_mapping()
    fake = [
        NewCommune("99999", "Xã Thử Nghiệm", "Xã", real[0].sources),
        *real[1:],
    ]
    monkeypatch.setattr(quangbinh, "reform_mapping", lambda: tuple(fake))
    rows = build_demo(7).reform_rows
    assert rows[0] == ["create", "99999", PROVINCE, "Đảng bộ xã Thử Nghiệm", "commune", "commune"]
    assert [r for r in rows if r[2] == "99999"] == [
        ["merge", code, "99999", "", "", ""] for code in real[0].sources
    ]
