"""Alert rules and their episodes in a real store (SQLite and PostgreSQL): each rule
against cases worked by hand, one episode per firing however often it is checked, across
a restart, and with two processes' connections checking at once."""

import json
import re
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from waiting import at_once

from nojd.errors import ConfigError
from nojd.server.alerts import check
from nojd.server.central import set_config
from nojd.server.config import load_server_config
from nojd.server.store import Batch, Reject, open_store
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: A Tuesday at 11:00 in Stockholm.
NOW = datetime(2026, 11, 24, 11, tzinfo=STOCKHOLM)
CONFIG = """
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
devices = ["kc-1", "kc-2", "kc-3"]
[[organisation.sites]]
id = "bib"
name = "Biblioteket"
devices = ["b-1"]
[[alerts.rules]]
name = "tyst"
kind = "silent"
minutes = 30
[[alerts.rules]]
name = "missnöje"
kind = "low_satisfaction"
window_minutes = 60
min_answers = 10
low_percent = 40
[[alerts.rules]]
name = "karantän"
kind = "quarantine"
window_minutes = 15
at_least = 20
[[alerts.rules]]
name = "kö"
kind = "backlog"
minutes = 60
at_least = 20
"""


@pytest.fixture
def config(tmp_path):
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    return load_server_config(tmp_path / "server.toml")


@pytest.fixture
def store(db):
    opened = open_store(db, STOCKHOLM)
    yield opened
    opened.close()


def answered(store: Any, device: str, site: str, grades: list[int], at: datetime,
             flags: list[str] | None = None, start: int = 1) -> None:  # fmt: skip
    sent = []
    for seq, grade in enumerate(grades, start=start):
        message = build_response(SURVEY, device=device, seq=seq, site=site, lang="sv",
                                 answers={"overall": grade}, at=at, flags=flags or [])  # fmt: skip
        sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), at)


