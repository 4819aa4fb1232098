"""The administrator's page of scheduled work: each job's last run, duration, outcome, next run
and error, the latest runs, and "run now" (queued for the schedulers' next tick, through the
same claim as a scheduled run). Administrators only; anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from coso.authority.scope import scope_of
from coso.core.errors import CosoError
from coso.core.models import JobOutcome
from coso.core.schedule import Job, State, find_job, history, request_run, statuses
from coso.web.jobs import registered_jobs

HISTORY_ROWS = 50

STATE_LABELS: dict[str, Any] = {
    State.OK: gettext_lazy("Bình thường"),
    State.RUNNING: gettext_lazy("Đang chạy"),
    State.FAILED: gettext_lazy("Lỗi"),
    State.MISSED: gettext_lazy("Bỏ lỡ"),
    State.NEVER: gettext_lazy("Chưa đến lịch"),
    State.OFF: gettext_lazy("Tắt"),
}
OUTCOME_LABELS: dict[str, Any] = {
    JobOutcome.OK: gettext_lazy("Xong"),
    JobOutcome.RUNNING: gettext_lazy("Đang chạy"),
    JobOutcome.FAILED: gettext_lazy("Lỗi"),
    JobOutcome.QUEUED: gettext_lazy("Chờ chạy"),
}


def _require_admin(request: HttpRequest) -> None:
    if not scope_of(request.user).is_admin:
        raise Http404(_("Không tìm thấy trang."))


def _job(name: str) -> Job:
    try:
        return find_job(registered_jobs(), name)
    except CosoError as exc:
        raise Http404(str(exc)) from exc


@login_required
@require_safe
def schedule_page(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    name = request.GET.get("job", "").strip()
    if name:
        _job(name)
    rows = statuses(registered_jobs())
    for row in rows:
        row.label = STATE_LABELS[row.state]  # type: ignore[attr-defined]
    runs = history(name or None, limit=HISTORY_ROWS)
    for run in runs:
        run.label = OUTCOME_LABELS.get(run.outcome, run.outcome)  # type: ignore[attr-defined]
    return render(request, "web/schedule.html", {"rows": rows, "runs": runs, "job_name": name})


@login_required
@require_POST
def schedule_run(request: HttpRequest, name: str) -> HttpResponse:
    _require_admin(request)
    job = _job(name)
    if request_run(job, requested_by=request.user.get_username()) is None:
        messages.info(
            request, _("Việc «%(job)s» đã có yêu cầu chạy đang chờ.") % {"job": job.title}
        )
    else:
        messages.success(
            request,
            _("Đã yêu cầu chạy «%(job)s»: bộ lập lịch sẽ chạy ở lượt tới (trong vòng một phút).")
            % {"job": job.title},
        )
    return redirect("web:schedule")
