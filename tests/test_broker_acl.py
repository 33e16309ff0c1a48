"""The shipped broker security (nojd.conf and its dynamic-security plugin), with terminals
made as `nojd device add` makes them, on a real Mosquitto."""

import subprocess
import threading
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from processes import NOJD, Process, kiosk_config, outbox_rows, query, server_rows
from secured import SERVER_PASSWORD
from waiting import wait_until

from nojd.errors import ConfigError
from nojd.mqtt import BrokerSettings
from nojd.server.broker_admin import BrokerAdmin
from nojd.survey import build_response, default_survey, encode
from nojd.survey.topics import decode_ack, encode_status


def run_nojd(*args):
    return subprocess.run([NOJD, *args], capture_output=True, text=True, timeout=60, check=False)


class Peer:
    """A raw MQTT client that records what it receives."""

    def __init__(self, broker, user=None, password=None, client_id=""):
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5,
            client_id=client_id,
        )  # fmt: skip
        if user:
            self.client.username_pw_set(user, password)
        self.received: list[tuple[str, bytes | bytearray]] = []
        self.connack = None
        self.subacks: list[list[int]] = []
        self.ready = threading.Event()
        self.client.on_connect = self._connected
        self.client.on_message = lambda c, u, m: self.received.append((m.topic, m.payload))
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subacks.append(codes)
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.ready.wait(10)

    def _connected(self, client, userdata, flags, reason, properties):
        self.connack = reason
        self.ready.set()

    def subscribe(self, topic_filter):
        """Subscribe and wait for the SUBACK; its reason code."""
        count = len(self.subacks)
        self.client.subscribe(topic_filter, qos=1)
        assert wait_until(lambda: len(self.subacks) > count, 10)
        return self.subacks[count][0]

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker_users(secured):
    devices = {name: secured.add(name) for name in ("desk-1", "desk-2")}
    peers = []

    def peer(user=None, password=None, client_id=None):
        """A client; a terminal's user name comes with its own client id unless one is given."""
        if client_id is None:
            client_id = f"nojd-kiosk-{user}" if user and not user.startswith("nojd-") else ""
        peers.append(Peer(secured.broker, user, password, client_id))
        return peers[-1]

    yield secured.broker, devices, peer
    for each in peers:
        each.close()


def test_anonymous_and_wrong_passwords_are_refused(broker_users):
    _broker, devices, peer = broker_users
    assert peer().connack.is_failure
    assert peer("desk-1", "wrong").connack.is_failure
    assert not peer("desk-1", devices["desk-1"].password).connack.is_failure


def test_a_device_cannot_publish_as_another(broker_users):
    _broker, devices, peer = broker_users
    server = peer("nojd-server", SERVER_PASSWORD)
    server.client.subscribe("$share/nojd-ingest/nojd/v1/+/response", qos=1)
    assert wait_until(lambda: server.subacks, 10)
    desk1 = peer("desk-1", devices["desk-1"].password)
    desk1.client.publish("nojd/v1/desk-2/response", b"forged", qos=1).wait_for_publish(5)
    desk1.client.publish("nojd/v1/desk-1/response", b"own", qos=1).wait_for_publish(5)
    # The broker had taken the forged message before desk-1 sent its own, and it keeps the
    # order: had the forged one got through, it would be the first to arrive.
    assert wait_until(lambda: server.received, 10)
    assert server.received == [("nojd/v1/desk-1/response", b"own")]


def test_a_device_cannot_read_another_devices_acks(broker_users):
    _broker, devices, peer = broker_users
    desk1 = peer("desk-1", devices["desk-1"].password)
    desk1.client.subscribe("nojd/v1/desk-2/ack", qos=1)
    desk1.client.subscribe("nojd/v1/desk-1/ack", qos=1)
    assert wait_until(lambda: len(desk1.subacks) == 2, 10)
    server = peer("nojd-server", SERVER_PASSWORD)
    server.client.publish("nojd/v1/desk-2/ack", b'{"v":1,"seqs":[1]}', qos=1).wait_for_publish(5)
    server.client.publish("nojd/v1/desk-1/ack", b'{"v":1,"seqs":[2]}', qos=1).wait_for_publish(5)
    # desk-2's ack went first: had desk-1 been let read it, it would be the first to arrive
    assert wait_until(lambda: desk1.received, 10)
    assert desk1.received == [("nojd/v1/desk-1/ack", b'{"v":1,"seqs":[2]}')]


def test_delivery_through_the_acl_with_credentials(broker_users, tmp_path):
    broker, devices, _peer = broker_users
    db = tmp_path / "server.sqlite"
    config = tmp_path / "server.toml"
    config.write_text(
        f'[broker]\nurl = "{broker.url}"\nusername = "nojd-server"\n'
        f'password = "{SERVER_PASSWORD}"\n',
        encoding="utf-8",
    )
    ingest = Process("server", "ingest", "--config", str(config), "--db", f"sqlite:///{db}")
    password = devices["desk-1"].password
    kiosk = kiosk_config(
        tmp_path, "desk-1", broker.url, uplink=f'username = "desk-1"\npassword = "{password}"'
    )
    run = Process("kiosk", "simulate", "--config", str(kiosk), "--visitors", "5", "--rate", "600")
    try:
        run.rest(120)
        assert run.process.wait(timeout=60) == 0, run.log[-2000:]
        rows = outbox_rows(tmp_path / "desk-1")
        assert len(rows) == 5 and all(acked for *_, acked in rows)
        assert server_rows(db) == [(d, s, i) for d, s, i, _ in rows]
    finally:
        run.close()
        ingest.close()


