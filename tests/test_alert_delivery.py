"""Alerts delivered: by mail through a real SMTP server that requires STARTTLS and a login,
and by webhook to a real HTTP server that fails, hangs, is down and recovers; one message
per episode and event, across a restart and with several processes, in a real store
(SQLite and PostgreSQL), and two real `nojd server run` sending one mail between them."""

import logging
import os
import re
import subprocess
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mailhooks import MailServer, WebhookServer
from processes import NOJD, Process, free_port
from waiting import at_once, wait_until

from nojd.errors import ConfigError
from nojd.server import notify
from nojd.server.alerts import check
from nojd.server.config import load_server_config
from nojd.server.store import Batch, Reject, open_store
from nojd.survey import default_survey

SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 24, 11, tzinfo=STOCKHOLM)
RULES = """
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
devices = ["kc-1"]
[[alerts.rules]]
name = "karantän"
kind = "quarantine"
window_minutes = 15
at_least = 20
"""
BAD = Reject("nojd/v1/kc-1/response", b"{", "not JSON", device="kc-1")


@pytest.fixture
def store(db):
    opened = open_store(db, STOCKHOLM)
    yield opened
    opened.close()


def configured(tmp_path, extra: str, alerts: str = "") -> Any:
    path = tmp_path / "server.toml"
    path.write_text(f'[alerts]\ndashboard_url = "https://nojd.kommun.example/alerts"\n'
                    f"{alerts}\n{RULES}\n{extra}", encoding="utf-8")  # fmt: skip
    return load_server_config(path)


def spike(store: Any, at: datetime) -> None:
    """22 unreadable messages from kc-1: the quarantine rule fires."""
    store.ingest(Batch(rejects=[BAD] * 22), at)


