"""Routes of the outreach pages, namespace `outreach` (see coso/outreach/views.py)."""

from django.urls import path

from coso.outreach import views as v

app_name = "outreach"

urlpatterns = [
    path("units/<str:code>/households/", v.unit_households, name="unit_households"),
    path("units/<str:code>/households/new/", v.household_new, name="household_new"),
    path("households/<int:pk>/", v.household_detail, name="household"),
    path("units/<str:code>/assignments/", v.unit_assignments, name="unit_assignments"),
    path("assignments/<int:pk>/", v.assignment_detail, name="assignment"),
    path("units/<str:code>/petitions/", v.unit_petitions, name="unit_petitions"),
    path("units/<str:code>/petitions/new/", v.petition_new, name="petition_new"),
    path("petitions/<int:pk>/", v.petition_detail, name="petition"),
]
