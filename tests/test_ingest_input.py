"""Ingest against bad and repeated input, through a real broker and a real `nojd server ingest`."""

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from processes import Process, kiosk_config, outbox_rows, query, running_ingest, server_rows
from waiting import wait_until

from nojd.kiosk.outbox import Outbox
from nojd.server.store.sql import QUARANTINE_PER_DEVICE
from nojd.survey import encode

GOOD = {
    "v": 1, "id": "0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d", "device": "desk-9", "seq": 1,
    "site": "kontaktcenter", "survey": "service", "lang": "sv", "at": "2026-11-22T09:15:03.120Z",
    "clock": "synced", "answers": {"wait_time": 4, "overall": 5}, "flags": [],
}  # fmt: skip


@pytest.fixture(scope="module")
def system(tmp_path_factory, module_db):
    folder = tmp_path_factory.mktemp("ingest")
    with running_ingest(folder, module_db) as (broker, db, ingest, publisher):
        yield broker, db, ingest, publisher, folder


def quarantine(db):
    rows = query(db, "SELECT topic, payload, reason, size FROM quarantine ORDER BY id") or []
    return [(topic, bytes(payload), reason, size) for topic, payload, reason, size in rows]


def message(**changes):
    return json.dumps({**GOOD, **changes}).encode()


HAND_PICKED = [
    ("nojd/v1/desk-9/response", b"not json", "payload: not JSON"),
    ("nojd/v1/desk-9/response", b"x" * 20_000, "payload: 20000 bytes is over the limit"),
    ("nojd/v1/desk-9/response", message(seq="7"), 'seq: "7" is not a whole number'),
    ("nojd/v1/desk-9/response", message(answers={"colour": 3}), "answers.colour: unknown question"),
    (
        "nojd/v1/desk-9/response",
        message(answers={"overall": 0}),
        "answers.overall: 0 is outside 1..5",
    ),
    (
        "nojd/v1/desk-9/response",
        message(answers={"overall": 6}),
        "answers.overall: 6 is outside 1..5",
    ),
    (
        "nojd/v1/desk-8/response",
        message(),
        "device: 'desk-9' differs from the topic's device 'desk-8'",
    ),
    (
        "nojd/v1/desk-9/status",
        b'{"v":1,"state":"asleep","at":"2026-11-22T09:00:00.000Z","backlog":0,"version":"x"}',
        'state: "asleep" is not one of online, offline',
    ),
]


def test_hand_picked_bad_messages_are_quarantined_and_good_ones_still_arrive(system):
    broker, db, ingest, publisher, folder = system
    before = len(quarantine(db))
    for topic, payload, _ in HAND_PICKED:
        publisher.send(topic, payload)
    assert wait_until(lambda: len(quarantine(db)) >= before + len(HAND_PICKED), 30)
    kept = quarantine(db)[before:]
    for (topic, payload, reason), (q_topic, q_payload, q_reason, size) in zip(
        HAND_PICKED, kept, strict=True
    ):
        assert q_topic == topic
        assert q_reason.startswith(reason)
        assert q_payload == payload[:1024]
        assert size == len(payload)
    publisher.send("nojd/v1/desk-9/response", message())
    assert wait_until(lambda: ("desk-9", 1, GOOD["id"]) in server_rows(db), 30)
    assert wait_until(lambda: [1] in publisher.acks, 30)
    assert ingest.process.poll() is None
    assert "quarantined a message on nojd/v1/desk-9/response" in ingest.log


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    payload=st.binary(max_size=600)
    | st.builds(
        lambda v: json.dumps(v).encode(),
        st.dictionaries(
            st.sampled_from(list(GOOD)), st.integers() | st.text(max_size=5), max_size=11
        ),
    )
)
def test_fuzzed_payloads_are_quarantined_with_a_reason(system, payload):
    broker, db, ingest, publisher, folder = system
    before = len(quarantine(db))
    publisher.send("nojd/v1/desk-7/response", payload)
    assert wait_until(lambda: len(quarantine(db)) > before, 30)
    topic, kept, reason, size = quarantine(db)[-1]
    assert topic == "nojd/v1/desk-7/response"
    assert reason and ":" in reason
    assert ingest.process.poll() is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
