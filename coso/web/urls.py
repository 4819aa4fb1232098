from django.urls import path

from coso.web import (
    views,
    views_accounts,
    views_audit,
    views_corrections,
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
    # Issue 13, point 1: correcting a member's record.
    path(
        "members/<str:member_id>/correct/",
        views_corrections.correct_member,
        name="member_correct",
    ),
    path("audit/", views_audit.audit_trail, name="audit"),
    # Issue 13: a forgotten password, reset by an officer for an account in their scope.
    path("password-reset/", views_accounts.password_reset_search, name="password_reset_search"),
    path("password-reset/<int:user_id>/", views_accounts.password_reset, name="password_reset"),
    path("schedule/", views_schedule.schedule_page, name="schedule"),
    path("schedule/<slug:name>/run/", views_schedule.schedule_run, name="schedule_run"),
    path("notices/", views_notices.notices, name="notices"),
    path("notices/read/", views_notices.notices_read_all, name="notices_read_all"),
    path("notices/<int:pk>/read/", views_notices.notice_read, name="notice_read"),
]
urlpatterns += form_urlpatterns
