"""The uplink and ingest in one process against a real Mosquitto: backlog, fresh answers, clocks, TLS."""

import gc
import logging
import subprocess
import threading
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from processes import free_port
from waiting import wait_until

from nojd.kiosk.clock import ManualClock
from nojd.kiosk.config import UplinkConfig
from nojd.kiosk.outbox import Outbox
from nojd.kiosk.uplink import Uplink
from nojd.mqtt import BrokerSettings
from nojd.server.config import IngestConfig
from nojd.server.ingest import Ingest
from nojd.survey import build_response, default_survey

SURVEY = default_survey()
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

#: The tests' clocks are set to fixed dates: any time is plausible to this ingest.
ANY_TIME = IngestConfig(batch_wait=0.01, past_days=36500, future_hours=87600)


def commit(outbox, clock, grade=4):
    stamp = clock.stamp()

    def build(seq):
        return build_response(
            SURVEY, device=outbox.device, seq=seq, site="kontaktcenter", lang="sv",
            answers={"overall": grade}, at=stamp.at, clock=stamp.clock,
        )  # fmt: skip

    return outbox.commit(build, stamp)


@pytest.fixture
def parts(broker, store):
    """A broker, an ingest thread on a store, and a way to start uplinks; all stopped after."""
    ingest = Ingest(
        store,
        {SURVEY.id: SURVEY},
        BrokerSettings(broker.url),
        settings=ANY_TIME,
    )
    thread = threading.Thread(target=ingest.run, daemon=True)
    thread.start()
    assert ingest.connected.wait(10)
    uplinks = []

    def uplink(outbox, clock, settings=None, **options):
        config = UplinkConfig(broker=settings or BrokerSettings(broker.url), **options)
        uplinks.append(Uplink(config, outbox.device, outbox, SURVEY, clock))
        uplinks[-1].start()
        return uplinks[-1]

    yield broker, store, ingest, uplink
    for each in uplinks:
        each.stop()
    ingest.stop()
    thread.join(10)
    with warnings.catch_warnings():
        # paho keeps the socket pair of loop_start() open until the client is collected
        warnings.simplefilter("ignore", ResourceWarning)
        uplinks.clear()
        del ingest
        gc.collect()


def test_a_fresh_answer_overtakes_a_long_backlog(parts, tmp_path):
    broker, store, ingest, uplink = parts
    clock = ManualClock(START)
    with Outbox(tmp_path / "kiosk", "desk-1") as outbox:
        for _ in range(3000):
            commit(outbox, clock)
        link = uplink(outbox, clock, max_in_flight=50)
        assert wait_until(lambda: 0 < outbox.backlog() < 2900, 60)
        fresh = commit(outbox, clock, grade=1)
        link.notify(fresh.seq)
        assert wait_until(lambda: outbox.waiting([fresh.seq]) == [], 30)
        assert outbox.backlog() > 0, "the backlog drained before the fresh answer was sent"
        assert link.drained.wait(120)
        assert len(store.response_keys()) == 3001
        assert [device["missing"] for device in store.devices()] == [0]


def test_timestamps_made_before_ntp_are_corrected_from_the_monotonic_clock(parts, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    broker, store, ingest, uplink = parts
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC), synced=False)  # a Pi's guess after boot
    with Outbox(tmp_path / "kiosk", "desk-1", clock) as outbox:
        commit(outbox, clock)  # at monotonic 0, wall "2026-01-01"
        clock.advance(90)
        commit(outbox, clock)  # 90 s later
        # NTP arrives: the wall clock jumps to the truth, 10 minutes after the first answer
        clock._start = START + timedelta(minutes=10) - timedelta(seconds=90)
        clock.is_synced = True
        assert clock.now() == START + timedelta(minutes=10)
        link = uplink(outbox, clock)
        assert link.drained.wait(30)
    rows = store.connection.rows("SELECT seq, at, clock FROM responses ORDER BY seq")
    assert [(r["seq"], r["clock"]) for r in rows] == [(1, "corrected"), (2, "corrected")]
    assert rows[0]["at"] == "2026-11-24T08:08:30.000Z"
    assert rows[1]["at"] == "2026-11-24T08:10:00.000Z"
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("clock ")]
    assert said == ["clock synchronised; answers given before get corrected time stamps"]


def test_an_earlier_boot_stays_unsynced(parts, tmp_path):
    broker, store, ingest, uplink = parts
    before = ManualClock(datetime(2026, 1, 1, tzinfo=UTC), synced=False)
    after_reboot = ManualClock(START)  # another boot id, synced
    with Outbox(tmp_path / "kiosk", "desk-1", after_reboot) as outbox:
        commit(outbox, before)
        link = uplink(outbox, after_reboot)
        assert link.drained.wait(30)
    assert store.connection.rows("SELECT clock FROM responses") == [{"clock": "unsynced"}]


def test_status_online_and_offline_with_the_backlog(parts, tmp_path):
    broker, store, ingest, uplink = parts
    clock = ManualClock(START)
    with Outbox(tmp_path / "kiosk", "desk-1") as outbox:
        commit(outbox, clock)
        link = uplink(outbox, clock)
        assert link.drained.wait(30)
        assert wait_until(lambda: [d["state"] for d in store.devices()] == ["online"], 10)
        assert link.state == "online"
        link.stop()
    assert wait_until(lambda: [d["state"] for d in store.devices()] == ["offline"], 10)
    [device] = store.devices()
    assert (device["backlog"], device["received"], device["missing"]) == (0, 1, 0)


def make_tls(folder):
    """A local CA and a server certificate for 127.0.0.1, made with openssl."""

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=nojd test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    )
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt")  # fmt: skip


def test_mqtts_with_the_ca_file(parts, tmp_path, caplog, make_broker):
    broker, store, ingest, uplink = parts
    tls = tmp_path / "tls"
    tls.mkdir()
    make_tls(tls)
    port = free_port()
    make_broker(
        "tls-broker",
        extra=f"allow_anonymous true\nlistener {port} 127.0.0.1\ncafile {tls}/ca.crt\n"
        f"certfile {tls}/server.crt\nkeyfile {tls}/server.key\n",
    )
    clock = ManualClock(START)
    with Outbox(tmp_path / "kiosk", "desk-1") as outbox:
        commit(outbox, clock)
        with warnings.catch_warnings():
            # paho drops the socket of a failed TLS handshake without closing it
            warnings.simplefilter("ignore", ResourceWarning)
            wrong = uplink(outbox, clock, BrokerSettings(f"mqtts://127.0.0.1:{port}"))
            # no CA given: the certificate is not trusted, so nothing was sent
            assert wait_until(lambda: "certificate verify failed" in caplog.text, 20)
            assert not wrong.drained.is_set()
            wrong.stop()
            gc.collect()
        link = uplink(
            outbox, clock, BrokerSettings(f"mqtts://127.0.0.1:{port}", ca_file=f"{tls}/ca.crt")
        )
        assert wait_until(lambda: link.state == "online", 20)
