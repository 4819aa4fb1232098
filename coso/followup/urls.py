"""Routes of the follow-through pages, namespace `followup` (see coso/followup/views.py)."""

from django.urls import path

from coso.followup import views as v

app_name = "followup"

urlpatterns = [
    path("directives/", v.directive_list, name="list"),
    path("directives/new/", v.directive_new, name="new"),
    path("directives/<int:pk>/", v.directive_detail, name="detail"),
    path("directives/<int:pk>/attachments/", v.directive_attach, name="attach"),
    path("directives/<int:pk>/cascade/", v.directive_cascade, name="cascade"),
    path("directives/<int:pk>/track/<str:code>/", v.tracking_page, name="tracking"),
    path("directives/<int:pk>/track/<str:code>.xlsx", v.tracking_xlsx, name="tracking_xlsx"),
    path("directive-files/<int:pk>/", v.attachment_download, name="attachment"),
    path("directive-steps/<int:pk>/report/", v.step_report, name="step"),
    path("units/<str:code>/directives/", v.unit_directives, name="unit"),
    path("resolutions/<int:pk>/targets/", v.resolution_targets, name="targets"),
]
