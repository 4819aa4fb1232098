"""`make screenshots`: PNGs of the main pages, desktop (1366×900) and phone (390×844).

    .venv/bin/python tests/browser/screenshots.py docs/screenshots [--var-dir DIR]

Builds the Quảng Bình demo in a temporary data directory (`coso init`, `coso load-demo`,
`coso ensure-admin`; about two minutes), runs `coso serve` on a free local port and photographs
the pages with Debian's Chromium as the demo accounts would see them. `--var-dir DIR` keeps the
data directory (and reuses it when it already holds the demo) to make repeated runs quick.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import DESKTOP, PHONE, launch, new_browser_context  # noqa: E402

COSO = ROOT / ".venv" / "bin" / "coso"
OFFICER, SECRETARY, MEMBER = "tochuc.quangbinh", "bithu.chibo", "dangvien"
COMMUNE = "19111"  # Hoàn Lão


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def coso(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(COSO), *args], env=env, check=True, cwd=ROOT)


def prepare(var_dir: Path, env: dict[str, str]) -> None:
    if (var_dir / "demo-ready").exists():
        coso(env, "ensure-admin")  # resets the demo passwords to this run's
        return
    coso(env, "init")
    coso(env, "load-demo")
    coso(env, "ensure-admin")
    (var_dir / "demo-ready").write_text("ok\n")


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"coso serve stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url + "accounts/login/", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise SystemExit(f"coso serve did not answer on {url} within {seconds:.0f} s")


class Camera:
    def __init__(self, browser: Browser, site: str, password: str, out: Path) -> None:
        self.browser, self.site, self.password, self.out = browser, site, password, out

    def session(self, username: str | None, phone: bool) -> Page:
        context = new_browser_context(browser=self.browser, viewport=PHONE if phone else DESKTOP)
        page = context.new_page()
        if username:
            page.goto(self.site + "accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(self.password)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(self.site)
        return page

    def shoot(self, page: Page, path: str, name: str, phone: bool) -> None:
        if path:
            page.goto(self.site + path.lstrip("/"))
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        file = self.out / f"{name}-{'phone' if phone else 'desktop'}.png"
        page.screenshot(path=str(file))
        print(f"  {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")

    def take_all(self) -> None:
        for phone in (False, True):
            anonymous = self.session(None, phone)
            self.shoot(anonymous, "accounts/login/", "login", phone)
            anonymous.context.close()

            officer = self.session(OFFICER, phone)
            self.shoot(officer, "", "home-officer", phone)
            self.shoot(officer, "tree/", "tree", phone)
            self.shoot(officer, f"units/{COMMUNE}/", "unit", phone)
            self.shoot(officer, f"members/?q=nguyen+van&unit={COMMUNE}", "members-search", phone)
            officer.locator("#member-table td.name a").first.click()
            officer.wait_for_url("**/members/*/")
            self.shoot(officer, "", "member", phone)
            self.shoot(officer, "imports/", "imports", phone)
            # A reorganization's preview: nothing is written until it is confirmed.
            officer.goto(f"{self.site}units/{COMMUNE}-CB02/do/merge/")
            officer.locator("[name=on]").fill(time.strftime("%d/%m/%Y"))
            officer.locator("[name=into]").fill(f"{COMMUNE}-CB01")
            officer.locator("[name=decision_number]").fill("125-QĐ/ĐU")
            officer.locator("form.form-operation button[type=submit]").click()
            officer.locator("#consequences").wait_for()
            self.shoot(officer, "", "merge-preview", phone)
            self.shoot(officer, f"units/{COMMUNE}/activity-report/", "activity-report", phone)
            # issue 13, points 8 and 9: the unit's figures on two dates with its charts (the whole
            # page), and the activity report's monthly chart (its section alone).
            size = "phone" if phone else "desktop"
            officer.goto(
                f"{self.site}units/{COMMUNE}/stats/?as_of=30/06/2025&compare=01/07/2025"
                "&from=01/01/2020&to=31/12/2025"
            )
            officer.locator("main h1").first.wait_for()
            officer.screenshot(path=str(self.out / f"unit-figures-{size}.png"), full_page=True)
            officer.goto(
                f"{self.site}units/{COMMUNE}/activity-report/?from=01/01/2025&to=31/12/2025"
            )
            officer.locator("#monthly").screenshot(
                path=str(self.out / f"activity-chart-{size}.png")
            )
            officer.context.close()

            secretary = self.session(SECRETARY, phone)
            self.shoot(secretary, "", "home-secretary", phone)
            branch = secretary.locator("main a[href^='/units/']").first.get_attribute("href")
            self.shoot(secretary, f"{branch}do/admit/", "form-admit", phone)
            self.shoot(secretary, f"{branch}meetings/", "meetings", phone)
            secretary.locator("main a[href^='/meetings/']").first.click()
            secretary.wait_for_url("**/meetings/*/")
            self.shoot(secretary, "", "meeting", phone)
            self.shoot(secretary, f"{branch}meetings/plan/", "meeting-plan", phone)
            secretary.context.close()

            member = self.session(MEMBER, phone)
            self.shoot(member, "", "home-member", phone)
            self.shoot(member, "me/", "me", phone)
            member.context.close()

        self.print_documents()

    # Issue 13, point 7: each printed document's first page as PNG (pdftoppm, poppler-utils).
    def pdf_page(self, page: Page, selector: str, name: str) -> None:
        with page.expect_download(timeout=120_000) as info:  # the first PDF loads WeasyPrint
            page.locator(selector).click()
        with tempfile.TemporaryDirectory(prefix="coso-pdf-") as folder:
            pdf = Path(folder) / "document.pdf"
            info.value.save_as(pdf)
            target = self.out / name
            subprocess.run(
                ["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", pdf, target],
                check=True,
            )
        file = target.with_suffix(".png")
        print(f"  {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")

    def print_documents(self) -> None:
        secretary = self.session(SECRETARY, False)
        branch = secretary.locator("main a[href^='/units/']").first.get_attribute("href")
        secretary.goto(f"{self.site}{str(branch).lstrip('/')}resolutions/")
        held = secretary.locator("#resolutions a[href^='/meetings/']")
        if held.count() == 0:  # no resolution this year: the latest meeting of the list
            secretary.goto(f"{self.site}{str(branch).lstrip('/')}meetings/")
            held = secretary.locator("main a[href^='/meetings/']")
        held.first.click()
        secretary.wait_for_url("**/meetings/*/")
        self.pdf_page(secretary, "#pdf-minutes", "pdf-minutes")
        self.pdf_page(secretary, "#pdf-resolutions", "pdf-resolutions")
        self.pdf_page(secretary, "#pdf-attendance", "pdf-attendance-sheet")
        secretary.context.close()
        officer = self.session(OFFICER, False)
        officer.goto(f"{self.site}members/?q=nguyen+van&unit={COMMUNE}")
        officer.locator("#member-table td.name a").first.click()
        officer.wait_for_url("**/members/*/")
        self.pdf_page(officer, "#member-pdf-link", "pdf-member-record")
        officer.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--var-dir", type=Path, help="data directory to keep and reuse")
    options = parser.parse_args()
    out: Path = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coso-screenshots-") as temporary:
        var_dir = (options.var_dir or Path(temporary)).resolve()
        var_dir.mkdir(parents=True, exist_ok=True)
        password = "Shots-" + secrets.token_urlsafe(12)
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"COSO_VAR_DIR": str(var_dir), "COSO_ADMIN_PASSWORD": password}
        prepare(var_dir, env)
        port = free_port()
        site = f"http://127.0.0.1:{port}/"
        log = (var_dir / "serve.log").open("ab")
        server = subprocess.Popen(
            [str(COSO), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(site, server)
            with sync_playwright() as playwright:
                browser = launch(playwright)
                Camera(browser, site, password, out).take_all()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
