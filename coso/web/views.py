"""Read pages: home, tree, unit, member list, member.

Views stay thin: who asks (coso.authority.scope), validate the query string, call the reads,
render. Objects are loaded only through get_unit_for_user / get_member_for_user, so anything
outside the user's scope answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coso.accounts.models import Account
from coso.accounts.notices import unread_notices
from coso.authority.forms import UnitPickerInput, unit_not_found, unit_typed
from coso.authority.queries import inbox_counts
from coso.authority.scope import (
    Action,
    Scope,
    get_member_for_user,
    get_unit_for_user,
    may_reset_password,
    scope_of,
)
from coso.core.dates import fmt, parse_date, today
from coso.core.errors import CosoError
from coso.core.numbers import group
from coso.core.schedule import problems
from coso.followup.queries import reminders as directive_reminders
from coso.meetings.queries import member_meetings, next_meetings, unit_names
from coso.members.models import MemberStatus
from coso.members.party_age import party_age
from coso.members.queries import STATUS_ACTIVE, STATUS_ALL, find_members, read_member
from coso.stats.queries import member_figures
from coso.units.models import HOME_KINDS, Unit, UnitKind, UnitSpan, UnitTag
from coso.units.queries import TreeNode, children_on, existence_on, tree_as_of
from coso.web import timeline
from coso.web.jobs import registered_jobs
from coso.web.views_stats import compare_day, figures_context
from coso.web.warnings import activity_alerts, warnings_for

MEMBERS_PER_PAGE = 25
HOME_NOTICES = 5


def _as_of(request: HttpRequest) -> tuple[dt.date, str]:
    """The ?as_of date (dd/mm/yyyy or yyyy-mm-dd), today when absent; an error text if bad."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return today(), ""
    try:
        return parse_date(text), ""
    except ValueError as exc:
        return today(), str(exc)


