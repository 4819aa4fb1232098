"""URLs of the quality pages, namespace `quality`."""

from typing import Any

from django.urls import path

from coso.quality import views

app_name = "quality"

urlpatterns: list[Any] = [
    path("quality/criteria/", views.criteria_list, name="criteria"),
    path("quality/criteria/<int:pk>/", views.criteria_detail, name="criteria_detail"),
    path(
        "quality/criteria/<int:pk>/new-version/",
        views.criteria_new_version,
        name="criteria_new_version",
    ),
    path("quality/assessments/<int:pk>/", views.assessment_page, name="assessment"),
    path("units/<str:code>/quality/", views.unit_quality, name="unit"),
    path("units/<str:code>/quality/assess/", views.start_assessment, name="assess"),
    path("units/<str:code>/quality/classify/", views.classify_unit, name="classify"),
    path("units/<str:code>/quality/summary/", views.summary, name="summary"),
    path("units/<str:code>/quality/summary.xlsx", views.summary_xlsx, name="summary_xlsx"),
    path("units/<str:code>/quality/summary.pdf", views.summary_pdf, name="summary_pdf"),
    path("members/<str:member_id>/quality/<int:year>/", views.member_year, name="member"),
]
