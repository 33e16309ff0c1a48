"""The HTTP API on a store filled through the real ingest path; tokens made with the CLI."""

import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from processes import running_ingest, server_rows
from waiting import wait_until

from nojd.server.config import ServerConfig
from nojd.server.figures import report
from nojd.server.store import open_store
from nojd.server.web import create_app
from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
SURVEY = default_survey()


@pytest.fixture(scope="module")
def api(tmp_path_factory, module_db):
    folder = tmp_path_factory.mktemp("api")
    with running_ingest(folder, module_db) as (broker, db, ingest, publisher):
        for seq, grade in enumerate([5, 5, 4, 4, 3, 2, 5, 1], start=1):
            message = build_response(
                SURVEY, device="desk-1", seq=seq, site="kontaktcenter", lang="sv",
                answers={"overall": grade}, at=datetime(2026, 11, 24, 9, seq, tzinfo=UTC),
                response_id=str(uuid.uuid4()),
            )  # fmt: skip
            publisher.send("nojd/v1/desk-1/response", encode(message))
        publisher.send("nojd/v1/desk-1/response", b"not json")
        assert wait_until(lambda: len(server_rows(db)) == 8, 30)
        token = subprocess.run(
            [NOJD, "server", "token", "create", "excel", "--db", db],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        store = open_store(db, ZoneInfo("Europe/Stockholm"))
        with TestClient(create_app(ServerConfig(db=db), store)) as client:
            yield client, token, store
        store.close()


def test_only_healthz_answers_without_a_token(api):
    client, token, store = api
    assert client.get("/healthz").json()["status"] == "ok"
    for path in (
        "/api/v1/figures?from=2026-11-01&to=2026-11-30",
        "/api/v1/heatmap?from=2026-11-01&to=2026-11-30",
        "/api/v1/devices",
        "/api/v1/openapi.json",
        "/docs",
        "/openapi.json",
    ):
        assert client.get(path).status_code in (401, 404), path
    assert (
        client.get("/api/v1/devices", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )


def test_figures_are_the_report_json(api):
    client, token, store = api
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get(
        "/api/v1/figures?from=2026-11-01&to=2026-11-30&by=site&period=month", headers=headers
    )
    assert answer.status_code == 200
    expected = report(
        store,
        SURVEY,
        ServerConfig().organisation,
        first=date(2026, 11, 1),
        last=date(2026, 11, 30),
        by="site",
        period="month",
    )
    assert answer.json() == expected
    [group] = answer.json()["groups"]
    assert (group["key"], group["period"], group["responses"]) == ("kontaktcenter", "2026-11", 8)
    assert group["questions"]["overall"]["counts"] == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 3}


def test_bad_parameters_are_named(api):
    client, token, store = api
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/figures?from=2026-11-01&to=2026-11-30&by=street", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "by: 'street' is not one of device, site, unit, all"
    answer = client.get("/api/v1/figures?from=2026-11-31&to=2026-11-30", headers=headers)
    assert answer.status_code == 422
    assert "from" in answer.text


def test_an_unknown_survey_is_named(api):
    client, token, store = api
    answer = client.get(
        "/api/v1/figures?from=2026-11-01&to=2026-11-30&survey=nope",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "survey: 'nope' is not one of service"


def test_devices_with_missing_and_quarantined(api):
    client, token, store = api
    listed = client.get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"}).json()
    [device] = [d for d in listed if d["device"] == "desk-1"]
    assert (device["device"], device["received"], device["missing"], device["quarantined"]) == (
        "desk-1",
        8,
        0,
        1,
    )


def test_the_openapi_schema_lists_the_routes(api):
    client, token, store = api
    schema = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert {"/healthz", "/api/v1/figures", "/api/v1/devices"} <= set(schema["paths"])


def test_a_token_name_is_used_once(api):
    client, token, store = api
    result = subprocess.run(
        [NOJD, "server", "token", "create", "excel", "--db", client.app.state.web.config.db],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "token: 'excel' exists already" in result.stderr


def test_a_missing_or_wrong_day_is_one_line_naming_it(api):
    client, token, store = api
    auth = {"Authorization": f"Bearer {token}"}
    missing = client.get("/api/v1/figures?to=2026-11-30", headers=auth)
    assert missing.status_code == 422
    assert missing.json() == {"detail": "from: missing; expected a day like 2026-01-31"}
    wrong = client.get("/api/v1/figures?from=garbage&to=2026-11-30", headers=auth)
    assert wrong.status_code == 422
    [detail] = wrong.json().values()
    assert detail.startswith("from: 'garbage' is not a day like 2026-01-31 (")
    assert "\n" not in detail


def test_the_icon_is_where_browsers_look_for_it(api):
    client, token, store = api
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = client.get(path)
        assert icon.status_code == 200, path
        assert icon.headers["content-type"] == "image/svg+xml"
        assert icon.content.startswith(b"<svg")
