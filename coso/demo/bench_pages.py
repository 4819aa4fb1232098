"""`coso bench --pages`: every route of the URL configuration, as every bench account, timed.

The route list comes from the URL configuration itself (`get_resolver()`, as the route-matrix
test walks it), so a new page is measured without anyone adding it here; each route's arguments
are resolved to real objects of the dataset: the account's unit, a member of the bench branch, a
meeting of that branch (planned through coso.meetings.operations if it has none), a proposal
filed through the catalogue by the branch secretary, an import job, a calendar address.
A route whose arguments cannot be resolved, or that takes only writes (POST), is listed as not
measured with the reason: nothing is skipped silently.

Requests go through Django's test `Client` against the current database, in this process:
the figures are server time (middleware, view, templates, queries) without the network or a
web server in front. Each account logs in through the real login form. Each request is made
once untimed (the warm-up a running server has had), then timed `repeats` times; a route whose
warm-up takes longer than `slow_cap_ms` is timed once (that one request) to keep a national run
bounded. The query count is that of the slowest run (`CaptureQueriesContext`).

Pages that are themselves writes of a GET are few (a member's page records the sensitive view
in the audit trail); everything the harness creates for itself (accounts, a meeting, a
proposal, an import job) is kept and reused by the next run.
"""

from __future__ import annotations

import _thread
import contextlib
import datetime as dt
import logging
import math
import re
import statistics
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coso.core.dates import today
from coso.core.errors import CosoError
from coso.demo.bench_accounts import BenchAccount, ensure_bench_accounts

TARGET_MS = 300.0
SLOW_CAP_MS = 5_000.0
TIMEOUT_S = 60.0  # a request still running then is stopped and shown as timed out
BENCH_PASSWORD = "Bench-pages-2026!"  # only ever set on a generated dataset (bench_accounts)
SKIPPED_NAMESPACES = {"admin"}  # Django's admin site: Django's own pages, not Coso's
SKIPPED_PREFIXES = ("static/", "media/")
# The slow examples, measured besides the plain route (web:members without a query).
EXTRA_QUERIES: dict[str, list[dict[str, str]]] = {
    "web:members": [{"q": "nguyen van an"}, {"q": "hung"}],
    "api:list_members": [{"q": "nguyen van an"}, {"q": "hung"}],
    "web:tree": [{"as_of": "31/12/2024"}],
    "web:unit": [{"as_of": "31/12/2024"}],
    "api:unit_stats": [{"as_of": "2024-12-31"}],
}

START = "<!-- pages:start (written by `coso bench --pages --write`) -->"
END = "<!-- pages:end -->"


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # the full pattern, e.g. "units/<str:code>/"
    params: tuple[str, ...]  # the pattern's arguments, in order