#: Near the v1 schema: the valid message with fields replaced, dropped or added.
NEAR_V1 = st.builds(
    lambda changes, dropped: {
        key: value for key, value in {**GOOD, **changes}.items() if key not in dropped
    },
    st.dictionaries(st.sampled_from([*GOOD, "epoch", "extra"]), JSON, max_size=3),
    st.sets(st.sampled_from(list(GOOD)), max_size=2),
)
BAD = (
    st.binary(max_size=2000)
    | NEAR_V1.map(lambda data: json.dumps(data).encode())
    | NEAR_V1.map(lambda data: json.dumps(data).replace('"sv"', '"\\ud800"').encode())
)
VALID_SEQS = iter(range(1, 10**6))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(bad=st.lists(st.tuples(st.sampled_from(["desk-6", "desk-4"]), BAD), min_size=1, max_size=4))
def test_a_valid_message_beside_fuzzed_ones_is_stored_and_acked(system, bad):
    """Arbitrary bytes and JSON near the v1 schema, on a terminal's topics and the valid
    terminal's own, sent around a valid response: the valid one is stored and acked, the
    server stays up, and the quarantine stays within its bounds."""
    broker, db, ingest, publisher, folder = system
    seq = next(VALID_SEQS)
    valid = message(device="desk-6", seq=seq, id=str(uuid.UUID(int=seq, version=4)))
    half = len(bad) // 2
    for device, payload in bad[:half]:
        publisher.send(f"nojd/v1/{device}/response", payload)
    publisher.send("nojd/v1/desk-6/response", valid)
    for device, payload in bad[half:]:
        publisher.send(f"nojd/v1/{device}/status", payload)
    assert wait_until(lambda: ("desk-6", seq) in publisher.acked, 30), ingest.log[-2000:]
    stored = query(db, f"SELECT id FROM responses WHERE device = 'desk-6' AND seq = {seq}")
    assert stored == [(str(uuid.UUID(int=seq, version=4)),)]
    assert ingest.process.poll() is None
    per_sender = query(db, "SELECT device, count(*) FROM quarantine GROUP BY device") or []
    assert all(count <= QUARANTINE_PER_DEVICE for _, count in per_sender)


def test_replayed_and_duplicated_messages_are_stored_once_and_acked_again(system):
    broker, db, ingest, publisher, folder = system
    config = kiosk_config(folder, "desk-5", broker.url)
    run = Process("kiosk", "simulate", "--config", str(config), "--visitors", "8", "--rate", "600")
    try:
        run.rest(120)
        assert run.process.wait(timeout=60) == 0
    finally:
        run.close()
    stored = [row for row in server_rows(db) if row[0] == "desk-5"]
    assert len(stored) == 8
    assert all(acked for *_, acked in outbox_rows(folder / "desk-5"))
    with Outbox(folder / "desk-5", "desk-5") as outbox:
        outbox.db.execute("UPDATE responses SET acked_at = NULL")  # as if every ack was lost
        outbox.db.conn.commit()
        sent = outbox.pending()
    assert len(sent) == 8
    publisher.acks.clear()
    for response in sent * 3:  # every message three more times
        publisher.send("nojd/v1/desk-5/response", encode(response))
    # duplicates in one batch share one ack; every seq is acked again
    assert wait_until(
        lambda: {seq for seqs in publisher.acks for seq in seqs} == set(range(1, 9)), 30
    )
    assert [row for row in server_rows(db) if row[0] == "desk-5"] == stored


def test_the_same_seq_with_another_id_is_kept_in_quarantine(system):
    broker, db, ingest, publisher, folder = system
    other = message(id="1c8e7d2f-4e3b-4a6c-8d9e-0f1a2b3c4d5e")  # seq 1 of desk-9 is taken
    publisher.send("nojd/v1/desk-9/response", message())
    before = len(quarantine(db))
    publisher.send("nojd/v1/desk-9/response", other)
    assert wait_until(lambda: len(quarantine(db)) > before, 30)
    topic, kept, reason, size = quarantine(db)[-1]
    assert reason == "seq 1 of desk-9 is already stored with another id"
    assert kept == other  # kept whole: nothing is lost