def test_a_packet_over_64_kib_never_reaches_the_server(broker_users):
    """max_packet_size: a terminal's 200 KB publish disconnects it; 16 KB passes."""
    _broker, devices, peer = broker_users
    server = peer("nojd-server", SERVER_PASSWORD)
    server.client.subscribe("$share/nojd-ingest/nojd/v1/+/response", qos=1)
    assert wait_until(lambda: server.subacks, 10)
    gone = threading.Event()
    desk1 = peer("desk-1", devices["desk-1"].password)
    desk1.client.on_disconnect = lambda *args: gone.set()
    desk1.client.publish("nojd/v1/desk-1/response", b"x" * 200_000, qos=1)
    assert gone.wait(10)
    desk2 = peer("desk-2", devices["desk-2"].password)
    desk2.client.publish("nojd/v1/desk-2/response", b"y" * 16_384, qos=1).wait_for_publish(5)
    assert wait_until(lambda: server.received, 10)
    assert [(name, len(payload)) for name, payload in server.received] == [
        ("nojd/v1/desk-2/response", 16_384)
    ]


REFUSED = 0x80  # a SUBACK reason code of 0x80 or above refuses the subscription


def test_a_terminal_is_refused_every_subscription_but_its_own_ack(broker_users):
    """Refused when subscribing, not only on delivery: a terminal cannot take a share of the
    server's responses, read another's acks, or watch the broker's control topics."""
    _broker, devices, peer = broker_users
    desk1 = peer("desk-1", devices["desk-1"].password, "nojd-kiosk-desk-1")
    for stolen in ("$share/nojd-ingest/nojd/v1/+/response", "$share/x/nojd/v1/+/response",
                   "nojd/v1/+/response", "nojd/v1/desk-2/ack", "nojd/v1/+/status", "#",
                   "$CONTROL/dynamic-security/v1/response", "$SYS/#"):  # fmt: skip
        assert desk1.subscribe(stolen).value >= REFUSED, stolen
    assert desk1.subscribe("nojd/v1/desk-1/ack").value == 1  # granted, QoS 1


def test_nine_intruders_with_shared_subscriptions_take_nothing(secured, tmp_path):
    """Nine terminals' credentials, each subscribing to the ingest's shared group, while a
    tenth terminal sends 200 answers: all 200 are stored and acked."""
    intruders = []
    for number in range(9):
        made = secured.add(f"thief-{number}")
        intruder = Peer(secured.broker, made.device, made.password, f"nojd-kiosk-{made.device}")
        intruders.append(intruder)
        assert intruder.subscribe("$share/nojd-ingest/nojd/v1/+/response").value >= REFUSED
    db = tmp_path / "server.sqlite"
    ingest = Process("server", "ingest", "--config", str(secured.server_toml()),
                     "--db", f"sqlite:///{db}")  # fmt: skip
    sender = secured.add("desk-10")
    desk = Peer(secured.broker, "desk-10", sender.password, "nojd-kiosk-desk-10")
    acks: list[bytes] = []
    desk.client.on_message = lambda c, u, m: acks.append(bytes(m.payload))
    try:
        assert desk.subscribe("nojd/v1/desk-10/ack").value == 1
        status = encode_status("online", datetime.now(UTC), 0, "probe")
        desk.client.publish("nojd/v1/desk-10/status", status, qos=1, retain=True)
        listening = "SELECT 1 FROM devices WHERE device = 'desk-10'"
        assert wait_until(lambda: query(db, listening), 30), ingest.log  # ingest subscribed
        survey = default_survey()
        for seq in range(1, 201):
            answer = build_response(
                survey, device="desk-10", seq=seq, site="kontaktcenter", lang="sv",
                answers={"overall": 1 + seq % 5}, at=datetime.now(UTC),
                response_id=str(uuid.uuid4()),
            )  # fmt: skip
            desk.client.publish("nojd/v1/desk-10/response", encode(answer), qos=1)
        assert wait_until(lambda: len(server_rows(db)) == 200, 60), ingest.log
        acked = lambda: set().union(*map(decode_ack, acks)) == set(range(1, 201))  # noqa: E731
        assert wait_until(acked, 30)
        assert all(not intruder.received for intruder in intruders)
    finally:
        for each in (desk, *intruders):
            each.close()
        ingest.close()


