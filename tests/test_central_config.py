"""Central configuration against real parts: a Mosquitto, the store, ingest sending the
configs, and a kiosk (pygame's dummy driver, gpiozero's mock pins) applying them."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from waiting import wait_until
from webforms import submit, token_of

from nojd.errors import ConfigError
from nojd.kiosk.central import FILE, Keeper, apply
from nojd.kiosk.session import Screen
from nojd.mqtt import BrokerSettings
from nojd.server.central import messages, opening_of, parse_toml, set_config
from nojd.server.config import ServerConfig
from nojd.server.ingest import Ingest
from nojd.server.store import Batch
from nojd.survey import default_survey
from nojd.survey.central import encode_config

SURVEY = default_survey()
SERVER = ServerConfig()
#: Open on Tuesdays (the rig's day) all day: hours that change nothing the test sees.
HOURS = {"tue": "00:00-24:00", "closed_dates": ["2026-12-24"]}


@pytest.fixture
def ingest(broker, store):
    """Ingest on a real broker, sending central configs from ``store``."""
    running = Ingest(store, {SURVEY.id: SURVEY}, BrokerSettings(broker.url), server=SERVER)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert running.connected.wait(20)
    yield running
    running.stop()
    thread.join(20)


def pump_until(kiosk, predicate, timeout=20.0):
    """Run the kiosk's loop (as ``run`` does) until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kiosk.kiosk.pump(0.02)
        if predicate():
            return True
    return False


def device_row(store, device="test-desk"):
    return next((row for row in store.devices() if row["device"] == device), {})


def test_a_site_s_config_reaches_its_terminal_and_is_reported_applied(
    rig, broker, store, ingest, tmp_path
):
    kiosk = rig(broker=broker.url)
    assert pump_until(kiosk, lambda: device_row(store).get("site") == "kontaktcenter")
    body = {"session": {"inactivity_timeout": 45}, "languages": ["en", "sv"], "hours": HOURS}
    version = set_config(store, SERVER, "site:kontaktcenter", body, "anna")
    assert pump_until(kiosk, lambda: kiosk.kiosk.central is not None)
    assert kiosk.kiosk.central.version == version
    assert kiosk.kiosk.config.session.inactivity_timeout == 45
    assert kiosk.kiosk.config.languages == ("en", "sv")
    assert kiosk.view.lang == "en"  # the first language is the welcome screen's
    kept = json.loads((tmp_path / "data" / FILE).read_text())
    assert kept == {"version": version, "config": body}
    assert pump_until(kiosk, lambda: device_row(store).get("config_applied") == version)
    assert device_row(store)["config_refused"] is None

    # a terminal's own config goes on top of its site's
    mine = set_config(store, SERVER, "device:test-desk", {"languages": ["sv"]}, "bo")
    assert pump_until(kiosk, lambda: kiosk.kiosk.central.version == mine)
    assert kiosk.kiosk.config.languages == ("sv",)
    assert kiosk.kiosk.config.session.inactivity_timeout == 45  # still the site's
    changes = store.central.changes()
    assert [(c["id"], c["who"], c["scope"]) for c in changes] == [
        (mine, "bo", "device:test-desk"), (version, "anna", "site:kontaktcenter")
    ]  # fmt: skip

    # a kiosk started again runs the kept config before any broker says anything
    kiosk.close()
    again = rig(broker="")
    assert again.kiosk.central.version == mine
    assert again.kiosk.config.languages == ("sv",)


def publish(broker, device, payload):
    """A config message as a server (or anyone with the right) would send it."""
    sender = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sender.connect("127.0.0.1", broker.port)
    sender.loop_start()
    sender.publish(f"nojd/v1/{device}/config", payload, qos=1, retain=True).wait_for_publish(10)
    sender.disconnect()
    sender.loop_stop()


