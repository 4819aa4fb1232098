"""A member on a 390 px phone opens their own page and checks in to an online meeting.

Against the cast of tests/cast.py: the `member` user is Phạm Đình Dũng (CAST-B1) of branch B.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from coso.core.dates import today
from coso.meetings.documents import store_document
from coso.meetings.models import Invitation
from coso.meetings.operations import (
    adopt_resolution,
    open_check_in,
    plan_meeting,
    record_attendance,
)
from tests.browser.conftest import (
    horizontal_overflow,
    log_in,
    open_phone_menu,
    serious_axe_violations,
)
from tests.cast import Cast


def _branch_life(cast: Cast) -> Any:
    """An online meeting tonight with its check-in window open, one in person next week with
    a document, and a held meeting with a resolution a few days ago."""
    online = plan_meeting(
        cast.B,
        kind="regular",
        on=today(),
        form="online",
        starts_at=dt.time(19, 30),
        title="Sinh hoạt trực tuyến tháng này",
        online_link="https://meet.example/chi-bo-b/phong-hop-truc-tuyen-thang-nay-rat-dai",
        online_platform="Zoom",
        online_reason="Mưa lũ, đường ngập",
        unable_in_person=2,
        agenda="Kiểm điểm tháng; nhiệm vụ tháng tới",
    )
    open_check_in(online, at=timezone.now() - dt.timedelta(minutes=2))
    later = plan_meeting(
        cast.B,
        kind="thematic",
        on=today() + dt.timedelta(days=7),
        starts_at=dt.time(8, 0),
        place="Nhà văn hóa thôn Hoàn Lão",
        agenda="Chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    )
    store_document(later, name="tai-lieu-chuyen-de.pdf", data=b"%PDF-1.4\n%%EOF\n")
    held = plan_meeting(
        cast.B, kind="regular", on=today() - dt.timedelta(days=3), place="Nhà văn hóa"
    )
    record_attendance(held, {"CAST-B1": "present", "CAST-B2": "present"})
    adopt_resolution(held, title="Nghị quyết về giữ gìn vệ sinh môi trường thôn", votes_for=2)
    return online


def test_member_checks_in_to_an_online_meeting_from_their_phone(
    site: str, cast: Cast, phone: Page, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    online = _branch_life(cast)
    page = phone
    log_in(page, site, "cast.member")
    open_phone_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Sinh hoạt của tôi").click()
    page.wait_for_url(f"{site}/me/")
    expect(page.locator("main h1")).to_have_text("Sinh hoạt của tôi")
    card = page.locator(f"#check-in-{online.pk}")
    expect(card).to_contain_text("Sinh hoạt trực tuyến tháng này")
    expect(page.locator("#upcoming")).to_contain_text("tai-lieu-chuyen-de.pdf")
    expect(page.locator("#resolutions")).to_contain_text("giữ gìn vệ sinh môi trường")
    assert horizontal_overflow(page) <= 0, "me/ scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []

    button = card.get_by_role("button", name="Điểm danh")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 48, "the check-in button is a big touch target"
    button.click()
    page.wait_for_url(f"{site}/me/")
    expect(page.locator("main .alert-success").first).to_contain_text("Đã điểm danh")
    expect(card.locator(".checked-in")).to_contain_text("Bạn đã điểm danh lúc")
    expect(card.get_by_role("button", name="Điểm danh")).to_have_count(0)
    invitation = Invitation.objects.get(meeting=online, member=cast.members["b1"])
    assert invitation.checked_in_at is not None
    assert horizontal_overflow(page) <= 0, "me/ after check-in scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []

    # The private calendar address: shown once, in a field that fits the screen.
    page.get_by_role("button", name="Tạo địa chỉ lịch").click()
    field = page.get_by_label("Địa chỉ lịch")
    expect(field).to_have_value(re.compile("^" + re.escape(site) + r"/calendar/[\w-]{40,}\.ics$"))
    assert horizontal_overflow(page) <= 0, "the calendar address page scrolls sideways"
    assert serious_axe_violations(page) == []