def _require_manager(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not scope.manages_units:
        # Members see only their own record and branch; lists do not exist for them.
        raise Http404(_("Không tìm thấy trang."))
    return scope


# --------------------------------------------------------------------------------------------
# Home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    day = today()
    unit = scope.home_unit()
    context: dict[str, Any] = {"day": day, "unit": unit, "manager": scope.manages_units}
    if scope.is_admin:
        # Scheduled work that failed or missed its slot: only administrators can act on it.
        context["schedule_problems"] = problems(registered_jobs())
    unread = unread_notices(request.user)
    context["notices_unread"] = unread.count()
    if context["notices_unread"]:
        context["notices"] = list(unread[:HOME_NOTICES])
    own = scope.own_member
    if own is not None and not context["manager"]:
        # A plain member's home is their next meeting and, while it is open, the check-in
        # button (issue 13 §5); the branch's figures are for its officers.
        context["member_home"] = member_meetings(own, day, timezone.now())
        context["member_branch"] = (
            unit_names({unit.pk}, day).get(unit.pk, unit.code) if unit is not None else ""
        )
    elif unit is not None:
        span, note = timeline.shown_span(unit, day)
        context["span"] = span
        if not note:
            context["stats"] = member_figures(unit, day)
            context["unit_kinds"] = [
                (timeline.choice_label(UnitKind, kind), n)
                for kind, n in context["stats"]["units"].items()
            ]
    if context["manager"]:
        context["proposal_counts"] = inbox_counts(request.user)
        # Today's units only (the warnings are about them): every one at the centre. Between
        # midnight and the nightly job, the rows judged yesterday, saying so.
        context["alerts"], context["alerts_day"] = warnings_for(
            scope.units_alive(Action.VIEW), day, spans=scope.spans_today(Action.VIEW)
        )
        span = context.get("span")
        if unit is not None and span is not None and span.valid_to > day:
            # A branch lists its own warnings to act on (today's); a unit above counts its
            # branches.
            context["activity_alerts"], context["activity_alerts_day"] = activity_alerts(
                unit, day, list_items=span.kind in HOME_KINDS
            )
            context["activity_report_url"] = reverse("meetings:report", args=[unit.code])
            # Steps of directives overdue or due soon in the unit's subtree (a branch: its own).
            context["directive_reminders"] = directive_reminders(unit, day)
            if span.kind in HOME_KINDS:
                # A secretary on a phone: the next meetings and the two buttons used most.
                context["next_meetings"] = next_meetings(unit, on=day)
                context["meetings_url"] = reverse("meetings:unit_meetings", args=[unit.code])
                if scope.can(Action.MANAGE_ACTIVITIES, unit):
                    context["plan_url"] = reverse("meetings:plan", args=[unit.code])
    if own is not None:
        context["own"] = own
        context["own_party_age"] = party_age(own, day)
    return render(request, "web/home.html", context)


# --------------------------------------------------------------------------------------------
# Tree


def _tree_nodes(unit: Unit, day: dt.date, scope: Scope) -> tuple[UnitSpan | None, list[TreeNode]]:
    """The unit's span on `day` and its children (in scope) with subtree member counts."""
    try:
        root = tree_as_of(unit, day, depth=1, visible=scope.span_filter(Action.VIEW))
    except CosoError:
        return None, []
    root.span.members = root.members  # type: ignore[attr-defined]
    return root.span, root.children


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    scope = _require_manager(request)
    day, error = _as_of(request)
    code = request.GET.get("unit", "").strip()
    if code:
        roots = [get_unit_for_user(request.user, code)]
    elif scope.is_admin:
        roots = [
            s.unit
            for s in UnitSpan.objects.filter(
                parent__isnull=True, valid_from__lte=day, valid_to__gt=day
            )
            .select_related("unit")
            .order_by("unit__code")
        ]
    else:
        roots = [u for units in scope.role_units.values() for u in units]
    nodes = []
    missing = []
    for unit in dict.fromkeys(roots):
        root, children = _tree_nodes(unit, day, scope)
        if root is None:
            missing.append(unit)
        else:
            nodes.append({"span": root, "children": children})
    return render(
        request,
        "web/tree.html",
        {
            "day": day,
            "as_of": fmt(day),
            "error": error,
            "nodes": nodes,
            "missing": missing,
            "unit_code": code,
        },
    )


@login_required
def tree_children(request: HttpRequest, code: str) -> HttpResponse:
    """The children of one unit in the tree (loaded by htmx when a node opens)."""
    scope = _require_manager(request)
    unit = get_unit_for_user(request.user, code)
    day, _error = _as_of(request)
    _root, children = _tree_nodes(unit, day, scope)
    return render(
        request, "web/_tree_children.html", {"children": children, "as_of": fmt(day), "day": day}
    )


# --------------------------------------------------------------------------------------------
# Unit


@login_required
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request.user)
    unit = get_unit_for_user(request.user, code)
    day, error = _as_of(request)
    span, note = timeline.shown_span(unit, day)
    if span is None:
        raise Http404(_("Không tìm thấy đơn vị."))
    manager = scope.manages_units and scope.can(Action.VIEW, unit)
    parent = None
    if span.parent_id:
        parent = timeline.unit_labels({span.parent_id}, span.valid_from).get(span.parent_id)
    parent_visible = bool(span.parent is not None and scope.can(Action.VIEW, span.parent))
    context: dict[str, Any] = {
        "unit": unit,
        "span": span,
        "kind_label": timeline.choice_label(UnitKind, span.kind),
        "tag_labels": [timeline.choice_label(UnitTag, t) for t in span.tag_list],
        "note": note,
        "error": error,
        "day": day,
        "as_of": fmt(day),
        "parent": parent,
        "parent_visible": parent_visible,
        "manager": manager,
        "events": timeline.unit_timeline(unit),
        "periods": timeline.unit_periods(unit),
        "positions": timeline.positions_on(unit, day),
        "participants": timeline.participants_on(unit, day),
    }
    # The figures of `coso stats` on the day, and on a second day compared (issue 13, point 9).
    compare, compare_error = compare_day(request)
    context["compare"] = fmt(compare) if compare else ""
    problems = [e for e in (error, compare_error) if e]
    if not note:
        problems += figures_context(context, unit, day, compare)
    context["error"] = "; ".join(problems)
    shown_day = day if not note else span.valid_from
    context["children"] = children_on(unit, shown_day, scope.span_filter(Action.VIEW))
    if manager:
        # The figures above counted the same members on the same day: their total is the count.
        total = None if note else context.get("members_total")
        members = timeline.SubtreeMembers(span, shown_day, total=total)
        paginator = Paginator(members, MEMBERS_PER_PAGE)
        context["page"] = paginator.get_page(request.GET.get("page"))
        names = _unit_names({ms.unit_id for ms in context["page"].object_list}, shown_day)
        context["member_rows"] = [
            (ms, names.get(ms.unit_id, "")) for ms in context["page"].object_list
        ]
    return render(request, "web/unit.html", context)


def _unit_names(unit_ids: set[int], day: dt.date) -> dict[int, str]:
    if not unit_ids:
        return {}
    return {uid: label.name for uid, label in timeline.unit_labels(unit_ids, day).items()}


# --------------------------------------------------------------------------------------------
# Members


