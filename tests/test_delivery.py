"""End to end: real Mosquitto, real `nojd server ingest`, real `nojd kiosk simulate` processes.

In every case the server ends up holding exactly the responses the kiosks
committed: none missing, none twice, seq without gaps, and every outbox row
acknowledged.
"""

import contextlib
import os
import random
import signal
import time
from pathlib import Path

import psycopg
import pytest
from processes import Process, kiosk_config, most_sends, outbox_rows, query, server_rows
from waiting import wait_until


@pytest.fixture
def started():
    """Processes started by a test; killed and closed afterwards."""
    running: list[Process] = []
    yield running
    for each in running:
        each.close()


def server(started, broker, db, *extra):
    command = ["server", "ingest", "--broker", broker.url, "--db", db, *extra]
    started.append(Process(*command))
    return started[-1]


def kiosk(started, config, visitors, rate=600, seed=None):
    args = [
        "kiosk",
        "simulate",
        "--config",
        str(config),
        "--visitors",
        str(visitors),
        "--rate",
        str(rate),
    ]
    started.append(Process(*args, *(["--seed", str(seed)] if seed is not None else [])))
    return started[-1]


def assert_delivered(tmp_path, db, devices):
    """The server holds exactly what the kiosks committed, and the kiosks know it."""
    committed = []
    for device in devices:
        rows = outbox_rows(tmp_path / device)
        assert [seq for _, seq, _, _ in rows] == list(range(1, len(rows) + 1)), f"{device}: gaps"
        assert all(acked for *_, acked in rows), f"{device}: unacknowledged rows"
        committed += [(d, seq, rid) for d, seq, rid, _ in rows]
    assert server_rows(db) == sorted(committed)
    return len(committed)


def finish(process, timeout=120):
    printed = process.rest(timeout)
    assert process.process.wait(timeout=timeout) == 0, process.log[-3000:]
    return printed


def test_everything_arrives_once(tmp_path, started, broker, db):
    server(started, broker, db)
    config = kiosk_config(tmp_path, "desk-1", broker.url)
    printed = finish(kiosk(started, config, 20))
    assert len(printed) == 20
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 20


def test_broker_down_when_the_kiosk_starts(tmp_path, started, make_broker, db):
    broker = make_broker(start=False)
    config = kiosk_config(tmp_path, "desk-1", broker.url)
    run = kiosk(started, config, 15)
    printed = run.take(15)  # the visitors answer while no broker exists
    assert len(printed) == 15
    assert (
        "not reachable" in run.log
        or "Connection refused" in run.log
        or wait_until(lambda: "Connection refused" in run.log, 10)
    )
    broker.start()  # "minutes later", scaled down
    server(started, broker, db)
    finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 15


def test_broker_restarted_mid_stream(tmp_path, started, broker, db):
    server(started, broker, db)
    run = kiosk(started, kiosk_config(tmp_path, "desk-1", broker.url), 60, rate=300)
    run.take(15)
    broker.stop()
    run.take(10)  # answers keep being committed while the broker is away
    broker.start()
    finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 60
    assert "connection lost" in run.log or "Connection refused" in run.log


def test_server_killed_and_restarted_mid_stream(tmp_path, started, broker, db):
    first = server(started, broker, db)
    run = kiosk(started, kiosk_config(tmp_path, "desk-1", broker.url), 60, rate=300)
    run.take(20)
    first.kill()
    run.take(10)
    server(started, broker, db)
    finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 60
    assert most_sends(tmp_path / "desk-1") > 1  # what the dead server never acked was sent again


def test_one_of_two_ingest_workers_killed_mid_stream(tmp_path, started, broker, db):
    """Two workers on one store through the shared subscription; one is SIGKILLed while
    both take batches: the other carries on, and nothing is lost or stored twice."""
    doomed, survivor = (server(started, broker, db, "--client-id", f"ingest-{n}") for n in (1, 2))
    runs = [
        kiosk(started, kiosk_config(tmp_path, f"desk-{n}", broker.url), 40, rate=600)
        for n in (1, 2)
    ]
    for run in runs:
        run.take(10)
    doomed.kill()
    for run in runs:
        finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1", "desk-2"]) == 80
    assert survivor.terminate() == 0, survivor.log[-3000:]


def in_transaction(db, pid):
    """Whether process ``pid``'s write connection is inside a transaction now."""
    with psycopg.connect(db, autocommit=True) as watcher:
        row = watcher.execute(
            "SELECT xact_start IS NOT NULL FROM pg_stat_activity WHERE application_name = %s",
            [f"nojd-{pid}-write"],
        ).fetchone()
    return bool(row and row[0])


