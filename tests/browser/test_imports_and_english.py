"""Issue 13, points 12 and 14 in the browser: a refused import shows its end state with each
error once, the templates download with Vietnamese headers; in English mode an import error and
a refusal read in English.

Against the cast of tests/cast.py: the secretary manages branch B only, so a file naming unit
4401 is refused for that row (out of scope, and unknown). The import runs in the background
worker; here the test runs the job itself once the page is waiting for it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from coso.web import imports
from coso.web.models import ImportJob
from tests.browser.conftest import log_in, read_in_english, serious_axe_violations
from tests.cast import Cast

HEADER = "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on"
BAD = (
    f"{HEADER}\n"
    "IMP-1,,Đặng Văn Tùng,robot,12/04/1985,B,03/02/2010,03/02/2011\n"
    "IMP-2,,Lê Thị Mai,nữ,01/06/1990,B,19/05/2015,\n"
    "IMP-3,,Hồ Văn Nam,nam,01/01/1990,4401,19/05/2015,\n"
)
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _upload(page: Page, site: str, tmp_path: Path, *, kind_label: str, button: str) -> ImportJob:
    path = tmp_path / "loi.csv"
    path.write_text(BAD, encoding="utf-8")
    page.goto(f"{site}/imports/")
    page.locator("select[name=kind]").select_option(label=kind_label)
    page.locator("input[name=file]").set_input_files(str(path))
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(re.compile(r"/imports/[0-9a-f-]{36}/$"))
    job = ImportJob.objects.get()
    imports.run_import_job.call(str(job.token))  # what the worker does, meanwhile
    # The page polls the job's progress and stops once it has ended.
    expect(page.locator("#import-progress")).to_have_attribute(
        "data-status", "refused", timeout=15_000
    )
    return job


def test_a_refused_import_shows_its_end_state_and_each_error_once(
    site: str, cast: Cast, desktop: Page, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    page = desktop
    log_in(page, site, "cast.secretary")
    page.goto(f"{site}/imports/")
    # The template downloads with Vietnamese headers and an example row.
    with page.expect_download() as info:
        page.get_by_role("link", name="Đảng viên (.xlsx)").click()
    download = info.value
    assert download.suggested_filename == "mau-members.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet is not None
    header, example = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Số lý lịch", "Số thẻ đảng viên", "Họ và tên")
    assert example[5] == "19111-CB01"

    _upload(page, site, tmp_path, kind_label="Đảng viên", button="Nhập")
    progress = page.locator("#import-progress")
    expect(progress.locator("#import-status")).to_have_text("Có lỗi, không ghi gì")
    expect(progress.locator("label[for=import-bar]")).to_have_text("Đã kết thúc: 100%")
    expect(progress.locator("#import-bar")).to_have_attribute("value", "100")
    rows = progress.locator("#row-errors tbody tr")
    expect(rows).to_have_count(2)  # row 4 (4401) once, not once per reason
    expect(rows.nth(0)).to_contain_text("robot")
    expect(rows.nth(1)).to_contain_text("không có đơn vị mã «4401» trong phạm vi được giao")
    expect(progress.get_by_text("4401", exact=False)).to_have_count(1)
    # The count of errors is said once (the table's caption), not also in a summary line.
    expect(progress.locator("#import-summary")).to_have_count(0)
    expect(progress.get_by_text(re.compile(r"2 lỗi[,;] không có thay đổi"))).to_have_count(1)
    assert serious_axe_violations(page) == []


def test_in_english_an_import_error_and_a_refusal_read_in_english(
    site: str, cast: Cast, phone: Page, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    page = phone
    log_in(page, site, "cast.secretary")
    read_in_english(page)

    _upload(page, site, tmp_path, kind_label="Members", button="Import")
    progress = page.locator("#import-progress")
    expect(progress.locator("label[for=import-bar]")).to_have_text("Finished: 100%")
    expect(progress.locator("#row-errors")).to_contain_text(
        "no unit with code «4401» within your assigned scope"
    )
    expect(progress.locator("#row-errors")).to_contain_text("gender «robot» is not valid")
    expect(progress.locator("#row-errors caption")).to_have_text(
        "2 errors; no changes were recorded."
    )
    text = progress.inner_text().replace("nam/nữ", "")
    assert not VIETNAMESE.findall(text), text
    assert serious_axe_violations(page) == []

    # A refusal of a member operation: recognition before the probation is over.
    page.context.clear_cookies()
    log_in(page, site, "cast.committee")
    read_in_english(page)
    page.goto(f"{site}/members/CAST-B1/do/recognize/")
    page.locator("input[name=on]").fill("01/06/2021")
    page.locator("input[name=decision_number]").fill("QD-EARLY")
    page.locator("main form button[type=submit]").first.click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Cannot recognize as an official member on 01/06/2021")
    text = refusal.inner_text().replace("Phạm Đình Dũng", "")
    assert not VIETNAMESE.findall(text), text
    assert serious_axe_violations(page) == []