def heard(store: Any, device: str, at: datetime, backlog: int = 0) -> None:
    status = {"state": "online", "at": at, "backlog": backlog, "version": "t", "site": "kc"}
    store.ingest(Batch(statuses=[(device, status)]), at)


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ('kind = "loud"', "alerts.rules[0].kind: 'loud' is not one of silent"),
        (
            'kind = "silent"\nminutes = 0',
            "alerts.rules[0].minutes: 0 is not a whole number 1..10080",
        ),
        ('kind = "silent"\nat_least = 3', "alerts.rules[0].at_least: unknown key"),
        (
            'kind = "low_satisfaction"\nlow_percent = 101',
            "low_percent: 101 is not a whole number 1..100",
        ),
        ('name = ""\nkind = "silent"', "alerts.rules[0].name: '' is not a name of 1-60"),
        ('name = "a|b"\nkind = "silent"', "alerts.rules[0].name: 'a|b' is not a name of 1-60"),
        (
            'kind = "backlog"\nminutes = 1441',
            "alerts.rules[0].minutes: 1441 is not a whole number 1..1440",
        ),
    ],
)
def test_a_bad_rule_is_refused_in_one_line_naming_its_key(tmp_path, rule, said):
    (tmp_path / "s.toml").write_text(f"[[alerts.rules]]\n{rule}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(said)):
        load_server_config(tmp_path / "s.toml")


def test_silent_is_not_judged_until_the_server_has_listened_for_the_rules_minutes(store, config):
    # the server was down: kc-1 not heard for 40 min is the server's fault, not its own
    set_config(store, config, "site:kc", {"hours": {"tue": "08:00-17:00"}}, "test")
    heard(store, "kc-1", NOW - timedelta(minutes=40))
    store.alerts.open("tyst", "kc-2", '{"last_heard": null, "minutes": 30}', NOW)
    for minutes in (0, 10, 29):
        fired = check(store, config, SURVEY, NOW, listening_since=NOW - timedelta(minutes=minutes))
        assert not [f for f in fired if f.rule == "tyst"]
        assert [e["subject"] for e in store.alerts.open_ones()] == ["kc-2"]  # kept as it is
    fired = check(store, config, SURVEY, NOW, listening_since=NOW - timedelta(minutes=30))
    assert sorted(f.subject for f in fired if f.rule == "tyst") == ["kc-1", "kc-2", "kc-3"]


def test_silent_only_while_open_and_only_for_terminals_with_hours(store, config):
    # kc-1, kc-2 and kc-3 open Tuesdays 08-17 (set centrally); b-1 has no central hours.
    # kc-1 last heard at 10:20 (40 min ago): silent. kc-2 heard at 10:50: not. kc-3 never
    # heard: silent. b-1 never heard, but its hours are unknown: not judged.
    set_config(store, config, "site:kc", {"hours": {"tue": "08:00-17:00"}}, "test")
    heard(store, "kc-1", NOW - timedelta(minutes=40))
    heard(store, "kc-2", NOW - timedelta(minutes=10))
    fired = check(store, config, SURVEY, NOW)
    assert sorted(f.subject for f in fired if f.rule == "tyst") == ["kc-1", "kc-3"]
    # at 08:20 the desk opened 20 minutes ago: silence since the evening is not an alert
    early = datetime(2026, 11, 24, 8, 20, tzinfo=STOCKHOLM)
    assert not [f for f in check(store, config, SURVEY, early) if f.rule == "tyst"]
    # after closing time nobody is silent
    evening = datetime(2026, 11, 24, 18, tzinfo=STOCKHOLM)
    assert not [f for f in check(store, config, SURVEY, evening) if f.rule == "tyst"]


def test_a_backlog_fires_when_it_never_fell_and_grew_to_the_limit(store, config):
    # statuses (backlog) received minutes before NOW; the rule: 60 min, at least 20
    reported = {
        "kc-1": [(70, 5), (50, 10), (30, 10), (10, 25)],  # grew 5 -> 25, never fell: fires
        "kc-2": [(70, 5), (40, 30), (10, 25)],  # fell once: not
        "kc-3": [(30, 5), (5, 40)],  # first heard within the window: not judged yet
        "b-1": [(70, 2), (10, 15)],  # grew, but to less than 20: not
    }
    for device, samples in reported.items():
        for minutes, backlog in samples:
            heard(store, device, NOW - timedelta(minutes=minutes), backlog)
    fired = [f for f in check(store, config, SURVEY, NOW) if f.rule == "kö"]
    assert [(f.subject, json.loads(f.detail)) for f in fired] == [
        ("kc-1", {"was": 5, "now": 25, "minutes": 60})
    ]
    assert [e["subject"] for e in store.alerts.open_ones() if e["rule"] == "kö"] == ["kc-1"]
    # the terminal catches up: the episode ends
    heard(store, "kc-1", NOW + timedelta(minutes=5), 0)
    check(store, config, SURVEY, NOW + timedelta(minutes=6))
    assert not [e for e in store.alerts.open_ones() if e["rule"] == "kö"]
    # samples older than a day and an hour are gone with the next status
    heard(store, "kc-1", NOW + timedelta(days=1, minutes=64), 0)
    assert store.backlog_samples("2000-01-01T00:00:00Z")["kc-1"] == [
        ("2026-11-24T10:05:00.000Z", 0), ("2026-11-25T11:04:00.000Z", 0)
    ]  # fmt: skip


def test_a_backlog_over_the_longest_window_does_not_flap(store, tmp_path):
    # a day's window (the longest) with statuses every 60 s, each a little late: the
    # window's start always has a sample before it, so a steady climb stays one episode
    path = tmp_path / "day.toml"
    path.write_text('[[alerts.rules]]\nname = "kö"\nkind = "backlog"\nminutes = 1440\n'
                    "at_least = 20\n", encoding="utf-8")  # fmt: skip
    config = load_server_config(path)
    start = NOW - timedelta(days=1, minutes=5)
    for minute in range(0, 24 * 60 + 40):
        jitter = timedelta(seconds=(minute * 7) % 13)
        heard(store, "kc-1", start + timedelta(minutes=minute) + jitter, 10 + minute // 10)
        if minute >= 24 * 60 + 5:
            check(store, config, SURVEY, start + timedelta(minutes=minute, seconds=30))
    assert len(store.alerts.history()) == 1 and len(store.alerts.open_ones()) == 1


def test_low_satisfaction_needs_enough_answers_and_enough_low_ones(store, config):
    # in the last hour: kc 10 answers, 4 of them 1 or 2 (40 %): fires. bib 10 answers,
    # 3 low (30 %): not. An hour and a half ago kc had 20 more 1s: outside the window.
    answered(store, "kc-1", "kc", [1, 2, 1, 2, 4, 5, 5, 4, 3, 5], NOW - timedelta(minutes=30))
    answered(store, "kc-2", "kc", [1] * 20, NOW - timedelta(minutes=90))
    answered(store, "b-1", "bib", [1, 1, 2, 5, 5, 5, 4, 4, 4, 3], NOW - timedelta(minutes=10))
    fired = [f for f in check(store, config, SURVEY, NOW) if f.rule == "missnöje"]
    assert [(f.subject, json.loads(f.detail)) for f in fired] == [
        ("kc", {"low": 4, "answers": 10, "minutes": 60})
    ]
    # rapid repeats are not answers: 9 real ones with 5 low are too few
    answered(store, "kc-3", "kc", [1] * 9, NOW - timedelta(minutes=5))
    later = NOW + timedelta(minutes=45)  # kc-1's ten have left the window
    answered(store, "kc-2", "kc", [1] * 5, later - timedelta(minutes=1), ["rapid-repeat"], 21)
    assert not [f for f in check(store, config, SURVEY, later) if f.rule == "missnöje"]


def test_quarantine_spikes_within_the_window(store, config):
    bad = Reject("nojd/v1/kc-1/response", b"{", "not JSON", device="kc-1")
    store.ingest(Batch(rejects=[bad] * 19), NOW - timedelta(minutes=5))
    assert not [f for f in check(store, config, SURVEY, NOW) if f.rule == "karantän"]
    store.ingest(Batch(rejects=[bad]), NOW - timedelta(minutes=1))
    fired = [f for f in check(store, config, SURVEY, NOW) if f.rule == "karantän"]
    assert [(f.subject, json.loads(f.detail)["quarantined"]) for f in fired] == [("kc-1", 20)]
    # twenty minutes on, all of them are older than the window
    assert not [f for f in check(store, config, SURVEY, NOW + timedelta(minutes=20))
                if f.rule == "karantän"]  # fmt: skip


def test_one_episode_per_firing_resolved_when_it_ends_and_kept_across_a_restart(store, config, db):
    bad = Reject("nojd/v1/kc-1/response", b"{", "not JSON", device="kc-1")
    store.ingest(Batch(rejects=[bad] * 25), NOW - timedelta(minutes=2))
    for minutes in (0, 1, 2):
        check(store, config, SURVEY, NOW + timedelta(minutes=minutes))
    [episode] = store.alerts.open_ones()
    assert (episode["rule"], episode["subject"]) == ("karantän", "kc-1")
    again = open_store(db, STOCKHOLM)  # a restart in the middle of the episode
    try:
        check(again, config, SURVEY, NOW + timedelta(minutes=3))
        assert [e["id"] for e in again.alerts.open_ones()] == [episode["id"]]
        check(again, config, SURVEY, NOW + timedelta(minutes=30))  # the spike is over
        assert again.alerts.open_ones() == []
        [ended] = again.alerts.history()
        assert ended["resolved_at"] is not None
        # a new spike is a new episode
        again.ingest(Batch(rejects=[bad] * 20), NOW + timedelta(minutes=40))
        check(again, config, SURVEY, NOW + timedelta(minutes=41))
        assert len(again.alerts.history()) == 2 and len(again.alerts.open_ones()) == 1
    finally:
        again.close()


def test_two_processes_open_one_episode_and_send_each_message_once(store, config, db):
    bad = Reject("nojd/v1/kc-1/response", b"{", "not JSON", device="kc-1")
    store.ingest(Batch(rejects=[bad] * 25), NOW - timedelta(minutes=2))
    stores = [open_store(db, STOCKHOLM) for _ in range(4)]
    try:
        at_once(lambda each: check(each, config, SURVEY, NOW), stores)
        [episode] = store.alerts.history()
        key = f"alert|karantän|kc-1|{episode['opened_at']}|opened|email"
        claimed = [each.deliveries.claim(key, NOW, timedelta(minutes=10)) for each in stores]
        [first] = [token for token in claimed if token is not None]
        # the one who claimed it has the lease: no other claims it until it runs out
        assert not store.deliveries.claim(key, NOW + timedelta(minutes=9), timedelta(minutes=10))
        second = store.deliveries.claim(key, NOW + timedelta(minutes=11), timedelta(minutes=10))
        assert second is not None and second != first
        # the first comes back late: it can neither release nor mark the second's claim
        assert not store.deliveries.failed(key, first, "late", NOW)
        assert not store.deliveries.sent(key, first, NOW + timedelta(minutes=12))
        assert not store.deliveries.claim(key, NOW + timedelta(minutes=12), timedelta(minutes=10))
        assert store.deliveries.sent(key, second, NOW + timedelta(minutes=12))
        assert not store.deliveries.claim(key, NOW + timedelta(days=9), timedelta(minutes=10))
        store.alerts.settle(episode["id"], "opened", 1)
        assert [e["id"] for e in store.alerts.unsent()] == []  # opened sent, not resolved
    finally:
        for each in stores:
            each.close()


def test_rules_left_out_of_the_config_leave_their_episodes_alone(store, config):
    store.alerts.open("gammal", "kc-1", "{}", NOW)
    check(store, config, SURVEY, NOW)
    assert [e["rule"] for e in store.alerts.open_ones()] == ["gammal"]


def test_the_server_keeps_checking_and_the_dashboard_lists_the_episodes(store, config):
    from fastapi.testclient import TestClient
    from waiting import wait_until
    from webforms import submit

    from nojd.server.accounts import add_user
    from nojd.server.watch import keep_watching
    from nojd.server.web import create_app

    bad = Reject("nojd/v1/kc-1/response", b"{", "not JSON", device="kc-1")
    store.ingest(Batch(rejects=[bad] * 22), datetime.now(STOCKHOLM))
    stop = threading.Event()
    checker = threading.Thread(target=keep_watching, args=(store, config, stop), daemon=True)
    checker.start()
    try:
        assert wait_until(lambda: bool(store.alerts.open_ones()), 30)
    finally:
        stop.set()
        checker.join(30)
    assert not checker.is_alive()
    add_user(store.accounts, "anna", "ett-långt-lösenord")
    with TestClient(create_app(config, store)) as client:
        submit(client, "/login", {"name": "anna", "password": "ett-långt-lösenord"},
               page="/login", follow_redirects=False)  # fmt: skip
        page = client.get("/alerts").text
    assert '<th scope="row">karantän</th>' in page and "pågår" in page
    assert "22 meddelanden i karantän på 15 min" in page
