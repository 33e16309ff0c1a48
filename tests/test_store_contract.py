"""Every store keeps the same contract: batches fed straight in, no broker, on SQLite
and on a real PostgreSQL of the tests' own (tests/postgres.py)."""

import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from nojd.errors import ConfigError
from nojd.server.store import Batch, Reject, Store, open_store
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()
ZONE = ZoneInfo("Europe/Stockholm")
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # Tuesday 12:00 in Stockholm


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    return request.getfixturevalue("postgres").database()


@pytest.fixture
def store(url):
    opened = open_store(url, ZONE)
    yield opened
    opened.close()


def response(device="desk-1", seq=1, grade=4, at=NOON, flags=(), response_id=None, epoch=0):
    return build_response(
        SURVEY, device=device, seq=seq, site="kontaktcenter", lang="sv",
        answers={"overall": grade, "wait_time": 5}, at=at, flags=flags, response_id=response_id,
        epoch=epoch,
    )  # fmt: skip


def quarantined(store):
    """The quarantine, newest first, read around the store's interface."""
    return store.connection.rows("SELECT * FROM quarantine ORDER BY id DESC")


def batch(*responses, rejects=(), statuses=()):
    return Batch(
        responses=[(r, encode(r)) for r in responses],
        rejects=list(rejects),
        statuses=list(statuses),
    )


def test_a_batch_is_stored_once_and_acked_every_time(store: Store):
    first, second = response(seq=1), response(seq=2, grade=2)
    assert store.ingest(batch(first, second), NOON) == {"desk-1": [1, 2]}
    assert store.ingest(batch(first), NOON) == {"desk-1": [1]}  # a duplicate: acked again
    assert store.response_keys() == [("desk-1", 1, first.id), ("desk-1", 2, second.id)]
    [device] = store.devices(today="2026-03-10")
    assert (device["received"], device["missing"], device["today"]) == (2, 0, 2)
    assert quarantined(store) == []
    assert store.healthy()


def test_a_clash_is_kept_whole_in_quarantine_and_acked(store: Store):
    kept = response(seq=1)
    store.ingest(batch(kept), NOON)
    other_id = response(seq=1, grade=1)  # seq 1 again, another id
    other_seq = response(seq=5, response_id=kept.id)  # the id again, another seq
    assert store.ingest(batch(other_id, other_seq), NOON) == {"desk-1": [1, 5]}
    reasons = sorted(q["reason"] for q in quarantined(store))
    assert reasons == [
        f"id {kept.id} is already stored as seq 1 of desk-1",
        "seq 1 of desk-1 is already stored with another id",
    ]
    payloads = {bytes(q["payload"]) for q in quarantined(store)}
    assert payloads == {encode(other_id), encode(other_seq)}
    assert store.response_keys() == [("desk-1", 1, kept.id)]


def test_a_rejected_message_keeps_only_its_head(store: Store):
    huge = b"x" * 5000
    store.ingest(
        batch(rejects=[Reject("nojd/v1/desk-2/response", huge, "not JSON", "desk-2")]), NOON
    )
    [kept] = quarantined(store)
    assert (kept["size"], len(bytes(kept["payload"])), kept["device"]) == (5000, 1024, "desk-2")


def test_missing_seqs_and_status(store: Store):
    store.ingest(batch(*(response(seq=s) for s in (2, 3, 7))), NOON)
    status = {"state": "online", "at": NOON, "backlog": 3, "version": "0.1.0"}
    store.ingest(batch(statuses=[("desk-1", status)]), NOON)
    [device] = store.devices(today="2026-03-10")
    assert (device["state"], device["backlog"], device["missing"]) == ("online", 3, 4)
    assert device["highest_seq"] == 7


