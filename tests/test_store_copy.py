"""Moving a store: ``nojd server store copy`` from SQLite to PostgreSQL and back, and each
backend's schema held to the one list of tables a copy covers."""

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from processes import query

from nojd.server.accounts import add_user, create_token, log_in
from nojd.server.store import Batch, Reject, open_store
from nojd.server.store.tables import OWN_TABLES, TABLES
from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
SURVEY = default_survey()
ZONE = ZoneInfo("Europe/Stockholm")
START = datetime(2026, 1, 30, 7, 0, tzinfo=UTC)


def nojd(*args):
    return subprocess.run([NOJD, *args], capture_output=True, text=True, timeout=120, check=False)


def filled(url):
    """A store with something in every table: 120 responses over three devices, five
    days and two months, some flagged, and one of a replaced terminal (a new epoch); a
    clash and a binary reject in quarantine; a
    status; a user with a login; a token."""
    store = open_store(url, ZONE)
    responses = []
    for n in range(120):
        device = f"desk-{n % 3}"
        responses.append(
            build_response(
                SURVEY, device=device, seq=n // 3 + 1, site=f"site-{n % 2}", lang="sv",
                answers={"overall": n % 5 + 1, "wait_time": (n * 7) % 5 + 1},
                at=START + timedelta(days=n % 5, hours=n % 9),
                flags=("rapid-repeat",) if n % 11 == 0 else (),
            )
        )  # fmt: skip
    clash = build_response(
        SURVEY, device="desk-0", seq=1, site="site-0", lang="sv", answers={"overall": 1}, at=START
    )
    replaced = build_response(
        SURVEY,
        device="desk-2",
        seq=1,
        site="site-0",
        lang="sv",
        answers={"overall": 3},
        at=START,
        epoch=int(START.timestamp()),
    )  # fmt: skip: a new terminal in desk-2's place
    store.ingest(
        Batch(
            responses=[(r, encode(r)) for r in [*responses, clash, replaced]],
            rejects=[
                Reject("nojd/v1/desk-9/response", b"\xff\x00 not json", "not UTF-8", "desk-9")
            ],
            statuses=[("desk-1", {"state": "online", "at": START, "backlog": 2, "version": "1.2"})],
            epochs=[("desk-2", int(START.timestamp()))],
        ),
        START,
    )
    add_user(store.accounts, "anna", "ett långt lösenord", "admin")
    assert log_in(store.accounts, "anna", "ett långt lösenord")
    create_token(store.accounts, "excel")
    version = store.central.set("site:site-1", {"languages": ["sv"]}, "anna", START)
    store.central.mark_sent("desk-2", version, "digest", START)
    # an alert episode that ended, and one still open and sent; a message sent, one failed
    store.alerts.open("karantän", "desk-9", '{"quarantined": 20, "minutes": 15}', START)
    store.alerts.resolve("karantän", "desk-9", START + timedelta(minutes=20))
    store.alerts.open("tyst", "desk-2", '{"last_heard": null, "minutes": 30}', START)
    store.alerts.settle(store.alerts.open_ones()[0]["id"], "opened", 1)
    token = store.deliveries.claim("alert|tyst|desk-2|x|opened|email", START, timedelta(minutes=9))
    assert token and store.deliveries.sent("alert|tyst|desk-2|x|opened|email", token, START)
    token = store.deliveries.claim("report|m|2026-01|email", START, timedelta(minutes=9))
    assert token and store.deliveries.failed("report|m|2026-01|email", token, "refused",
                                             START + timedelta(minutes=15))  # fmt: skip
    return store


def every_row(store):
    """Every table's rows, in key order, as a copy reads them."""
    return {table.name: list(chain.from_iterable(store.export_table(table))) for table in TABLES}


