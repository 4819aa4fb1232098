"""Routes of the meetings pages (see coso/meetings/urls.py and views_pages.py)."""

from django.urls import path

from coso.meetings import views_pages as v
from coso.meetings import views_print as vp

urlpatterns = [
    path("units/<str:code>/meetings/", v.unit_meetings_page, name="unit_meetings"),
    path("units/<str:code>/meetings/plan/", v.plan_page, name="plan"),
    path("units/<str:code>/resolutions/", v.resolution_book_page, name="resolution_book"),
    path("meetings/<int:pk>/", v.detail_page, name="detail"),
    path("meetings/<int:pk>/attendance/", v.attendance_page, name="attendance"),
    path("meetings/<int:pk>/minutes/", v.minutes_page, name="minutes"),
    path("meetings/<int:pk>/resolution/", v.resolution_page, name="resolution"),
    path("meetings/<int:pk>/close/", v.close_page, name="close"),
    path("meetings/<int:pk>/cancel/", v.cancel_page, name="cancel"),
    path("meetings/<int:pk>/amend/", v.amend_page, name="amend"),
    path("meetings/<int:pk>/consolidate/", v.consolidate_page, name="consolidate"),
    path("meetings/<int:pk>/check-in/open/", v.check_in_open_page, name="check_in_open"),
    path("meetings/<int:pk>/check-in/confirm/", v.check_in_confirm_page, name="check_in_confirm"),
    path("meetings/<int:pk>/documents/", v.upload_page, name="upload"),
    path("documents/<int:pk>/", v.document_download, name="document"),
    # Printable documents (issue 13, point 7).
    path("meetings/<int:pk>/minutes.pdf", vp.minutes_pdf, name="minutes_pdf"),
    path("meetings/<int:pk>/resolutions.pdf", vp.resolutions_pdf, name="resolutions_pdf"),
    path("meetings/<int:pk>/attendance-sheet.pdf", vp.attendance_pdf, name="attendance_pdf"),
]