def test_a_new_epoch_counts_on_after_the_old_terminal(store):
    """A replaced terminal's seqs 1, 2 are stored after the old one's 1..3 (as 4, 5) and acked
    as 1, 2, once its epoch was started; the old epoch keeps its own; an answer of an epoch
    never started is quarantined and not acked; nothing is missing."""
    old = [response(seq=seq) for seq in (1, 2, 3)]
    store.ingest(batch(*old), NOON)
    epoch = int(NOON.timestamp()) - 60
    new = [response(seq=seq, epoch=epoch) for seq in (1, 2)]
    assert store.ingest(batch(new[0]), NOON) == {}  # not started yet: sent again later
    started = Batch(responses=[(r, encode(r)) for r in new], epochs=[("desk-1", epoch)])
    assert store.ingest(started, NOON) == {"desk-1": [1, 2]}
    late_old = response(seq=3, response_id=old[2].id)  # the old terminal's, again: a duplicate
    claimed = response(seq=9, epoch=epoch + 1)  # never started
    assert store.ingest(batch(late_old, claimed), NOON) == {"desk-1": [3]}
    rows = store.connection.rows("SELECT seq, id FROM responses ORDER BY seq")
    assert [(row["seq"], row["id"]) for row in rows] == [(1, old[0].id), (2, old[1].id),
        (3, old[2].id), (4, new[0].id), (5, new[1].id)]  # fmt: skip
    not_started = "epoch {} of desk-1 was not started by nojd device add --replace"
    assert [row["reason"] for row in quarantined(store)] == [
        not_started.format(epoch + 1),
        not_started.format(epoch),
    ]
    [device] = store.devices(today=NOON.date().isoformat())
    assert device["missing"] == 0 and device["received"] == 5


def test_counts_per_period_from_the_rollups(store: Store):
    march, april = NOON, NOON + timedelta(days=31)
    store.ingest(batch(response(seq=1, grade=5), response(seq=2, grade=5, at=april)), NOON)
    store.ingest(batch(response(seq=3, grade=1, flags=["rapid-repeat"])), NOON)
    answers, responses = store.grouped_counts(SURVEY.id, "2026-03-01", "2026-04-30", "month", False)
    overall = sorted(
        (a["period"], a["answer"], a["n"]) for a in answers if a["question"] == "overall"
    )
    assert overall == [("2026-03", "5", 1), ("2026-04", "5", 1)]
    assert sorted((r["period"], r["responses"], r["flagged"]) for r in responses) == [
        ("2026-03", 1, 1),
        ("2026-04", 1, 0),
    ]
    answers, _ = store.grouped_counts(SURVEY.id, "2026-03-10", "2026-03-10", "day", True)
    assert sorted(a["answer"] for a in answers if a["question"] == "overall") == ["1", "5"]
    tertial, _ = store.grouped_counts(SURVEY.id, "2026-01-01", "2026-12-31", "tertial", False)
    assert {a["period"] for a in tertial} == {"2026-T1"}
    hours, per_hour = store.hour_counts(SURVEY.id, "overall", "2026-03", "2026-03", False)
    assert [(h["weekday"], h["hour"], h["answer"], h["n"]) for h in hours] == [(2, 12, "5", 1)]
    assert [(h["weekday"], h["hour"], h["responses"]) for h in per_hour] == [(2, 12, 1)]
    assert march.month == 3 and store.counts_by_site()["kontaktcenter"]["overall"] == {"5": 2}


