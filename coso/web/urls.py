from django.urls import path

from coso.web import (
    views,
    views_audit,
    views_notices,
    views_pick,
    views_print,
    views_schedule,
    views_stats,
)
from coso.web.forms_views import form_urlpatterns

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("tree/", views.tree, name="tree"),
    path("tree/<str:code>/children/", views.tree_children, name="tree_children"),
    path("units/<str:code>/", views.unit_page, name="unit"),
    path("units/<str:code>/stats/", views_stats.unit_stats, name="unit_stats"),
    path("pick/units/", views_pick.unit_pick, name="unit_pick"),
    path("members/", views.member_list, name="members"),
    path("members/<str:member_id>/", views.member_page, name="member"),
    path("members/<str:member_id>/record.pdf", views_print.member_pdf, name="member_pdf"),
    path("audit/", views_audit.audit_trail, name="audit"),
    path("schedule/", views_schedule.schedule_page, name="schedule"),
    path("schedule/<slug:name>/run/", views_schedule.schedule_run, name="schedule_run"),
    path("notices/", views_notices.notices, name="notices"),
    path("notices/read/", views_notices.notices_read_all, name="notices_read_all"),
    path("notices/<int:pk>/read/", views_notices.notice_read, name="notice_read"),
]
urlpatterns += form_urlpatterns