def figures(store):
    return [
        store.grouped_counts(SURVEY.id, "2026-01-01", "2026-02-28", period, flagged)
        for period in ("day", "week", "month", "tertial", "total")
        for flagged in (False, True)
    ] + [store.hour_counts(SURVEY.id, "overall", "2026-01", "2026-02", False)]


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path, postgres):
    source_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    source = filled(source_url)
    rows, shown = every_row(source), figures(source)
    source.close()
    assert all(rows.values()), {name: len(found) for name, found in rows.items()}

    there = postgres.database()
    copied = nojd("server", "store", "copy", "--db", source_url, "--to", there)
    assert copied.returncode == 0, copied.stderr
    assert "responses\t121\n" in copied.stdout and "quarantine\t2\n" in copied.stdout
    assert "device_epochs\t1\n" in copied.stdout
    back_url = f"sqlite:///{tmp_path / 'back.sqlite'}"
    returned = nojd("server", "store", "copy", "--db", there, "--to", back_url)
    assert returned.returncode == 0, returned.stderr

    for url in (there, back_url):
        store = open_store(url, ZONE)
        try:
            assert every_row(store) == rows
            assert figures(store) == shown
            assert log_in(store.accounts, "anna", "ett långt lösenord")
        finally:
            store.close()
    payloads = query(there, "SELECT payload FROM quarantine ORDER BY id") or []
    assert bytes(payloads[-1][0]) == b"\xff\x00 not json"


def test_a_read_in_small_batches_is_the_same_rows(tmp_path, db):
    store = filled(db)
    try:
        for table in TABLES:
            whole = list(chain.from_iterable(store.export_table(table)))
            assert list(chain.from_iterable(store.export_table(table, batch=7))) == whole
    finally:
        store.close()


def test_a_store_that_holds_rows_is_refused_and_kept(tmp_path, postgres):
    source_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    filled(source_url).close()
    there = postgres.database()
    target = open_store(there, ZONE)
    add_user(target.accounts, "bo", "ett annat lösenord", "read-only")
    target.close()

    copied = nojd("server", "store", "copy", "--db", source_url, "--to", there)
    assert copied.returncode == 1
    assert copied.stderr.strip().splitlines() == [
        "nojd: to: table users already holds rows, expected an empty store"
    ]
    # One transaction: the tables before users were written and then rolled back.
    assert query(there, "SELECT count(*) FROM responses") == [(0,)]
    assert query(there, "SELECT name FROM users") == [("bo",)]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", "mysql://x"], "db: 'mysql://x' is not a database URL"),
        (["--to", "postgresql://nojd:secret@127.0.0.1:1/x"],
         "db: cannot connect to postgresql://nojd@127.0.0.1:1/x ("),
    ],
)  # fmt: skip
def test_a_bad_target_is_one_line(tmp_path, args, said):
    source_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    open_store(source_url, ZoneInfo("Europe/Stockholm")).close()  # a server that has run
    copied = nojd("server", "store", "copy", "--db", source_url, *args)
    assert copied.returncode != 0
    [line] = copied.stderr.strip().splitlines()
    assert said in line and "secret" not in line


def test_a_source_that_does_not_exist_is_refused_not_made(tmp_path):
    missing = tmp_path / "server.sqlite"
    copied = nojd("server", "store", "copy", "--db", f"sqlite:///{missing}",
                  "--to", f"sqlite:///{tmp_path / 'copy.sqlite'}")  # fmt: skip
    assert copied.returncode == 1
    [line] = copied.stderr.strip().splitlines()
    assert line.startswith(f"nojd: db: 'sqlite:///{missing}' does not exist; expected the store")
    assert not missing.exists() and not (tmp_path / "copy.sqlite").exists()


def test_the_source_itself_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    copied = nojd("server", "store", "copy", "--db", url, "--to", url)
    assert copied.returncode != 0
    assert copied.stderr.strip().splitlines() == [
        f"nojd: to: {url!r} is the source store itself, expected another one"
    ]


def test_both_schemas_are_the_tables_a_copy_covers(tmp_path, postgres):
    expected = {table.name: {*table.columns, *table.key} for table in TABLES}
    sqlite_path = tmp_path / "server.sqlite"
    there = postgres.database()
    for url in (f"sqlite:///{sqlite_path}", there):
        open_store(url, ZONE).close()
    with sqlite3.connect(sqlite_path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        in_sqlite = {
            name: {r[1] for r in conn.execute(f"PRAGMA table_info('{name}')")} for name in names
        }
    with psycopg.connect(there) as conn:
        in_postgresql: dict[str, set[str]] = {}
        for table, column in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        ):
            in_postgresql.setdefault(table, set()).add(column)
    for schema in (in_sqlite, in_postgresql):
        shared = {name: columns for name, columns in schema.items() if name not in OWN_TABLES}
        assert shared == expected
