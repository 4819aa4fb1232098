"""Coso's scheduled jobs: one line each (name, title, the function of the run's day, default time).

The mechanism (claims, leases, retries, catch-up) is coso/core/schedule.py; `coso scheduler`
(run by every `coso serve`) ticks it, `coso schedule` and the administrator's page show it.
This list sits at the top layer because the jobs come from several apps. A job's function takes
the run's day (`datetime.date`) and returns a one-line summary; raising means failure. Each must
be idempotent: a retry or a catch-up after missed days runs it again. Default times are local
(Asia/Ho_Chi_Minh); `COSO_JOB_<NAME>=HH:MM|every N|off` overrides one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy

from coso.authority.reminders import send_reminders
from coso.core.backup import daily_backup
from coso.core.schedule import Job, prune_history
from coso.followup.tally import JOB_NAME as FOLLOWUP_TALLY
from coso.followup.tally import rebuild_stale
from coso.meetings.operations import prune_calendar_tokens
from coso.members.names import count_search_words
from coso.members.snapshots import JOB_NAME as SNAPSHOTS
from coso.members.snapshots import sync_due_snapshots
from coso.outreach.tally import rebuild as rebuild_coverage
from coso.quality.tally import JOB_NAME as QUALITY_TALLY
from coso.quality.tally import rebuild_recent
from coso.web.imports import prune_import_jobs
from coso.web.warnings import refresh_warnings


def prune_imports(day: dt.date) -> str:
    """Import jobs and their files older than COSO_IMPORT_JOBS_KEEP_DAYS, and the scheduler's
    own history older than COSO_SCHEDULE_HISTORY_DAYS."""
    days = settings.COSO_IMPORT_JOBS_KEEP_DAYS
    count = prune_import_jobs(days)
    runs = prune_history(settings.COSO_SCHEDULE_HISTORY_DAYS)
    return (
        f"Đã xóa {count} lượt nhập dữ liệu cũ hơn {days} ngày và {runs} dòng lịch sử chạy "
        f"theo lịch cũ hơn {settings.COSO_SCHEDULE_HISTORY_DAYS} ngày."
    )


def households_tally(day: dt.date) -> str:
    """The households' coverage tally counted afresh (writers keep it exact; this repairs what
    a write outside the operations may have left)."""
    with transaction.atomic():
        return rebuild_coverage()


JOBS: list[Job] = [
    Job(
        SNAPSHOTS,
        gettext_lazy("Cập nhật trạng thái đảng viên khi quyết định đến ngày hiệu lực"),
        sync_due_snapshots,
        "00:05",
    ),
    # After the snapshots: the warnings read today's statuses and homes.
    Job("warnings", gettext_lazy("Tính lại các cảnh báo"), refresh_warnings, "00:15"),
    Job(
        QUALITY_TALLY,
        gettext_lazy("Đếm lại kết quả xếp loại đảng viên theo chi bộ"),
        rebuild_recent,
        "00:20",
    ),
    Job(
        FOLLOWUP_TALLY,
        gettext_lazy("Đếm lại bảng theo dõi thực hiện văn bản sau sắp xếp tổ chức"),
        rebuild_stale,
        "00:25",
    ),
    Job(
        "households_tally",
        gettext_lazy("Đếm lại số liệu hộ gia đình được phân công phụ trách"),
        households_tally,
        "00:30",
    ),
    Job(
        "search_words",
        gettext_lazy("Đếm lại số đảng viên theo từng từ của họ tên (để tìm kiếm)"),
        count_search_words,
        "00:40",
    ),
    Job("backup", gettext_lazy("Sao lưu hằng ngày"), daily_backup, "01:00"),
    Job(
        "prune_imports",
        gettext_lazy("Xóa lượt nhập dữ liệu cũ và tệp lỗi"),
        prune_imports,
        "02:00",
    ),
    Job(
        "calendar_tokens",
        gettext_lazy("Xóa liên kết lịch đã hết hạn"),
        prune_calendar_tokens,
        "02:10",
    ),
    Job("reminders", gettext_lazy("Gửi nhắc hạn đề nghị và thời hạn"), send_reminders, "06:00"),
]


def registered_jobs() -> list[Job]:
    """The jobs every scheduler runs, and the pages and `coso schedule` list."""
    return list(JOBS)


__all__ = ["JOBS", "prune_imports", "registered_jobs"]
