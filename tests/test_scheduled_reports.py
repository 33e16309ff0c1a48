"""Scheduled reports: the servicerapport of the month or tertial that ended, mailed as PDF
through a real SMTP server (STARTTLS, login) once: not again at later checks, not again
after a restart, once between several processes, and again after a failure until it goes."""

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mailhooks import MailServer
from waiting import at_once

from nojd.errors import ConfigError
from nojd.server.config import load_server_config
from nojd.server.reportschedule import ScheduledReport
from nojd.server.scheduled import RETRY, due, latest_ended, send_due
from nojd.server.store import Batch, open_store
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: The first of December at 07:00 in Stockholm: November's report is due at 06:00.
DECEMBER = datetime(2026, 12, 1, 7, tzinfo=STOCKHOLM)
SCHEDULE = """
[organisation]
name = "Testby kommun"
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
devices = ["kc-1"]
[[scheduled_reports]]
name = "Månadsrapport"
every = "month"
email_to = ["chef@kommun.example", "namnd@kommun.example"]
after_hours = 6
"""


@pytest.fixture
def store(db):
    opened = open_store(db, STOCKHOLM)
    yield opened
    opened.close()


def configured(tmp_path, mail: MailServer, extra: str = "") -> Any:
    path = tmp_path / "server.toml"
    path.write_text(SCHEDULE + mail.config() + extra, encoding="utf-8")
    return load_server_config(path)


def answered(store: Any) -> None:
    """30 answers at Kontaktcenter in November 2026: 24 of them 4 or 5 (80 %)."""
    sent = []
    for seq, grade in enumerate([5] * 12 + [4] * 12 + [2] * 6, start=1):
        at = datetime(2026, 11, 2 + seq % 25, 10, tzinfo=STOCKHOLM)
        message = build_response(SURVEY, device="kc-1", seq=seq, site="kc", lang="sv",
                                 answers={"overall": grade}, at=at)  # fmt: skip
        sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))


@pytest.mark.parametrize(
    ("every", "today", "period"),
    [
        ("month", date(2026, 12, 1), "2026-11"),
        ("month", date(2026, 12, 31), "2026-11"),
        ("month", date(2027, 1, 1), "2026-12"),
        ("tertial", date(2027, 1, 1), "2026-T3"),
        ("tertial", date(2027, 4, 30), "2026-T3"),
        ("tertial", date(2027, 5, 1), "2027-T1"),
        ("tertial", date(2027, 9, 1), "2027-T2"),
        ("tertial", date(2027, 12, 31), "2027-T2"),
    ],
)
def test_the_latest_period_that_ended(every, today, period):
    assert latest_ended(every, today).key == period


def test_a_report_is_due_after_its_wait_in_local_time():
    monthly = ScheduledReport("m", "month", ("a@b.se",), after_hours=6)
    # 05:59 on the first of December in Stockholm is 04:59 UTC: not yet; 06:00 is
    assert due(monthly, datetime(2026, 12, 1, 5, 59, tzinfo=STOCKHOLM)) is None
    found = due(monthly, datetime(2026, 12, 1, 6, tzinfo=STOCKHOLM))
    assert found is not None and found.key == "2026-11"
    # with no wait, a tertial is due at the midnight it ends
    tertial = ScheduledReport("t", "tertial", ("a@b.se",), after_hours=0)
    found = due(tertial, datetime(2026, 9, 1, 0, 0, tzinfo=STOCKHOLM))
    assert found is not None and found.key == "2026-T2"


