"""One bad message costs only itself: a real Mosquitto, a real `nojd server ingest` with the
default plausible-time window, and a raw publisher sending what no kiosk would."""

import json
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from processes import Broker, Process, Publisher, db_url, listening, query
from waiting import wait_until

from nojd.survey import build_response, default_survey

SURVEY = default_survey()


@contextmanager
def ingest_running(folder, db):
    broker = Broker(folder / "broker").start()
    ingest = Process("server", "ingest", "--broker", broker.url, "--db", db_url(db))
    publisher = Publisher(broker)
    try:
        assert listening(publisher, db), ingest.log
        yield ingest, publisher
        assert ingest.process.poll() is None, ingest.log  # still up
    finally:
        publisher.close()
        ingest.close()
        broker.stop()


def response(device, seq, at=None, clock="synced", **fields):
    made = build_response(
        SURVEY, device=device, seq=seq, site="kontaktcenter", lang="sv",
        answers={"overall": 4}, at=at or datetime.now(UTC), response_id=str(uuid.uuid4()),
    ).as_json()  # fmt: skip
    made["clock"] = clock
    made.update(fields)
    return made


def raw(message):
    return json.dumps(message).encode()


def status(version, state="online"):
    return raw({"v": 1, "state": state, "at": "2026-11-23T10:00:00.000Z", "backlog": 0,
                "version": version})  # fmt: skip


def acked(publisher, seq):
    return any(seq in seqs for seqs in publisher.acks)


def test_a_lone_surrogate_costs_only_its_own_message(tmp_path, db):
    """A status whose version holds ``\\ud800`` and a response holding one are quarantined;
    the valid status and response sent in the same instant are stored."""
    with ingest_running(tmp_path, db) as (_, publisher):
        poisoned = raw(response("desk-1", 1)).replace(b'"sv"', b'"\\ud800"')
        publisher.send("nojd/v1/desk-1/status", status("1.0\\ud800").replace(b"\\\\", b"\\"))
        publisher.send("nojd/v1/desk-1/response", poisoned)
        publisher.send("nojd/v1/desk-2/status", status("2.0"))
        publisher.send("nojd/v1/desk-2/response", raw(response("desk-2", 1)))
        assert wait_until(lambda: acked(publisher, 1), 30)
        assert wait_until(lambda: len(query(db, "SELECT id FROM quarantine") or []) == 2, 30)
        assert query(db, "SELECT device, seq FROM responses") == [("desk-2", 1)]
        assert query(db, "SELECT version FROM devices WHERE device = 'desk-2'") == [("2.0",)]
        reasons = [r for (r,) in query(db, "SELECT reason FROM quarantine") or []]
        assert all("lone surrogate" in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    "at",
    ["9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z", "2099-01-01T00:00:00.000Z"],
)
def test_a_set_clock_outside_the_window_is_quarantined_and_acked(tmp_path, db, at):
    with ingest_running(tmp_path, db) as (_, publisher):
        publisher.send("nojd/v1/desk-1/response", raw(response("desk-1", 1, at=None) | {"at": at}))
        assert wait_until(lambda: acked(publisher, 1), 30)  # never sent again
        assert query(db, "SELECT count(*) FROM responses") == [(0,)]
        [(reason,)] = query(db, "SELECT reason FROM quarantine") or [("",)]
        assert reason.startswith(f"at: {at} is outside ") and "for a synced clock" in reason


def test_an_unsynced_answer_outside_the_window_counts_when_it_arrived(tmp_path, db):
    with ingest_running(tmp_path, db) as (_, publisher):
        sent = datetime.now(UTC)
        old = response("desk-1", 1, clock="unsynced") | {"at": "1970-01-01T00:00:12.000Z"}
        publisher.send("nojd/v1/desk-1/response", raw(old))
        assert wait_until(lambda: acked(publisher, 1), 30)
        [(at, flags)] = query(db, "SELECT at, flags FROM responses") or [("", "")]
        stored = datetime.fromisoformat(at.replace("Z", "+00:00"))
        assert abs(stored - sent) < timedelta(minutes=1)
        assert json.loads(flags) == ["dated-on-receipt"]
        assert query(db, "SELECT sum(n) FROM response_rollups") == [(1,)]


def test_a_seq_far_past_the_highest_is_quarantined_and_acked(tmp_path, db):
    with ingest_running(tmp_path, db) as (_, publisher):
        publisher.send("nojd/v1/desk-1/response", raw(response("desk-1", 1)))
        publisher.send("nojd/v1/desk-1/response", raw(response("desk-1", 2**63 - 1)))
        assert wait_until(lambda: acked(publisher, 2**63 - 1), 30)
        assert query(db, "SELECT highest_seq - received FROM devices WHERE device = 'desk-1'") == [
            (0,)
        ]  # none missing
        [(reason,)] = query(db, "SELECT reason FROM quarantine") or [("",)]
        assert reason == (
            "seq 9223372036854775807 is over 100001: more than 100000 past the highest seq "
            "of desk-1"
        )