def test_an_invalid_config_is_refused_and_the_terminal_serves_on(
    rig, broker, store, ingest, caplog
):
    kiosk = rig(broker=broker.url)
    good = set_config(store, SERVER, "device:test-desk", {"languages": ["sv"]}, "anna")
    assert pump_until(kiosk, lambda: kiosk.kiosk.central is not None)
    bad = encode_config(good + 100, {"hours": {"tue": "25:00-26:00"}})
    publish(broker, "test-desk", bad)
    assert pump_until(kiosk, lambda: device_row(store).get("config_refused") == good + 100)
    row = device_row(store)
    assert row["config_applied"] == good
    assert "hours.tue: '25:00-26:00' is not times like" in row["config_reason"]
    [said] = [r.getMessage() for r in caplog.records if "refused central config" in r.getMessage()]
    assert said.startswith(f"refused central config version {good + 100}: ")
    assert said.endswith(f"; keeping version {good}")
    assert kiosk.kiosk.central.version == good
    # it still serves visitors
    kiosk.press(1, 4, 5, 2, 5, 2)
    assert kiosk.screen is Screen.THANKS
    assert len(kiosk.rows()) == 1
    # a message that is not a config at all is one log line too, and changes nothing
    publish(broker, "test-desk", b"\xff not json")
    assert pump_until(kiosk, lambda: "refused a central config message" in caplog.text)
    assert kiosk.kiosk.central.version == good


def test_a_config_sent_mid_visit_waits_for_the_welcome_screen(rig, broker, store, ingest):
    kiosk = rig(broker=broker.url)
    assert pump_until(kiosk, lambda: device_row(store).get("state") == "online")
    kiosk.press(1, 4)  # a visitor is at the second question
    assert kiosk.screen is Screen.QUESTION
    version = set_config(store, SERVER, "device:test-desk",
                         {"session": {"inactivity_timeout": 50}}, "anna")  # fmt: skip
    assert wait_until(lambda: kiosk.kiosk._pending is not None, 20)  # arrived, kept waiting
    for _ in range(10):
        kiosk.kiosk.pump(0.02)
    assert kiosk.screen is Screen.QUESTION and kiosk.kiosk.central is None
    kiosk.press(5, 2, 5, 2)
    assert kiosk.screen is Screen.THANKS
    assert kiosk.kiosk.central is None  # the thank-you screen belongs to the visit
    kiosk.wait(10)  # the thank-you screen ends: the welcome screen
    assert pump_until(kiosk, lambda: kiosk.kiosk.central is not None)
    assert kiosk.kiosk.central.version == version
    assert kiosk.kiosk.config.session.inactivity_timeout == 50
    [row] = kiosk.rows()
    assert row.answers["overall"] == 5  # the visit was saved whole, under the old config


def test_the_server_checks_before_it_stores(store):
    before = store.central.changes()
    for body, said in (
        ({"hours": {"mon": "8-16"}}, "site:kontaktcenter: hours.mon: '8-16' is not times"),
        ({"survey": "nope"}, "site:kontaktcenter: survey: 'nope' is not one of the server's"),
        ({"languages": ["xx"]}, "site:kontaktcenter: languages: 'xx' is not a language"),
        ({"session": {"inactivity_timeout": 0}}, "site:kontaktcenter: session.inactivity_timeout"),
        ({"colour": "red"}, "site:kontaktcenter: colour: unknown key"),
    ):
        with pytest.raises(ConfigError) as refused:
            set_config(store, SERVER, "site:kontaktcenter", body, "anna")
        assert str(refused.value).startswith(said), str(refused.value)
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_toml("languages = [", "kc.toml")
    with pytest.raises(ConfigError, match="expected at most"):
        parse_toml("# " + "x" * 20_000, "kc.toml")
    assert store.central.changes() == before
    assert messages(store, SERVER) == []


def test_a_survey_is_sent_whole_with_its_texts(store):
    version = set_config(store, SERVER, "device:desk-1", {"survey": "service"}, "anna")
    [message] = messages(store, SERVER)
    sent = json.loads(message.payload)
    assert (message.device, sent["version"]) == ("desk-1", version)
    assert sent["config"]["survey"]["id"] == "service"
    questions = {q["id"]: q for q in sent["config"]["survey"]["questions"]}
    assert questions["overall"]["text"]["sv"] == SURVEY.question("overall").text["sv"]


WRITER = """
import sys
from pathlib import Path
from nojd.kiosk.central import Keeper, apply
from nojd.kiosk.config import KioskConfig
base = KioskConfig(device="d", site="s", data_dir=Path(sys.argv[1]))
keeper = Keeper(Path(sys.argv[1]))
version = int(sys.argv[2])
print("ready", flush=True)
while True:  # large configs, over and over, until killed
    version += 1
    keeper.save(apply(base, version, {"hours": {"mon": "08:00-16:00",
        "closed_dates": [f"2027-{m:02}-{d:02}" for m in range(1, 13) for d in range(1, 29)]}}))
"""


