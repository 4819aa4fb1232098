"""The calendar address page (issue 13, §15): the public https address when the site has one,
the Google Calendar https page for Android, webcal: for iPhone."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from coso.meetings.views_me import calendar_links
from tests.cast import Cast


def test_links_for_each_kind_of_phone() -> None:
    links = calendar_links("https://coso.example.vn/calendar/abc_-1.ics")
    assert links["webcal_url"] == "webcal://coso.example.vn/calendar/abc_-1.ics"
    google = urlsplit(links["google_url"])
    assert (google.scheme, google.netloc) == ("https", "calendar.google.com")
    assert parse_qs(google.query) == {"cid": ["webcal://coso.example.vn/calendar/abc_-1.ics"]}


def test_the_address_uses_the_sites_public_https_address(cast: Cast, settings: Any) -> None:
    settings.COSO_SITE_URL = "https://coso.example.vn/"
    page = cast.client("member").post(reverse("meetings:calendar_create"))
    assert page.status_code == 200
    url = page.context["feed_url"]
    assert url.startswith("https://coso.example.vn/calendar/") and url.endswith(".ics")
    text = page.content.decode()
    assert f'id="https-link" href="{url}"' in text
    assert "Sao chép địa chỉ" in text and 'data-copy="feed-url"' in text
    assert "Android" in text and "iPhone" in text
    # The token itself works at that path.
    path = urlsplit(url).path
    assert cast.client("anonymous").get(path).status_code == 200


def test_without_a_public_address_the_page_uses_the_one_asked_at(cast: Cast, settings: Any) -> None:
    settings.COSO_SITE_URL = ""
    page = cast.client("member").post(reverse("meetings:calendar_create"))
    assert page.context["feed_url"].startswith("http://testserver/calendar/")