def test_an_episode_is_mailed_once_over_starttls_and_its_end_once(tmp_path, mail, store):
    config = configured(tmp_path, mail.config(), 'email_to = ["it@kommun.example"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert len(notify.deliver(store, config, NOW)) == 1
    [got] = mail.received
    assert got.tls and got.login == "nojd"  # STARTTLS first, then the login
    assert got.to == ["it@kommun.example"] and got.sender == "nojd@kommun.example"
    assert got.message["Subject"] == "nojd-larm: karantän – kc-1 (Kontaktcenter)"
    body = got.message.get_content()
    assert "Vad: 22 meddelanden i karantän på 15 min" in body
    assert "Började: 2026-11-24 11:00" in body and "Slutade" not in body
    assert "Alla larm: https://nojd.kommun.example/alerts" in body
    # checked and delivered again while it lasts: nothing more
    for minutes in (1, 2, 3):
        check(store, config, SURVEY, NOW + timedelta(minutes=minutes))
        assert notify.deliver(store, config, NOW + timedelta(minutes=minutes)) == []
    assert len(mail.received) == 1
    # it ends: one "resolved" mail
    check(store, config, SURVEY, NOW + timedelta(minutes=20))
    assert len(notify.deliver(store, config, NOW + timedelta(minutes=20))) == 1
    assert notify.deliver(store, config, NOW + timedelta(minutes=21)) == []
    assert [m.message["Subject"] for m in mail.received] == [
        "nojd-larm: karantän – kc-1 (Kontaktcenter)",
        "nojd: över – karantän – kc-1 (Kontaktcenter)",
    ]
    assert "Slutade: 2026-11-24 11:20" in mail.received[1].message.get_content()
    [episode] = store.alerts.history()
    assert (episode["opened_sent"], episode["resolved_sent"]) == (1, 1)


def test_a_server_without_starttls_gets_nothing_in_the_clear(tmp_path, store):
    plain = MailServer(tmp_path, starttls=False).start()
    try:
        config = configured(tmp_path, plain.config(), 'email_to = ["it@kommun.example"]')
        spike(store, NOW - timedelta(minutes=2))
        check(store, config, SURVEY, NOW)
        assert notify.deliver(store, config, NOW) == []
        assert plain.received == []
        [state] = store.deliveries.states("alert|").values()
        assert "offers no STARTTLS; nothing sent in the clear" in state["error"]
        assert state["sent_at"] is None and state["attempts"] == 1
        # not tried again before its wait (a minute after the first failure) is over
        assert notify.deliver(store, config, NOW + timedelta(seconds=30)) == []
        [state] = store.deliveries.states("alert|").values()
        assert state["attempts"] == 1
    finally:
        plain.stop()


def test_a_certificate_the_server_cannot_check_sends_nothing(tmp_path, mail, store):
    # without the test CA the system's CAs do not vouch for the SMTP server's certificate
    config = configured(tmp_path, mail.config(ca=False), 'email_to = ["it@kommun.example"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert notify.deliver(store, config, NOW) == []
    assert mail.received == []
    [state] = store.deliveries.states("alert|").values()
    assert re.search(r"TLS with localhost:\d+ failed: CERTIFICATE_VERIFY_FAILED", state["error"])


def test_a_wrong_password_is_refused_and_nothing_is_sent(tmp_path, mail, store):
    config = configured(tmp_path, mail.config(password="fel"), 'email_to = ["it@kommun.example"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert notify.deliver(store, config, NOW) == []
    assert mail.received == []
    [state] = store.deliveries.states("alert|").values()
    assert re.search(r"localhost:\d+ refused: 535 ", state["error"]), state["error"]


def test_a_refused_mail_is_tried_again_and_goes_once_it_is_taken(tmp_path, mail, store):
    config = configured(tmp_path, mail.config(), 'email_to = ["it@kommun.example"]')
    mail.refuse.add("it@kommun.example")
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert notify.deliver(store, config, NOW) == []
    [state] = store.deliveries.states("alert|").values()
    assert "550" in state["error"] and "it@kommun.example" in state["error"]
    mail.refuse.clear()
    # the second try waits a minute, the third two: then it goes, once
    assert notify.deliver(store, config, NOW + timedelta(seconds=59)) == []
    assert len(notify.deliver(store, config, NOW + timedelta(minutes=1))) == 1
    assert notify.deliver(store, config, NOW + timedelta(minutes=5)) == []
    assert len(mail.received) == 1


def test_a_webhook_that_fails_twice_is_retried_within_one_delivery(tmp_path, hook, store):
    config = configured(tmp_path, "", f'webhooks = ["{hook.url}"]\nwebhook_attempts = 3')
    hook.answers = [503, 500]
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert len(notify.deliver(store, config, NOW)) == 1
    assert len(hook.posts) == 3  # 503, 500, then 200
    body = hook.posts[-1]
    assert body["event"] == "opened" and body["rule"] == "karantän"
    assert body["subject"] == "kc-1" and body["subject_name"] == "kc-1 (Kontaktcenter)"
    assert body["detail"] == {"quarantined": 22, "minutes": 15}
    assert body["text"].startswith("nojd-larm: karantän – kc-1 (Kontaktcenter)")
    assert body["url"] == "https://nojd.kommun.example/alerts"


def test_a_webhook_down_is_tried_at_later_checks_and_sent_once_when_it_is_up(
    tmp_path, store, caplog
):
    caplog.set_level(logging.DEBUG)
    down = WebhookServer()  # its port is known, nothing listens on it yet
    config = configured(tmp_path, "", f'webhooks = ["{down.url}"]\nwebhook_attempts = 2')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert notify.deliver(store, config, NOW) == []
    [state] = store.deliveries.states("alert|").values()
    assert "ConnectionError after 2 attempt(s)" in state["error"]
    assert "s3cret" not in state["error"]  # a webhook's path is a secret: never logged
    assert "s3cret" not in caplog.text and "Retrying" not in caplog.text
    down.start()
    try:
        assert len(notify.deliver(store, config, NOW + timedelta(minutes=1))) == 1
        assert notify.deliver(store, config, NOW + timedelta(minutes=2)) == []
        assert len(down.posts) == 1 and down.paths == ["/hooks/s3cret-token"]
    finally:
        down.stop()


def test_a_webhook_that_answers_late_gets_the_message_once(tmp_path, hook, store):
    # sent whole and not answered in time: it may have been taken, so it is not sent again
    alerts = f'webhooks = ["{hook.url}"]\nwebhook_attempts = 3\nwebhook_timeout_seconds = 1'
    config = configured(tmp_path, "", alerts)
    hook.hang = 30
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    started = datetime.now()
    assert len(notify.deliver(store, config, NOW)) == 1
    assert datetime.now() - started < timedelta(seconds=20)
    for minutes in (1, 2, 5, 30):
        assert notify.deliver(store, config, NOW + timedelta(minutes=minutes)) == []
    assert len(hook.posts) == 1
    [state] = store.deliveries.states("alert|").values()
    assert state["sent_at"] and "no answer within 1 s; counted as sent" in state["error"]
    assert store.alerts.history()[0]["opened_sent"] == 1


def test_every_message_carries_an_id_a_receiver_can_drop_repeats_by(tmp_path, hook, store):
    config = configured(tmp_path, "", f'webhooks = ["{hook.url}"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    notify.deliver(store, config, NOW)
    check(store, config, SURVEY, NOW + timedelta(minutes=20))
    notify.deliver(store, config, NOW + timedelta(minutes=20))
    ids = [post["id"] for post in hook.posts]
    assert (
        len(ids) == 2 and len(set(ids)) == 2 and all(re.fullmatch("[0-9a-f]{64}", i) for i in ids)
    )
    assert hook.keys == ids  # the Idempotency-Key header says the same


def three_terminals_spike(store: Any) -> None:
    for device in ("kc-1", "kc-2", "kc-3"):
        bad = Reject(f"nojd/v1/{device}/response", b"{", "not JSON", device=device)
        store.ingest(Batch(rejects=[bad] * 22), NOW - timedelta(minutes=2))


def test_a_slow_receiver_gets_one_message_a_round_and_each_once(tmp_path, hook, store):
    alerts = f'webhooks = ["{hook.url}"]\nwebhook_attempts = 1\nwebhook_timeout_seconds = 1'
    config = configured(tmp_path, "", alerts)
    hook.hang = 30
    three_terminals_spike(store)
    check(store, config, SURVEY, NOW)
    for minutes in range(3):
        assert len(notify.deliver(store, config, NOW + timedelta(minutes=minutes))) == 1
    assert notify.deliver(store, config, NOW + timedelta(minutes=3)) == []
    assert sorted(post["subject"] for post in hook.posts) == ["kc-1", "kc-2", "kc-3"]


def test_failed_sends_leave_no_open_files_behind(tmp_path, store):
    down = WebhookServer()  # nothing listens
    config = configured(tmp_path, "", f'webhooks = ["{down.url}"]\nwebhook_attempts = 1')
    three_terminals_spike(store)
    check(store, config, SURVEY, NOW)
    notify.deliver(store, config, NOW)
    opened = len(os.listdir("/proc/self/fd"))
    for hours in range(1, 21):  # every round tries one message again, in a thread of its own
        notify.deliver(store, config, NOW + timedelta(hours=hours))
    tried = sum(s["attempts"] for s in store.deliveries.states("alert|").values())
    assert tried == 21
    assert len(os.listdir("/proc/self/fd")) <= opened + 2


def test_a_dead_receiver_is_tried_once_a_round_not_once_per_episode(tmp_path, store):
    down = WebhookServer()  # nothing listens
    config = configured(tmp_path, "", f'webhooks = ["{down.url}"]\nwebhook_attempts = 1')
    three_terminals_spike(store)
    check(store, config, SURVEY, NOW)
    assert len(store.alerts.open_ones()) == 3
    assert notify.deliver(store, config, NOW) == []
    assert [s["attempts"] for s in store.deliveries.states("alert|").values()] == [1]


def test_mail_and_webhook_each_get_it_once_though_one_of_them_failed(tmp_path, mail, hook,
                                                                     store):  # fmt: skip
    alerts = f'email_to = ["it@kommun.example"]\nwebhooks = ["{hook.url}"]\nwebhook_attempts = 1'
    config = configured(tmp_path, mail.config(), alerts)
    hook.answers = [500]
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert len(notify.deliver(store, config, NOW)) == 1  # the mail
    assert store.alerts.history()[0]["opened_sent"] == 0  # the webhook still owes it
    assert len(notify.deliver(store, config, NOW + timedelta(minutes=1))) == 1  # the webhook
    assert len(mail.received) == 1 and len(hook.posts) == 2
    assert store.alerts.history()[0]["opened_sent"] == 1


def test_a_restart_in_the_middle_of_an_episode_sends_one_alert_and_one_end(tmp_path, mail,
                                                                           db):  # fmt: skip
    config = configured(tmp_path, mail.config(), 'email_to = ["it@kommun.example"]')
    first = open_store(db, STOCKHOLM)
    spike(first, NOW - timedelta(minutes=2))
    check(first, config, SURVEY, NOW)
    notify.deliver(first, config, NOW)
    first.close()  # the server stops in the middle of the episode
    again = open_store(db, STOCKHOLM)
    try:
        spike(again, NOW + timedelta(minutes=3))
        check(again, config, SURVEY, NOW + timedelta(minutes=4))
        assert notify.deliver(again, config, NOW + timedelta(minutes=4)) == []
        check(again, config, SURVEY, NOW + timedelta(minutes=30))
        assert len(notify.deliver(again, config, NOW + timedelta(minutes=30))) == 1
    finally:
        again.close()
    assert [m.message["Subject"].split(":")[0] for m in mail.received] == ["nojd-larm", "nojd"]


def test_a_process_that_died_while_sending_is_taken_over_when_its_claim_runs_out(
    tmp_path, hook, store
):
    config = configured(tmp_path, "", f'webhooks = ["{hook.url}"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    [key] = [f"alert|karantän|kc-1|{e['opened_at']}|opened|" for e in store.alerts.history()]
    [channel] = [name for name in notify._channels(config)]
    # another process claimed it and died before it said how the send went
    held = notify.lease(config)
    assert held == notify.LEAST_LEASE  # 3 attempts of 10 s and the pauses are far less
    assert store.deliveries.claim(key + channel, NOW, held)
    assert notify.deliver(store, config, NOW + timedelta(minutes=5)) == []
    assert len(notify.deliver(store, config, NOW + held + timedelta(seconds=1))) == 1
    assert len(hook.posts) == 1


def test_a_claim_lasts_longer_than_the_slowest_send_the_config_allows(tmp_path, mail):
    slow = 'webhooks = ["https://a.example/h"]\nwebhook_attempts = 5\nwebhook_timeout_seconds = 60'
    config = configured(tmp_path, mail.config(), slow + '\nemail_to = ["it@kommun.example"]')
    # a webhook: 5 attempts of 60 s to connect and 60 s to answer, pauses of 1, 2 and 4 s
    assert notify.lease(config) == timedelta(seconds=5 * 120 + 7 + 60)


def test_four_processes_checking_and_delivering_at_once_send_one_mail(tmp_path, mail, db):
    config = configured(tmp_path, mail.config(), 'email_to = ["it@kommun.example"]')
    stores = [open_store(db, STOCKHOLM) for _ in range(4)]
    try:
        spike(stores[0], NOW - timedelta(minutes=2))
        sent: list[str] = []

        def watching(each: Any) -> None:
            for minutes in range(3):
                check(each, config, SURVEY, NOW + timedelta(minutes=minutes))
                sent.extend(notify.deliver(each, config, NOW + timedelta(minutes=minutes)))

        at_once(watching, stores)
        assert len(sent) == 1 and len(mail.received) == 1
    finally:
        for each in stores:
            each.close()


def test_an_episode_older_than_a_day_is_not_announced_late(tmp_path, mail, store):
    config = configured(tmp_path, mail.config(), 'email_to = ["it@kommun.example"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)  # opened at NOW, while no mail could be sent
    assert notify.deliver(store, config, NOW + timedelta(days=1, minutes=1)) == []
    assert mail.received == []
    [episode] = store.alerts.history()
    assert episode["opened_sent"] == 2  # given up on; the dashboard says so


def test_an_end_whose_beginning_never_reached_them_is_not_sent_alone(tmp_path, hook, store):
    config = configured(tmp_path, "", f'webhooks = ["{hook.url}"]')
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    check(store, config, SURVEY, NOW + timedelta(days=1, minutes=5))  # it ends a day later
    assert notify.deliver(store, config, NOW + timedelta(days=1, minutes=6)) == []
    assert hook.posts == []
    [episode] = store.alerts.history()
    assert (episode["opened_sent"], episode["resolved_sent"]) == (2, 2)


def test_a_rule_name_given_to_a_rule_of_another_kind_stops_nothing(tmp_path, hook, store):
    config = configured(tmp_path, "", f'webhooks = ["{hook.url}"]')
    # an episode the old "karantän" found, then the name given to a backlog rule
    store.alerts.open("karantän", "kc-1", '{"quarantined": 22, "minutes": 15}', NOW)
    bad = Reject("nojd/v1/kc-2/response", b"{", "not JSON", device="kc-2")
    store.ingest(Batch(rejects=[bad] * 22), NOW - timedelta(minutes=1))
    assert config.alerts.rules[0].kind == "quarantine"
    text = (tmp_path / "server.toml").read_text(encoding="utf-8")
    (tmp_path / "server.toml").write_text(
        text.replace('kind = "quarantine"\nwindow_minutes = 15', 'kind = "backlog"\nminutes = 15'),
        encoding="utf-8",
    )
    other = load_server_config(tmp_path / "server.toml")
    assert other.alerts.rules[0].kind == "backlog"
    store.alerts.open("karantän", "kc-2", '{"quarantined": 22, "minutes": 15}', NOW)
    assert len(notify.deliver(store, other, NOW)) == 2  # both went, in numbers
    assert {post["text"].splitlines()[1] for post in hook.posts} == {"quarantined 22, minutes 15"}
    assert notify.detail(store.alerts.history()[0], "backlog", "sv", other) == (
        "quarantined 22, minutes 15"
    )


def test_without_channels_episodes_are_settled_and_nothing_is_sent(tmp_path, store):
    config = configured(tmp_path, "")
    spike(store, NOW - timedelta(minutes=2))
    check(store, config, SURVEY, NOW)
    assert notify.deliver(store, config, NOW) == []
    assert store.alerts.unsent() == []


@pytest.mark.parametrize(
    ("alerts", "extra", "said"),
    [
        ('email_to = ["it@kommun.example"]', "",
         "alerts.email_to: mail needs a [mail] table with the SMTP server"),
        ('email_to = ["it at kommun"]', "",
         "alerts.email_to: ['it at kommun'] is not a list of 1-50 e-mail addresses"),
        ('email_to = ["a@b.se\\r\\nBcc: x@y.se"]', "", "alerts.email_to: "),
        ('webhooks = ["https://chat.se/hooks/T0K3N", "ftp://x.se/hooks/T0K3N"]', "",
         "alerts.webhooks[1]: 'ftp://x.se/ho… is not an http(s) URL with a host"),
        ('webhooks = ["https://chat.se/hooks/T0K3N", 3]', "",
         "alerts.webhooks[1]: int is not an http(s) URL with a host"),
        ("webhook_attempts = 9", "", "alerts.webhook_attempts: 9 is not a whole number 1..5"),
        ('lang = "fi"', "", "alerts.lang: 'fi' is not sv or en"),
        ("", '[mail]\nhost = "smtp.example.se"', "mail.sender: missing"),
        ("", '[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\n'
             'password_file = "/nonexistent/pw"',
         "mail.password_file: '/nonexistent/pw' cannot be read (FileNotFoundError)"),
        ("", '[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\nuser = "n"\n'
             'password_file = "{pw}"', "mail.password_file: '{pw}' holds characters outside ASCII"),
        ("", '[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\nuser = "n"',
         "mail.password_file: user and password_file go together"),
        ("", '[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\nport = 0',
         "mail.port: 0 is not a port 1..65535"),
        ("", '[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\ntls = false',
         "mail.tls: unknown key"),
    ],
)  # fmt: skip
def test_bad_delivery_settings_are_refused_in_one_line(tmp_path, alerts, extra, said):
    (tmp_path / "pw").write_text("lösenord", encoding="utf-8")
    extra, said = (each.replace("{pw}", str(tmp_path / "pw")) for each in (extra, said))
    with pytest.raises(ConfigError, match=re.escape(said)) as raised:
        configured(tmp_path, extra, alerts)
    assert "\n" not in str(raised.value) and "T0K3N" not in str(raised.value)


def test_a_site_name_that_would_break_a_mail_header_is_refused(tmp_path):
    (tmp_path / "s.toml").write_text('[[organisation.sites]]\nid = "kc"\n'
                                     'name = "Kontaktcenter\\nBcc: x@evil.example"\n',
                                     encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match=re.escape("organisation.sites[0].name: 'Kontakt")):
        load_server_config(tmp_path / "s.toml")


def test_two_running_servers_send_one_mail_between_them(tmp_path, mail, broker, db):
    config = tmp_path / "server.toml"
    config.write_text(f'[alerts]\ncheck_seconds = 5\nemail_to = ["it@kommun.example"]\n'
                      f"{RULES}\n{mail.config()}", encoding="utf-8")  # fmt: skip
    seed = open_store(db, STOCKHOLM)
    spike(seed, datetime.now(STOCKHOLM))
    seed.close()
    run = ("server", "run", "--config", str(config), "--broker", broker.url, "--db", db)
    servers = [
        Process(*run, "--listen", f"127.0.0.1:{free_port()}", "--log-level", "DEBUG")
        for _ in range(2)
    ]

    def rounds(server: Process) -> int:
        return server.log.count("watch: round done")

    try:
        assert mail.arrived.wait(60), servers[0].log + servers[1].log
        # each server watches two more rounds after the mail went: still one mail
        seen = [rounds(server) for server in servers]
        assert wait_until(
            lambda: all(rounds(s) >= n + 2 for s, n in zip(servers, seen, strict=True)), 60
        )
    finally:
        for server in servers:
            server.terminate()
            server.close()
    assert len(mail.received) == 1
    said = [line for server in servers for line in server.log.splitlines() if "sent on" in line]
    assert len(said) == 1 and "alert karantän for kc-1: opened sent on email" in said[0]


def test_the_test_command_says_for_each_recipient_whether_it_went(tmp_path, mail, hook):
    broken = WebhookServer().start()  # answers 500 every time
    broken.answers = [500] * 5
    try:
        path = tmp_path / "server.toml"
        path.write_text(
            f'[alerts]\nemail_to = ["it@kommun.example"]\nwebhook_attempts = 1\n'
            f'webhooks = ["{hook.url}", "{broken.url}"]\n{RULES}\n{mail.config()}',
            encoding="utf-8",
        )
        done = subprocess.run([NOJD, "server", "alerts", "test", "--config", str(path)],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        broken.stop()
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "it@kommun.example: sent",
        f"http://127.0.0.1:{hook.port}/…: sent",
        f"webhook http://127.0.0.1:{broken.port}/…: answered 500 after 1 attempt(s)",
    ]
    assert "s3cret" not in done.stdout + done.stderr
    assert mail.received[0].message["Subject"] == "nojd: provmeddelande"
    assert hook.posts == [{"event": "test", "text": hook.posts[0]["text"]}]
    assert hook.posts[0]["text"].startswith("nojd: provmeddelande\nEtt provmeddelande")


def test_the_test_command_without_recipients_says_so(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text(RULES, encoding="utf-8")
    done = subprocess.run([NOJD, "server", "alerts", "test", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "alerts: the config names no recipients" in done.stderr
