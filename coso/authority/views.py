"""Pages of proposals: the inbox (to decide, filed by my units) and a proposal with its decision.

Thin views: who asks (coso.authority.scope through the queries), validate, call ONE operation
of coso.authority.proposals, render. A proposal is loaded only through get_proposal_for_user:
outsiders get 404. A refusal is shown with status 422 and nothing is written. Approving goes
through a confirmation page that shows what the act will change, like a merge preview.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coso.authority import proposals as ops
from coso.authority import queries
from coso.authority.forms import UnitPickerInput, date_field, unit_not_found, unit_typed
from coso.authority.models import Proposal, ProposalStatus
from coso.authority.scope import Action, scope_of
from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.core.files import too_large

PER_PAGE = 25


def _require_roles(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if not scope.manages_units:
        # Proposals are the business of bodies: a plain member has none to see.
        raise Http404(_("Không tìm thấy trang."))


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Tình trạng"),
        choices=[("", gettext_lazy("Tất cả")), *ProposalStatus.choices],
        required=False,
    )
    unit = forms.CharField(
        label=gettext_lazy("Đơn vị, tên hoặc mã"),
        required=False,
        max_length=200,
        widget=UnitPickerInput(Action.VIEW),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["unit"].widget.attrs["class"] = "form-control"


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Quyết định"),
        choices=[
            (ProposalStatus.APPROVED.value, gettext_lazy("Chấp thuận (ra quyết định)")),
            (ProposalStatus.REJECTED.value, gettext_lazy("Không chấp thuận")),
            (ProposalStatus.RETURNED.value, gettext_lazy("Trả lại để bổ sung")),
        ],
        widget=forms.RadioSelect,
    )
    decision_number = forms.CharField(
        label=gettext_lazy("Số quyết định"), required=False, max_length=120
    )
    on = date_field(gettext_lazy("Ngày quyết định (ngày hiệu lực)"))
    reason = forms.CharField(
        label=gettext_lazy("Lý do"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("bắt buộc khi không chấp thuận hoặc trả lại"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "outcome":
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["outcome"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == ProposalStatus.APPROVED and not (data.get("decision_number") or "").strip():
            self.add_error("decision_number", _("Cần số quyết định để chấp thuận."))
        if (
            outcome in (ProposalStatus.REJECTED, ProposalStatus.RETURNED)
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Cần ghi lý do."))
        return data


class RefileForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Nội dung đã bổ sung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    _require_roles(request)
    user = request.user
    day = today()
    filters = FilterForm(request.GET or None)
    rows = queries.proposals_visible_to(user)
    unit_error = ""
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            rows = rows.filter(status=filters.cleaned_data["status"])
        code = filters.cleaned_data["unit"].strip()
        if code:
            label = filters.fields["unit"].label
            try:
                unit = unit_typed(user, code, Action.VIEW, label=label)
            except forms.ValidationError as exc:
                unit, unit_error = None, " ".join(exc.messages)
            else:
                unit_error = "" if unit is not None else unit_not_found(label, code)
            rows = rows.none() if unit is None else rows.filter(Q(proposer=unit) | Q(decider=unit))
    page = Paginator(rows.order_by("-filed_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    to_decide = list(queries.inbox(user)[:PER_PAGE])
    context = {
        "day": day,
        "filters": filters,
        "unit_error": unit_error,
        "page": page,
        "to_decide": to_decide,
        "to_decide_counts": queries.inbox_counts(user) if to_decide else None,
        "may_decide": scope_of(user).holds(Action.DECIDE),
    }
    return render(request, "authority/proposals.html", context)


def _detail_context(request: HttpRequest, proposal: Proposal) -> dict[str, Any]:
    user = request.user
    return {
        "proposal": proposal,
        "title": proposal.act_title,
        "fields": queries.params_in_words(user, proposal),
        "events": list(queries.history(proposal)),
        "may_decide": proposal.status == ProposalStatus.PENDING and ops.can_decide(user, proposal),
        "may_refile": ops.can_refile(user, proposal),
        "may_attach": ops.may_attach(user, proposal),
        "documents": list(proposal.documents.all()),
        "subject": proposal.subject,
        "day": today(),
    }


@login_required
def proposal_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request)
    proposal = queries.get_proposal_for_user(request.user, pk)
    context = _detail_context(request, proposal)
    if context["may_decide"]:
        context["decide_form"] = DecideForm(initial={"on": today()})
    if context["may_refile"]:
        context["refile_form"] = RefileForm()
    return render(request, "authority/proposal.html", context)


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request)
    proposal = queries.get_proposal_for_user(request.user, pk)
    if not ops.can_decide(request.user, proposal):
        raise Http404(_("Không tìm thấy trang."))
    form = DecideForm(request.POST)
    context = _detail_context(request, proposal)
    context["decide_form"] = form
    if not context["may_decide"]:  # already decided: say so, change nothing
        context["refusal"] = _("Đề nghị này không còn chờ quyết định.")
        return render(request, "authority/proposal.html", context, status=422)
    if not form.is_valid():
        return render(request, "authority/proposal.html", context, status=422)
    data = form.cleaned_data
    on: dt.date = data["on"]
    try:
        if data["outcome"] == ProposalStatus.APPROVED and request.POST.get("confirm") != "1":
            context["consequences"] = ops.preview_decision(
                proposal, on=on, decision_number=data["decision_number"], user=request.user
            )
            context["confirming"] = True
            return render(request, "authority/proposal.html", context)
        ops.decide_proposal(
            proposal,
            outcome=data["outcome"],
            decision_number=data["decision_number"],
            on=on,
            reason=data["reason"],
            user=request.user,
            actor=request,
            channel="web",
        )
    except CosoError as exc:
        context["refusal"] = str(exc)
        return render(request, "authority/proposal.html", context, status=422)
    except PermissionError:
        raise Http404(_("Không tìm thấy trang.")) from None
    done = {
        ProposalStatus.APPROVED: _("Đã quyết định: %(act)s, có hiệu lực ngày %(day)s."),
        ProposalStatus.REJECTED: _("Đã trả lời không chấp thuận: %(act)s."),
        ProposalStatus.RETURNED: _("Đã trả lại đề nghị: %(act)s."),
    }[ProposalStatus(data["outcome"])]
    messages.success(request, done % {"act": context["title"], "day": fmt(on)})
    return redirect("authority:proposal", pk=proposal.pk)


@login_required
@require_POST
def proposal_refile(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request)
    proposal = queries.get_proposal_for_user(request.user, pk)
    if not ops.may_propose_for(request.user, proposal):
        raise Http404(_("Không tìm thấy trang."))
    form = RefileForm(request.POST)
    context = _detail_context(request, proposal)
    context["refile_form"] = form
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        ops.refile_proposal(proposal, note=note, user=request.user, actor=request, channel="web")
    except CosoError as exc:
        context["refusal"] = str(exc)
        return render(request, "authority/proposal.html", context, status=422)
    except PermissionError:
        raise Http404(_("Không tìm thấy trang.")) from None
    messages.success(request, _("Đã gửi lại đề nghị."))
    return redirect("authority:proposal", pk=proposal.pk)


@login_required
@require_POST
def proposal_attach(request: HttpRequest, pk: int) -> HttpResponse:
    _require_roles(request)
    proposal = queries.get_proposal_for_user(request.user, pk)
    if not ops.may_propose_for(request.user, proposal):
        raise Http404(_("Không tìm thấy trang."))
    upload = request.FILES.get("file")
    context = _detail_context(request, proposal)
    try:
        if upload is None:
            raise CosoError(_("Hãy chọn một tệp."))
        limit = ops.attachment_max_bytes()
        if upload.size is not None and upload.size > limit:
            raise CosoError(too_large(upload.name or "", upload.size, limit))
        ops.attach_document(
            proposal, name=upload.name or "", data=upload.read(), user=request.user, actor=request
        )
    except CosoError as exc:
        context["refusal"] = str(exc)
        return render(request, "authority/proposal.html", context, status=422)
    except PermissionError:
        raise Http404(_("Không tìm thấy trang.")) from None
    messages.success(request, _("Đã đính kèm tệp vào đề nghị."))
    return redirect("authority:proposal", pk=proposal.pk)


@login_required
def proposal_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    _require_roles(request)
    proposal = queries.get_proposal_for_user(request.user, pk)
    return ops.document_response(request.user, proposal, document_id)
