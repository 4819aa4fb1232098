"""Pages of the follow-through of directives: register, cascade with a preview, track up the
tree (xlsx too), report a step, a unit's records and a resolution's own targets.

Thin views: load through coso.followup.access (404 outside scope), validate a form, call one
operation (which writes its own audit entry) or one query, render. A refusal (CosoError) is
shown on the form with status 422 and nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coso.audit.log import Actor
from coso.authority.forms import unit_typed
from coso.authority.scope import Action, scope_of
from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.core.memory import young_collections_only
from coso.followup import forms as ff
from coso.followup import operations as ops
from coso.followup.access import (
    attachment_response,
    get_directive_for_user,
    get_resolution_for_user,
    get_role_unit,
    get_step_for_user,
)
from coso.followup.models import Directive, LocalTarget, StepKind, StepState
from coso.followup.queries import (
    KINDS,
    STATES,
    attendance_of,
    directives_for,
    resolutions_with_targets,
    tracking,
    unit_records,
)
from coso.followup.reports import export_tracking_xlsx
from coso.meetings.models import Meeting, MeetingStatus
from coso.units.models import Unit, UnitKind, UnitSpan

PER_PAGE = 25


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, refused: bool = False
) -> HttpResponse:
    failed = refused or any(
        getattr(v, "errors", None) for v in context.values() if hasattr(v, "is_bound")
    )
    status = 422 if request.method == "POST" and failed else 200
    return render(request, f"followup/{template}", context, status=status)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _require_manager(request: HttpRequest) -> Any:
    scope = scope_of(request.user)
    if not scope.manages_units:
        raise Http404(_("Không tìm thấy trang."))
    return scope


def _scoped_unit(request: HttpRequest, code: str, action: Action) -> Unit | None:
    """A code, or a name unique in the scope (the picker fills in the code)."""
    try:
        unit = unit_typed(request.user, code, action)
    except forms.ValidationError:
        return None
    return unit


# --------------------------------------------------------------------------------------------
# Directives


@login_required
@require_GET
def directive_list(request: HttpRequest) -> HttpResponse:
    scope = _require_manager(request)
    rows = directives_for(scope.unit_ids(Action.VIEW))
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    home = scope.home_unit()
    return render(
        request,
        "followup/directives.html",
        {
            "page": page,
            "can_register": scope.holds(Action.MANAGE_DIRECTIVES),
            "home": home,
        },
    )


@login_required
def directive_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.holds(Action.MANAGE_DIRECTIVES):
        raise Http404(_("Không tìm thấy trang."))
    home = scope.home_unit()
    form = ff.DirectiveForm(
        _posted(request), _files(request), initial={"owner": home.code if home else ""}
    )
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = _scoped_unit(request, data["owner"], Action.MANAGE_DIRECTIVES)
        if owner is None:
            form.add_error(
                "owner",
                _("Không có đơn vị mã «%(c)s» trong phạm vi được giao.") % {"c": data["owner"]},
            )
        else:
            upload = data.get("file")
            files = [(upload.name, upload.read())] if upload else []
            try:
                directive = ops.register_directive(
                    owner=owner,
                    kind=data["kind"],
                    number=data["number"],
                    issued_on=data["issued_on"],
                    issuer=data["issuer"],
                    title=data["title"],
                    summary=data["summary"],
                    files=files,
                    actor=Actor.of(request),
                )
            except CosoError as exc:
                refusal = str(exc)
            else:
                messages.success(request, _("Đã đăng ký văn bản %(n)s.") % {"n": directive.number})
                return redirect("followup:detail", directive.pk)
    return _render(
        request, "directive_new.html", {"form": form, "refusal": refusal}, refused=bool(refusal)
    )


def _tracking_unit(request: HttpRequest, directive: Directive) -> Unit | None:
    """Where the user's tracking starts: the registering unit if they hold a role over it,
    else the unit of their main role."""
    scope = scope_of(request.user)
    if scope.can(Action.VIEW, directive.owner, by_role=True):
        return directive.owner
    return scope.home_unit()


@login_required
@require_GET
def directive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    directive = get_directive_for_user(request.user, pk)
    scope = scope_of(request.user)
    start = _tracking_unit(request, directive)
    return render(
        request,
        "followup/directive.html",
        {
            "directive": directive,
            "attachments": list(directive.attachments.order_by("uploaded_at", "pk")),
            "can_manage": scope.can(Action.MANAGE_DIRECTIVES, directive.owner, by_role=True),
            "track_unit": start,
        },
    )


@login_required
def directive_attach(request: HttpRequest, pk: int) -> HttpResponse:
    directive = get_directive_for_user(request.user, pk, Action.MANAGE_DIRECTIVES)
    form = ff.AttachForm(_posted(request), _files(request))
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = ops.attach_file(
                directive, name=upload.name, data=upload.read(), actor=Actor.of(request)
            )
        except CosoError as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Đã tải lên tệp «%(n)s».") % {"n": attachment.name})
            return redirect("followup:detail", directive.pk)
    context = {"directive": directive, "form": form, "refusal": refusal}
    return _render(request, "attach.html", context, refused=bool(refusal))


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return attachment_response(request.user, pk)


# --------------------------------------------------------------------------------------------
# Cascade (preview, then apply)


def _kind_labels(per_kind: dict[str, int]) -> list[tuple[str, int]]:
    labels = dict(UnitKind.choices)
    return [(str(labels.get(k, k)), n) for k, n in sorted(per_kind.items())]


@login_required
def directive_cascade(request: HttpRequest, pk: int) -> HttpResponse:
    directive = get_directive_for_user(request.user, pk, Action.MANAGE_DIRECTIVES)
    day = today()
    defaults = ops.Terms.default(day)
    form = ff.CascadeForm(
        _posted(request),
        initial={
            "root": directive.owner.code,
            "kinds": [UnitKind.BRANCH, UnitKind.GRASSROOTS_BRANCH],
            "on": fmt(day),
            **defaults.as_dict(),
        },
    )
    refusal = ""
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        root = _scoped_unit(request, data["root"], Action.MANAGE_DIRECTIVES)
        if root is None:
            form.add_error(
                "root",
                _("Không có đơn vị mã «%(c)s» trong phạm vi được giao.") % {"c": data["root"]},
            )
        else:
            terms = ops.Terms(
                data["study_days"], data["plan_days"], data["report_every_months"], data["reports"]
            )
            try:
                if request.POST.get("confirm") == "1":
                    result = ops.cascade_directive(
                        directive,
                        root,
                        data["kinds"],
                        data["on"],
                        terms,
                        skip_existing=data["skip_existing"],
                        actor=Actor.of(request),
                    )
                    messages.success(
                        request,
                        _("Đã triển khai văn bản %(n)s tới %(u)s đơn vị.")
                        % {"n": directive.number, "u": result.implementations},
                    )
                    return redirect("followup:tracking", directive.pk, root.code)
                preview = ops.preview_cascade(directive, root, data["kinds"], data["on"], terms)
            except CosoError as exc:
                refusal = str(exc)
    context = {
        "directive": directive,
        "form": form,
        "refusal": refusal,
        "preview": preview,
        "preview_kinds": _kind_labels(preview.per_kind) if preview else [],
        "preview_dues": [(StepKind(k).label, s, d) for k, s, d in preview.terms.dues(preview.on)]
        if preview
        else [],
    }
    return _render(request, "cascade.html", context, refused=bool(refusal))


# --------------------------------------------------------------------------------------------
# Tracking


STATE_CLASSES = {
    "done": "text-bg-success",
    "late": "text-bg-warning",
    "overdue": "text-bg-danger",
    "pending": "text-bg-light border",
}


def _shown_rows(report: Any) -> list[dict[str, Any]]:
    out = []
    for row in [*report.rows, report.total]:
        out.append(
            {
                "row": row,
                "total": row is report.total,
                "steps": [
                    {
                        "kind": kind,
                        "cells": [
                            (state, row.steps[kind].counts[state], row.steps[kind].percent(state))
                            for state in STATES
                        ],
                        "total": row.steps[kind].total,
                    }
                    for kind in KINDS
                ],
            }
        )
    return out


def _crumbs(request: HttpRequest, unit: Unit, day: Any) -> list[dict[str, str]]:
    """The unit's ancestors the user holds a role over, highest first (two queries)."""
    span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return []
    ids = [int(p) for p in span.path.strip("/").split("/")[:-1]]
    visible = scope_of(request.user).units(Action.VIEW).filter(pk__in=ids)
    names = dict(
        UnitSpan.objects.filter(
            unit__in=visible.values("pk"), valid_from__lte=day, valid_to__gt=day
        )
        .values_list("unit_id", "name")
        .order_by()
    )
    codes = dict(visible.values_list("pk", "code").order_by())
    crumbs = []
    for uid in ids:
        if uid in codes:
            crumbs.append({"code": codes[uid], "name": names.get(uid, codes[uid])})
        elif crumbs:
            break
    return crumbs


