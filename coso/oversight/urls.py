"""Routes of the oversight pages, namespace `oversight` (see coso/oversight/views.py)."""

from django.urls import path

from coso.oversight import views as v

app_name = "oversight"

urlpatterns = [
    path("units/<str:code>/cases/", v.unit_cases, name="unit_cases"),
    path("units/<str:code>/cases/new/", v.case_new, name="case_new"),
    path("units/<str:code>/inspection-plans/", v.unit_plans, name="plans"),
    path("inspection-plans/<int:pk>/result/", v.plan_result, name="plan_result"),
    path("cases/<int:pk>/", v.case_detail, name="case"),
    path("cases/<int:pk>/files/", v.case_file_add, name="case_file_add"),
    path("cases/<int:pk>/close/", v.case_close, name="case_close"),
    path("cases/<int:pk>/decide/", v.case_decide, name="case_decide"),
    path("case-files/<int:pk>/", v.case_file, name="case_file"),
    path("discipline/<int:pk>/appeal/", v.appeal_new, name="appeal_new"),
    path("appeals/<int:pk>/decide/", v.appeal_decide, name="appeal_decide"),
]