def test_a_kill_while_the_config_is_written_leaves_the_last_good_one(tmp_path):
    from nojd.kiosk.config import KioskConfig

    base = KioskConfig(device="d", site="s", data_dir=tmp_path)
    Keeper(tmp_path).save(apply(base, 1, {"languages": ["sv"]}))
    chance = random.Random(7)
    for attempt in range(30):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(attempt * 10**6)],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        out = writer.stdout
        assert out is not None and out.readline() == "ready\n"
        assert wait_until(lambda: (tmp_path / (FILE + ".partial")).exists(), 10)
        time.sleep(chance.uniform(0, 0.05))  # not a wait: the moment of the kill, at random
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
        out.close()
        kept = Keeper(tmp_path).load(base)
        assert kept is not None, f"attempt {attempt}: the kept config was lost"
        assert kept.version == 1 or kept.config.hours is not None


@pytest.fixture
def site(store):
    """The dashboard on ``store``: an admin anna and a read-only bo."""
    from fastapi.testclient import TestClient

    from nojd.server.accounts import add_user
    from nojd.server.web import create_app

    add_user(store.accounts, "anna", "ett-långt-lösenord", "admin")
    add_user(store.accounts, "bo", "ett-annat-lösenord", "read-only")
    with TestClient(create_app(SERVER, store)) as client:
        yield client


def log_in(client, name, password):
    client.cookies.clear()
    submit(client, "/login", {"name": name, "password": password}, page="/login")


