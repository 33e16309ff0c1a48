"""Shared fixtures (a broker, a store, kiosks) and the hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` runs more examples.
"""

import os
from zoneinfo import ZoneInfo

import pytest
from dashboard_site import server  # noqa: F401  (the dashboard site, for the browser tests)
from hypothesis import settings
from processes import Broker

from nojd.server.store import SqliteStore

settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile("ci", max_examples=1000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def make_broker(tmp_path):
    """Mosquittos of the test's own, each on a free port in a folder of ``tmp_path``; all
    stopped after the test.

    ``extra`` replaces ``allow_anonymous true`` in the config (passwords, an ACL, a TLS
    listener); ``start=False`` gives one that the test starts later.
    """
    made = []

    def make(name="broker", extra="", start=True):
        made.append(Broker(tmp_path / name, extra=extra))
        return made[-1].start() if start else made[-1]

    yield make
    for each in made:
        each.stop()


@pytest.fixture
def broker(make_broker):
    """A running Mosquitto that lets anyone in; stopped after the test."""
    return make_broker()


@pytest.fixture
def secured(make_broker, tmp_path):
    """A Mosquitto running the shipped nojd.conf and its security plugin (``tests/secured.py``);
    ``secured.add(ID)`` makes a terminal as `nojd device add` does."""
    from secured import Secured

    return Secured(make_broker, tmp_path)


@pytest.fixture
def store(tmp_path):
    """A fresh SQLite store in Stockholm time; closed after the test."""
    opened = SqliteStore(tmp_path / "server.sqlite", ZoneInfo("Europe/Stockholm"))
    yield opened
    opened.close()


@pytest.fixture
def dummy_video(monkeypatch):
    """pygame without a screen, as on CI and in ``nojd kiosk simulate``."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")


@pytest.fixture
def rig(tmp_path, dummy_video):
    """Build kiosks on a fresh data folder; every one is closed after the test."""
    from kiosk_helpers import Rig, base_config

    made = []

    def make(start=None, size=(800, 480), **changes):
        data_dir = changes.pop("data_dir", tmp_path / "data")
        config = base_config(data_dir, **changes)
        made.append(Rig(config, size=size) if start is None else Rig(config, start, size))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL per test process (``tests/postgres.py``); never skipped."""
    from postgres import Postgres

    running = Postgres().start()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A fresh server database, as a URL: a SQLite file, then a real PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    return request.getfixturevalue("postgres").database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db(request, tmp_path_factory):
    """A server database for a whole test module, as a URL: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'server.sqlite'}"
    return request.getfixturevalue("postgres").database()


@pytest.fixture
def mail(tmp_path):
    """A real SMTP server that requires STARTTLS and a login (``tests/mailhooks.py``)."""
    from mailhooks import MailServer

    running = MailServer(tmp_path).start()
    yield running
    running.stop()


@pytest.fixture
def hook():
    """A real HTTP server that records what is POSTed to it (``tests/mailhooks.py``)."""
    from mailhooks import WebhookServer

    running = WebhookServer().start()
    yield running
    running.stop()
