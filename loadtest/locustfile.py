"""The load test: users of every role walking their daily pages (Locust).

Run by `scripts/loadtest.sh URL` (see docs/PERFORMANCE.md, "Load test"), which first runs
`coso loadtest prepare` on the server's database: that creates the bench accounts
(coso/demo/bench_accounts.py, only on a generated dataset) and writes var/loadtest/targets.json,
which this file reads (path in LOADTEST_TARGETS). This file runs in Locust's own environment
(`uv sync --only-group load` into .venv-load) and imports nothing of Coso.

One user class per role, weighted like a working day (many members and branch secretaries,
few at the centre); several users of a role share its bench login (one session each). Each user
logs in through the real login form (CSRF cookie and token), then walks its role's pages with a
think time between them (LOADTEST_WAIT, "1-5" seconds). Every request is named
"<role> <route pattern>" (never with an id), so Locust's figures are one row per page and role.

A page counts as failed when it does not answer 200 directly (a redirect, to the login or the
second-factor page, is a failure too: the user is not where it meant to be), or answers 200
without the page's HTML or JSON.
"""

from __future__ import annotations

import json
import os
import random
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from locust import between, events
from locust.contrib.fasthttp import FastHttpUser

TARGETS = Path(os.environ.get("LOADTEST_TARGETS", "var/loadtest/targets.json"))
WAIT = os.environ.get("LOADTEST_WAIT", "1-5")
TIMEOUT_S = float(os.environ.get("LOADTEST_TIMEOUT", "60"))
# Member searches an officer types (the slow examples first).
SEARCHES = ("nguyen van an", "hung", "tran thi", "le van", "pham minh", "hoa")

LOGIN = "/accounts/login/"

_targets: dict[str, Any] | None = None


def targets() -> dict[str, Any]:
    global _targets
    if _targets is None:
        if not TARGETS.exists():
            raise SystemExit(
                f"{TARGETS} is missing: run `coso loadtest prepare --out {TARGETS}` on the "
                "server's database first (scripts/loadtest.sh does)"
            )
        _targets = json.loads(TARGETS.read_text(encoding="utf-8"))
    return _targets


def account(role: str) -> dict[str, Any]:
    for entry in targets()["accounts"]:
        if entry["role"] == role:
            return dict(entry)
    raise SystemExit(f"{TARGETS} has no account for the role «{role}»")


def _wait() -> Any:
    low, _dash, high = WAIT.partition("-")
    return between(float(low), float(high or low))


def _cookie(jar: CookieJar, name: str) -> str | None:
    for cookie in jar:
        if cookie.name == name:
            return cookie.value
    return None


@events.test_start.add_listener
def _check_targets(environment: Any, **_kwargs: Any) -> None:
    targets()  # fail at once, not in every user, when the file is missing


# Every request and failure of the whole run, spawning included: Locust's own figures are reset
# when every user has been spawned (--reset-stats), these never are. Written at the end to
# LOADTEST_WHOLE_RUN (JSON) for `coso loadtest report`, and any failure makes the exit code 1.
WHOLE_RUN = os.environ.get("LOADTEST_WHOLE_RUN", "")
_whole: dict[str, Any] = {"requests": 0, "failures": {}}


@events.request.add_listener
def _count(request_type: str, name: str, exception: Any = None, **_kwargs: Any) -> None:
    _whole["requests"] += 1
    if exception is not None:
        key = (request_type, name, str(exception)[:300])
        _whole["failures"][key] = _whole["failures"].get(key, 0) + 1


@events.quitting.add_listener
def _write_whole_run(environment: Any, **_kwargs: Any) -> None:
    failures = [
        {"method": m, "name": n, "error": e, "occurrences": c}
        for (m, n, e), c in sorted(_whole["failures"].items(), key=lambda item: -item[1])
    ]
    if failures:
        environment.process_exit_code = 1
    if WHOLE_RUN:
        Path(WHOLE_RUN).write_text(
            json.dumps({"requests": _whole["requests"], "failures": failures}, indent=2),
            encoding="utf-8",
        )


