"""Routes of the meetings reports pages (see coso/meetings/urls.py)."""

from typing import Any

from django.urls import path

from coso.meetings import views_reports

urlpatterns: list[Any] = [
    path(
        "units/<str:code>/activity-report/",
        views_reports.activity_report,
        name="report",
    ),
    path(
        "units/<str:code>/activity-report.xlsx",
        views_reports.activity_report_xlsx,
        name="report_xlsx",
    ),
]
