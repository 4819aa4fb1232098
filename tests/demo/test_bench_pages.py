"""`coso bench --pages` on a small generated dataset: every route measured or listed with a
reason, as every bench account, and no 500 anywhere."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coso.accounts.models import Account, Role, RoleKind
from coso.core.errors import CosoError
from coso.demo.bench_accounts import ensure_bench_accounts
from coso.demo.bench_pages import (
    END,
    START,
    merge_reports,
    report_from_dict,
    routes,
    run_page_bench,
    write_report,
)
from coso.demo.generate import generate_dataset
from coso.members.models import Member
from coso.units.models import Unit
from coso.units.operations import create_unit

pytestmark = pytest.mark.slow


def test_bench_accounts_refuse_a_database_not_generated() -> None:
    create_unit(code="44", name="Tỉnh thật", kind="province", parent=None, on=dt.date(2020, 1, 1))
    with pytest.raises(CosoError, match="coso generate"):
        ensure_bench_accounts("secret-password-1")
    assert not get_user_model().objects.filter(username__startswith="bench.").exists()


def test_bench_accounts_one_per_level_and_idempotent() -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    first = ensure_bench_accounts("secret-password-1")
    again = ensure_bench_accounts("secret-password-2")
    assert first == again
    assert [a.level for a in first] == [
        "central",
        "central",
        "province",
        "commune",
        "branch",
        "member",
    ]
    users = get_user_model().objects.filter(username__startswith="bench.")
    assert users.count() == 6
    assert all(u.check_password("secret-password-2") for u in users)
    assert Role.objects.filter(user__in=users).count() == 6  # exactly one role each
    by_name = {a.username: a for a in first}
    assert Role.objects.get(user__username="bench.province").unit.code == "44"
    branch = Unit.objects.get(code=by_name["bench.branch"].unit_code)
    member = Member.objects.get(member_id=by_name["bench.member"].member_id)
    assert member.home_unit == branch
    assert Account.objects.get(user__username="bench.member").member == member
    assert Role.objects.get(user__username="bench.member").kind == RoleKind.MEMBER
    secretary = Account.objects.get(user__username="bench.branch").member
    assert secretary is not None and secretary.home_unit == branch and secretary != member


def test_harness_measures_every_route_or_says_why_and_finds_no_500(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    report = run_page_bench(repeats=1, timeout_s=120)
    accounts = [a.username for a in report.accounts]
    measured = {(f.route, f.account) for f in report.figures}
    skipped = {(n.route, n.account) for n in report.not_measured}
    # Every route of the URL configuration, for every account: measured or listed with a reason.
    for route in routes():
        for account in accounts:
            assert (route.name, account) in measured | skipped, (route.name, account)
    assert all(n.reason for n in report.not_measured)
    # Only writes are left out on a generated dataset: every argument was resolved.
    assert {n.reason for n in report.not_measured} == {"takes only POST (a write)"}
    assert not report.errors, [(f.account, f.url, f.status, f.error) for f in report.errors]
    for f in report.figures:
        assert f.p95_ms >= f.p50_ms > 0 and f.runs >= 1 and f.queries >= 0
    # The slow examples are among the requests.
    urls = {(f.account, f.url) for f in report.figures}
    assert ("bench.central", "/members/?q=nguyen van an") in urls
    assert ("bench.province", "/members/?q=hung") in urls
    # Pages answer for the roles they are for (a few representative ones).
    status = {(f.account, f.url): f.status for f in report.figures}
    assert status[("bench.admin", "/")] == 200
    assert status[("bench.province", "/units/44/")] == 200
    assert status[("bench.member", "/me/")] == 200
    assert status[("bench.member", "/members/")] == 404  # members have no member list
    assert report.figures == sorted(report.figures, key=lambda f: -f.p95_ms)


def test_command_writes_only_between_its_markers(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    # The whole walk is the test above; here one route is enough (`--routes`).
    target = tmp_path / "PERFORMANCE.md"
    target.write_text(f"# P\n\nBefore.\n\n{START}\nold\n{END}\n\nAfter.\n<!-- bench:start -->x\n")
    out = StringIO()
    call_command(
        "bench", pages=True, repeats=1, json=True, routes="web:home", write=str(target), stdout=out
    )
    text = out.getvalue()
    data = json.loads(text[: text.rindex("}") + 1])
    assert data["figures"] and data["accounts"]
    back = report_from_dict(data)
    assert {f.route for f in back.figures} == {"web:home"} and len(back.accounts) == 6
    both = merge_reports([back, back])
    assert len(both.figures) == 2 * len(back.figures) and len(both.accounts) == 12
    written = target.read_text()
    assert "Before." in written and "After." in written and "old" not in written
    assert "<!-- bench:start -->x" in written
    assert "| account | route | URL |" in written and "Not measured:" in written


def test_write_report_appends_the_section_when_missing(tmp_path: Path) -> None:
    target = tmp_path / "P.md"
    target.write_text("# Performance\n\nNotes.\n")
    write_report(target, "first\n")
    write_report(target, "second\n")
    body = target.read_text()
    assert "Notes." in body and "second" in body and "first" not in body
    assert body.count(START) == 1
