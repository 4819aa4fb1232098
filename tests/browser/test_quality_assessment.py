"""A branch secretary makes the 2024 "five good, four no" self-assessment from the unit's page,
scores it and sends it up; the commune's committee member vets it and decides it with a
numbered decision on the proposal's page (issue 11, §4). Against the cast: branch B in C."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from coso.quality.models import Assessment, CriteriaSet
from coso.quality.presets import QUANG_BINH, install_presets
from tests.browser.conftest import DESKTOP, log_in, new_context, serious_axe_violations
from tests.cast import Cast


def test_self_assessment_through_to_the_superiors_decision(
    site: str, cast: Cast, phone: Page, browser: Browser
) -> None:
    install_presets()
    criteria = CriteriaSet.objects.get(family=QUANG_BINH["family"], version=1)
    page = phone
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/units/B/")
    page.locator("#unit-quality-link").click()
    page.wait_for_url(f"{site}/units/B/quality/")
    page.get_by_role("link", name="Tự đánh giá theo bộ tiêu chí").click()
    page.wait_for_url(f"{site}/units/B/quality/assess/")
    page.locator("[name=criteria]").select_option(str(criteria.pk))
    page.locator("[name=year]").fill("2024")
    page.get_by_role("button", name="Bắt đầu (điền sẵn số liệu)").click()
    page.wait_for_url(f"{site}/quality/assessments/*/")
    assessment = Assessment.objects.get(unit=cast.B)
    expect(page.locator("#evidence")).to_contain_text("Sinh hoạt thường kỳ: đã họp / phải họp")
    found = {"assessment page": serious_axe_violations(page)}
    for c in criteria.good:
        for s in c["sub"]:
            page.locator(f"[name='score_{s['code']}']").fill(str(s["points"] - 1))
    page.locator("#scores-form button[type=submit]").click()
    page.wait_for_url(f"{site}/quality/assessments/{assessment.pk}/")
    expect(page.locator("main h2").filter(has_text="Tự chấm điểm")).to_contain_text("(90 / 100")
    submit = page.locator("#submit-form")
    submit.locator("[name=on]").fill("20/12/2024")
    submit.locator("[name=resolution_date]").fill("18/12/2024")
    submit.locator("[name=votes_for]").fill("6")
    submit.get_by_role("button", name="Gửi đề nghị").click()
    page.wait_for_url(f"{site}/quality/assessments/{assessment.pk}/")
    expect(page.locator("[data-status]")).to_contain_text("chờ cấp trên quyết định")
    assessment.refresh_from_db()
    assert assessment.proposal is not None

    context = new_context(browser, DESKTOP)
    superior = context.new_page()
    log_in(superior, site, "cast.committee")
    superior.goto(f"{site}/quality/assessments/{assessment.pk}/")
    review = superior.locator("#review-form")
    review.locator("[name=total]").fill("88")
    review.locator("[name=note]").fill("Đạt, cần nâng chất lượng sinh hoạt chuyên đề")
    review.get_by_role("button", name="Ghi thẩm định").click()
    expect(superior.locator("[data-review]")).to_contain_text("88")
    found["review"] = serious_axe_violations(superior)
    superior.get_by_role("link", name="Quyết định về đề nghị").click()
    superior.wait_for_url(f"{site}/proposals/{assessment.proposal.pk}/")
    decide = superior.locator("#decide")
    decide.get_by_label("Chấp thuận (ra quyết định)").check()
    decide.locator("[name=decision_number]").fill("15-QĐ/ĐU")
    decide.locator("[name=on]").fill("30/12/2024")
    decide.get_by_role("button", name="Tiếp tục").click()
    superior.locator("#confirm").click()
    superior.goto(f"{site}/quality/assessments/{assessment.pk}/")
    expect(superior.locator("[data-decided]")).to_contain_text("đạt danh hiệu")
    expect(superior.locator("[data-decided]")).to_contain_text("15-QĐ/ĐU")
    context.close()
    assessment.refresh_from_db()
    # The decision applies the committee's vetting (88), not the self-scored 90.
    assert assessment.passed is True and assessment.decided_total == 88
    assert found == {"assessment page": [], "review": []}