def test_the_quarantine_keeps_the_newest_1000_per_terminal_and_counts_the_rest(tmp_path, db):
    with ingest_running(tmp_path, db) as (_, publisher):
        for n in range(1100):
            publisher.send("nojd/v1/desk-7/response", f"garbage {n}".encode())
        publisher.send("nojd/v1/desk-8/response", b"other garbage")
        # desk-8 may be stored by another worker, before or after desk-7's last: wait for both
        assert wait_until(
            lambda: (
                query(db, "SELECT quarantine_dropped FROM devices WHERE device = 'desk-7'")
                == [(100,)]
                and query(db, "SELECT count(*) FROM quarantine WHERE device = 'desk-8'") == [(1,)]
            ),
            60,
        )
        kept = query(db, "SELECT payload FROM quarantine WHERE device = 'desk-7' ORDER BY id") or []
        assert len(kept) == 1000 and bytes(kept[0][0]) == b"garbage 100"


def refuse(db, table, column, value):
    """Make the database itself refuse rows of ``table`` whose ``column`` is ``value``."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(
                f"""CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN
                    IF NEW.{column} = '{value}' THEN RAISE EXCEPTION 'refused'; END IF;
                    RETURN NEW; END $$ LANGUAGE plpgsql"""
            )
            conn.execute(
                f"""CREATE TRIGGER refuse_{table} BEFORE INSERT OR UPDATE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"""
            )
        return
    import sqlite3

    with sqlite3.connect(db.removeprefix("sqlite://")) as conn:
        for event in ("INSERT", "UPDATE"):
            conn.execute(
                f"""CREATE TRIGGER refuse_{table}_{event} BEFORE {event} ON {table}
                    WHEN NEW.{column} = '{value}' BEGIN SELECT RAISE(ABORT, 'refused'); END"""
            )


def test_a_message_the_database_refuses_costs_only_itself(tmp_path, db):
    """Whatever makes the database refuse a row (here a trigger), the rest of its batch is
    stored, the refused response is quarantined and acked, the refused status is logged."""
    with ingest_running(tmp_path, db) as (ingest, publisher):
        refuse(db, "responses", "lang", "fi")
        refuse(db, "devices", "version", "poison")
        batch = [
            ("nojd/v1/desk-1/status", status("poison")),
            ("nojd/v1/desk-1/response", raw(response("desk-1", 1) | {"lang": "fi"})),
            ("nojd/v1/desk-2/status", status("2.0")),
            ("nojd/v1/desk-2/response", raw(response("desk-2", 1))),
            ("nojd/v1/desk-3/response", b"not json"),
        ]
        for name, payload in batch:
            publisher.client.publish(name, payload, qos=1)
        assert wait_until(lambda: sum(len(seqs) for seqs in publisher.acks) >= 2, 30)
        assert query(db, "SELECT device FROM responses") == [("desk-2",)]
        assert query(db, "SELECT version FROM devices WHERE device = 'desk-2'") == [("2.0",)]
        reasons = {r for (r,) in query(db, "SELECT reason FROM quarantine") or []}
        assert any(reason.startswith("the store refused it (") for reason in reasons), reasons
        assert any(reason.startswith("payload: not JSON") for reason in reasons), reasons
    assert "the store refused a status of desk-1" in ingest.log


def test_a_line_break_in_a_message_cannot_forge_a_log_line(tmp_path, db):
    with ingest_running(tmp_path, db) as (ingest, publisher):
        forged = raw(response("desk-1", 1) | {"x\nERROR nojd.fake: forged": 1})
        publisher.send("nojd/v1/desk-1/response", forged)
        assert wait_until(
            lambda: "quarantined a message on nojd/v1/desk-1/response" in ingest.log, 30
        )
    lines = ingest.log.splitlines()
    assert not [line for line in lines if line.startswith("ERROR nojd.fake")], lines
    assert any("x\\nERROR nojd.fake: forged: unknown field" in line for line in lines), lines


def test_a_packet_too_large_never_reaches_ingest_even_from_a_broker_without_a_limit(tmp_path):
    """Ingest tells the broker its largest packet (64 KiB, MQTT 5's Maximum Packet Size):
    this test broker has no max_packet_size, takes a 2 MB publish, and drops it for ingest;
    the valid response sent after it is stored and acked."""
    db = tmp_path / "server.sqlite"
    with ingest_running(tmp_path, db) as (ingest, publisher):
        publisher.send("nojd/v1/desk-1/response", b"x" * 2_000_000)
        publisher.send("nojd/v1/desk-1/response", raw(response("desk-1", 1)))
        assert wait_until(lambda: acked(publisher, 1), 30), ingest.log
        assert query(db, "SELECT count(*) FROM responses") == [(1,)]
        assert query(db, "SELECT count(*) FROM quarantine") == [(0,)]  # never seen at all
