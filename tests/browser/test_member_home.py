"""Issue 13 §5: a plain member logs in on a 390 px phone and lands on their next meeting, with
the check-in button on the first screen while check-in is open; me/ lists that meeting once.

Against the cast: `cast.member` is Phạm Đình Dũng (CAST-B1) of branch B, with no officer role.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from coso.core.dates import today
from coso.meetings.models import Invitation, Meeting
from coso.meetings.operations import open_check_in, plan_meeting
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast


def _meetings(cast: Cast) -> tuple[Meeting, Meeting]:
    online = plan_meeting(
        cast.B,
        kind="regular",
        on=today(),
        form="online",
        starts_at=dt.time(19, 30),
        title="Sinh hoạt trực tuyến tối nay",
        online_link="https://meet.example/chi-bo-b/phong-hop",
        online_platform="Zoom",
        online_reason="Mưa lũ, đường ngập",
        unable_in_person=2,
        agenda="Kiểm điểm tháng; nhiệm vụ tháng tới",
    )
    later = plan_meeting(
        cast.B,
        kind="thematic",
        on=today() + dt.timedelta(days=7),
        starts_at=dt.time(8, 0),
        title="Sinh hoạt chuyên đề",
        place="Nhà văn hóa thôn Hoàn Lão",
        agenda="Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    )
    return online, later


def test_member_lands_on_the_next_meeting_then_on_the_check_in(
    site: str, cast: Cast, phone: Page
) -> None:
    online, later = _meetings(cast)
    page = phone
    # Before check-in opens: the home is the next meeting — date, time, link, agenda.
    log_in(page, site, "cast.member")
    expect(page.locator("main h1")).to_have_text("Phạm Đình Dũng")
    card = page.locator(f"#next-meeting #meeting-{online.pk}")
    expect(card).to_contain_text("Sinh hoạt trực tuyến tối nay")
    expect(card).to_contain_text("19:30")
    expect(card.get_by_role("link", name="https://meet.example/chi-bo-b/phong-hop")).to_be_visible()
    expect(card).to_contain_text("Kiểm điểm tháng")
    expect(page.locator("main")).not_to_contain_text("Số lượng đảng viên")
    expect(page.locator("#home-check-ins")).to_have_count(0)
    assert horizontal_overflow(page) <= 0, "the member's home scrolls sideways at 390 px"
    assert serious_axe_violations(page) == []

    # Check-in opens: the button is front and centre, on the first screen.
    open_check_in(online, at=timezone.now() - dt.timedelta(minutes=1))
    page.reload()
    button = page.locator(f"#check-in-{online.pk}").get_by_role("button", name="Điểm danh")
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 and box["height"] >= 48
    # The next meeting after it, with its place and agenda.
    following = page.locator(f"#next-meeting #meeting-{later.pk}")
    expect(following).to_contain_text("Nhà văn hóa thôn Hoàn Lão")
    expect(following).to_contain_text("Học tập và làm theo")
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []

    button.click()
    page.wait_for_url(f"{site}/")
    expect(page.locator("main .alert-success").first).to_contain_text("Đã điểm danh")
    expect(page.locator(f"#check-in-{online.pk} .checked-in")).to_contain_text(
        "Bạn đã điểm danh lúc"
    )
    assert Invitation.objects.get(meeting=online, member=cast.members["b1"]).checked_in_at

    # me/: the check-in meeting once, the other in the coming meetings.
    page.locator("#next-meeting a[href='/me/']").click()
    page.wait_for_url(f"{site}/me/")
    expect(page.get_by_text("Sinh hoạt trực tuyến tối nay")).to_have_count(1)
    expect(page.locator(f"#upcoming #meeting-{online.pk}")).to_have_count(0)
    expect(page.locator(f"#upcoming #meeting-{later.pk}")).to_have_count(1)
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []


def test_an_officers_home_keeps_the_branch_figures(site: str, cast: Cast, phone: Page) -> None:
    _meetings(cast)
    log_in(phone, site, "cast.secretary")
    expect(phone.locator("#stats-title")).to_have_text("Số lượng đảng viên")
    expect(phone.locator("#next-meetings")).to_contain_text("Sinh hoạt trực tuyến tối nay")
    expect(phone.locator("#home-check-ins")).to_have_count(0)
