"""An officer registers a directive, previews and confirms its cascade, and reads the tracking
page; the branch secretary reports the study session on a phone. No serious accessibility
violation on the directive pages (axe-core), no sideways scrolling at 390 px."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from coso.core.dates import fmt, today
from coso.followup import tally as followup_tally
from coso.followup.models import Directive, Step
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast


def test_register_preview_cascade_track_and_report(
    site: str, cast: Cast, desktop: Page, phone: Page
) -> None:
    page = desktop
    log_in(page, site, "cast.officer")
    found: dict[str, list[str]] = {}
    page.goto(f"{site}/directives/new/")
    found["new"] = serious_axe_violations(page)
    page.locator("[name=kind]").select_option("directive")
    page.locator("[name=number]").fill("50-CT/TW")
    page.locator("[name=issued_on]").fill(fmt(today()))
    page.locator("[name=issuer]").fill("Ban Bí thư")
    page.locator("[name=title]").fill("Về đổi mới, nâng cao chất lượng sinh hoạt chi bộ")
    page.locator("#directive-form button[type=submit]").click()
    page.locator("main h1").filter(has_text="50-CT/TW").wait_for()
    found["detail"] = serious_axe_violations(page)
    directive = Directive.objects.get(number="50-CT/TW")

    page.goto(f"{site}/directives/{directive.pk}/cascade/")
    found["cascade"] = serious_axe_violations(page)
    page.locator("#cascade-form button[type=submit]").first.click()
    expect(page.locator("#preview-kinds")).to_contain_text("3")
    found["preview"] = serious_axe_violations(page)
    page.locator("#cascade-form button[name=confirm]").click()
    page.locator("#tracking-table").wait_for()
    found["tracking"] = serious_axe_violations(page)
    assert Step.objects.filter(implementation__directive=directive).count() == 12
    Step.objects.filter(implementation__directive=directive, kind="study").update(
        due=today() - dt.timedelta(days=1)
    )  # overdue now: the home page reminds of it
    # That raw update bypasses the writers that keep the follow-through tally (home reminders
    # read it): recount, as the nightly job would.
    followup_tally.rebuild_directive(directive)
    page.goto(f"{site}/")
    expect(page.locator("#directive-reminders [data-count=overdue]")).to_contain_text("3")
    found["home"] = serious_axe_violations(page)

    log_in(phone, site, "cast.secretary")
    phone.goto(f"{site}/units/B/directives/")
    found["unit"] = serious_axe_violations(phone)
    assert horizontal_overflow(phone) <= 0, "the unit's directives scroll sideways at 390 px"
    phone.get_by_role("link", name="Báo cáo hoàn thành").first.click()
    phone.locator("[name=done_on]").fill(fmt(today()))
    found["step"] = serious_axe_violations(phone)
    phone.locator("#step-form button[type=submit]").click()
    phone.locator("#own-record").wait_for()
    assert horizontal_overflow(phone) <= 0, "the tracking page scrolls sideways at 390 px"
    done = Step.objects.get(
        implementation__unit=cast.B, kind="study", implementation__directive=directive
    )
    assert done.done_on == today()
    assert not any(found.values()), found
