"""URLs of branch activities, namespace `meetings`: one module per page family.

- `urls_pages.py`: a unit's meetings, planning, attendance, minutes, resolutions, documents;
- `urls_me.py`: the member's own page, online check-in and the private calendar feed;
- `urls_reports.py`: the activity report with drill-down and its xlsx export.
"""

from coso.meetings import urls_me, urls_pages, urls_reports

app_name = "meetings"

urlpatterns = [*urls_pages.urlpatterns, *urls_me.urlpatterns, *urls_reports.urlpatterns]
