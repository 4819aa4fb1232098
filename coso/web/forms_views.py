"""Write pages: the catalogue's acts on members and units, reorganization plans, imports.

Each view is thin: who asks (the subject is loaded through the one scope, anything out of scope
answers 404), then ONE call into the catalogue (coso.authority.catalogue), the same room the API
opens onto: it validates with the act's form, decides whether the user records the act or
proposes it to the competent committee, runs the domain function with its audit entry in one
transaction. A refusal (CosoError) is shown on the form and nothing is written.

Reorganizations, dangerous acts and proposals are previewed first: the act is applied inside a
transaction that is rolled back, so the consequences shown are exactly what confirming will do.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from coso.audit.log import Actor
from coso.authority import catalogue
from coso.authority.scope import (
    Action,
    FileKind,
    Scope,
    file_scope_errors,
    get_member_for_user,
    get_unit_for_user,
    member_to_receive,
    scope_of,
)
from coso.core.dates import fmt
from coso.core.errors import CosoError, RowErrors
from coso.core.tabular import read_table
from coso.members.models import Member
from coso.units.models import HOME_KINDS, Unit, UnitSpan
from coso.units.plans import apply_plan
from coso.web import forms as f
from coso.web import imports
from coso.web.models import ImportJob, ImportKind

PREVIEW_LIMIT = catalogue.PREVIEW_LIMIT


# --------------------------------------------------------------------------------------------
# Act pages: the catalogue's acts on a member or a unit


def _act_page(
    request: HttpRequest, act: catalogue.Act, subject: Member | Unit, back: str, heading: str
) -> HttpResponse:
    found = catalogue.route_for(request.user, act, subject)
    if found is None:
        raise Http404(_("Không tìm thấy trang."))
    route, authority = found
    data = request.POST if request.method == "POST" else None
    form = catalogue.bind(act, data, user=request.user, subject=subject, route=route)
    # Proposals and dangerous acts are always previewed and confirmed, like a merge.
    previewed = act.preview or act.danger or route == catalogue.Route.PROPOSE
    context: dict[str, Any] = {
        "op": act,
        "form": form,
        "back": back,
        "heading": heading,
        "route": route,
        "authority": authority,
    }
    status = 200
    if request.method == "POST":
        try:
            # "repreview": the officer changed a choice made in the preview (a merge's posts).
            if previewed and (
                request.POST.get("confirm") != "1" or request.POST.get("repreview") == "1"
            ):
                form, _route, consequences = catalogue.preview(
                    act, subject, request.POST, user=request.user
                )
                context.update(form=form, consequences=consequences, preview=True)
                return render(request, "web/forms/operation.html", context)
            outcome = catalogue.perform(
                act, subject, request.POST, user=request.user, actor=request, channel="web"
            )
        except catalogue.ActInvalid as exc:
            context["form"], status = exc.form, 422
        except CosoError as exc:
            context["refusal"], status = str(exc), 422
        except PermissionError:
            raise Http404(_("Không tìm thấy trang.")) from None
        else:
            return _done(request, outcome)
    return render(request, "web/forms/operation.html", context, status=status)


def _done(request: HttpRequest, outcome: catalogue.Outcome) -> HttpResponse:
    day = fmt(outcome.on) if outcome.on else ""
    if outcome.proposed:
        messages.success(
            request,
            _("Đã gửi đề nghị: %(op)s. Cấp có thẩm quyền (%(body)s) sẽ quyết định.")
            % {"op": outcome.act.title, "body": outcome.proposal.decider},
        )
        return redirect("authority:proposal", pk=outcome.proposal.pk)
    messages.success(
        request, _("Đã ghi: %(op)s, ngày %(day)s.") % {"op": outcome.act.title, "day": day}
    )
    result = outcome.result
    if isinstance(result, Member) and outcome.act.slug == "admit":
        return redirect("web:member", result.member_id)
    if isinstance(result, Unit) and outcome.act.slug == "create":
        return redirect("web:unit", result.code)
    if isinstance(outcome.subject, Member):
        return redirect("web:member", outcome.subject.member_id)
    return redirect("web:unit", outcome.subject.code)


@login_required
def member_operation(request: HttpRequest, member_id: str, op: str) -> HttpResponse:
    act = catalogue.MEMBER_ACTS[op]
    if op == "receive":
        member = member_to_receive(request.user, member_id, request.POST.get("branch"))
    else:
        member = get_member_for_user(request.user, member_id, Action.VIEW)
    back = reverse("web:member", args=[member.member_id])
    return _act_page(request, act, member, back, f"{member.full_name} ({member.member_id})")


@login_required
def unit_operation(request: HttpRequest, code: str, op: str) -> HttpResponse:
    act = catalogue.UNIT_ACTS[op]
    unit = get_unit_for_user(request.user, code, Action.VIEW)
    span = UnitSpan.objects.filter(unit=unit).order_by("-valid_from").first()
    if act.slug == "admit" and (span is None or span.kind not in HOME_KINDS):
        raise Http404(_("Chỉ kết nạp vào chi bộ."))
    back = reverse("web:unit", args=[unit.code])
    return _act_page(request, act, unit, back, f"{span.name if span else unit.code} ({unit.code})")


# --------------------------------------------------------------------------------------------
# Reorganization plans


def _plans_dir() -> Path:
    return Path(settings.VAR_DIR) / "plans"


def _run_plan(user: Any, file: Path, form: Any, dry_run: bool, actor: Actor | None = None) -> Any:
    errors = file_scope_errors(user, read_table(file), FileKind.PLAN)
    if errors:
        raise RowErrors(errors)
    return apply_plan(
        file,
        on=form.cleaned_data["on"],
        decision_number=form.cleaned_data["decision_number"],
        decision_date=form.cleaned_data.get("decision_date"),
        dry_run=dry_run,
        progress=False,
        actor=actor,
    )


@login_required
def reorg_plan(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.holds(Action.MANAGE_UNITS):
        raise Http404(_("Không tìm thấy trang."))
    kept: dict[str, str] = request.session.get("coso_plans", {})
    context: dict[str, Any] = {}
    if request.method == "POST" and "token" in request.POST:
        confirm = f.PlanConfirmForm(request.POST, user=request.user)
        if not confirm.is_valid() or str(confirm.cleaned_data["token"]) not in kept:
            messages.error(request, _("Phiên xem trước đã hết hạn; hãy tải tệp lên lại."))
            return redirect("web:reorg_plan")
        token = str(confirm.cleaned_data["token"])
        file = Path(kept[token])
        try:
            actor = Actor.of(request, unit=scope.home_unit())
            report = _run_plan(request.user, file, confirm, dry_run=False, actor=actor)
        except RowErrors as exc:
            context["row_errors"] = exc.errors
        except CosoError as exc:
            context["refusal"] = str(exc)
        else:
            kept.pop(token, None)
            request.session["coso_plans"] = kept
            file.unlink(missing_ok=True)
            messages.success(request, report.summary())
            return redirect("web:tree")
        form = f.PlanUploadForm(user=request.user)
    else:
        form = f.PlanUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            token = str(uuid.uuid4())
            folder = _plans_dir() / token
            folder.mkdir(parents=True, exist_ok=True)
            upload = form.cleaned_data["file"]
            file = folder / Path(upload.name).name
            with file.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                context["report"] = _run_plan(request.user, file, form, dry_run=True)
            except RowErrors as exc:
                context["row_errors"] = exc.errors
            except CosoError as exc:
                context["refusal"] = str(exc)
            else:
                kept[token] = str(file)
                request.session["coso_plans"] = kept
                context["confirm"] = f.PlanConfirmForm(
                    initial={
                        "token": token,
                        "on": form.cleaned_data["on"].strftime("%d/%m/%Y"),
                        "decision_number": form.cleaned_data["decision_number"],
                        "decision_date": (
                            form.cleaned_data["decision_date"].strftime("%d/%m/%Y")
                            if form.cleaned_data.get("decision_date")
                            else ""
                        ),
                    },
                    user=request.user,
                )
    context["form"] = form
    status = 422 if ("row_errors" in context or "refusal" in context) else 200
    return render(request, "web/forms/plan.html", context, status=status)


# --------------------------------------------------------------------------------------------
# Imports


def _import_kinds(scope: Scope) -> list[tuple[str, Any]]:
    kinds = []
    if scope.holds(Action.MANAGE_UNITS):
        kinds.append((ImportKind.UNITS.value, ImportKind.UNITS.label))
    if scope.holds(Action.MANAGE_MEMBERS):
        kinds.append((ImportKind.MEMBERS.value, ImportKind.MEMBERS.label))
    return kinds


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    kinds = _import_kinds(scope)
    if not kinds:
        raise Http404(_("Không tìm thấy trang."))
    form = f.ImportUploadForm(
        request.POST or None, request.FILES or None, user=request.user, kinds=kinds
    )
    if request.method == "POST" and form.is_valid():
        job = imports.start_import(
            request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
        )
        return redirect("web:import_job", token=job.token)
    jobs = ImportJob.objects.filter(user_id=int(request.user.pk or 0))[:20]
    return render(
        request,
        "web/forms/imports.html",
        {"form": form, "jobs": jobs, "kinds": kinds},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    kinds = dict(_import_kinds(scope_of(request.user)))
    if kind not in kinds:
        raise Http404(_("Không tìm thấy trang."))
    response = HttpResponse(
        imports.template_xlsx(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.xlsx"'
    return response


def _job_for(request: HttpRequest, token: uuid.UUID) -> ImportJob:
    job = ImportJob.objects.filter(token=token).first()
    if job is None or (job.user_id != request.user.pk and not scope_of(request.user).is_admin):
        raise Http404(_("Không tìm thấy trang."))
    return job


def _job_context(job: ImportJob) -> dict[str, Any]:
    done, total = imports.read_progress(job)
    # A finished job shows a full bar and its end state (done, or refused with its errors).
    percent = 100 if job.finished else (int(100 * done / total) if total else 0)
    return {"job": job, "done": done, "total": total, "percent": percent}


@login_required
def import_job(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    return render(request, "web/forms/import_job.html", _job_context(job))


@login_required
def import_progress(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    return render(request, "web/forms/_import_progress.html", _job_context(job))


@login_required
def import_errors(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = _job_for(request, token)
    response = HttpResponse(
        imports.errors_xlsx(job),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stem = Path(job.file_name).stem or "tep"
    response["Content-Disposition"] = f'attachment; filename="loi-{stem}.xlsx"'
    return response


def _member_route(op: catalogue.Act) -> URLPattern:
    return path(
        f"members/<str:member_id>/do/{op.slug}/",
        member_operation,
        {"op": op.slug},
        name=f"member_{op.slug}",
    )


def _unit_route(op: catalogue.Act) -> URLPattern:
    return path(
        f"units/<str:code>/do/{op.slug}/", unit_operation, {"op": op.slug}, name=f"unit_{op.slug}"
    )


# Added to coso.web.urls (namespace `web`).
form_urlpatterns: list[URLPattern] = [
    *[_member_route(act) for act in catalogue.MEMBER_OPERATIONS],
    *[_unit_route(act) for act in catalogue.UNIT_OPERATIONS],
    path("reorg/plan/", reorg_plan, name="reorg_plan"),
    path("imports/", import_start, name="imports"),
    path("imports/template/<str:kind>/", import_template, name="import_template"),
    path("imports/<uuid:token>/", import_job, name="import_job"),
    path("imports/<uuid:token>/progress/", import_progress, name="import_progress"),
    path("imports/<uuid:token>/errors.xlsx", import_errors, name="import_errors"),
]
