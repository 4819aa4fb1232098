from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("coso.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("coso.api.urls")),
    path("", include("coso.meetings.urls")),
    path("", include("coso.followup.urls")),
    path("", include("coso.quality.urls")),
    path("", include("coso.outreach.urls")),
    path("", include("coso.oversight.urls")),
    path("", include("coso.authority.urls")),
    path("", include("coso.web.urls")),
]
