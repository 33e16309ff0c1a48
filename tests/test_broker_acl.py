"""The shipped broker ACL, with passwords from `nojd device add`, on a real Mosquitto."""

import subprocess
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from processes import Process, kiosk_config, outbox_rows, server_rows
from waiting import wait_until

from nojd.server.devices import add_device

ACL = Path(__file__).resolve().parent.parent / "firmware_config" / "mosquitto" / "nojd.acl"
CONF = ACL.with_name("nojd.conf")


def shipped_conf(passwd):
    """The shipped nojd.conf without its listeners and TLS files (the fixture gives its own
    listener), with the test's password file."""
    dropped = ("listener", "cafile", "certfile", "keyfile", "require_certificate",
               "per_listener_settings")  # fmt: skip
    lines = [line for line in CONF.read_text().splitlines() if not line.startswith(dropped)]
    text = "\n".join(lines) + "\n"
    return text.replace("/etc/mosquitto/nojd.passwd", str(passwd)).replace(
        "/etc/mosquitto/nojd.acl", str(ACL)
    )


class Peer:
    """A raw MQTT client that records what it receives."""

    def __init__(self, broker, user=None, password=None):
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
        )
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

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def secured(tmp_path, make_broker):
    passwd = tmp_path / "passwd"
    devices = {
        name: add_device(name, "kontaktcenter", "mqtt://127.0.0.1:1", passwd, tmp_path / "configs")
        for name in ("desk-1", "desk-2")
    }
    subprocess.run(
        ["mosquitto_passwd", "-b", str(passwd), "nojd-server", "server-secret"], check=True
    )
    broker = make_broker(extra=shipped_conf(passwd))
    peers = []

    def peer(user=None, password=None):
        peers.append(Peer(broker, user, password))
        return peers[-1]

    yield broker, devices, peer
    for each in peers:
        each.close()


def test_anonymous_and_wrong_passwords_are_refused(secured):
    _broker, devices, peer = secured
    assert peer().connack.is_failure
    assert peer("desk-1", "wrong").connack.is_failure
    assert not peer("desk-1", devices["desk-1"].password).connack.is_failure


def test_a_device_cannot_publish_as_another(secured):
    _broker, devices, peer = secured
    server = peer("nojd-server", "server-secret")
    server.client.subscribe("$share/nojd-ingest/nojd/v1/+/response", qos=1)
    assert wait_until(lambda: server.subacks, 10)
    desk1 = peer("desk-1", devices["desk-1"].password)
    desk1.client.publish("nojd/v1/desk-2/response", b"forged", qos=1).wait_for_publish(5)
    desk1.client.publish("nojd/v1/desk-1/response", b"own", qos=1).wait_for_publish(5)
    # The broker had taken the forged message before desk-1 sent its own, and it keeps the
    # order: had the forged one got through, it would be the first to arrive.
    assert wait_until(lambda: server.received, 10)
    assert server.received == [("nojd/v1/desk-1/response", b"own")]


def test_a_device_cannot_read_another_devices_acks(secured):
    _broker, devices, peer = secured
    desk1 = peer("desk-1", devices["desk-1"].password)
    desk1.client.subscribe("nojd/v1/desk-2/ack", qos=1)
    desk1.client.subscribe("nojd/v1/desk-1/ack", qos=1)
    assert wait_until(lambda: len(desk1.subacks) == 2, 10)
    server = peer("nojd-server", "server-secret")
    server.client.publish("nojd/v1/desk-2/ack", b'{"v":1,"seqs":[1]}', qos=1).wait_for_publish(5)
    server.client.publish("nojd/v1/desk-1/ack", b'{"v":1,"seqs":[2]}', qos=1).wait_for_publish(5)
    # desk-2's ack went first: had desk-1 been let read it, it would be the first to arrive
    assert wait_until(lambda: desk1.received, 10)
    assert desk1.received == [("nojd/v1/desk-1/ack", b'{"v":1,"seqs":[2]}')]


def test_delivery_through_the_acl_with_credentials(secured, tmp_path):
    broker, devices, _peer = secured
    db = tmp_path / "server.sqlite"
    config = tmp_path / "server.toml"
    config.write_text(
        f'[broker]\nurl = "{broker.url}"\nusername = "nojd-server"\npassword = "server-secret"\n',
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


def test_a_packet_over_64_kib_never_reaches_the_server(secured):
    """max_packet_size: a terminal's 200 KB publish disconnects it; 16 KB passes."""
    _broker, devices, peer = secured
    server = peer("nojd-server", "server-secret")
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
