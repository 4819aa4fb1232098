"""URLs of proposals and decisions, namespace `authority`."""

from django.urls import path

from coso.authority import views

app_name = "authority"

urlpatterns = [
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_page, name="proposal"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="decide"),
    path("proposals/<int:pk>/refile/", views.proposal_refile, name="refile"),
    path("proposals/<int:pk>/documents/", views.proposal_attach, name="attach"),
    path(
        "proposals/<int:pk>/documents/<int:document_id>/",
        views.proposal_document,
        name="document",
    ),
]