class RoleUser(FastHttpUser):
    """One role's working day; subclasses set `role` and `tasks` (page → weight)."""

    abstract = True
    role: ClassVar[str] = ""
    wait_time = _wait()
    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S

    def on_start(self) -> None:
        self.me = account(self.role)
        self.code = self.me["unit_code"]
        self.logged_in = self.login()

    # -- the login through the form ----------------------------------------------------------
    def login(self) -> bool:
        """Log in through the form; a refusal is recorded as a failure and tried again at the
        next task (so it still shows in figures reset after the spawning, --reset-stats)."""
        name = f"{self.role} {LOGIN}"
        with self.client.get(LOGIN, name=name, allow_redirects=False, catch_response=True) as page:
            token = _cookie(self.client.cookiejar, "csrftoken")
            if page.status_code != 200 or not token:
                page.failure(f"login form: {page.status_code}, CSRF cookie {bool(token)}")
                return False
        form = {
            "username": self.me["username"],
            "password": targets()["password"],
            "csrfmiddlewaretoken": token,
            "next": "/",
        }
        with self.client.post(
            LOGIN,
            data=form,
            name=name,
            headers={"Referer": f"{self.host}{LOGIN}", "X-CSRFToken": token},
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302 or not _cookie(self.client.cookiejar, "sessionid"):
                answer.failure(
                    f"login of {self.me['username']} refused ({answer.status_code}): wrong "
                    "password, or locked out after failures (429; `coso loadtest prepare` "
                    "clears the bench logins' failures)"
                )
                return False
            where = answer.headers.get("Location", "")
            if "/2fa/" in where or "/password/" in where:
                answer.failure(
                    f"{self.me['username']} is sent to {where} after the login: the bench "
                    "accounts must not owe a second factor or a password change"
                )
                return False
        return True

    # -- one page ----------------------------------------------------------------------------
    def page(self, url: str, pattern: str, params: dict[str, str] | None = None) -> None:
        """GET `url` named "<role> <pattern>"; anything but a direct 200 is a failure."""
        if not self.logged_in:
            self.logged_in = self.login()
            return
        api = url.startswith("/api/")
        if params:
            url += "?" + urlencode(params)
        with self.client.get(
            url,
            name=f"{self.role} {pattern}",
            allow_redirects=False,
            catch_response=True,
            headers={"Accept": "application/json" if api else "text/html"},
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code}" + (f" → {where}" if where else ""))
            elif not response.content or (
                not api and b"<html" not in response.content[:2000].lower()
            ):
                response.failure("200 without the page")

    def home(self) -> None:
        self.page("/", "/")

    def unit(self) -> None:
        self.page(f"/units/{self.code}/", "/units/{code}/")

    def report(self) -> None:
        self.page(f"/units/{self.code}/activity-report/", "/units/{code}/activity-report/")

    def search(self) -> None:
        self.page("/members/", "/members/?q=…", {"q": random.choice(SEARCHES)})

    def search_name(self) -> None:
        # A full name of someone in the user's tree, as typed with its marks.
        self.page(
            "/members/", "/members/?q=full name", {"q": random.choice(self.me["member_names"])}
        )

    def member(self) -> None:
        member_id = random.choice(self.me["member_ids"])
        self.page(f"/members/{member_id}/", "/members/{member_id}/")

    def me_page(self) -> None:
        self.page("/me/", "/me/")

    def meetings(self) -> None:
        self.page(f"/units/{self.code}/meetings/", "/units/{code}/meetings/")

    def meeting(self) -> None:
        if self.me.get("meeting_id"):
            self.page(f"/meetings/{self.me['meeting_id']}/", "/meetings/{id}/")

    def proposals(self) -> None:
        self.page("/proposals/", "/proposals/")

    def proposal(self) -> None:
        if self.me.get("proposal_id"):
            self.page(f"/proposals/{self.me['proposal_id']}/", "/proposals/{id}/")

    def stats_today(self) -> None:
        self.page(f"/api/v1/units/{self.code}/stats", "/api/v1/units/{code}/stats")

    def stats_past(self) -> None:
        self.page(
            f"/api/v1/units/{self.code}/stats",
            "/api/v1/units/{code}/stats?as_of=past",
            {"as_of": self.me["past_day"]},
        )

    def tree(self) -> None:
        self.page("/tree/", "/tree/")


# What an officer above the branches opens in a day, and how often (relative weights).
OFFICER_DAY = {
    RoleUser.home: 3,
    RoleUser.unit: 3,
    RoleUser.report: 2,
    RoleUser.search: 2,
    RoleUser.search_name: 1,
    RoleUser.member: 3,
    RoleUser.tree: 2,
    RoleUser.stats_today: 2,
    RoleUser.stats_past: 1,
    RoleUser.proposals: 1,
    RoleUser.meetings: 1,
    RoleUser.me_page: 1,
}


# The centre's users are a fixed count (spawned first), so that a small run has them too; the
# other roles share the remaining users by weight (100 users: 2, 5, then 8 / 15 / 30 / 40).
class AdminUser(RoleUser):
    """The administrator at the centre."""

    role = "admin"
    fixed_count = 2
    tasks = OFFICER_DAY


class CentralUser(RoleUser):
    """The central organization officer (the whole country)."""

    role = "central"
    fixed_count = 5
    tasks = OFFICER_DAY


class ProvinceUser(RoleUser):
    """A province's organization officer."""

    role = "province"
    weight = 8
    tasks = OFFICER_DAY


class CommuneUser(RoleUser):
    """A member of a commune's committee."""

    role = "commune"
    weight = 15
    tasks = {**OFFICER_DAY, RoleUser.proposal: 1, RoleUser.meetings: 2}


class BranchUser(RoleUser):
    """A branch secretary."""

    role = "branch"
    weight = 30
    tasks = {
        RoleUser.home: 3,
        RoleUser.unit: 3,
        RoleUser.meetings: 3,
        RoleUser.meeting: 2,
        RoleUser.member: 3,
        RoleUser.search: 1,
        RoleUser.search_name: 1,
        RoleUser.report: 1,
        RoleUser.proposals: 1,
        RoleUser.proposal: 1,
        RoleUser.stats_today: 1,
        RoleUser.stats_past: 1,
        RoleUser.me_page: 2,
        RoleUser.tree: 1,
    }


class MemberUser(RoleUser):
    """A member: their own page, their branch's meetings, their record."""

    role = "member"
    weight = 40
    tasks = {
        RoleUser.home: 3,
        RoleUser.me_page: 4,
        RoleUser.unit: 2,
        RoleUser.meetings: 2,
        RoleUser.meeting: 2,
        RoleUser.member: 2,
        RoleUser.stats_today: 1,
        RoleUser.stats_past: 1,
    }