def test_the_report_is_mailed_once_with_its_pdf(tmp_path, mail, store):
    config = configured(tmp_path, mail)
    answered(store)
    # before its time: nothing
    assert send_due(store, SURVEY, config, DECEMBER - timedelta(hours=2)) == []
    assert send_due(store, SURVEY, config, DECEMBER) == ["report|Månadsrapport|2026-11|email"]
    [got] = mail.received
    assert got.tls and got.login == "nojd"
    assert got.to == ["chef@kommun.example", "namnd@kommun.example"]
    assert got.message["Subject"] == "Testby kommun: servicerapport för november 2026"
    [attached] = list(got.message.iter_attachments())
    assert attached.get_filename() == "servicerapport-2026-11.pdf"
    pdf = attached.get_content()
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    words = subprocess.run(["pdftotext", "-raw", str(tmp_path / "r.pdf"), "-"],
                           capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    assert "Testby kommun" in words and "november 2026" in words
    assert "Antal svar 30" in words and "80,0" in words
    # later checks, the same day and the next: nothing more
    for hours in (1, 5, 30):
        assert send_due(store, SURVEY, config, DECEMBER + timedelta(hours=hours)) == []
    assert len(mail.received) == 1


def test_a_restart_does_not_send_it_again(tmp_path, mail, db):
    config = configured(tmp_path, mail)
    first = open_store(db, STOCKHOLM)
    answered(first)
    assert len(send_due(first, SURVEY, config, DECEMBER)) == 1
    first.close()
    again = open_store(db, STOCKHOLM)
    try:
        assert send_due(again, SURVEY, config, DECEMBER + timedelta(minutes=1)) == []
        # the next month's report is a new one
        january = datetime(2027, 1, 1, 7, tzinfo=STOCKHOLM)
        assert send_due(again, SURVEY, config, january) == ["report|Månadsrapport|2026-12|email"]
    finally:
        again.close()
    assert [m.message["Subject"][-13:] for m in mail.received] == [
        "november 2026",
        "december 2026",
    ]


def test_three_processes_at_once_send_it_once(tmp_path, mail, db):
    config = configured(tmp_path, mail)
    stores = [open_store(db, STOCKHOLM) for _ in range(3)]
    try:
        answered(stores[0])
        sent: list[str] = []
        at_once(lambda each: sent.extend(send_due(each, SURVEY, config, DECEMBER)), stores)
        assert len(sent) == 1 and len(mail.received) == 1
    finally:
        for each in stores:
            each.close()


def test_a_report_the_mail_server_refused_goes_at_a_later_try(tmp_path, mail, store):
    config = configured(tmp_path, mail)
    answered(store)
    mail.refuse.update({"chef@kommun.example", "namnd@kommun.example"})
    assert send_due(store, SURVEY, config, DECEMBER) == []
    [state] = store.deliveries.states("report|").values()
    assert "550" in state["error"] and state["sent_at"] is None
    mail.refuse.clear()
    assert send_due(store, SURVEY, config, DECEMBER + RETRY - timedelta(seconds=1)) == []
    assert len(send_due(store, SURVEY, config, DECEMBER + RETRY)) == 1
    assert len(mail.received) == 1


def test_a_mail_one_address_refused_goes_to_the_others_once(tmp_path, mail, store, caplog):
    config = configured(tmp_path, mail)
    answered(store)
    mail.refuse.add("namnd@kommun.example")
    assert len(send_due(store, SURVEY, config, DECEMBER)) == 1
    assert send_due(store, SURVEY, config, DECEMBER + RETRY) == []  # not again for chef
    assert [m.to for m in mail.received] == [["chef@kommun.example"]]
    assert "refused namnd@kommun.example: 550" in caplog.text


def test_a_mail_server_that_is_down_is_tried_again(tmp_path, store):
    down = MailServer(tmp_path)  # not started: nothing listens on its port
    config = configured(tmp_path, down)
    answered(store)
    assert send_due(store, SURVEY, config, DECEMBER) == []
    [state] = store.deliveries.states("report|").values()
    assert "ConnectionRefusedError" in state["error"]
    down.start()
    try:
        assert len(send_due(store, SURVEY, config, DECEMBER + RETRY)) == 1
    finally:
        down.stop()


@pytest.mark.parametrize(
    ("report", "said"),
    [
        ('every = "week"\nemail_to = ["a@b.se"]',
         "scheduled_reports[0].every: 'week' is not month or tertial"),
        ('every = "month"', "scheduled_reports[0].email_to: missing"),
        ('every = "month"\nemail_to = []',
         "scheduled_reports[0].email_to: [] is not a list of 1-50 e-mail addresses"),
        ('every = "month"\nemail_to = ["a@b.se"]\nby = "room"',
         "scheduled_reports[0].by: 'room' is not device, site, unit, all"),
        ('every = "month"\nemail_to = ["a@b.se"]\nname = "a|b"',
         "scheduled_reports[0].name: 'a|b' is not a name of 1-60 printable characters"),
        ('every = "month"\nemail_to = ["a@b.se"]\nafter_hours = 999',
         "scheduled_reports[0].after_hours: 999 is not hours 0..240"),
    ],
)  # fmt: skip
def test_a_bad_schedule_is_refused_in_one_line(tmp_path, report, said):
    path = tmp_path / "server.toml"
    path.write_text(f'[mail]\nhost = "smtp.example.se"\nsender = "n@example.se"\n'
                    f"[[scheduled_reports]]\n{report}\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match=re.escape(said)):
        load_server_config(path)


def test_a_schedule_without_a_mail_server_is_refused(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text('[[scheduled_reports]]\nevery = "month"\nemail_to = ["a@b.se"]\n',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match=re.escape("scheduled_reports: mail needs a [mail]")):
        load_server_config(path)
