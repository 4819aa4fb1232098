"""`coso loadtest prepare` and `coso loadtest report` on a small generated dataset: every role's
targets answer 200 for that role, exactly as the locustfile asks them (the locustfile itself
runs in Locust's environment, see docs/PERFORMANCE.md; these tests need no Locust)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from coso.accounts.models import SiteSettings
from coso.demo.bench_accounts import BenchAccount
from coso.demo.bench_pages import login
from coso.demo.generate import generate_dataset
from coso.demo.load_report import markers
from coso.demo.load_targets import PAST_DAYS, ROLE_OF, past_day
from coso.units.models import UnitSpan

pytestmark = pytest.mark.slow

STATS = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
    "GET,member /me/,12,0,16,30.5,7.1,80.2,9000.0,2.0,0.0,16,18,20,25,60,70,80,80,80,80,80\n"
    ",Aggregated,12,0,16,30.5,7.1,80.2,9000.0,2.0,0.0,16,18,20,25,60,70,80,80,80,80,80\n"
)


def _pages(target: dict[str, object]) -> list[str]:
    """The URLs the locustfile asks as this role (one of each kind)."""
    code = target["unit_code"]
    member_ids = target["member_ids"]
    assert isinstance(member_ids, list) and member_ids
    urls = [
        "/",
        f"/units/{code}/",
        "/me/",
        f"/units/{code}/meetings/",
        f"/api/v1/units/{code}/stats",
        f"/api/v1/units/{code}/stats?as_of={target['past_day']}",
        *[f"/members/{m}/" for m in member_ids],
    ]
    if target["role"] != "member":
        urls += [f"/units/{code}/activity-report/", "/members/?q=hung", "/proposals/", "/tree/"]
        names = target["member_names"]
        assert isinstance(names, list) and len(names) == len(member_ids)
        urls += [f"/members/?{urlencode({'q': name})}" for name in names[:3]]
    if target["meeting_id"]:
        urls.append(f"/meetings/{target['meeting_id']}/")
    if target["proposal_id"]:
        urls.append(f"/proposals/{target['proposal_id']}/")
    return urls


def test_prepare_writes_targets_every_role_can_open(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    # A run with a wrong password left a bench login locked out; someone else's failures stay.
    for username in ("bench.central", "somebody"):
        AccessAttempt.objects.create(
            username=username, ip_address="127.0.0.1", user_agent="locust", failures_since_start=9
        )
    out = tmp_path / "targets.json"
    call_command("loadtest_prepare", out=str(out), stdout=StringIO())
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["somebody"]
    targets = json.loads(out.read_text(encoding="utf-8"))
    accounts = targets["accounts"]
    assert [a["role"] for a in accounts] == list(ROLE_OF.values())
    by_role = {a["role"]: a for a in accounts}
    assert by_role["member"]["member_ids"] == [by_role["member"]["member_ids"][0]]
    assert by_role["member"]["member_names"] == []
    assert len(by_role["central"]["member_ids"]) > len(by_role["branch"]["member_ids"]) > 1
    assert by_role["branch"]["meeting_id"] and by_role["member"]["meeting_id"]
    assert by_role["commune"]["proposal_id"] and not by_role["province"]["proposal_id"]
    for target in accounts:
        day = dt.date.fromisoformat(target["past_day"])
        assert UnitSpan.objects.filter(
            unit__code=target["unit_code"], valid_from__lte=day, valid_to__gt=day
        ).exists()
        account = BenchAccount(target["username"], target["level"], "", target["unit_code"], None)
        client = login(account, targets["password"])  # through the login form, as Locust
        for url in _pages(target):
            response = client.get(url)
            assert response.status_code == 200, (target["username"], url)
        # The full names searched are the sampled members': each search finds its member.
        if target["role"] == "member":
            continue
        for member_id, name in zip(target["member_ids"], target["member_names"], strict=True):
            found = client.get("/members/", {"q": name}).content.decode()
            assert member_id in found, (target["username"], name)


def test_prepare_warns_when_officers_owe_a_second_factor(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    site = SiteSettings.current()
    site.totp_required_for_officers = True
    site.save()
    err = StringIO()
    call_command("loadtest_prepare", out=str(tmp_path / "t.json"), stdout=StringIO(), stderr=err)
    assert "bench.central and bench.province will be sent to the 2FA page" in err.getvalue()
    # And so they are: the locustfile counts that redirect as a failed login.
    account = BenchAccount("bench.province", "province", "", "44", None)
    client = login(account, json.loads((tmp_path / "t.json").read_text())["password"])
    assert client.get("/").status_code == 302


def test_past_day_falls_back_for_a_unit_made_by_the_reform() -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    old = UnitSpan.objects.filter(valid_from__lte=PAST_DAYS[0], valid_to__gt=PAST_DAYS[0]).first()
    assert old is not None
    assert past_day(old.unit.code) == PAST_DAYS[0]
    new = (
        UnitSpan.objects.filter(valid_from__gt=PAST_DAYS[0], valid_from__lte=PAST_DAYS[1])
        .exclude(unit__spans__valid_from__lte=PAST_DAYS[0])
        .first()
    )
    assert new is not None
    assert past_day(new.unit.code) == PAST_DAYS[1]
    assert past_day("NO-SUCH-UNIT", dt.date(2026, 12, 5)) == dt.date(2026, 11, 5)


def test_report_command_writes_between_the_markers(tmp_path: Path) -> None:
    generate_dataset(members=2000, seed=4, progress=False)
    (tmp_path / "run_stats.csv").write_text(STATS, encoding="utf-8")
    (tmp_path / "run_whole_run.json").write_text(
        '{"requests": 20, "failures": []}', encoding="utf-8"
    )
    page = tmp_path / "PERFORMANCE.md"
    start, end = markers()
    page.write_text(f"# P\n\n{start}\nold\n{end}\n\nAfter.\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "loadtest_report",
        csv=str(tmp_path / "run"),
        write=str(page),
        users="20",
        run_time="60s",
        load_before="0.5 0.4 0.3 1/200 123",
        stdout=out,
    )
    text = page.read_text(encoding="utf-8")
    assert "old" not in text and text.endswith(f"{end}\n\nAfter.\n")
    assert "| member | `/me/` | 12 | 0 | 16 | 70 | 80 | 80 |  |" in text
    assert "2,000 members in the Party" in text  # the database it was pointed at
    assert "load average before 0.5 / 0.4 / 0.3" in text
    assert "Whole run, spawning and logins included: 20 requests, failed: **0**" in text
    assert "failed requests: 0" in out.getvalue()