def test_the_config_page_sets_logs_and_shows_a_terminal_s_state(site, store):
    log_in(site, "anna", "ett-långt-lösenord")
    body = 'languages = ["sv"]\n[session]\ninactivity_timeout = 30\n'
    done = submit(site, "/config", {"scope": "site:kontaktcenter", "body": body}, page="/config",
                  follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    [change] = store.central.changes()
    assert (change["who"], change["scope"]) == ("anna (dashboard)", "site:kontaktcenter")
    assert change["body"] == {"languages": ["sv"], "session": {"inactivity_timeout": 30}}
    page = site.get("/config?lang=sv").text
    assert "site:kontaktcenter" in page and "anna (dashboard)" in page
    # a terminal that reported the version shows it applied, here and on the terminals page
    store.ingest(Batch(statuses=[("desk-1", {
        "state": "online", "at": datetime.now(UTC), "backlog": 0, "version": "t",
        "site": "kontaktcenter", "config": {"applied": change["id"], "refused": None,
                                            "reason": None}})]), datetime.now(UTC))  # fmt: skip
    store.central.mark_sent("desk-1", change["id"], "x", datetime.now(UTC))
    for path in ("/config?lang=sv", "/devices?lang=sv"):
        assert f"✓ {change['id']}" in site.get(path).text, path


def test_a_bad_config_on_the_page_is_a_400_that_keeps_what_was_typed(site, store):
    log_in(site, "anna", "ett-långt-lösenord")
    typed = '[hours]\nmon = "8-16"\n'
    refused = submit(site, "/config", {"scope": "site:kontaktcenter", "body": typed},
                     page="/config")  # fmt: skip
    assert refused.status_code == 400
    assert "site:kontaktcenter: hours.mon: &#39;8-16&#39; is not times" in refused.text
    assert "mon = &#34;8-16&#34;" in refused.text  # kept in the form, escaped
    for scope in ("unit:x", "site:../../etc", "device:"):
        answer = submit(site, "/config", {"scope": scope, "body": ""}, page="/config")
        assert answer.status_code == 400, scope
    assert store.central.changes() == []


def test_only_admins_see_or_change_the_configuration(site, store):
    log_in(site, "bo", "ett-annat-lösenord")
    assert site.get("/config").status_code == 403
    token = token_of(site.get("/").text)
    changed = site.post("/config", data={"scope": "site:kontaktcenter",
                                         "body": 'languages = ["sv"]', "csrf": token})  # fmt: skip
    assert changed.status_code == 403
    site.cookies.clear()
    assert site.get("/config", follow_redirects=False).status_code in (302, 303)
    assert store.central.changes() == []


def test_the_terminals_page_knows_a_desk_closed_by_its_central_hours(site, store):
    log_in(site, "anna", "ett-långt-lösenord")
    now = datetime.now(UTC)
    store.ingest(Batch(statuses=[(device, {
        "state": "online", "at": now, "backlog": 0, "version": "t", "site": site_id})
        for device, site_id in (("desk-1", "kontaktcenter"), ("desk-2", "bibliotek"))]),
        now)  # fmt: skip
    closed_today = {"closed_dates": [now.astimezone(SERVER.zone).date().isoformat()]}
    set_config(store, SERVER, "site:kontaktcenter", {"hours": closed_today}, "anna")
    page = site.get("/devices?lang=sv").text
    rows = {row.split("</th>", 1)[0]: row for row in page.split('<tr>\n    <th scope="row">')[1:]}
    assert "stängt nu (öppettiderna)" in rows["desk-1"]
    assert "stängt nu" not in rows["desk-2"]  # its site has no central hours


def test_the_hours_grid_spans_the_central_opening_hours(store):
    from datetime import date

    from nojd.server.figures import heatmap
    from nojd.server.reportcharts import heatmaps
    from nojd.survey import build_response, encode

    answered = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)  # a Tuesday, 10:15 in Stockholm
    response = build_response(SURVEY, device="desk-1", seq=1, site="kontaktcenter", lang="sv",
                              answers={"overall": 4}, at=answered)  # fmt: skip
    store.ingest(Batch([(response, encode(response))]), answered)
    cells = heatmap(store, SURVEY, SERVER.organisation, first=date(2026, 11, 1),
                    last=date(2026, 11, 30), question="overall", site="kontaktcenter")  # fmt: skip
    alone = heatmaps(cells, SURVEY, "sv")
    assert ">10<" in alone["responses"] and ">08<" not in alone["responses"]
    set_config(store, SERVER, "site:kontaktcenter",
               {"hours": {"tue": "08:00-16:30", "wed": "12:00-13:00"}}, "anna")  # fmt: skip
    opening = opening_of(store, SERVER, "kontaktcenter", None)
    grid = heatmaps(cells, SURVEY, "sv", opening)["responses"]
    for hour in range(8, 17):  # 08–16, the last hour open in part
        assert f">{hour:02d}<" in grid, hour
    assert ">17<" not in grid and ">07<" not in grid
    zeros = grid.split("</svg>")[0].count(">0<")  # in the picture (its table says the same)
    assert zeros == 9 - 1 + 1, grid  # Tuesday's open hours but 10, and Wednesday's 12


