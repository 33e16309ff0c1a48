"""The demo-like site the browser tests open: a real `nojd server run` on a real broker,
two sites' answers over two years, a user, a central configuration, and an alert sent to a
real webhook; and Chromium."""

import random
import subprocess
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from mailhooks import WebhookServer
from processes import (
    NOJD,
    Broker,
    Process,
    Publisher,
    free_port,
    listening,
    query,
    server_rows,
)
from waiting import wait_until

from nojd.survey import build_response, default_survey, encode

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
STOCKHOLM = ZoneInfo("Europe/Stockholm")
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
GRADES = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]


CONFIG = """
[ingest]  # the answers are on fixed dates: any time is plausible here
past_days = 36500
future_hours = 87600
[organisation]
name = "Exempelstads kommun"
[[organisation.sites]]
id = "kontaktcenter"
name = "Kontaktcenter"
unit = "medborgarservice"
devices = ["kc-desk1"]
[[organisation.sites]]
id = "bibliotek"
name = "Stadsbiblioteket"
unit = "kultur"
devices = ["bib-desk1"]
[[organisation.units]]
id = "medborgarservice"
name = "Medborgarservice"
[[organisation.units]]
id = "kultur"
name = "Kultur och fritid"
[alerts]
check_seconds = 5
webhooks = ["{webhook}"]
[[alerts.rules]]
name = "karantän"
kind = "quarantine"
window_minutes = 60
at_least = 20
"""


#: The contact centre's central configuration: Christmas closed, a slower timeout.
CENTRAL = """languages = ["sv", "en"]
[session]
inactivity_timeout = 40
[hours]
mon = "08:00-16:30"
tue = "08:00-16:30"
wed = "08:00-16:30"
thu = "08:00-16:30"
fri = "08:00-15:00"
closed_dates = ["2026-12-24", "2026-12-25", "2026-12-26"]
"""


def visits():
    """(device, site, UTC time, overall grade): two sites, weekdays 9–16, in 2025 and 2026;
    the contact centre does worse in the afternoons."""
    chance = random.Random(7)
    made = []
    for device, site in (("kc-desk1", "kontaktcenter"), ("bib-desk1", "bibliotek")):
        for year, month in ((2025, 5), (2025, 11), (2026, 3), (2026, 11)):
            for day in range(2, 28):
                local = datetime(year, month, day, tzinfo=STOCKHOLM)
                if local.isoweekday() > 5 or chance.random() < 0.5:
                    continue
                for hour in range(9, 17):
                    for _ in range(chance.randint(0, 2)):
                        low = 1 if device == "kc-desk1" and hour >= 14 else 3
                        at = local.replace(hour=hour, minute=chance.randint(0, 59))
                        made.append((device, site, at.astimezone(UTC), chance.randint(low, 5)))
    return made


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    broker = Broker(folder / "broker").start()
    db, port = folder / "server.sqlite", free_port()
    hook = WebhookServer().start()
    (folder / "server.toml").write_text(CONFIG.replace("{webhook}", hook.url))
    run = Process(
        "server",
        "run",
        "--config",
        str(folder / "server.toml"),
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
        made = visits()
        seqs: dict[str, int] = {}
        for device, site, at, grade in made:
            seqs[device] = seqs.get(device, 0) + 1
            message = build_response(
                default_survey(), device=device, seq=seqs[device], site=site, lang="sv",
                answers={"wait_time": max(1, grade - (at.hour > 13)), "reception": 5,
                         "overall": grade, "resolution": "answered" if grade > 2 else "unanswered"},
                at=at, response_id=str(uuid.uuid4()),
            )  # fmt: skip
            publisher.send(f"nojd/v1/{device}/response", encode(message))
        assert wait_until(lambda: len(server_rows(db)) == len(made), 60)
        subprocess.run([NOJD, "server", "user", "add", "anna", "--db", f"sqlite:///{db}"],
                       input="ett-långt-lösenord\n", text=True, check=True, timeout=60)  # fmt: skip
        subprocess.run([NOJD, "config", "set", "--site", "kontaktcenter", "-", "--db",
                        f"sqlite:///{db}", "--as", "anna"], input=CENTRAL, text=True, check=True,
                       timeout=60)  # fmt: skip
        for _ in range(25):  # unreadable messages from the contact centre: an alert
            publisher.send("nojd/v1/kc-desk1/response", b"{")
        assert wait_until(lambda: query(db, "SELECT * FROM alerts WHERE opened_sent = 1"), 60)
        assert wait_until(lambda: "Logga in" in _get(port, "/login"), 30)
        yield port, db
    finally:
        hook.stop()
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


#: Every dashboard page, with data in each, as the browser tests open them.
VIEWS = {
    "overview": "/?from=2026-01&to=2026-11&by=site&period=total",
    "report": "/report?from=2026-11&to=2026-11&by=site&period=total&site=kontaktcenter",
    "trend": "/trend?from=2025-01&to=2026-12&by=site&period=tertial",
    "hours": "/hours?from=2025-01&to=2026-12&site=kontaktcenter",
    "compare": "/compare?from=2026-11&to=2026-11&by=site",
    "alerts": "/alerts",
    "devices": "/devices",
    "access": "/access",
    "config": "/config",
}


def log_in(page, base):
    """Log in as anna, by the form, as a person does."""
    page.goto(f"{base}/login")
    page.fill("input[name=name]", "anna")
    page.fill("input[name=password]", "ett-långt-lösenord")
    page.click("button:has-text('Logga in')")
    page.wait_for_url(f"{base}/?lang=sv")
