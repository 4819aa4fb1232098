"""A user's notices on the home page and at /notices/: only the recipient sees or marks them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from coso.accounts.models import Notice
from coso.authority.models import Proposal
from coso.authority.reminders import send_reminders
from tests.authority.filing import file_strike_off
from tests.cast import Cast

DUE = dt.date(2030, 1, 18)


def _remind(cast: Cast) -> Notice:
    proposal = file_strike_off(cast)
    Proposal.objects.filter(pk=proposal.pk).update(due_on=DUE)
    send_reminders(dt.date(2030, 1, 11))
    return Notice.objects.get(recipient=cast.committee)


def _page(client: Any, name: str = "web:home") -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_home_page_shows_the_recipients_unread_notices_only(cast: Cast) -> None:
    notice = _remind(cast)
    mine = _page(cast.client("committee"))
    assert 'id="notices-panel"' in mine and f'data-notice="{notice.pk}"' in mine
    assert "cần được quyết định trước ngày 18/01/2030" in mine
    assert f'href="/proposals/{notice.about_id}/"' in mine
    for other in ("admin", "officer", "secretary", "member", "outsider"):
        page = _page(cast.client(other))
        assert 'id="notices-panel"' not in page, other
        assert "18/01/2030" not in page, other


def test_marking_read_takes_it_off_the_home_page_but_keeps_it_in_the_list(cast: Cast) -> None:
    notice = _remind(cast)
    client = cast.client("committee")
    response = client.post(reverse("web:notice_read", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:notices")
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'id="notices-panel"' not in _page(client)
    listed = _page(client, "web:notices")
    assert f'data-notice="{notice.pk}"' in listed
    assert "Đánh dấu đã đọc" not in listed  # already read: no button
    # Marking it again changes nothing.
    read_at = notice.read_at
    client.post(reverse("web:notice_read", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.read_at == read_at


def test_another_users_notice_is_404_and_stays_unread(cast: Cast) -> None:
    notice = _remind(cast)
    for other in ("admin", "officer", "secretary", "member", "outsider"):
        client = cast.client(other)
        assert client.post(reverse("web:notice_read", args=[notice.pk])).status_code == 404
        assert f'data-notice="{notice.pk}"' not in _page(client, "web:notices")
        client.post(reverse("web:notices_read_all"))
    notice.refresh_from_db()
    assert notice.read_at is None
    assert (
        cast.client("committee").post(reverse("web:notice_read", args=[10**20])).status_code == 404
    )
    assert (
        cast.client("committee").get(reverse("web:notice_read", args=[notice.pk])).status_code
        == 405
    )


def test_mark_all_read_marks_only_the_users_own(cast: Cast) -> None:
    notice = _remind(cast)
    theirs = Notice.objects.create(
        recipient=cast.officer,
        kind="proposal_due",
        about_type="authority.proposal",
        about_id=notice.about_id,
        on=notice.on,
        text=notice.text,
        params=notice.params,
    )
    client = cast.client("committee")
    page = _page(client, "web:notices")
    assert "Đánh dấu tất cả đã đọc" in page
    client.post(reverse("web:notices_read_all"))
    notice.refresh_from_db()
    theirs.refresh_from_db()
    assert notice.read_at is not None and theirs.read_at is None
    assert "Đánh dấu tất cả đã đọc" not in _page(client, "web:notices")


def test_the_notice_list_reads_in_english(cast: Cast) -> None:
    notice = _remind(cast)
    client = cast.client("committee")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = _page(client, "web:notices")
    assert f"Proposal no. {notice.about_id} “Strike off”" in page
    assert "must be decided before 18/01/2030" in page
    assert "Mark as read" in page and "Mark all as read" in page


def test_a_user_without_notices_sees_an_empty_list(cast: Cast) -> None:
    assert "Bạn chưa có thông báo nào." in _page(cast.client("member"), "web:notices")
    assert cast.client("anonymous").get(reverse("web:notices")).status_code == 302