def test_a_terminal_s_tables_merge_key_by_key_over_its_site_s(store):
    from nojd.server.central import hours_by_device, merge

    site = {"hours": {"mon": "08:00-16:00", "tue": "08:00-16:00"}, "session": {
        "inactivity_timeout": 40}, "languages": ["sv", "en"]}  # fmt: skip
    mine = {"hours": {"closed_dates": ["2026-11-30"]}, "session": {"response_interval": 5}}
    assert merge(site, mine) == {
        "hours": {"mon": "08:00-16:00", "tue": "08:00-16:00", "closed_dates": ["2026-11-30"]},
        "session": {"inactivity_timeout": 40, "response_interval": 5},
        "languages": ["sv", "en"],
    }
    now = datetime.now(UTC)
    store.ingest(Batch(statuses=[("desk-1", {"state": "online", "at": now, "backlog": 0,
                                             "version": "t", "site": "kc"})]), now)  # fmt: skip
    set_config(store, SERVER, "site:kc", site, "anna")
    set_config(store, SERVER, "device:desk-1", mine, "anna")
    hours = hours_by_device(store, SERVER)["desk-1"]
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm
    assert hours.is_open(monday)  # the site's Monday stays
    assert not hours.is_open(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # its own closed date


def test_a_change_whose_merge_cannot_be_sent_is_refused(store, tmp_path):
    from dataclasses import replace

    short = tmp_path / "short.toml"
    data = SERVER.survey_tables()["service"]
    short.write_text(parse_and_dump(data, "short", ["sv"]), encoding="utf-8")
    config = replace(SERVER, survey_files=(short,))
    now = datetime.now(UTC)
    store.ingest(Batch(statuses=[("desk-1", {"state": "online", "at": now, "backlog": 0,
                                             "version": "t", "site": "kc"})]), now)  # fmt: skip
    set_config(store, config, "device:desk-1", {"languages": ["en", "sv"]}, "anna")
    with pytest.raises(ConfigError) as refused:
        set_config(store, config, "site:kc", {"survey": "short"}, "bo")
    assert str(refused.value).startswith(
        "site:kc: what it gives terminal desk-1 cannot be sent: config of desk-1: languages: "
        "'en' is not a language of the survey (sv)"
    )
    assert [c["who"] for c in store.central.changes()] == ["anna"]


def parse_and_dump(data, survey_id, languages):
    """The shipped survey under another id, in fewer languages, as a TOML file's text."""
    import tomllib

    def strip(value):
        if isinstance(value, dict):
            if set(value) >= {"sv", "en"} and all(
                isinstance(v, str | list) for v in value.values()
            ):
                return {lang: value[lang] for lang in languages}
            return {key: strip(item) for key, item in value.items()}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    shown = strip({**data, "id": survey_id, "languages": languages})
    text = _toml(shown)
    assert tomllib.loads(text)["id"] == survey_id
    return text


def _toml(data, prefix=""):
    """Enough of a TOML writer for a survey: scalars, lists of scalars, tables and arrays
    of tables."""
    lines: list[str] = []
    tables: list[tuple[str, Any, bool]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value, False))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            tables.append((key, value, True))
        else:
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    out = "\n".join(lines) + "\n"
    for key, value, many in tables:
        name = f"{prefix}{key}"
        for item in value if many else [value]:
            out += f"\n[[{name}]]\n" if many else f"\n[{name}]\n"
            out += _toml(item, f"{name}.")
    return out


def test_a_terminal_that_moves_to_a_site_without_config_gets_an_empty_one(store):
    now = datetime.now(UTC)

    def status(site_id):
        store.ingest(Batch(statuses=[("desk-1", {"state": "online", "at": now, "backlog": 0,
                                                 "version": "t", "site": site_id})]), now)  # fmt: skip

    status("kc")
    version = set_config(store, SERVER, "site:kc", {"languages": ["sv"]}, "anna")
    [first] = messages(store, SERVER)
    store.central.mark_sent("desk-1", first.version, first.digest, now)
    status("annex")
    assert device_row(store, "desk-1")["site"] == "annex"
    [moved] = messages(store, SERVER, store.central.sent())
    assert json.loads(moved.payload) == {"v": 1, "version": version, "config": {}}


def test_a_status_says_its_refusal_in_printable_words_only():
    from nojd.errors import MessageError
    from nojd.survey.topics import decode_status

    status = {"v": 1, "state": "online", "at": "2026-11-24T03:00:00Z", "backlog": 0,
              "version": "x", "config": {"applied": 1, "refused": 2, "reason": "\x1b[2Jok"}}  # fmt: skip
    with pytest.raises(MessageError, match="config.reason"):
        decode_status(json.dumps(status))


def test_languages_without_terminal_texts_are_refused():
    from nojd.survey.central import check_central

    with pytest.raises(ConfigError, match="'de' is not a language of the terminal's texts"):
        check_central({"languages": ["de", "sv"]})
    with pytest.raises(ConfigError, match="timezone: 'aaaa"):
        check_central({"hours": {"timezone": "a" * 300}})


def test_the_offer_of_more_time_is_set_centrally_too(tmp_path):
    from nojd.kiosk.config import KioskConfig

    base = KioskConfig(device="d", site="s", data_dir=tmp_path)
    applied = apply(base, 3, {"session": {"more_time_warning": 0}})
    assert applied.config.session.more_time_warning == 0  # 0 is a value: never offered
    assert applied.config.session.inactivity_timeout == base.session.inactivity_timeout
    kept = apply(base, 4, {"session": {"inactivity_timeout": 60}})
    assert kept.config.session.more_time_warning == base.session.more_time_warning
    with pytest.raises(ConfigError, match="session.more_time_warning: 'soon' is not seconds"):
        apply(base, 5, {"session": {"more_time_warning": "soon"}})