YES_NO = [("", gettext_lazy("Tất cả")), ("1", gettext_lazy("Có")), ("0", gettext_lazy("Không"))]


class MemberFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Tìm theo họ tên hoặc số lý lịch"), required=False, max_length=200
    )
    unit = forms.CharField(
        label=gettext_lazy("Đơn vị, tên hoặc mã (cả cấp dưới)"),
        required=False,
        max_length=200,
        widget=UnitPickerInput(Action.VIEW, attrs={"class": "form-control"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Tình trạng"),
        required=False,
        choices=[
            (STATUS_ACTIVE, gettext_lazy("Đang là đảng viên")),
            (STATUS_ALL, gettext_lazy("Tất cả")),
            *MemberStatus.choices,
        ],
    )
    exempt = forms.ChoiceField(label=gettext_lazy("Miễn sinh hoạt"), required=False, choices=YES_NO)
    in_transit = forms.ChoiceField(
        label=gettext_lazy("Đang chuyển sinh hoạt"), required=False, choices=YES_NO
    )


def _yes_no(value: str) -> bool | None:
    return None if value not in ("0", "1") else value == "1"


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    scope = _require_manager(request)
    form = MemberFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    unit = None
    error = ""
    if data.get("unit"):
        # A code, or a name unique in the scope (the picker fills in the code).
        label = form.fields["unit"].label
        try:
            unit = unit_typed(request.user, data["unit"], Action.VIEW, label=label)
        except forms.ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if unit is None and " " not in data["unit"].strip():
                # A code out of scope: 404, as the unit's own page answers.
                raise Http404(_("Không tìm thấy đơn vị."))
            if unit is None:
                error = unit_not_found(label, data["unit"].strip())
            else:
                error = timeline.existence_note(unit, today(), existence_on(unit, today()))
    if error and unit is None:
        return render(
            request,
            "web/members.html",
            {
                "form": form,
                "page": Paginator([], MEMBERS_PER_PAGE).get_page(1),
                "rows": [],
                "error": error,
                "more": None,
            },
        )
    members = find_members(
        scope.members(Action.VIEW),
        text=data.get("q", ""),
        unit=unit,
        status=data.get("status", ""),
        exempt=_yes_no(data.get("exempt", "")),
        in_transit=_yes_no(data.get("in_transit", "")),
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    homes = {m.home_unit_id for m in page.object_list if m.home_unit_id}
    names = _unit_names(homes, today())
    # The commune beside the branch tells namesakes apart (two queries for the page).
    communes = timeline.commune_names(homes, today())
    rows = [
        (m, names.get(m.home_unit_id or 0, ""), communes.get(m.home_unit_id or 0, ""))
        for m in page.object_list
    ]
    # Beyond the cap the count says "more than" (1.000 in Vietnamese, 1,000 in English) and
    # the pages stop there.
    more = None if members.exact else group(members.cap)
    return render(
        request,
        "web/members.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "error": error,
            "more": more,
            "can_reset": scope.holds(Action.RESET_PASSWORD),
        },
    )


def _account_to_reset(user: Any, scope: Scope, member: Any) -> Any:
    """The member's login, when the reader may reset its password (issue 13), else None."""
    if not scope.holds(Action.RESET_PASSWORD):
        return None
    account = Account.objects.filter(member=member).select_related("user").first()
    if account is None or not may_reset_password(user, account.user):
        return None
    return account.user


@login_required
def member_page(request: HttpRequest, member_id: str) -> HttpResponse:
    scope = scope_of(request.user)
    member = get_member_for_user(request.user, member_id)
    day = today()
    sensitive = scope.can_member(Action.VIEW_SENSITIVE, member)
    record = read_member(member, sensitive=sensitive, reader=request)
    home = None
    if member.home_unit_id:
        home = timeline.unit_labels({member.home_unit_id}, day).get(member.home_unit_id)
    home_visible = bool(home and member.home_unit and scope.can(Action.VIEW, member.home_unit))
    can_correct = scope.can_member(Action.CORRECT_MEMBER_RECORD, member)
    reset_account = _account_to_reset(request.user, scope, member)
    return render(
        request,
        "web/member.html",
        {
            "member": member,
            "day": day,
            "sensitive": record.sensitive is not None,
            "home": home,
            "home_visible": home_visible,
            "party_age": party_age(member, day),
            "can_correct": can_correct,
            "reset_account": reset_account,
            # The actions of issue 13 beside the catalogue's, in the fold's count.
            "extra_actions": int(can_correct) + int(reset_account is not None),
            "events": timeline.member_timeline(record.history),
            **timeline.member_periods(member),
        },
    )