def routes() -> list[Route]:
    """Every route of the URL configuration, less Django's admin and static files."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for entry in patterns:
            pattern = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
                yield from walk(entry.url_patterns, pattern, inner)
            elif isinstance(entry, URLPattern) and not pattern.startswith(SKIPPED_PREFIXES):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern)
                yield Route(
                    name=name or pattern,
                    pattern=pattern,
                    params=tuple(a or b for a, b in params),
                )

    return list(walk(get_resolver().url_patterns, "", ""))


# -- the objects the routes name ------------------------------------------------------------
@dataclass
class Fixtures:
    """Real objects of the dataset for the routes' arguments (None: there is none)."""

    member_id: str  # a member of the bench branch (visible to every account)
    meeting_id: int | None = None
    meeting_document_id: int | None = None
    proposal_id: int | None = None
    proposal_document_id: int | None = None
    calendar_token: str | None = None
    import_jobs: dict[str, str] = field(default_factory=dict)  # username -> job token
    directive_id: int | None = None  # registered at the bench commune, cascaded to its branches
    directive_file_id: int | None = None
    step_id: int | None = None  # the bench branch's study step
    resolution_id: int | None = None
    criteria_id: int | None = None
    assessment_id: int | None = None
    household_id: int | None = None  # in the bench branch's area if it has one
    assignment_id: int | None = None  # a member of the bench branch follows it for the commune
    petition_id: int | None = None  # handled by the bench commune if it has one
    case_id: int | None = None  # a case of the bench branch's member, handled by the commune
    case_file_id: int | None = None
    decision_id: int | None = None  # a reprimand of that case, under appeal
    appeal_id: int | None = None
    plan_id: int | None = None  # the commune's inspection plan
    notes: list[str] = field(default_factory=list)  # why a fixture is missing


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _meeting(branch_code: str, fixtures: Fixtures) -> None:
    from coso.meetings.documents import store_document
    from coso.meetings.models import Document, Meeting, MeetingStatus
    from coso.meetings.operations import plan_meeting
    from coso.units.models import Unit

    branch = Unit.objects.get(code=branch_code)
    day = today()
    meeting = (
        Meeting.objects.filter(unit=branch, status=MeetingStatus.PLANNED, on__gte=day)
        .order_by("on", "pk")
        .first()
    )
    if meeting is None:
        # A past month's held meeting and next week's planned one, as a branch would have.
        plan_meeting(branch, kind="regular", on=day - dt.timedelta(days=30), place="Hội trường")
        meeting = plan_meeting(
            branch, kind="regular", on=day + dt.timedelta(days=7), place="Nhà văn hóa thôn"
        )
    fixtures.meeting_id = meeting.pk
    document = Document.objects.filter(meeting=meeting).order_by("pk").first()
    if document is None:
        document = store_document(meeting, name="chuong-trinh.pdf", data=PDF)
    fixtures.meeting_document_id = document.pk