def test_a_worker_killed_inside_its_transaction_loses_and_doubles_nothing(
    tmp_path, started, broker, postgres
):
    """On PostgreSQL, one of two workers is frozen (SIGSTOP) at a moment when
    pg_stat_activity shows its batch's transaction open, and then SIGKILLed: the kill lands
    inside a batch, between its first statement and its commit, and PostgreSQL rolls it
    back. The kiosks send what was never acked again; the other worker stores it once,
    and the rollups count every response once."""
    db = postgres.database()
    doomed, survivor = (server(started, broker, db, "--client-id", f"ingest-{n}") for n in (1, 2))
    runs = [
        kiosk(started, kiosk_config(tmp_path, f"desk-{n}", broker.url), 150, rate=3000)
        for n in (1, 2)
    ]
    pid = doomed.process.pid

    def rollbacks():
        name = db.rsplit("/", 1)[1]
        found = query(db, f"SELECT xact_rollback FROM pg_stat_database WHERE datname = '{name}'")
        assert found, "pg_stat_database has no row for the test's database"
        return found[0][0]

    before = rollbacks()
    deadline = time.monotonic() + 60
    caught = False
    while not caught and time.monotonic() < deadline:
        if in_transaction(db, pid):
            os.kill(pid, signal.SIGSTOP)
            caught = in_transaction(db, pid)  # frozen: it can no longer commit
            os.kill(pid, signal.SIGKILL if caught else signal.SIGCONT)
    assert caught, "the worker was never seen inside a transaction"
    doomed.process.wait(timeout=30)
    assert wait_until(lambda: rollbacks() > before, 30), "PostgreSQL rolled nothing back"
    printed = [line for run in runs for line in finish(run)]
    # every response a kiosk committed (and printed) is stored once. Not always 300: at
    # this rate on a loaded machine the 1 s inactivity timeout may end a visit before its
    # first answer, and such a visit saves nothing
    stored = assert_delivered(tmp_path, db, ["desk-1", "desk-2"])
    assert stored == len(printed) and stored >= 290
    assert query(db, "SELECT sum(n) FROM response_rollups") == [(stored,)]
    assert survivor.terminate() == 0, survivor.log[-3000:]


def test_kiosk_killed_and_restarted_mid_stream(tmp_path, started, broker, db):
    server(started, broker, db)
    config = kiosk_config(tmp_path, "desk-1", broker.url)
    chance = random.Random(4)
    for attempt in range(3):
        run = kiosk(started, config, 1000, rate=600, seed=attempt)
        run.take(chance.randint(3, 20))
        run.kill()
    finish(kiosk(started, config, 5))
    total = assert_delivered(tmp_path, db, ["desk-1"])
    assert total >= 14


def test_two_ingest_processes_share_the_load(tmp_path, started, broker, db):
    workers = [server(started, broker, db, "--client-id", f"ingest-{n}") for n in (1, 2)]
    runs = [kiosk(started, kiosk_config(tmp_path, f"desk-{n}", broker.url), 40) for n in (1, 2)]
    for run in runs:
        finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1", "desk-2"]) == 80
    for worker in workers:
        assert worker.terminate() == 0, worker.log[-3000:]
    counts = [int(w.log.rsplit("stopped after ", 1)[1].split()[0]) for w in workers]
    assert all(count > 0 for count in counts), counts
    assert sum(counts) >= 80


def test_a_crashed_kiosk_is_reported_offline_by_its_last_will(tmp_path, started, broker):
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    server(started, broker, db)
    config = kiosk_config(tmp_path, "desk-1", broker.url, uplink="keepalive = 2")

    def state():
        rows = query(db, "SELECT state FROM devices WHERE device = 'desk-1'")
        return rows[0][0] if rows else None

    run = kiosk(started, config, 100000, rate=60)
    assert wait_until(lambda: state() == "online", 30)
    run.kill()
    # killed, it cannot say offline itself: the broker publishes its last will
    assert wait_until(lambda: state() == "offline", 15)


def receivers(pid):
    """The receiver processes of ingest process ``pid``: the children of any of its threads."""
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread or the process ended meanwhile
            found += [int(child) for child in children.read_text().split()]
    return sorted(found)


def alive(pid):
    """Whether ``pid`` runs: a zombie waiting for a reaper counts as ended."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_the_receiver_carries_no_secret_and_never_outlives_its_worker(
    tmp_path, started, broker, db
):
    worker = server(started, broker, db)
    config = kiosk_config(tmp_path, "desk-1", broker.url)
    finish(kiosk(started, config, 5))  # the receiver is subscribed: answers were acked
    [receiver] = receivers(worker.process.pid)
    argv = Path(f"/proc/{receiver}/cmdline").read_bytes().split(b"\0")[1:]
    assert argv == [b"-m", b"nojd.server.receiver", b""]  # the settings came on stdin
    worker.kill()  # SIGKILL: no finally block runs in the worker
    assert wait_until(lambda: not alive(receiver), 20), "the receiver outlived its worker"
    server(started, broker, db)  # a new worker takes over
    finish(kiosk(started, config, 20))
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 25


def test_a_receiver_that_dies_is_started_again(tmp_path, started, broker, db):
    worker = server(started, broker, db)
    assert wait_until(lambda: receivers(worker.process.pid), 20), worker.log[-2000:]
    run = kiosk(started, kiosk_config(tmp_path, "desk-1", broker.url), 60, rate=600)
    run.take(10)
    [first] = receivers(worker.process.pid)
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: receivers(worker.process.pid) not in ([], [first]), 20)
    finish(run)
    assert assert_delivered(tmp_path, db, ["desk-1"]) == 60
    assert "ingest's receiver ended (exit status -9); starting it again" in worker.log
    [second] = receivers(worker.process.pid)
    assert worker.terminate() == 0, worker.log[-3000:]
    assert not alive(second), "SIGTERM ended the worker but not its receiver"
