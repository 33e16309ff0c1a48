"""The dashboard in Debian's headless Chromium (Playwright), against a real `nojd server run`.

Set NOJD_SCREENSHOT_DIR=docs/screens to refresh the committed screenshots.
"""

import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from processes import (
    NOJD,
    Broker,
    Process,
    Publisher,
    free_port,
    listening,
    server_rows,
    wait_until,
)

from nojd.survey import build_response, default_survey, encode

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
GRADES = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    broker = Broker(folder / "broker").start()
    db, port = folder / "server.sqlite", free_port()
    run = Process(
        "server",
        "run",
        "--broker",
        broker.url,
        "--db",
        f"sqlite:///{db}",
        "--listen",
        f"127.0.0.1:{port}",
    )
    publisher = Publisher(broker)
    try:
        assert listening(publisher, db), run.log
        for n, (device, site) in enumerate(
            [("kc-desk1", "kontaktcenter"), ("bib-desk1", "bibliotek")]
        ):
            for seq, grade in enumerate(GRADES[n:], start=1):
                message = build_response(
                    default_survey(), device=device, seq=seq, site=site, lang="sv",
                    answers={"wait_time": 5 - grade % 2, "reception": 5, "overall": grade,
                             "resolution": "answered" if grade > 2 else "unanswered"},
                    at=datetime(2026, 11, 24, 9, seq, tzinfo=UTC), response_id=str(uuid.uuid4()),
                )  # fmt: skip
                publisher.send(f"nojd/v1/{device}/response", encode(message))
        assert wait_until(lambda: len(server_rows(db)) == 2 * len(GRADES) - 1, 30)
        subprocess.run([NOJD, "server", "user", "add", "anna", "--db", f"sqlite:///{db}"],
                       input="ett-långt-lösenord\n", text=True, check=True, timeout=60)  # fmt: skip
        assert wait_until(lambda: "Logga in" in _get(port, "/login"), 30)
        yield port, db
    finally:
        publisher.close()
        run.close()
        broker.stop()


def _get(port, path):
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return answer.read().decode()
    except OSError:
        return ""


def test_login_pages_and_a_download_in_chromium(server, tmp_path):
    port, db = server
    shots = Path(os.environ.get("NOJD_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    query = "from=2026-11&to=2026-11&by=site&period=total"
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
                for view in ("", "report", "devices"):
                    page.goto(f"{base}/{view}?{query}")
                    page.screenshot(
                        path=str(shots / f"dashboard-{name}-{view or 'overview'}.png"),
                        full_page=True,
                    )
                    assert page.locator("h1").inner_text()
                page.goto(f"{base}/?{query}")
                assert "kontaktcenter" in page.content()
                page.goto(f"{base}/report?{query}")
                with page.expect_download() as caught:
                    page.click("a[href^='/export.csv']")
                download = caught.value
                assert download.suggested_filename == "nojd-2026-11-01-2026-11-30-site.csv"
                assert Path(download.path()).read_bytes().startswith("\ufeff".encode())
                page.close()
        finally:
            browser.close()
    assert sorted(p.name for p in shots.glob("dashboard-*.png")) == sorted(
        f"dashboard-{size}-{view}.png"
        for size in SIZES
        for view in ("login", "overview", "report", "devices")
    )
