"""Pages of the quality app: criteria sets, a unit's quality page, the self-assessment through
to the decision, the unit's and the member's classification, the summary with xlsx and pdf.

Thin views: a loader (404 outside scope), validate, one call (operations, the catalogue's
`perform`, or a query), render. Refusals of the rules are shown on the page, in their words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coso.authority import catalogue
from coso.authority.rules import authority_for
from coso.authority.scope import Action, scope_of
from coso.core.dates import today
from coso.core.errors import CosoError
from coso.core.memory import young_collections_only
from coso.quality import operations as ops
from coso.quality import queries
from coso.quality.access import (
    get_assessment_for_user,
    get_criteria_for_user,
    get_quality_unit,
    get_reviewed_member,
    may_edit_criteria,
)
from coso.quality.acts import ASSESSMENT, CLASSIFY_MEMBER, CLASSIFY_UNIT
from coso.quality.criteria import from_lines, to_lines
from coso.quality.forms import (
    BranchCommentForm,
    CriteriaVersionForm,
    ResidenceCommentForm,
    ReviewForm,
    SelfReviewForm,
    StartAssessmentForm,
)
from coso.quality.models import Level
from coso.quality.outputs import (
    PDF_UNITS,
    chart_svg,
    export_summary_pdf,
    export_summary_xlsx,
    key_label,
    kind_label,
    summary_table,
    table_cells,
)

ALLOWED = ("GET", "POST")


def _unit_name(unit: Any, day: dt.date) -> str:
    span = queries.root_span(unit, day)
    return span.name if span is not None else unit.code


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = today().year - 1
    return year if 2000 <= year <= 2100 else today().year - 1


# --------------------------------------------------------------------------------------------
# Criteria sets


@login_required
@require_GET
def criteria_list(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).manages_units:
        raise Http404("Không tìm thấy trang.")
    return render(
        request,
        "quality/criteria_list.html",
        {"versions": queries.criteria_versions(), "in_force": queries.criteria_in_force(today())},
    )


@login_required
@require_GET
def criteria_detail(request: HttpRequest, pk: int) -> HttpResponse:
    criteria = get_criteria_for_user(request.user, pk)
    return render(
        request,
        "quality/criteria_detail.html",
        {"c": criteria, "may_edit": may_edit_criteria(request.user, criteria)},
    )


@login_required
@require_http_methods(ALLOWED)
def criteria_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    criteria = get_criteria_for_user(request.user, pk)
    if not may_edit_criteria(request.user, criteria):
        raise Http404("Không tìm thấy bộ tiêu chí.")
    initial = {
        "name": criteria.name,
        "unit_kinds": criteria.unit_kinds,
        "categories": criteria.categories,
        "effective_from": today(),
        "source": criteria.source,
        "template": criteria.template,
        "note": criteria.note,
        "lines": to_lines(criteria.content),
    }
    form = CriteriaVersionForm(
        request.POST if request.method == "POST" else None, initial=initial, user=request.user
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = ops.save_criteria_set(
                family=criteria.family,
                name=data["name"],
                unit_kinds=data["unit_kinds"],
                categories=data["categories"],
                effective_from=data["effective_from"],
                source=data["source"],
                content=from_lines(data["lines"]),
                template=data["template"],
                note=data["note"],
                owner=criteria.owner,
                user=request.user,
                actor=request,
            )
        except CosoError as exc:
            error = str(exc)
        else:
            return redirect("quality:criteria_detail", created.pk)
    return render(
        request, "quality/criteria_form.html", {"c": criteria, "form": form, "error": error}
    )


# --------------------------------------------------------------------------------------------
# A unit's quality page, starting an assessment


@login_required
@require_GET
def unit_quality(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    scope = scope_of(request.user)
    history = queries.unit_history(unit)
    return render(
        request,
        "quality/unit.html",
        {
            "unit": unit,
            "name": _unit_name(unit, today()),
            "history": history,
            "trail": queries.classification_trail(unit=unit),
            # Trends: the levels of the unit's subtree over the latest years rated.
            "chart": chart_svg(queries.level_series(unit, queries.years_rated())),
            "may_assess": scope.can(Action.MANAGE_ACTIVITIES, unit),
            "may_classify": catalogue.route_for(request.user, CLASSIFY_UNIT, unit) is not None,
            "year": today().year - 1,
        },
    )


@login_required
@require_http_methods(ALLOWED)
def start_assessment(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    if not scope_of(request.user).can(Action.MANAGE_ACTIVITIES, unit):
        raise Http404("Không tìm thấy đơn vị.")
    year = today().year
    raw_year = request.POST.get("year") if request.method == "POST" else None
    if raw_year and raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
        year = int(raw_year)
    choices = queries.criteria_for_unit(unit, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    form = StartAssessmentForm(
        request.POST if request.method == "POST" else None,
        initial={"year": year},
        user=request.user,
        choices=choices,
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            assessment = ops.start_assessment(
                unit,
                form.cleaned_data["criteria"],
                start=dt.date(year, 1, 1),
                end=dt.date(year + 1, 1, 1),
                label=str(year),
                user=request.user,
                actor=request,
            )
        except CosoError as exc:
            error = str(exc)
        else:
            return redirect("quality:assessment", assessment.pk)
    return render(
        request,
        "quality/assess_start.html",
        {"unit": unit, "form": form, "error": error, "choices": choices},
    )


# --------------------------------------------------------------------------------------------
# The assessment: self-scores, submit (propose or decide), review, re-rate


def _authorization_form(request: HttpRequest, assessment: Any, data: Any = None) -> Any:
    """The act's form for sending up (resolution) or deciding (decision), without the fields
    the page fills from the assessment; None when the user may do neither."""
    route = catalogue.route_for(request.user, ASSESSMENT, assessment.unit)
    if route is None:
        return None
    form = catalogue.bind(
        ASSESSMENT, data, user=request.user, subject=assessment.unit, route=route[0]
    )
    form.route = route[0]  # type: ignore[attr-defined]
    return form


def _scores_from(post: Any, criteria: Any) -> tuple[dict[str, str], list[str]]:
    scores = {
        s["code"]: post.get(f"score_{s['code']}", "0") or "0"
        for c in criteria.good
        for s in c["sub"]
    }
    breaches = [c["code"] for c in criteria.no if post.get(f"breach_{c['code']}")]
    return scores, breaches


@login_required
@require_http_methods(ALLOWED)
def assessment_page(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, pk)
    unit = assessment.unit
    scope = scope_of(request.user)
    may_score = scope.can(Action.MANAGE_ACTIVITIES, unit) and assessment.editable
    authority = authority_for("assessment", unit, today())
    may_review = (
        authority is not None
        and not authority.above_root
        and scope.can(Action.DECIDE, authority.decider)
        and assessment.status == "pending"
    )
    act_form = _authorization_form(request, assessment)
    review_form = ReviewForm(
        None,
        user=request.user,
        initial={"total": assessment.review_total or assessment.self_total},
    )
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        allowed = {
            "scores": may_score,
            "submit": act_form is not None and assessment.editable,
            "redecide": act_form is not None
            and assessment.decided
            and getattr(act_form, "route", None) == catalogue.Route.DIRECT,
            "review": may_review,
        }
        if not allowed.get(action):
            raise Http404("Không có thao tác này.")
        try:
            if action == "scores":
                scores, breaches = _scores_from(request.POST, assessment.criteria_set)
                ops.save_self_assessment(
                    assessment,
                    scores=scores,
                    breaches=breaches,
                    note=request.POST.get("self_note", "")[:5000],
                    refresh_evidence=bool(request.POST.get("refresh_evidence")),
                    user=request.user,
                    actor=request,
                )
                return redirect("quality:assessment", assessment.pk)
            if action == "submit":
                try:
                    ops.submit_assessment(
                        assessment, request.POST.dict(), user=request.user, actor=request
                    )
                except catalogue.ActInvalid as invalid:
                    act_form = invalid.form
                    proposing = invalid.form.proposing
                    route = catalogue.Route.PROPOSE if proposing else catalogue.Route.DIRECT
                    act_form.route = route  # type: ignore[attr-defined]
                else:
                    return redirect("quality:assessment", assessment.pk)
            elif action == "redecide":
                redecide = {**request.POST.dict(), "assessment": assessment.pk}
                try:
                    catalogue.perform(ASSESSMENT, unit, redecide, user=request.user, actor=request)
                except catalogue.ActInvalid as invalid:
                    act_form = invalid.form
                    act_form.route = catalogue.Route.DIRECT  # type: ignore[attr-defined]
                else:
                    return redirect("quality:assessment", assessment.pk)
            else:
                review_form = ReviewForm(request.POST, user=request.user)
                if review_form.is_valid():
                    data: dict[str, Any] = review_form.cleaned_data
                    ops.review_assessment(
                        assessment,
                        total=data["total"],
                        breaches=[
                            c.strip() for c in (data["breaches"] or "").split(",") if c.strip()
                        ],
                        note=data["note"] or "",
                        user=request.user,
                        actor=request,
                    )
                    return redirect("quality:assessment", assessment.pk)
        except PermissionError:
            raise Http404("Không có thao tác này.") from None
        except CosoError as exc:
            error = str(exc)
    criteria = assessment.criteria_set
    rows = [
        {
            "criterion": c,
            "subs": [{**s, "score": assessment.scores.get(s["code"], 0)} for s in c["sub"]],
        }
        for c in criteria.good
    ]
    return render(
        request,
        "quality/assessment.html",
        {
            "a": assessment,
            "unit": unit,
            "criteria": criteria,
            "rows": rows,
            "no_rows": [{**c, "broken": c["code"] in assessment.breaches} for c in criteria.no],
            "may_score": may_score,
            "may_review": may_review,
            "act_form": act_form,
            "act_fields": [f for f in act_form if f.name not in ("assessment", "total", "breaches")]
            if act_form is not None
            else [],
            "redecide_fields": [f for f in act_form if f.name != "assessment"]
            if act_form is not None
            else [],
            "review_form": review_form,
            "authority": authority,
            "error": error,
        },
    )


# --------------------------------------------------------------------------------------------
# Classification of a unit


@login_required
@require_http_methods(ALLOWED)
def classify_unit(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    found = catalogue.route_for(request.user, CLASSIFY_UNIT, unit)
    if found is None:
        raise Http404("Không tìm thấy đơn vị.")
    route = found[0]
    data = request.POST if request.method == "POST" else None
    form = catalogue.bind(CLASSIFY_UNIT, data, user=request.user, subject=unit, route=route)
    if data is None:
        form.initial = {"year": today().year - 1, "on": today()}
    error = ""
    if request.method == "POST":
        try:
            outcome = catalogue.perform(
                CLASSIFY_UNIT, unit, request.POST, user=request.user, actor=request
            )
        except catalogue.ActInvalid as invalid:
            form = invalid.form
        except PermissionError:
            raise Http404("Không tìm thấy đơn vị.") from None
        except CosoError as exc:
            error = str(exc)
        else:
            if outcome.proposed:
                return redirect("authority:proposal", outcome.proposal.pk)
            return redirect("quality:unit", unit.code)
    rules, source = ops.year_rules(_year_of(form, data))
    return render(
        request,
        "quality/classify.html",
        {
            "subject_label": f"{_unit_name(unit, today())} ({unit.code})",
            "unit": unit,
            "form": form,
            "proposing": route == catalogue.Route.PROPOSE,
            "error": error,
            "rules": rules,
            "source": source,
            "back": f"/units/{unit.code}/quality/",
        },
    )


def _year_of(form: Any, data: Any) -> int:
    try:
        return int((data or {}).get("year") or form.initial.get("year") or today().year - 1)
    except (TypeError, ValueError):
        return today().year - 1


# --------------------------------------------------------------------------------------------
# Summary, xlsx, pdf


def _summary(unit: Any, year: int, listed: int = 500) -> Any:
    """The summary table, with the first `listed` clean and strong units (and their count)."""
    years = sorted({*queries.years_rated(), year})[-6:]
    counts = queries.classification_summary(unit, year)
    return summary_table(
        unit.code,
        _unit_name(unit, ops.year_end(year)),
        year,
        counts,
        # The year's own bar is the summary's count of units: not counted a second time.
        queries.level_series(unit, years, known={year: counts["units"]}),
        queries.clean_and_strong(unit, year, limit=listed),
    )


@login_required
@require_GET
def summary(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    year = _year(request)
    table = _summary(unit, year)
    ranked = queries.ranking(unit, dt.date(year, 1, 1))
    return render(
        request,
        "quality/summary.html",
        {
            "unit": unit,
            "t": table,
            "rows": table_cells(table),
            "keys": [key_label(k) for k in queries.KEYS],
            "chart": chart_svg(table.series),
            "ranked": ranked,
            "year": year,
            "years": list(range(today().year, today().year - 6, -1)),
            "clean": [(i, kind_label(i.kind), key_label(i.level)) for i in table.clean],
        },
    )


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
@young_collections_only()  # a document built: no whole-heap pass in it
def summary_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    year = _year(request)
    return _download(
        export_summary_xlsx(_summary(unit, year)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"xep-loai-{unit.code}-{year}.xlsx",
    )


@login_required
@require_GET
@young_collections_only()  # a document built: no whole-heap pass in it
def summary_pdf(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_quality_unit(request.user, code)
    year = _year(request)
    return _download(
        export_summary_pdf(_summary(unit, year, listed=PDF_UNITS)),
        "application/pdf",
        f"xep-loai-{unit.code}-{year}.pdf",
    )


# --------------------------------------------------------------------------------------------
# The member's year: self-review, branch comments, residence comments, classification


@login_required
@require_http_methods(ALLOWED)
def member_year(request: HttpRequest, member_id: str, year: int) -> HttpResponse:
    if not 2000 <= year <= 2100:
        raise Http404("Không có năm này.")
    member = get_reviewed_member(request.user, member_id, year)
    scope = scope_of(request.user)
    in_scope = scope.members(Action.VIEW).filter(pk=member.pk).exists()
    span = ops.member_span_in(member, year)
    branch = span.unit if span is not None else member.home_unit
    own = scope.own_member is not None and scope.own_member.pk == member.pk
    may_comment = in_scope and branch is not None and scope.can(Action.MANAGE_ACTIVITIES, branch)
    residences = [
        u for u in ops.residence_units(member, year) if scope.can(Action.MANAGE_ACTIVITIES, u)
    ]
    route = catalogue.route_for(request.user, CLASSIFY_MEMBER, member) if in_scope else None
    review, rating = queries.member_year(member, year)
    forms: dict[str, Any] = {
        "self": SelfReviewForm(
            None,
            user=request.user,
            initial={
                "self_level": review.self_level if review else "",
                "text": review.self_text if review else "",
            },
        ),
        "comment": BranchCommentForm(None, user=request.user),
        "residence": ResidenceCommentForm(
            None, user=request.user, initial={"unit": residences[0].code if residences else ""}
        ),
        "classify": catalogue.bind(
            CLASSIFY_MEMBER, None, user=request.user, subject=member, route=route[0]
        )
        if route
        else None,
    }
    if forms["classify"] is not None:
        forms["classify"].initial = {"year": year, "on": today()}
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "self" and own:
                forms["self"] = SelfReviewForm(request.POST, user=request.user)
                if forms["self"].is_valid():
                    ops.save_self_review(
                        member,
                        year=year,
                        self_level=forms["self"].cleaned_data["self_level"],
                        text=forms["self"].cleaned_data["text"],
                        user=request.user,
                        actor=request,
                    )
                    return redirect("quality:member", member.member_id, year)
            elif action == "comment" and may_comment:
                forms["comment"] = BranchCommentForm(request.POST, user=request.user)
                if forms["comment"].is_valid():
                    d = forms["comment"].cleaned_data
                    ops.comment_review(
                        member,
                        year=year,
                        comment=d["comment"],
                        level=d["level"],
                        votes_for=d["votes_for"],
                        votes_against=d["votes_against"] or 0,
                        votes_abstain=d["votes_abstain"] or 0,
                        disciplined=d["disciplined"],
                        discipline_decision=d["discipline_decision"] or "",
                        suspended=d["suspended"],
                        user=request.user,
                        actor=request,
                    )
                    return redirect("quality:member", member.member_id, year)
            elif action == "residence" and residences:
                forms["residence"] = ResidenceCommentForm(request.POST, user=request.user)
                if forms["residence"].is_valid():
                    code = forms["residence"].cleaned_data["unit"].strip()
                    unit = next((u for u in residences if u.code == code), None)
                    if unit is None:
                        raise CosoError(
                            _("Không có chi bộ nơi cư trú mã «%(code)s» trong phạm vi được giao.")
                            % {"code": code}
                        )
                    ops.comment_residence(
                        member,
                        year=year,
                        unit=unit,
                        comment=forms["residence"].cleaned_data["comment"],
                        user=request.user,
                        actor=request,
                    )
                    return redirect("quality:member", member.member_id, year)
            elif action == "classify" and route is not None:
                try:
                    outcome = catalogue.perform(
                        CLASSIFY_MEMBER, member, request.POST, user=request.user, actor=request
                    )
                except catalogue.ActInvalid as invalid:
                    forms["classify"] = invalid.form
                else:
                    if outcome.proposed:
                        return redirect("authority:proposal", outcome.proposal.pk)
                    return redirect("quality:member", member.member_id, year)
            else:
                raise Http404("Không có thao tác này.")
        except PermissionError:
            raise Http404("Không có thao tác này.") from None
        except CosoError as exc:
            error = str(exc)
    return render(
        request,
        "quality/member_year.html",
        {
            "member": member,
            "year": year,
            "branch": branch,
            "review": review,
            "rating": rating,
            "trail": queries.classification_trail(member=member) if in_scope else [],
            "own": own,
            "may_comment": may_comment,
            "residences": residences,
            "in_scope": in_scope,
            "forms": forms,
            "error": error,
            "level_labels": dict(Level.choices),
            "proposing": route is not None and route[0] == catalogue.Route.PROPOSE,
        },
    )