def _proposal(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from django.contrib.auth import get_user_model

    from coso.authority import catalogue
    from coso.authority.models import Proposal, ProposalDocument, ProposalStatus
    from coso.authority.proposals import attach_document
    from coso.members.models import Member

    secretary = next(a for a in accounts if a.level == "branch")
    member = Member.objects.get(member_id=fixtures.member_id)
    user = get_user_model().objects.get(username=secretary.username)
    proposal = (
        Proposal.objects.filter(member=member, act="strike_off", status=ProposalStatus.PENDING)
        .order_by("pk")
        .first()
    )
    if proposal is None:
        day = today()
        outcome = catalogue.perform(
            catalogue.ACTS["strike_off"],
            member,
            {
                "on": day.isoformat(),
                "reason": "Đo hiệu năng (dữ liệu sinh tự động)",
                "resolution_number": "01-NQ/CB",
                "resolution_date": day.isoformat(),
                "votes_for": 7,
                "votes_against": 0,
                "votes_abstain": 0,
                "resolution_note": "Đề nghị dùng cho `coso bench --pages`.",
            },
            user=user,
            channel="web",
        )
        if not outcome.proposed:
            fixtures.notes.append("the branch secretary's strike-off was done, not proposed")
            return
        proposal = outcome.proposal
    fixtures.proposal_id = proposal.pk
    document = ProposalDocument.objects.filter(proposal=proposal).order_by("pk").first()
    if document is None:
        document = attach_document(proposal, name="nghi-quyet.pdf", data=PDF, user=user, actor=None)
    fixtures.proposal_document_id = document.pk


def _directive(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from coso.followup.models import Attachment, Directive, Step
    from coso.followup.operations import (
        Terms,
        attach_file,
        cascade_directive,
        register_directive,
    )
    from coso.units.models import Unit

    commune = next(a for a in accounts if a.level == "commune")
    branch = next(a for a in accounts if a.level == "branch")
    owner = Unit.objects.get(code=commune.unit_code)
    number = "99-CT/BENCH"
    # A document the generator cascaded to every branch of the country (`coso generate`'s
    # extras) is what the centre and the provinces follow: the heaviest tracking there is.
    directive = (
        Directive.objects.filter(owner__spans__parent__isnull=True, number__startswith="SL-")
        .order_by("-issued_on")
        .first()
    ) or Directive.objects.filter(owner=owner, number=number).first()
    if directive is None:
        day = today()
        directive = register_directive(
            owner=owner,
            kind="directive",
            number=number,
            issued_on=day - dt.timedelta(days=40),
            issuer="Đảng ủy xã",
            title="Chỉ thị dùng cho `coso bench --pages`",
        )
        terms = Terms(study_days=30, plan_days=45, report_every_months=6, reports=2)
        cascade_directive(directive, owner, ["branch"], day - dt.timedelta(days=30), terms)
    if not Attachment.objects.filter(directive=directive).exists():
        attach_file(directive, name="chi-thi.pdf", data=PDF)
    fixtures.directive_id = directive.pk
    file = Attachment.objects.filter(directive=directive).order_by("pk").first()
    fixtures.directive_file_id = file.pk if file is not None else None
    step = (
        Step.objects.filter(
            implementation__directive=directive, implementation__unit__code=branch.unit_code
        )
        .order_by("pk")
        .first()
    )
    fixtures.step_id = step.pk if step is not None else None


def _oversight(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from coso.members.models import Member
    from coso.oversight import operations as ops
    from coso.oversight.models import Appeal, CaseFile, DisciplineDecision, ViolationCase
    from coso.units.models import Unit

    commune = Unit.objects.get(code=next(a for a in accounts if a.level == "commune").unit_code)
    title = "Vụ việc dùng cho `coso bench --pages`"
    case = ViolationCase.objects.filter(handling_unit=commune, title=title).first()
    if case is None:
        member = Member.objects.get(member_id=fixtures.member_id)
        day = today() - dt.timedelta(days=60)
        plan = ops.add_inspection_plan(
            commune,
            kind="inspection",
            title="Kiểm tra chấp hành (coso bench --pages)",
            period_start=day,
            period_end=today() + dt.timedelta(days=30),
            targets="Các chi bộ trực thuộc",
        )
        case = ops.open_case(
            subject=member,
            handling_unit=commune,
            source="inspection",
            title=title,
            facts="Nội dung vụ việc của dữ liệu đo.",
            violated_on=day,
            opened_on=day,
            plan=plan,
        )
        ops.attach_case_file(case, name="bien-ban.pdf", data=PDF)
        decided = ops.decide_discipline(
            case, form="reprimand", body=commune, on=day + dt.timedelta(days=10), decision=None
        )
        ops.lodge_appeal(decided, lodged_on=day + dt.timedelta(days=20), grounds="Xin xem xét lại.")
    fixtures.case_id = case.pk
    fixtures.plan_id = case.plan_id
    file = CaseFile.objects.filter(case=case).order_by("pk").first()
    fixtures.case_file_id = file.pk if file is not None else None
    decision = DisciplineDecision.objects.filter(case=case).order_by("pk").first()
    fixtures.decision_id = decision.pk if decision is not None else None
    appeal = Appeal.objects.filter(decision=decision).order_by("pk").first() if decision else None
    fixtures.appeal_id = appeal.pk if appeal is not None else None


def _oversight_argument(route: Route, param: str, fixtures: Fixtures) -> tuple[Any, str]:
    """A case's, its file's, its decision's, its appeal's or the plan's id, by the route."""
    pattern = route.pattern
    if param == "decision_id" or pattern.startswith("discipline/"):
        return fixtures.decision_id, "no discipline decision"
    if param == "appeal_id" or pattern.startswith("appeals/"):
        return fixtures.appeal_id, "no appeal"
    if pattern.startswith("case-files/"):
        return fixtures.case_file_id, "no case file"
    if pattern.startswith("inspection-plans/"):
        return fixtures.plan_id, "no inspection plan"
    return fixtures.case_id, "no violation case"


def _outreach(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from coso.members.models import Member
    from coso.outreach.models import Assignment, Household, Petition
    from coso.outreach.operations import assign_cadre
    from coso.units.models import Unit

    commune = Unit.objects.get(code=next(a for a in accounts if a.level == "commune").unit_code)
    branch = Unit.objects.get(code=next(a for a in accounts if a.level == "branch").unit_code)
    household = (
        Household.objects.filter(area=branch).order_by("pk").first()
        or Household.objects.order_by("pk").first()
    )
    fixtures.household_id = household.pk if household is not None else None
    petition = (
        Petition.objects.filter(handling_unit=commune).order_by("pk").first()
        or Petition.objects.order_by("pk").first()
    )
    fixtures.petition_id = petition.pk if petition is not None else None
    assignment = Assignment.objects.filter(unit=branch).order_by("pk").first()
    if assignment is None:
        member = Member.objects.filter(home_unit=branch, status="official").order_by("pk").first()
        if member is not None:
            assignment = assign_cadre(
                member=member,
                unit=branch,
                assigned_by=commune,
                on=today() - dt.timedelta(days=200),
                area="Theo dõi chi bộ (coso bench --pages)",
            )
    fixtures.assignment_id = assignment.pk if assignment is not None else None


def _quality(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from coso.quality.models import Assessment, CriteriaSet
    from coso.quality.operations import start_assessment
    from coso.units.models import Unit

    branch = Unit.objects.get(code=next(a for a in accounts if a.level == "branch").unit_code)
    criteria = CriteriaSet.objects.order_by("pk").first()
    if criteria is None:
        fixtures.notes.append("no criteria set (run `coso init`)")
        return
    fixtures.criteria_id = criteria.pk
    assessment = Assessment.objects.filter(unit=branch).order_by("pk").first()
    if assessment is None:
        year = today().year - 1
        assessment = start_assessment(
            branch, criteria, start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1)
        )
    fixtures.assessment_id = assessment.pk


def _resolution(fixtures: Fixtures) -> None:
    from coso.meetings.models import Meeting, Resolution
    from coso.meetings.operations import adopt_resolution, record_attendance, refresh_invitations

    if fixtures.meeting_id is None:
        return
    unit = Meeting.objects.get(pk=fixtures.meeting_id).unit
    resolution = Resolution.objects.filter(meeting__unit=unit).order_by("pk").first()
    if resolution is None:
        # Last month's meeting, held with everyone present, adopts one resolution.
        held = Meeting.objects.filter(unit=unit, on__lt=today()).order_by("-on", "-pk").first()
        if held is None:
            return
        refresh_invitations(held)
        present = {i.member.member_id: "present" for i in held.invitations.select_related("member")}
        record_attendance(held, present)
        resolution = adopt_resolution(held, title="Nghị quyết dùng để đo", votes_for=len(present))
    fixtures.resolution_id = resolution.pk


def _import_jobs(accounts: list[BenchAccount], fixtures: Fixtures) -> None:
    from django.contrib.auth import get_user_model

    from coso.web.models import ImportJob, ImportKind, ImportStatus

    for account in accounts:
        user = get_user_model().objects.get(username=account.username)
        job, _created = ImportJob.objects.get_or_create(
            user=user,
            file_name="bench-dang-vien.csv",
            defaults={
                "kind": ImportKind.MEMBERS,
                "path": "/nonexistent/bench-dang-vien.csv",
                "status": ImportStatus.REFUSED,
                "errors": [["bench-dang-vien.csv", 2, "branch", "không có đơn vị mã «X»"]],
                "error_count": 1,
                "summary": "1 lỗi, không có thay đổi nào được ghi.",
            },
        )
        fixtures.import_jobs[account.username] = str(job.token)


def prepare(password: str = BENCH_PASSWORD) -> tuple[list[BenchAccount], Fixtures]:
    """The bench accounts and the objects the routes will name (created once, then reused)."""
    from coso.meetings.ics import create_calendar_token
    from coso.members.models import Member

    accounts = ensure_bench_accounts(password)
    member = next(a for a in accounts if a.level == "member")
    assert member.member_id is not None and member.unit_code is not None
    fixtures = Fixtures(member_id=member.member_id)
    steps: list[Callable[[], None]] = [
        lambda: _meeting(str(member.unit_code), fixtures),
        lambda: _proposal(accounts, fixtures),
        lambda: _import_jobs(accounts, fixtures),
        lambda: _directive(accounts, fixtures),
        lambda: _quality(accounts, fixtures),
        lambda: _outreach(accounts, fixtures),
        lambda: _oversight(accounts, fixtures),
        lambda: _resolution(fixtures),
    ]
    for step in steps:
        try:
            step()
        except CosoError as exc:
            fixtures.notes.append(str(exc))
    fixtures.calendar_token = create_calendar_token(Member.objects.get(member_id=member.member_id))
    return accounts, fixtures


# -- resolving a route's arguments ----------------------------------------------------------
def _followup_argument(route: Route, param: str, fixtures: Fixtures) -> tuple[Any, str]:
    """A directive's, its file's, a step's or a resolution's id, by the route's pattern."""
    pattern = route.pattern
    if param == "attachment_id" or "directive-files" in pattern:
        return fixtures.directive_file_id, "no directive file"
    if param == "step_id" or "directive-steps" in pattern:
        return fixtures.step_id, "no directive step"
    if "resolutions" in pattern:
        return fixtures.resolution_id, "no resolution"
    return fixtures.directive_id, "no directive"


def _arguments(
    route: Route, account: BenchAccount, fixtures: Fixtures
) -> tuple[dict[str, Any] | None, str]:
    """The route's keyword arguments for `account`, or None and why not."""
    kwargs: dict[str, Any] = {}
    namespace = route.name.split(":", 1)[0] if ":" in route.name else ""
    for param in route.params:
        value: Any = None
        why = ""
        if param == "code":
            value = account.unit_code
        elif param == "member_id":
            value = account.member_id or fixtures.member_id
        elif param == "meeting_id" or (param == "pk" and namespace == "meetings"):
            if route.name == "meetings:document":
                value, why = fixtures.meeting_document_id, "no meeting document"
            else:
                value, why = fixtures.meeting_id, "no meeting of the bench branch"
        elif param == "proposal_id" or (param == "pk" and namespace == "authority"):
            value, why = fixtures.proposal_id, "no pending proposal"
        elif param == "document_id":
            if "proposal" in route.pattern:
                value, why = fixtures.proposal_document_id, "no proposal document"
            else:
                value, why = fixtures.meeting_document_id, "no meeting document"
        elif param == "token" and "imports" in route.pattern:
            value, why = fixtures.import_jobs.get(account.username), "no import job"
        elif param == "token":
            value, why = fixtures.calendar_token, "no calendar address"
        elif param == "user_id":  # the password reset: the account's own (refused, 404)
            from django.contrib.auth import get_user_model

            value = (
                get_user_model()
                .objects.filter(username=account.username)
                .values_list("pk", flat=True)
                .first()
            )
            why = "no such account"
        elif param == "kind":
            value = "members"
        elif param == "name" and route.name == "web:schedule_run":
            value = "snapshots"  # a POST (run now): only needs to reverse
        elif param == "name":
            value = "swagger-ui.css"
        elif namespace == "followup" and (param == "pk" or param.endswith("_id")):
            value, why = _followup_argument(route, param, fixtures)
        elif (namespace == "quality" and param == "pk") or param in (
            "criteria_id",
            "assessment_id",
        ):
            if "criteria" in route.pattern or param == "criteria_id":
                value, why = fixtures.criteria_id, "no criteria set"
            else:
                value, why = fixtures.assessment_id, "no assessment"
        elif param == "household_id" or route.name == "outreach:household":
            value, why = fixtures.household_id, "no household"
        elif param == "petition_id" or route.name == "outreach:petition":
            value, why = fixtures.petition_id, "no petition"
        elif param == "assignment_id" or route.name == "outreach:assignment":
            value, why = fixtures.assignment_id, "no assignment"
        elif (namespace == "oversight" and param == "pk") or param in (
            "case_id",
            "decision_id",
            "appeal_id",
        ):
            value, why = _oversight_argument(route, param, fixtures)
        elif param in ("directive_id", "attachment_id", "step_id"):
            value, why = _followup_argument(route, param, fixtures)
        elif param == "year":
            value = today().year - 1
        elif param == "pk" and route.name == "web:notice_read":
            value = 1  # a POST (mark as read): only needs to reverse
        elif param == "op":
            value = "recognize"
        elif param == "rest":
            value = "bench/nowhere"
        else:
            why = f"no rule for the argument «{param}»"
        if value is None:
            return None, why or f"no value for «{param}»"
        kwargs[param] = value
    return kwargs, ""


# -- measuring ------------------------------------------------------------------------------
@dataclass
class PageFigure:
    account: str
    level: str
    route: str
    url: str
    status: int
    p50_ms: float
    p95_ms: float
    queries: int
    runs: int
    error: str = ""

    @property
    def slow(self) -> bool:
        return self.p95_ms > TARGET_MS

    @property
    def failed(self) -> bool:
        """A 500 or a request stopped at the time limit."""
        return self.status >= 500 or self.status == TIMED_OUT


@dataclass
class NotMeasured:
    route: str
    account: str
    reason: str


@dataclass
class PageReport:
    figures: list[PageFigure]
    not_measured: list[NotMeasured]
    accounts: list[BenchAccount]
    repeats: int
    started: str
    seconds: float
    notes: list[str]

    @property
    def errors(self) -> list[PageFigure]:
        return [f for f in self.figures if f.failed]

    @property
    def slow(self) -> list[PageFigure]:
        return [f for f in self.figures if f.slow]

    def as_dict(self) -> dict[str, Any]:
        return {
            "figures": [asdict(f) for f in self.figures],
            "not_measured": [asdict(n) for n in self.not_measured],
            "accounts": [asdict(a) for a in self.accounts],
            "repeats": self.repeats,
            "started": self.started,
            "seconds": self.seconds,
            "notes": self.notes,
        }


def report_from_dict(data: dict[str, Any]) -> PageReport:
    """A report back from its JSON (`coso bench --pages --json`)."""
    return PageReport(
        figures=[PageFigure(**f) for f in data["figures"]],
        not_measured=[NotMeasured(**n) for n in data["not_measured"]],
        accounts=[BenchAccount(**a) for a in data["accounts"]],
        repeats=int(data["repeats"]),
        started=str(data["started"]),
        seconds=float(data["seconds"]),
        notes=list(data["notes"]),
    )


def merge_reports(reports: list[PageReport]) -> PageReport:
    """Several runs over different accounts (`--accounts`) as one report."""
    figures = sorted(
        (f for r in reports for f in r.figures), key=lambda f: (-f.p95_ms, f.route, f.account)
    )
    return PageReport(
        figures=figures,
        not_measured=[n for r in reports for n in r.not_measured],
        accounts=[a for r in reports for a in r.accounts],
        repeats=max(r.repeats for r in reports),
        started=min(r.started for r in reports),
        seconds=max(r.seconds for r in reports),
        notes=sorted({n for r in reports for n in r.notes}),
    )


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of five runs is the slowest of them)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host and not host.startswith("."):
            return host
    return "localhost"


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def login(account: BenchAccount, password: str) -> Client:
    """A client logged in through the real login form (the password hasher, axes, sessions)."""
    client = Client(raise_request_exception=False, HTTP_HOST=_host())
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    response = client.post(
        reverse("login"), {"username": account.username, "password": password}, secure=secure
    )
    if "_auth_user_id" not in client.session:
        raise CosoError(
            f"Không đăng nhập được bằng «{account.username}» (trả lời {response.status_code})."
        )
    return client


TIMED_OUT = 0  # the status shown for a request stopped at the time limit


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[threading.Event]:
    """Stop the request in this (main) thread after `seconds`: interrupt SQLite's running
    statement and raise KeyboardInterrupt in the main thread, which no view catches."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        raw = getattr(connection, "connection", None)
        if connection.vendor == "sqlite" and raw is not None:
            raw.interrupt()
        _thread.interrupt_main()

    timer = threading.Timer(seconds, stop)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _request(
    client: Client, url: str, query: dict[str, str], timeout_s: float
) -> tuple[int, float, int, str]:
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        try:
            with _time_limit(timeout_s) as fired:
                response = client.get(url, query, secure=secure)
                if getattr(response, "streaming", False):
                    b"".join(getattr(response, "streaming_content"))  # noqa: B009
        except KeyboardInterrupt:
            if not fired.is_set():
                raise
            return TIMED_OUT, timeout_s * 1000, len(queries.captured_queries), "timed out"
        elapsed = (time.perf_counter() - start) * 1000
    if fired.is_set():  # the statement was interrupted and the view answered 500 for it
        return TIMED_OUT, timeout_s * 1000, len(queries.captured_queries), "timed out"
    error = ""
    exc_info = getattr(response, "exc_info", None)
    if response.status_code >= 500 and exc_info:
        error = f"{exc_info[0].__name__}: {exc_info[1]}"[:200]
    return response.status_code, elapsed, len(queries.captured_queries), error


def measure(
    client: Client,
    account: BenchAccount,
    route: str,
    url: str,
    query: dict[str, str],
    *,
    repeats: int,
    slow_cap_ms: float,
    timeout_s: float,
) -> PageFigure:
    status, first_ms, first_queries, error = _request(client, url, query, timeout_s)
    times = [first_ms]
    counts = [first_queries]
    if first_ms <= slow_cap_ms and status < 500 and status != TIMED_OUT:
        times, counts = [], []
        for _ in range(max(1, repeats)):
            status, ms, n, error = _request(client, url, query, timeout_s)
            times.append(ms)
            counts.append(n)
    shown = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return PageFigure(
        account=account.username,
        level=account.level,
        route=route,
        url=shown,
        status=status,
        p50_ms=statistics.median(times),
        p95_ms=_percentile(times, 0.95),
        queries=max(counts),
        runs=len(times),
        error=error,
    )


def run_page_bench(
    *,
    repeats: int = 5,
    password: str = BENCH_PASSWORD,
    slow_cap_ms: float = SLOW_CAP_MS,
    timeout_s: float = TIMEOUT_S,
    only: Callable[[Route], bool] | None = None,
    accounts_only: Collection[str] = (),
    say: Callable[[str], None] | None = None,
) -> PageReport:
    """Time every route as every bench account on the current (generated) database.

    `accounts_only`: usernames or levels (central, province, …) to walk, every one if empty."""
    tell = say or (lambda _text: None)
    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tell("bench accounts and fixtures")
    accounts, fixtures = prepare(password)
    if accounts_only:
        accounts = [a for a in accounts if {a.username, a.level} & set(accounts_only)]
    figures: list[PageFigure] = []
    not_measured: list[NotMeasured] = []
    all_routes = [r for r in routes() if only is None or only(r)]
    with _quiet("django.request"):  # the 404s of out-of-scope pages are expected here
        for account in accounts:
            tell(f"{account.username} ({account.label}, {account.unit_code})")
            client = login(account, password)
            for route in all_routes:
                kwargs, why = _arguments(route, account, fixtures)
                if kwargs is None:
                    not_measured.append(NotMeasured(route.name, account.username, why))
                    continue
                url = reverse(route.name, kwargs=kwargs)
                for query in [{}, *EXTRA_QUERIES.get(route.name, [])]:
                    figure = measure(
                        client,
                        account,
                        route.name,
                        url,
                        query,
                        repeats=repeats,
                        slow_cap_ms=slow_cap_ms,
                        timeout_s=timeout_s,
                    )
                    if figure.status == 405:
                        why = "takes only POST (a write)"
                        not_measured.append(NotMeasured(route.name, account.username, why))
                        continue
                    figures.append(figure)
    figures.sort(key=lambda f: (-f.p95_ms, f.route, f.account))
    return PageReport(
        figures=figures,
        not_measured=not_measured,
        accounts=accounts,
        repeats=repeats,
        started=when,
        seconds=round(time.perf_counter() - started, 1),
        notes=fixtures.notes,
    )


# -- reporting ------------------------------------------------------------------------------
def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _flag(f: PageFigure) -> str:
    if f.status == TIMED_OUT:
        return "**timed out**"
    if f.status >= 500:
        return "**500**"
    return "**slow**" if f.slow else ""


def table_lines(report: PageReport, limit: int | None = None) -> list[str]:
    """The measured routes, slowest first (the first `limit` of them)."""
    lines = [
        "| account | route | URL | status | p50 ms | p95 ms | queries | runs | |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for f in report.figures[:limit]:
        error = f" {f.error}" if f.error else ""
        lines.append(
            f"| {f.account} | `{f.route}` | `{f.url}` | {f.status} | {_ms(f.p50_ms)} | "
            f"{_ms(f.p95_ms)} | {f.queries} | {f.runs} | {_flag(f)}{error} |"
        )
    return lines


def summary_lines(report: PageReport) -> list[str]:
    lines = [
        "| account | level | unit | requests measured | over 300 ms | 500 or timed out | slowest p95 |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for account in report.accounts:
        mine = [f for f in report.figures if f.account == account.username]
        worst = max(mine, key=lambda f: f.p95_ms, default=None)
        lines.append(
            f"| {account.username} | {account.label} | {account.unit_code or '—'} | {len(mine)} | "
            f"{sum(f.slow for f in mine)} | {sum(f.failed for f in mine)} | "
            + (f"{_ms(worst.p95_ms)} ms `{worst.url}`" if worst else "—")
            + " |"
        )
    return lines


def not_measured_lines(report: PageReport) -> list[str]:
    by_route: dict[tuple[str, str], list[str]] = {}
    for n in report.not_measured:
        by_route.setdefault((n.route, n.reason), []).append(n.account)
    lines = []
    for (route, reason), who in sorted(by_route.items()):
        whom = "every account" if len(who) == len(report.accounts) else ", ".join(who)
        lines.append(f"- `{route}` ({whom}): {reason}")
    return lines


def report_markdown(report: PageReport, info: dict[str, Any], limit: int = 40) -> str:
    load = info.get("load_average")
    slow, errors = report.slow, report.errors
    lines = [
        f"Measured {report.started} by `coso bench --pages` ({report.repeats} timed runs a "
        "request after one warm-up; server time through Django's test client, no network), "
        f"{len(report.figures)} requests in {report.seconds:,.0f} s.",
        "",
        f"- Machine: {info['cpus']} CPUs ({info['cpu_model']}), {info['memory']} memory; "
        f"{info['database']}",
    ]
    if load:
        lines.append(f"- Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    lines += [
        f"- Over {TARGET_MS:.0f} ms (p95): **{len(slow)}**; answering 500 or stopped at the "
        f"time limit: **{len(errors)}**",
        "",
        *summary_lines(report),
        "",
        f"The {min(limit, len(report.figures))} slowest requests (of {len(report.figures)}):",
        "",
        *table_lines(report, limit),
        "",
        "Not measured:",
        "",
        *(not_measured_lines(report) or ["- none"]),
        "",
    ]
    if report.notes:
        lines += ["Notes:", "", *[f"- {n}" for n in report.notes], ""]
    return "\n".join(lines)


def write_report(path: str | Path, text: str) -> None:
    """Replace the section between the pages markers, keeping the rest of the document."""
    file = Path(path)
    body = file.read_text(encoding="utf-8") if file.exists() else "# Performance\n"
    block = f"{START}\n{text}{END}"
    if START in body and END in body:
        before, rest = body.split(START, 1)
        _old, after = rest.split(END, 1)
        body = before + block + after
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    file.write_text(body, encoding="utf-8")
