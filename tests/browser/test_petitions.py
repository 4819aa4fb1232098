"""A petition from intake to resolution in the browser: the commune's committee member receives
a land complaint, records a step and resolves it with the petitioner's satisfaction; B's
secretary (below the handling line) sees the petition with the petitioner hidden. No serious
accessibility violation (axe-core), no sideways scrolling at 390 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from coso.core.dates import fmt, today
from coso.outreach.models import Petition
from tests.browser.conftest import horizontal_overflow, log_in, serious_axe_violations
from tests.cast import Cast


def test_petition_from_intake_to_resolution(
    site: str, cast: Cast, desktop: Page, phone: Page
) -> None:
    page = desktop
    log_in(page, site, "cast.committee")
    found: dict[str, list[str]] = {}
    page.goto(f"{site}/units/C/petitions/")
    found["list"] = serious_axe_violations(page)
    page.locator("#petition-new").click()
    found["new"] = serious_axe_violations(page)
    page.locator("[name=kind]").select_option("complaint")
    page.locator("[name=category]").select_option("land")
    page.locator("[name=received_on]").fill(fmt(today()))
    page.locator("[name=petitioner_name]").fill("Trương Thị Đơn")
    page.locator("[name=petitioner_contact]").fill("0912 345 678")
    page.locator("[name=summary]").fill("Tranh chấp ranh giới đất vườn với hộ liền kề")
    page.locator("[name=place]").fill("Thôn B")
    page.locator("[name=place_unit]").fill("B")
    page.locator("#petition-form button[type=submit]").click()
    expect(page.locator("#petitioner")).to_contain_text("Trương Thị Đơn")
    found["detail"] = serious_axe_violations(page)
    petition = Petition.objects.get()
    assert petition.handling_unit == cast.C and petition.place_unit == cast.B

    page.locator("[name=step-text]").fill("Xác minh tại thực địa")
    page.locator("#step-form button[type=submit]").click()
    expect(page.locator("#steps [data-kind=action]")).to_contain_text("Xác minh tại thực địa")
    page.locator("[name=resolve-resolution]").fill("Hai hộ đã thống nhất ranh giới")
    page.locator("[name=resolve-satisfaction]").select_option("satisfied")
    page.locator("#resolve-form button[type=submit]").click()
    expect(page.locator("#resolution")).to_contain_text("Hai hộ đã thống nhất ranh giới")
    found["resolved"] = serious_axe_violations(page)
    petition.refresh_from_db()
    assert petition.status == "resolved" and petition.satisfaction == "satisfied"
    assert list(petition.steps.values_list("kind", flat=True)) == [
        "intake",
        "action",
        "resolution",
    ]

    log_in(phone, site, "cast.secretary")
    phone.goto(f"{site}/petitions/{petition.pk}/")
    expect(phone.locator("#petitioner")).not_to_contain_text("Trương")
    assert "Trương Thị Đơn" not in phone.content()
    found["masked"] = serious_axe_violations(phone)
    assert horizontal_overflow(phone) <= 0, "the petition scrolls sideways at 390 px"
    assert not any(found.values()), found