def test_a_client_id_belongs_to_its_own_terminal(broker_users):
    """desk-2's credentials with desk-1's client id (or an ingest worker's) are refused, and
    desk-1 stays connected; the server's user may use any id, for its several workers."""
    _broker, devices, peer = broker_users
    desk1 = peer("desk-1", devices["desk-1"].password, "nojd-kiosk-desk-1")
    dropped = threading.Event()
    desk1.client.on_disconnect = lambda *args: dropped.set()
    thief = devices["desk-2"].password
    assert peer("desk-2", thief, "nojd-kiosk-desk-1").connack.is_failure
    assert peer("desk-2", thief, "nojd-ingest-server-1234").connack.is_failure
    assert peer("desk-1", devices["desk-1"].password, "another-id").connack.is_failure
    # desk-1 is still connected: its ack subscription is still answered
    assert desk1.subscribe("nojd/v1/desk-1/ack").value == 1 and not dropped.is_set()
    for worker in ("nojd-ingest-a-1", "nojd-ingest-a-2"):
        assert not peer("nojd-server", SERVER_PASSWORD, worker).connack.is_failure


def test_only_the_admin_manages_the_broker(broker_users, secured):
    """The server's and a terminal's credentials may not use the control topic; the admin may
    read nothing of nojd's."""
    _broker, devices, peer = broker_users
    for user, password in (
        ("nojd-server", SERVER_PASSWORD),
        ("desk-1", devices["desk-1"].password),
    ):
        settings = BrokerSettings(secured.url, user, password)
        with (
            pytest.raises(ConfigError, match="may not manage the broker|refused"),
            BrokerAdmin(settings, timeout=5),
        ):
            pass
    admin = peer(secured.admin.username, secured.admin.password)
    assert admin.subscribe("nojd/v1/+/response").value >= REFUSED
    assert admin.subscribe("$share/nojd-ingest/nojd/v1/+/response").value >= REFUSED


def test_rotating_a_password_refuses_the_old_one_at_once(broker_users, secured):
    _broker, devices, peer = broker_users
    old = devices["desk-1"].password
    desk1 = peer("desk-1", old, "nojd-kiosk-desk-1")
    dropped = threading.Event()
    desk1.client.on_disconnect = lambda *args: dropped.set()
    rotated = secured.add("desk-1", change="rotate")
    assert dropped.wait(10)  # the broker drops the connection that used the old password
    desk1.client.loop_stop()
    assert peer("desk-1", old, "nojd-kiosk-desk-1").connack.is_failure
    assert not peer("desk-1", rotated.password, "nojd-kiosk-desk-1").connack.is_failure
    assert rotated.epoch == 0


def test_device_add_refuses_what_would_surprise(secured):
    secured.add("desk-1")
    with pytest.raises(ConfigError, match="already has credentials; pass --rotate"):
        secured.add("desk-1")
    with pytest.raises(ConfigError, match="has no credentials yet; leave out --replace"):
        secured.add("desk-new", change="replace")
    with pytest.raises(ConfigError, match="reserved"):
        secured.add("nojd-server", change="rotate")


def test_a_terminal_reads_only_its_own_config_and_only_the_server_writes_it(broker_users):
    _broker, devices, peer = broker_users
    desk1 = peer("desk-1", devices["desk-1"].password)
    assert desk1.subscribe("nojd/v1/desk-2/config").value >= REFUSED
    assert desk1.subscribe("nojd/v1/+/config").value >= REFUSED
    assert desk1.subscribe("nojd/v1/desk-1/config").value == 1
    # a terminal cannot write a config, its own or another's: the broker drops it
    desk2 = peer("desk-2", devices["desk-2"].password)
    for target in ("nojd/v1/desk-1/config", "nojd/v1/desk-2/config"):
        desk2.client.publish(target, b'{"v":1}', qos=1, retain=True).wait_for_publish(5)
    server = peer("nojd-server", SERVER_PASSWORD)
    server.client.publish("nojd/v1/desk-1/config", b"from the server", qos=1,
                          retain=True).wait_for_publish(5)  # fmt: skip
    assert wait_until(lambda: desk1.received, 10)
    assert desk1.received == [("nojd/v1/desk-1/config", b"from the server")]


def test_broker_update_gives_an_older_role_its_config_topic(broker_users, secured):
    _broker, devices, peer = broker_users
    role = "nojd-terminal-desk-1"
    with BrokerAdmin(secured.admin) as admin:  # a role as an older version made it
        for kind in ("subscribeLiteral", "publishClientReceive"):
            admin.run({"command": "removeRoleACL", "rolename": role, "acltype": kind,
                       "topic": "nojd/v1/desk-1/config"})  # fmt: skip
    desk1 = peer("desk-1", devices["desk-1"].password)
    assert desk1.subscribe("nojd/v1/desk-1/config").value >= REFUSED
    updated = run_nojd("broker", "update", "--admin", str(secured.admin_file))
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.strip() == f"updated 1 role(s): {role}"
    assert desk1.subscribe("nojd/v1/desk-1/config").value == 1
    again = run_nojd("broker", "update", "--admin", str(secured.admin_file))
    assert again.stdout.strip() == "updated 0 role(s)"  # only what was missing is added
