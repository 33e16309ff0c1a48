"""Replacing a terminal (`nojd device add ID --replace`): a new sequence epoch, the old
history kept, the old credentials refused; on the shipped broker security, a real ingest
and real simulated kiosks."""

import json
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from processes import Process, outbox_rows, query, server_rows
from waiting import wait_until

from nojd.survey import build_response, default_survey, encode
from nojd.survey.topics import encode_epoch


def visitors(config, data, count=5):
    """`nojd kiosk simulate` with ``count`` brisk visitors until all are acked."""
    with config.open("a", encoding="utf-8") as made:
        made.write("[session]\nresponse_interval = 0.01\nsettle_time = 0\n")
    run = Process("kiosk", "simulate", "--config", str(config), "--data", str(data),
                  "--visitors", str(count), "--rate", "600",
                  env={"GPIOZERO_PIN_FACTORY": "mock"})  # fmt: skip
    try:
        run.rest(120)
        assert run.process.wait(60) == 0, run.log
    finally:
        run.close()
    return outbox_rows(data)


def connects(url, user, password):
    """Whether the broker lets ``user`` in with ``password`` (and its own client id)."""
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                         client_id=f"nojd-kiosk-{user}", protocol=mqtt.MQTTv5)  # fmt: skip
    client.username_pw_set(user, password)
    answers = []
    client.on_connect = lambda c, u, f, reason, p: answers.append(reason)
    client.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
    client.loop_start()
    try:
        assert wait_until(lambda: answers, 10)
        return not answers[0].is_failure
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_replaced_terminal_counts_from_one_again_beside_its_old_history(secured, tmp_path):
    db = tmp_path / "server.sqlite"
    ingest = Process("server", "ingest", "--config", str(secured.server_toml()),
                     "--db", f"sqlite:///{db}")  # fmt: skip
    try:
        old = secured.add("desk-1")
        first = visitors(old.kiosk_config, tmp_path / "old-card")
        assert wait_until(lambda: len(server_rows(db)) == 5, 60), ingest.log
        new = secured.add("desk-1", change="replace")
        assert 0 < new.epoch <= time.time()
        assert f"epoch = {new.epoch}" in new.kiosk_config.read_text()
        assert not connects(secured.url, "desk-1", old.password)  # the old card is refused
        second = visitors(new.kiosk_config, tmp_path / "new-card")  # an empty outbox
        assert [seq for _, seq, _, _ in second] == [1, 2, 3, 4, 5]
        assert all(acked for *_, acked in second)  # acked by its own seqs
        assert wait_until(lambda: len(server_rows(db)) == 10, 60), ingest.log
        ids = [row[2] for row in server_rows(db)]
        assert ids == [row[2] for row in first + second]  # old history kept, new after it
        assert query(db, "SELECT highest_seq - received FROM devices") == [(0,)]  # none missing
        assert query(db, "SELECT count(*) FROM quarantine") == [(0,)]
        # A rotation later keeps the epoch: the same terminal, the same outbox.
        assert secured.add("desk-1", change="rotate").epoch == new.epoch
    finally:
        ingest.close()


def test_an_epoch_no_replacement_started_counts_nothing(secured, tmp_path):
    """Credentials taken from a terminal cannot start an epoch: only the admin's retained
    epoch message does (a terminal may not publish one). An answer of an epoch never started
    is kept in the quarantine and not acked, so a real new terminal whose answer came before
    its epoch message sends it again; the thief's epoch spoils nothing for the replacement."""
    db = tmp_path / "server.sqlite"
    ingest = Process("server", "ingest", "--config", str(secured.server_toml()),
                     "--db", f"sqlite:///{db}")  # fmt: skip
    old = secured.add("desk-2")
    thief = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2,
                        client_id="nojd-kiosk-desk-2", protocol=mqtt.MQTTv5)  # fmt: skip
    thief.username_pw_set("desk-2", old.password)
    acks = []
    thief.on_message = lambda c, u, m: acks.extend(json.loads(m.payload)["seqs"])
    thief.connect("127.0.0.1", secured.broker.port)
    thief.loop_start()
    survey = default_survey()

    def answer(seq, epoch):
        made = build_response(survey, device="desk-2", seq=seq, site="kontaktcenter", lang="sv",
                              answers={"overall": 5}, at=datetime.now(UTC), epoch=epoch,
                              response_id=str(uuid.uuid4()))  # fmt: skip
        return encode(made)

    try:
        thief.subscribe("nojd/v1/desk-2/ack", qos=1)
        first = answer(1, 0)
        assert wait_until(lambda: thief.publish("nojd/v1/desk-2/response", first, qos=1)
                          and 1 in acks, 30, every=0.5), ingest.log  # fmt: skip
        now = int(time.time())
        for epoch in (now, now + 1, now + 2):  # the coming replacement's epoch, claimed early
            thief.publish("nojd/v1/desk-2/epoch", encode_epoch(epoch), qos=1, retain=True)
            thief.publish("nojd/v1/desk-2/response", answer(1, epoch), qos=1).wait_for_publish(5)
        unstarted = "SELECT count(*) FROM quarantine WHERE reason LIKE '%was not started%'"
        assert wait_until(lambda: query(db, unstarted) == [(3,)], 30), ingest.log
        assert set(acks) == {1} and query(db, "SELECT count(*) FROM device_epochs") == [(0,)]
        thief.disconnect()
        new = secured.add("desk-2", change="replace")
        second = visitors(new.kiosk_config, tmp_path / "new-card")
        assert all(acked for *_, acked in second)
        assert wait_until(lambda: len(server_rows(db)) == 1 + len(second), 60), ingest.log
        assert query(db, "SELECT epoch, base FROM device_epochs") == [(new.epoch, 1)]
        assert query(db, "SELECT highest_seq - received FROM devices") == [(0,)]
    finally:
        thief.disconnect()
        thief.loop_stop()
        ingest.close()
