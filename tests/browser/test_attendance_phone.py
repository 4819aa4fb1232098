"""Issue 13 §10: a secretary records a 23-member branch's attendance on a 390 px phone —
«all present» in one tap, then one exception — with the members in Vietnamese name order."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from coso.core.dates import today
from coso.core.names import vietnamese_sort_key
from coso.meetings.models import Invitation, Meeting
from coso.meetings.operations import plan_meeting
from coso.members.operations import admit_member
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import ADMITTED, Cast

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["An", "Ánh", "Ân", "Bình", "Cường", "Dũng", "Đức", "Hà", "Hải", "Lan", "Minh"]


def _branch_of_23(cast: Cast) -> Meeting:
    """Branch B: the cast's two members and 21 more (23 to attend), then tonight's meeting."""
    for i in range(21):
        admit_member(
            member_id=f"PH-{i:02}",
            full_name=f"{FAMILY[i % len(FAMILY)]} Văn {GIVEN[(i * 7) % len(GIVEN)]}",
            gender="male",
            birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=300 * i),
            branch=cast.B,
            admitted_on=ADMITTED,
        )
    admit_member(
        member_id="PH-DXD",
        full_name="Đặng Xuân Dũng",
        gender="male",
        birth_date=dt.date(1975, 5, 5),
        branch=cast.B,
        admitted_on=ADMITTED,
    )
    return plan_meeting(cast.B, kind="regular", on=today(), place="Nhà văn hóa thôn")


def test_all_present_then_one_exception_on_a_phone(site: str, cast: Cast, phone: Page) -> None:
    meeting = _branch_of_23(cast)
    expected = meeting.invitations.filter(counted=True).count()
    assert expected == 24  # 2 of the cast + 21 + Đặng Xuân Dũng
    page = phone
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/meetings/{meeting.pk}/attendance/")
    expect(page.locator("main h1")).to_have_text("Ghi điểm danh")
    rows = page.locator("#attendance-counted .attendance-row")
    expect(rows).to_have_count(expected)

    # Vietnamese order by given name: «Đặng Xuân Dũng» among the Dũngs, not last.
    legends = rows.locator("legend").all_inner_texts()
    names = [n.split(" PH-")[0].split(" CAST-")[0].strip() for n in legends]
    assert names == sorted(names, key=vietnamese_sort_key)
    assert names[-1] != "Đặng Xuân Dũng"
    given = [n.split()[-1] for n in names]
    # D before Đ, and Dũng's family names in order: Bùi, Đặng, …, Phạm.
    assert given.index("Đức") > names.index("Đặng Xuân Dũng") > names.index("Bùi Văn Dũng")
    assert names.index("Phạm Đình Dũng") > names.index("Đặng Xuân Dũng")
    assert given[0] == "An"

    # Compact: each row well under a quarter of the old 190 px, no sideways scroll.
    heights = [b["height"] for b in (r.bounding_box() for r in rows.all()) if b is not None]
    assert max(heights) <= 110, f"rows are {max(heights)} px high"
    assert horizontal_overflow(page) <= 0, "the attendance form scrolls sideways at 390 px"
    for label in rows.first.locator("label.btn").all():
        box = label.bounding_box()
        assert box is not None and box["height"] >= 44, "choices are 44 px touch targets"
    assert serious_axe_violations(page) == []

    # One tap: everyone present.
    page.locator("#all-present").click()
    expect(page.locator("#attendance-counted input[value=present]:checked")).to_have_count(expected)
    expect(page.locator("#all-present-status")).to_contain_text(f"cho {expected} người")
    # The one exception: absent with leave, a reason appears for it only.
    row = page.locator(".attendance-row[data-member='PH-DXD']")
    expect(row.locator(".attendance-reason")).to_be_hidden()
    row.locator("label", has_text="Vắng có lý do").click()
    expect(row.locator(".attendance-reason")).to_be_visible()
    row.get_by_label("Lý do vắng của Đặng Xuân Dũng").fill("Đi công tác")
    expect(page.locator(".attendance-reason:visible")).to_have_count(1)
    assert horizontal_overflow(page) <= 0
    assert serious_axe_violations(page) == []
    # The save button stays on screen at the bottom while the list is long.
    save = page.locator("#save-attendance")
    expect(save).to_be_in_viewport()
    save.click()
    page.wait_for_url(f"{site}/meetings/{meeting.pk}/")
    expect(page.locator("#quorum")).to_contain_text(f"Có mặt {expected - 1}/{expected}")
    stored = dict(
        Invitation.objects.filter(meeting=meeting).values_list("member__member_id", "status")
    )
    assert stored.pop("PH-DXD") == "absent_excused"
    assert set(stored.values()) == {"present"}
    assert Invitation.objects.get(meeting=meeting, member__member_id="PH-DXD").reason == (
        "Đi công tác"
    )