def test_accounts(store: Store):
    accounts = store.accounts
    accounts.set_user("anna", "hash-1", "admin", NOON)
    accounts.set_user("anna", "hash-2", "read-only", NOON)  # a new password and role
    assert accounts.user("anna") == {"name": "anna", "hash": "hash-2", "role": "read-only"}
    idle = timedelta(minutes=30)
    accounts.add_login("cookie-hash", "anna", NOON + timedelta(hours=1), NOON)
    assert accounts.login_user("cookie-hash", NOON, idle) == {"name": "anna", "role": "read-only"}
    # used 20 minutes later: still in, and its idle time starts again from then
    later = NOON + timedelta(minutes=20)
    assert accounts.login_user("cookie-hash", later, idle) is not None
    assert accounts.login_user("cookie-hash", later + timedelta(minutes=25), idle) is not None
    assert accounts.login_user("cookie-hash", NOON + timedelta(hours=2), idle) is None  # expired
    accounts.end_login("cookie-hash")
    assert accounts.login_user("cookie-hash", NOON, idle) is None
    # idle: 31 minutes without a page
    accounts.add_login("idle-hash", "anna", NOON + timedelta(hours=1), NOON)
    assert accounts.login_user("idle-hash", NOON + timedelta(minutes=31), idle) is None
    # a new password ends every login of the user; removing a user ends theirs too
    accounts.add_login("before-hash", "anna", NOON + timedelta(hours=1), NOON)
    accounts.set_user("anna", "hash-3", "read-only", NOON)
    assert accounts.login_user("before-hash", NOON, idle) is None
    accounts.add_login("gone-hash", "anna", NOON + timedelta(hours=1), NOON)
    assert accounts.remove_user("anna") and not accounts.remove_user("anna")
    assert accounts.login_user("gone-hash", NOON, idle) is None and accounts.user("anna") is None
    accounts.add_token("export", "token-hash", NOON)
    with pytest.raises(ConfigError, match="'export' exists already"):
        accounts.add_token("export", "other-hash", NOON)
    assert accounts.token_name("token-hash") == "export"
    assert [t["name"] for t in accounts.tokens()] == ["export"]
    assert accounts.delete_token("export") and not accounts.delete_token("export")


def test_a_read_does_not_wait_for_a_batch_being_written(store):
    store.ingest(batch(response(seq=1)), NOON)
    inside, release = threading.Event(), threading.Event()

    def write_slowly():
        with store.connection.transaction() as transaction:
            transaction.execute("UPDATE devices SET received = 99")
            inside.set()
            release.wait(30)  # the batch is still being written

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        assert inside.wait(10)
        seen = []
        reader = threading.Thread(target=lambda: seen.append(store.devices(today="2026-03-10")))
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), "the read waited for the write"
        assert [d["received"] for d in seen[0]] == [1]  # what was committed, not the half-write
    finally:
        release.set()
        writer.join(10)
    assert [d["received"] for d in store.devices()] == [99]


