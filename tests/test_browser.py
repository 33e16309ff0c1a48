"""The dashboard in Debian's headless Chromium (Playwright), against a real `nojd server run`.

Set NOJD_SCREENSHOT_DIR=docs/screens to refresh the committed screenshots.
"""

import os
import subprocess
from pathlib import Path

from dashboard_site import ARGS, CHROMIUM, SIZES, VIEWS
from playwright.sync_api import sync_playwright


def test_login_pages_and_a_download_in_chromium(server, tmp_path):
    port, db = server
    shots = Path(os.environ.get("NOJD_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    query = "from=2026-11&to=2026-11&by=site&period=total"
    views = VIEWS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for name, (width, height) in SIZES.items():
                page = browser.new_page(
                    viewport={"width": width, "height": height}, accept_downloads=True
                )
                page.goto(f"{base}/login")
                page.screenshot(path=str(shots / f"dashboard-{name}-login.png"), full_page=True)
                page.fill("input[name=name]", "anna")
                page.fill("input[name=password]", "ett-långt-lösenord")
                page.click("button:has-text('Logga in')")
                page.wait_for_url(f"{base}/?lang=sv")
                for view, path in views.items():
                    page.goto(base + path)
                    page.screenshot(
                        path=str(shots / f"dashboard-{name}-{view}.png"), full_page=True
                    )
                    assert page.locator("h1").inner_text()
                page.goto(f"{base}/?{query}")
                assert "Kontaktcenter" in page.content()
                # the filters are real controls: choose a unit and show
                page.select_option("select[name=unit]", "kultur")
                page.click("button:has-text('Visa')")
                assert (
                    "Stadsbiblioteket" in page.content() and "Kontaktcenter ·" not in page.content()
                )
                page.goto(f"{base}/report?{query}")
                with page.expect_download() as caught:
                    page.click("a[href^='/export.csv']")
                download = caught.value
                assert download.suggested_filename == "nojd-2026-11-01-2026-11-30-site.csv"
                assert Path(download.path()).read_bytes().startswith("\ufeff".encode())
                with page.expect_download() as caught:  # the servicerapport, by its link
                    page.click("a[href^='/export.pdf']")
                report = Path(caught.value.path())
                assert report.read_bytes().startswith(b"%PDF-")
                if name == "laptop" and "NOJD_SCREENSHOT_DIR" in os.environ:  # its pages
                    for old in shots.glob("servicerapport-[0-9]*.png"):
                        old.unlink()
                    subprocess.run(["pdftoppm", "-png", "-r", "70", str(report),
                                    str(shots / "servicerapport")], check=True, timeout=120)  # fmt: skip
                page.close()
        finally:
            browser.close()
    made = [p.name for p in shots.glob("dashboard-*.png") if p.name != "dashboard-error.png"]
    assert sorted(made) == sorted(
        f"dashboard-{size}-{view}.png" for size in SIZES for view in ("login", *views)
    )


def test_a_script_in_a_link_does_not_run_in_chromium(server, tmp_path):
    """The links of the attack run, opened by a logged-in user: no script runs (escaped, and
    the CSP forbids every script), and no token is made. The error page is shown in full."""
    port, db = server
    shots = Path(os.environ.get("NOJD_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    steal = "<script>document.title='pwned';fetch('/access/tokens',{method:'POST'})</script>"
    links = [
        f"/report?from=2026-11&to=2026-11&by={steal}",
        f"/export.csv?from=2026-11&to=2026-11&by={steal}",
        "/report?survey=<img src=x onerror=\"document.title='pwned'\">",
        f"/nowhere{steal}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/login")
            page.fill("input[name=name]", "anna")
            page.fill("input[name=password]", "ett-långt-lösenord")
            page.click("button:has-text('Logga in')")
            page.wait_for_url(f"{base}/?lang=sv")
            for link in links:
                page.goto(base + link)
                assert page.title() != "pwned", link
                assert page.locator("h1").inner_text() in (
                    "Frågan gick inte att besvara",
                    "Sidan finns inte",
                ), link
                assert page.locator("header a", has_text="Rapport").count() == 1  # navigation
            page.goto(base + links[0])
            page.screenshot(path=str(shots / "dashboard-error.png"), full_page=True)
        finally:
            browser.close()
    assert query_tokens(db) == []  # the script's token request never ran


def query_tokens(db):
    import sqlite3

    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT name FROM tokens").fetchall()
