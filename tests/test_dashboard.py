"""The dashboard in-process (TestClient) on a store filled through the real ingest path."""

import io
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi.testclient import TestClient
from processes import running_ingest, server_rows, wait_until

from nojd.server.accounts import add_user
from nojd.server.config import ServerConfig
from nojd.server.store import SqliteStore
from nojd.server.web import create_app
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()
GRADES = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]  # the worked example
QUERY = "from=2026-11&to=2026-11&by=site&period=total"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    with running_ingest(folder) as (broker, db, ingest, publisher):
        for seq, grade in enumerate(GRADES, start=1):
            message = build_response(
                SURVEY, device="desk-1", seq=seq, site="kontaktcenter", lang="sv",
                answers={"overall": grade, "wait_time": 5}, response_id=str(uuid.uuid4()),
                at=datetime(2026, 11, 24, 9, seq, tzinfo=UTC),
            )  # fmt: skip
            publisher.send("nojd/v1/desk-1/response", encode(message))
        assert wait_until(lambda: len(server_rows(db)) == len(GRADES), 30)
        store = SqliteStore(db, ZoneInfo("Europe/Stockholm"))
        add_user(store, "anna", "ett-långt-lösenord")
        with TestClient(create_app(ServerConfig(db=f"sqlite:///{db}"), store)) as client:
            yield client
        store.close()


def log_in(client, password="ett-långt-lösenord"):
    return client.post(
        "/login", data={"name": "anna", "password": password}, follow_redirects=False
    )


def test_pages_need_a_session(site):
    site.cookies.clear()
    for path in ("/", "/report", "/devices", "/export.csv", "/export.xlsx"):
        answer = site.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert "Logga in" in site.get("/login").text


def test_a_wrong_password_is_refused(site):
    site.cookies.clear()
    answer = log_in(site, "fel")
    assert answer.status_code == 401
    assert "Fel namn eller lösenord." in answer.text


def test_overview_report_and_devices_after_login(site):
    site.cookies.clear()
    answer = log_in(site)
    assert answer.status_code == 303
    assert "httponly" in answer.headers["set-cookie"].lower()
    overview = site.get(f"/?{QUERY}").text
    assert "kontaktcenter" in overview and "Svar: 19" in overview
    assert "63,2 %" in overview  # 12 of 19 satisfied with the service as a whole
    assert "✗ målet inte nått" in overview and "(90 %)" in overview
    assert "✓ målet nått" in overview  # everyone was content with the waiting time
    # the trend: one month, its share written beside the dot, the target as a dashed line
    assert 'aria-label="Andel nöjda per månad: Hur upplevde du servicen som helhet?' in overview
    assert (
        ">63 %</text>" in overview and ">90 %</text>" in overview and "stroke-dasharray" in overview
    )
    report = site.get(f"/report?{QUERY}").text
    assert "Hur upplevde du servicen som helhet? — Svar: 19" in report
    assert "<td>1</td><td>3</td><td>15,8 %</td>" in report
    assert "41,0–80,9 %" in report and "61,8" in report
    assert "Fick du svar på din fråga? — Svar: 0" in report and "för få svar" in report
    devices = site.get("/devices").text
    assert "desk-1" in devices and "<td>19</td><td>0</td>" in devices


def test_english_switch(site):
    log_in(site)
    page = site.get(f"/report?{QUERY}&lang=en").text
    assert "How was the service as a whole? — Answers: 19" in page
    assert "41.0–80.9%" in page


def test_exports_hold_the_report_numbers(site):
    log_in(site)
    csv = site.get(f"/export.csv?{QUERY}")
    assert csv.headers["content-disposition"].startswith(
        'attachment; filename="nojd-2026-11-01-2026-11-30-site.csv"'
    )
    assert csv.content.startswith("\ufeff".encode()) and ";61,8;" in csv.content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(site.get(f"/export.xlsx?{QUERY}").content))
    row = [cell.value for cell in book["overall"][3]]
    assert row[:7] == ["kontaktcenter", "total", 3, 4, 0, 5, 7]


def test_log_out_ends_the_session(site):
    log_in(site)
    site.post("/logout", follow_redirects=False)
    assert site.get("/", follow_redirects=False).status_code == 303