def test_concurrent_batches_on_the_same_days_add_up(url):
    """Two stores (two ingest processes' connections) write the same rollup rows at once."""
    writers = [open_store(url, ZONE) for _ in range(2)]
    start = threading.Barrier(2)

    def write(number, store):
        start.wait()
        for round_ in range(20):
            seqs = range(round_ * 10 + 1, round_ * 10 + 11)
            store.ingest(batch(*(response(f"desk-{number}", s, grade=3) for s in seqs)), NOON)

    threads = [threading.Thread(target=write, args=(n, s)) for n, s in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        answers, responses = writers[0].grouped_counts(
            SURVEY.id, "2026-03-10", "2026-03-10", "total", False
        )
        per_device = {r["device"]: r["responses"] for r in responses}
        assert per_device == {"desk-0": 200, "desk-1": 200}
        assert sum(a["n"] for a in answers if a["question"] == "overall") == 400
    finally:
        for each in writers:
            each.close()


def test_postgresql_connects_anew_after_its_connections_are_cut(postgres):
    store = open_store(postgres.database(), ZONE)
    try:
        store.ingest(batch(response(seq=1)), NOON)
        with psycopg.connect(postgres.url(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname <> 'postgres'"
            )
        with pytest.raises(psycopg.OperationalError):  # the batch in flight fails: not acked
            store.ingest(batch(response(seq=2)), NOON)
        store.ingest(batch(response(seq=2)), NOON)  # the kiosk sends it again
        assert [key[1] for key in store.response_keys()] == [1, 2]
    finally:
        store.close()


def test_an_unreachable_postgresql_is_one_line_without_the_password():
    with pytest.raises(ConfigError) as refused:
        open_store("postgresql://nojd:secret@127.0.0.1:1/nojd", ZONE)
    said = str(refused.value)
    assert said.startswith("db: cannot connect to postgresql://nojd@127.0.0.1:1/nojd (")
    assert "\n" not in said and "secret" not in said


def test_a_bad_url_names_the_field():
    with pytest.raises(ConfigError, match="db: 'mysql://x' is not a database URL"):
        open_store("mysql://x", ZONE)


def test_the_quarantine_expires_by_age(store: Store):
    old, new = NOON - timedelta(days=31), NOON
    store.ingest(batch(rejects=[Reject("nojd/v1/desk-1/response", b"old", "bad", "desk-1")]), old)
    store.ingest(batch(rejects=[Reject("nojd/v1/desk-1/response", b"new", "bad", "desk-1")]), new)
    assert store.expire_quarantine(NOON - timedelta(days=30)) == 1
    assert [bytes(row["payload"]) for row in quarantined(store)] == [b"new"]
    assert store.expire_quarantine(NOON - timedelta(days=30)) == 0


RANGES = [
    ("2025-12-01", "2026-02-28"), ("2025-12-02", "2026-02-27"), ("2025-12-15", "2026-03-10"),
    ("2026-01-01", "2026-01-31"), ("2026-01-05", "2026-01-20"), ("2026-01-31", "2026-02-01"),
    ("2025-11-20", "2026-04-30"), ("2026-02-01", "2026-03-31"), ("2026-02-10", "2026-02-10"),
]  # fmt: skip


def test_any_range_counts_what_its_days_hold(store):
    """Whole months come from the month rollups, partial ones from the day rollups; whatever
    the split, the counts per period equal those of the responses, counted one by one."""
    zone = ZoneInfo("Europe/Stockholm")
    made = [
        response(device=f"desk-{n % 2}", seq=n // 2 + 1, grade=1 + n % 5,
                 at=datetime(2025, 12, 1, 10, tzinfo=UTC) + timedelta(hours=17 * n),
                 flags=("rapid-repeat",) if n % 7 == 0 else ())
        for n in range(200)
    ]  # fmt: skip
    store.ingest(batch(*made), NOON)
    labels = {
        "total": lambda day: "total", "month": lambda day: day[:7],
        "tertial": lambda day: f"{day[:4]}-T{(int(day[5:7]) + 3) // 4}",
        "year": lambda day: day[:4],
    }  # fmt: skip
    for first, last in RANGES:
        for period, label in labels.items():
            for flagged in (False, True):
                expected: dict[tuple[str, str, str], int] = {}
                responses: dict[tuple[str, str], int] = {}
                for answer in made:
                    day = answer.at.astimezone(zone).date().isoformat()
                    if first <= day <= last and (flagged or not answer.flags):
                        key = (label(day), answer.device)
                        grade = str(answer.answers["overall"])
                        expected[(*key, grade)] = expected.get((*key, grade), 0) + 1
                        responses[key] = responses.get(key, 0) + 1
                answers, counts = store.grouped_counts(SURVEY.id, first, last, period, flagged)
                got = {(a["period"], a["device"], a["answer"]): a["n"] for a in answers
                       if a["question"] == "overall"}  # fmt: skip
                assert got == expected, (first, last, period, flagged)
                assert {(c["period"], c["device"]): c["responses"] for c in counts
                        if c["responses"]} == responses, (first, last, period)  # fmt: skip


def test_a_clash_beside_a_message_stored_under_its_id_is_still_a_clash(store):
    """Found by a review of the batched inserts: A (id X, seq 5, which is taken) and B
    (id X, seq 6) in one batch. B is stored and counted; A is kept whole in quarantine."""
    store.ingest(batch(response(seq=5)), NOON)
    shared = str(uuid.uuid4())
    first = response(seq=5, grade=1, response_id=shared)
    second = response(seq=6, grade=2, response_id=shared)
    assert store.ingest(batch(first, second), NOON) == {"desk-1": [5, 6]}
    [kept] = quarantined(store)
    assert kept["reason"] == f"id {shared} is already stored as seq 6 of desk-1"
    [device] = store.devices(today=NOON.date().isoformat())
    assert (device["highest_seq"], device["received"], device["missing"]) == (6, 2, 4)
    answers, _ = store.grouped_counts(SURVEY.id, "2026-03-01", "2026-03-31", "total", False)
    overall = {a["answer"]: a["n"] for a in answers if a["question"] == "overall"}
    assert overall == {"4": 1, "2": 1}  # the stored seq 5 and B; not A's 1