def _records(records: list[Any], day: Any) -> list[dict[str, Any]]:
    """Each record with its steps' states and, for a study session held at a meeting, the
    meeting's attendance (one query for the page)."""
    steps = [s for r in records for s in r.steps.all()]
    attendance = attendance_of(s.meeting_id for s in steps if s.meeting_id is not None)
    return [
        {
            "record": record,
            "steps": [
                {
                    "step": step,
                    "state_label": StepState(step.state_on(day)).label,
                    "css": STATE_CLASSES[step.state_on(day)],
                    "attendance": attendance.get(step.meeting_id) if step.meeting_id else None,
                }
                for step in record.steps.all()
            ],
        }
        for record in records
    ]


@login_required
@require_GET
def tracking_page(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    directive = get_directive_for_user(request.user, pk)
    unit = get_role_unit(request.user, code)
    context: dict[str, Any] = {
        "directive": directive,
        "unit": unit,
        "kind_labels": [StepKind(k).label for k in KINDS],
        "state_labels": [(s, StepState(s).label, STATE_CLASSES[s]) for s in STATES],
    }
    try:
        report = tracking(directive, unit)
    except CosoError as exc:
        context["error"] = str(exc)
        return render(request, "followup/tracking.html", context)
    scope = scope_of(request.user)
    records = _records(report.records, report.day)
    context.update(
        {
            "report": report,
            "rows": _shown_rows(report),
            "records": records,
            "can_report": scope.can(Action.MANAGE_ACTIVITIES, unit, by_role=True),
            "crumbs": _crumbs(request, unit, report.day),
        }
    )
    return render(request, "followup/tracking.html", context)


@login_required
@require_GET
@young_collections_only()  # a document built: no whole-heap pass in it
def tracking_xlsx(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    directive = get_directive_for_user(request.user, pk)
    unit = get_role_unit(request.user, code)
    try:
        report = tracking(directive, unit)
    except CosoError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(
        export_tracking_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", unit.code)
    name = f"theo-doi-van-ban-{directive.pk}-{safe}-{report.day:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --------------------------------------------------------------------------------------------
# A unit's records, reporting a step


@login_required
@require_GET
def unit_directives(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_role_unit(request.user, code)
    scope = scope_of(request.user)
    day = today()
    records = _records(unit_records(unit), day)
    return render(
        request,
        "followup/unit.html",
        {
            "unit": unit,
            "records": records,
            "resolutions": resolutions_with_targets(unit, since_year=day.year - 1),
            "can_report": scope.can(Action.MANAGE_ACTIVITIES, unit, by_role=True),
        },
    )


def _meeting_choices(step: Any) -> list[tuple[int, str]] | None:
    """The unit's held or closed meetings a study session may name (None for other steps)."""
    if step.kind != StepKind.STUDY:
        return None
    meetings = Meeting.objects.filter(
        unit_id=step.implementation.unit_id,
        parent__isnull=True,
        on__gte=step.implementation.cascaded_on,
        status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED],
    ).order_by("-on", "-id")[:50]
    return [(m.pk, f"{fmt(m.on)} — {m.title or m.get_kind_display()}") for m in meetings]


@login_required
def step_report(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_step_for_user(request.user, pk, Action.MANAGE_ACTIVITIES)
    implementation = step.implementation
    choices = _meeting_choices(step)
    form = ff.StepForm(
        _posted(request),
        meetings=choices,
        initial={
            "done_on": fmt(step.done_on) if step.done_on else "",
            "note": step.note,
            "meeting": step.meeting_id,
        },
    )
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = None
        if data.get("meeting"):
            meeting = Meeting.objects.filter(
                pk=data["meeting"], unit_id=implementation.unit_id
            ).first()
            if meeting is None:
                form.add_error("meeting", _("Không tìm thấy cuộc họp."))
        if not form.errors:
            try:
                ops.report_step(
                    step,
                    done_on=data["done_on"],
                    note=data["note"],
                    meeting=meeting,
                    actor=Actor.of(request),
                )
            except CosoError as exc:
                refusal = str(exc)
            else:
                messages.success(request, _("Đã ghi kết quả thực hiện."))
                return redirect(
                    "followup:tracking", implementation.directive_id, implementation.unit.code
                )
    attendance = None
    if step.meeting_id is not None:
        present, expected = attendance_of([step.meeting_id])[step.meeting_id]
        attendance = {"meeting": step.meeting, "present": present, "expected": expected}
    context = {
        "step": step,
        "implementation": implementation,
        "directive": implementation.directive,
        "unit": implementation.unit,
        "kind_label": StepKind(step.kind).label,
        "form": form,
        "refusal": refusal,
        "attendance": attendance,
    }
    return _render(request, "step.html", context, refused=bool(refusal))


# --------------------------------------------------------------------------------------------
# A resolution's own targets


@login_required
def resolution_targets(request: HttpRequest, pk: int) -> HttpResponse:
    resolution = get_resolution_for_user(request.user, pk, Action.VIEW)
    may_edit = scope_of(request.user).can(Action.MANAGE_ACTIVITIES, resolution.unit, by_role=True)
    if request.method == "POST" and not may_edit:
        raise Http404(_("Không tìm thấy."))
    targets = list(LocalTarget.objects.filter(resolution=resolution).order_by("pk"))
    action = request.POST.get("action") if request.method == "POST" else None
    add_form = ff.TargetForm(request.POST if action == "add" else None, prefix="new")
    actuals_form = ff.ActualsForm(
        request.POST if action == "actuals" else None,
        targets=targets,
        initial={"on": fmt(today())},
    )
    refusal = ""
    actor = Actor.of(request)
    try:
        if action == "add" and add_form.is_valid():
            data = add_form.cleaned_data
            ops.add_local_target(
                resolution,
                indicator=data["indicator"],
                target=data["target"],
                measure=data["measure"],
                actor=actor,
            )
            messages.success(request, _("Đã thêm chỉ tiêu."))
            return redirect("followup:targets", resolution.pk)
        if action == "actuals" and actuals_form.is_valid():
            data = actuals_form.cleaned_data
            ops.record_actuals(
                resolution,
                {t.pk: data.get(f"actual_{t.pk}") for t in targets},
                on=data["on"],
                actor=actor,
            )
            messages.success(request, _("Đã ghi kết quả thực hiện chỉ tiêu."))
            return redirect("followup:targets", resolution.pk)
    except CosoError as exc:
        refusal = str(exc)
    if action not in (None, "add", "actuals"):
        refusal = _("Thao tác không hợp lệ.")
    context = {
        "resolution": resolution,
        "unit": resolution.unit,
        "targets": targets,
        "may_edit": may_edit,
        "add_form": add_form,
        "actuals_form": actuals_form,
        "refusal": refusal,
    }
    return _render(request, "targets.html", context, refused=bool(refusal))
