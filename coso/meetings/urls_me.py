"""Routes of the member's own page, online check-in and the private calendar feed
(see coso/meetings/urls.py)."""

from django.urls import path

from coso.meetings import views_me

urlpatterns = [
    path("me/", views_me.me, name="me"),
    path("meetings/<int:pk>/check-in/", views_me.check_in, name="check_in"),
    path("me/calendar/", views_me.calendar_create, name="calendar_create"),
    path("me/calendar/revoke/", views_me.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views_me.calendar_feed, name="calendar_feed"),
]
