"""The audit trail page: scoped to the reader's subtree, filterable, read-only, cheap."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from coso.audit.log import AuditAction, record_sensitive_view, record_write
from coso.audit.models import AuditEntry
from coso.web.views_audit import ENTRIES_PER_PAGE, changes

URL = "/audit/"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _write(
    cast: Any, who: str, action: AuditAction, unit: str, at: dt.datetime | None = None
) -> AuditEntry:
    target = f"units.unit:{unit}"
    before, after = (
        {"name": f"Cũ {unit}", "kind": "branch"},
        {"name": f"Mới {unit}", "kind": "branch"},
    )
    if at is None:
        return record_write(cast.user(who), action, target, before, after, cast.units[unit])
    with mock.patch("django.utils.timezone.now", return_value=at):
        return record_write(cast.user(who), action, target, before, after, cast.units[unit])


@pytest.fixture
def trail(cast: Any) -> Any:
    """Entries in both provinces: P (officer's) and Q (outsider's)."""
    _write(cast, "officer", AuditAction.RENAME, "B", dt.datetime(2026, 3, 2, 9, 5, tzinfo=LOCAL))
    _write(
        cast,
        "secretary",
        AuditAction.TRANSFER_OUT,
        "BC2",
        dt.datetime(2026, 3, 5, 23, 30, tzinfo=LOCAL),
    )
    _write(cast, "officer", AuditAction.CREATE, "P", dt.datetime(2026, 3, 9, 8, 0, tzinfo=LOCAL))
    _write(cast, "outsider", AuditAction.RENAME, "QB", dt.datetime(2026, 3, 5, 10, 0, tzinfo=LOCAL))
    return cast


def _targets(body: str) -> list[str]:
    # Targets read as the unit's name and code (the cast names units "Đơn vị <code>").
    return [t for t in ("B", "BC2", "P", "QB") if f">Đơn vị {t} ({t})<" in body]


def test_officer_sees_their_subtree_newest_first_and_not_the_other_province(trail: Any) -> None:
    response = trail.client("officer").get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert _targets(body) == ["B", "BC2", "P"]
    # Newest first: P (9 March) before BC2 (5 March) before B (2 March).
    assert (
        body.index("09/03/2026 08:00")
        < body.index("05/03/2026 23:30")
        < body.index("02/03/2026 09:05")
    )
    assert "cast.secretary" in body and "cast.outsider" not in body
    assert "<strong>Tên</strong>: Cũ B → Mới B" in body
    assert "<strong>Loại</strong>" not in body  # unchanged keys are left out
    assert 'href="/audit/"' in body  # the nav link
    assert "<form" in body and 'method="post"' not in body.split("<main", 1)[1].split("</main>")[0]

    body = trail.client("outsider").get(URL).content.decode()
    assert _targets(body) == ["QB"]
    body = trail.client("admin").get(URL).content.decode()
    assert _targets(body) == ["B", "BC2", "P", "QB"]


def test_filters_by_local_dates_action_user_and_unit_subtree(trail: Any) -> None:
    client = trail.client("officer")

    def shown(**query: str) -> list[str]:
        response = client.get(URL, query)
        assert response.status_code == 200
        return _targets(response.content.decode())

    # 23:30 local on 5 March is 16:30 UTC: still the 5th for the reader.
    assert shown(date_from="05/03/2026", date_to="05/03/2026") == ["BC2"]
    assert shown(date_from="03/03/2026") == ["BC2", "P"]
    assert shown(date_to="2026-03-04") == ["B"]
    assert shown(action="rename") == ["B"]
    assert shown(action="rename", channel="api") == []
    assert shown(action="rename", channel="web") == ["B"]
    assert shown(username="secret") == ["BC2"]
    assert shown(unit="C") == ["B"]  # B lies under C; BC2 and P do not
    assert shown(unit="P") == ["B", "BC2", "P"]
    assert shown(unit="C", action="create") == []


def test_bad_filters_say_why_and_show_nothing(trail: Any) -> None:
    client = trail.client("officer")
    body = client.get(URL, {"date_from": "31/02/2026"}).content.decode()
    assert "ngày không hợp lệ «31/02/2026»" in body and 'aria-invalid="true"' in body
    assert _targets(body) == []
    # Out of scope and non-existent units answer alike, naming the code.
    for code in ("QB", "NOPE"):
        response = client.get(URL, {"unit": code})
        body = response.content.decode()
        assert response.status_code == 200
        assert f"Không tìm thấy đơn vị {code} trong phạm vi" in body
        assert _targets(body) == []


@pytest.mark.parametrize("role", ["committee", "secretary", "member"])
def test_roles_without_the_right_get_404_and_no_nav_link(trail: Any, role: str) -> None:
    client = trail.client(role)
    response = client.get(URL)
    assert response.status_code == 404
    assert "Đơn vị B (B)" not in response.content.decode()
    assert 'href="/audit/"' not in client.get(reverse("web:home")).content.decode()


def test_anonymous_is_sent_to_login(trail: Any) -> None:
    response = trail.client("anonymous").get(URL)
    assert response.status_code == 302 and f"next={URL}" in response["Location"]


def test_no_writes_through_the_page(trail: Any) -> None:
    count = AuditEntry.objects.count()
    client = trail.client("officer")
    for method in (client.post, client.put, client.delete, client.patch):
        assert method(URL).status_code == 405
    assert AuditEntry.objects.count() == count


def test_paginates_and_costs_the_same_for_1_or_30_entries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    client = cast.client("officer")
    _write(cast, "officer", AuditAction.RENAME, "B")
    client.get(URL)  # session and caches warm, as on any later page

    def cost() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    one = cost()
    for i in range(29):
        _write(cast, "secretary", list(AuditAction)[i], ("B", "B2", "BC2", "G")[i % 4])
    assert cost() == one
    with django_assert_max_num_queries(15):
        client.get(URL)

    for _i in range(ENTRIES_PER_PAGE - 30 + 1):
        _write(cast, "officer", AuditAction.RETAG, "C")
    body = client.get(URL).content.decode()
    assert body.count("<tr>") == ENTRIES_PER_PAGE + 1  # header row + one page
    assert "Trang 1/2" in body
    body = client.get(URL, {"page": "2"}).content.decode()
    assert body.count("<tr>") == 2 and "Trang 2/2" in body


def test_english_page(trail: Any) -> None:
    client = trail.client("officer")
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    body = client.get(URL).content.decode()
    assert '<html lang="en">' in body
    for text in ("Audit trail", "Time", "Address", "Changes", "From date", "3 entries"):
        assert text in body, text
    assert "Nhật ký" not in body and "Thời điểm" not in body


def test_changes_lists_only_changed_keys_and_shortens_long_values() -> None:
    assert changes(None, {"a": 1}) == [
        {"key": "a", "before": "—", "after": "1", "full": "None → 1"}
    ]
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3})[0]["key"] == "b"
    assert changes({"a": 1}, None)[0]["after"] == "—"
    long = changes({}, {"x": "y" * 500})[0]["after"]
    assert len(long) == 80 and long.endswith("…")
    assert changes(None, None) == []
    assert changes(None, ["x"]) == [
        {"key": "", "before": "—", "after": "['x']", "full": "None → ['x']"}
    ]


def _visible_text(body: str) -> str:
    """The page as read: tags and attribute values (option values are codes) removed."""
    import re

    main = body.split("<main", 1)[1].split("</main>")[0]
    return re.sub(r"<[^>]*>", " ", main)


def test_entries_read_in_plain_words_not_codes(cast: Any) -> None:
    from django.test import RequestFactory

    request = RequestFactory().get("/members/CAST-B1/")
    request.user = cast.secretary
    record_sensitive_view(request, cast.members["b1"])
    record_write(
        cast.officer,
        AuditAction.REORG_PLAN,
        "file:phuong-an.csv",
        None,
        {"on": "2026-03-01", "units": ["B", "B2"], "exempt": False},
        cast.P,
    )
    body = cast.client("officer").get(URL).content.decode()
    text = _visible_text(body)
    assert "Xem thông tin nhạy cảm" in text and "Áp dụng phương án sắp xếp tổ chức" in text
    assert "Phạm Đình Dũng (CAST-B1)" in text and "Tệp phuong-an.csv" in text
    assert "Trang web" in text  # the channel
    assert (
        "<strong>Thông tin đã xem</strong>: — → Số định danh cá nhân, Dân tộc, Tôn giáo, Sức khỏe"
        in body
    )
    assert "<strong>Ngày hiệu lực</strong>: — → 01/03/2026" in body
    assert "<strong>Được miễn sinh hoạt</strong>: — → không" in body
    for code in ("view_sensitive", "reorg_plan", "members.member", "national_id", "['"):
        assert code not in text, code


def test_filter_offers_labelled_actions_and_channels(trail: Any) -> None:
    client = trail.client("officer")
    body = client.get(URL).content.decode()
    assert '<optgroup label="Tổ chức">' in body
    assert '<option value="rename">Đổi tên đơn vị</option>' in body
    assert '<option value="view_sensitive">Xem thông tin nhạy cảm</option>' in body
    assert '<option value="api">API</option>' in body
    # Choosing a label filters by its act; a code that is no act is refused, not guessed.
    assert _targets(client.get(URL, {"action": "transfer_out"}).content.decode()) == ["BC2"]
    refused = client.get(URL, {"action": "RENAME"})
    assert refused.status_code == 200 and _targets(refused.content.decode()) == []
    assert 'aria-invalid="true"' in refused.content.decode()


def test_unit_filter_takes_a_name_or_a_code(trail: Any) -> None:
    client = trail.client("officer")
    assert _targets(client.get(URL, {"unit": "vị C2"}).content.decode()) == ["BC2"]
    assert _targets(client.get(URL, {"unit": "C"}).content.decode()) == ["B"]
    body = client.get(URL, {"unit": "Đơn vị B"}).content.decode()
    assert "khớp với nhiều đơn vị" in body and "Đơn vị B2 (B2)" in body
    assert _targets(body) == []
    # A name outside the scope is answered like an unknown one.
    body = client.get(URL, {"unit": "vị QB"}).content.decode()
    assert "Không tìm thấy đơn vị vị QB trong phạm vi" in body


def test_english_labels(trail: Any) -> None:
    client = trail.client("officer")
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    body = client.get(URL).content.decode()
    text = _visible_text(body)
    for words in ("Rename a unit", "Transfer out", "Web page", "Via", "Name"):
        assert words in text, words
    assert "Đổi tên đơn vị" not in text and "Trang web" not in text
