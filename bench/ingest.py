"""Ingest benchmark: raw broker rate beside ingest rate for the same messages; a backlog drain.

    .venv/bin/python bench/ingest.py [--messages 10000]

1. raw broker: one client publishes the messages (QoS 1) to a real Mosquitto,
   another receives them; messages per second until the last arrived.
2. ingest: the same messages to a real ``nojd server ingest`` process (fresh
   SQLite store); responses per second until the last was committed *and*
   acked back on ``nojd/v1/<device>/ack``.
3. backlog: a kiosk outbox holding 10,000 responses and the kiosk's uplink
   (defaults: 100 in flight), against that same ingest; seconds until every row
   is acknowledged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from nojd.kiosk.clock import ManualClock
from nojd.kiosk.config import UplinkConfig
from nojd.kiosk.outbox import Outbox
from nojd.kiosk.uplink import Uplink
from nojd.mqtt import BrokerSettings
from nojd.survey import Response, build_response, default_survey, encode

SURVEY = default_survey()
DEVICES = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\nmax_queued_messages 0\n"
    )
    broker = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)],
                              stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def messages(count: int) -> list[tuple[str, bytes]]:
    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    made = []
    for index in range(count):
        device, seq = f"bench-{index % DEVICES}", index // DEVICES + 1
        response = build_response(
            SURVEY, device=device, seq=seq, site="bench", lang="sv",
            answers={"wait_time": 4, "reception": 5, "trust": 4, "overall": 5}, at=at,
        )  # fmt: skip
        made.append((f"nojd/v1/{device}/response", encode(response)))
    return made


def kiosk_response(at: datetime) -> Callable[[int], Response]:
    """What the bench kiosk's outbox builds, with the seq it takes, for a response at ``at``."""
    return lambda seq: build_response(
        SURVEY, device="bench-kiosk", seq=seq, site="bench", lang="sv", answers={"overall": 5},
        at=at,
    )  # fmt: skip


class Counter:
    """A client that counts what arrives on a topic filter (acks count their seqs)."""

    def __init__(self, port: int, topic: str, expected: int, count_seqs: bool = False) -> None:
        self.expected = expected
        self.seen = 0
        self.done = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
        )
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()

        def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
            self.seen += len(json.loads(message.payload)["seqs"]) if count_seqs else 1
            if self.seen >= self.expected:
                self.done.set()

        self.client.on_message = on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        subscribed.wait(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publish_all(port: int, batch: list[tuple[str, bytes]]) -> float:
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    infos = [client.publish(topic, payload, qos=1) for topic, payload in batch]
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()
    return started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    batch = messages(args.messages)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        broker, port = start_broker(folder)
        ingest = None
        try:
            raw = Counter(port, "nojd/v1/+/response", len(batch))
            started = publish_all(port, batch)
            raw.done.wait(300)
            raw_seconds = time.perf_counter() - started
            raw.close()

            nojd = str(Path(sys.executable).with_name("nojd"))
            db = folder / "server.sqlite"
            ingest = subprocess.Popen(
                [nojd, "server", "ingest", "--broker", f"mqtt://127.0.0.1:{port}", "--db", f"sqlite:///{db}",
                 "--log-level", "WARNING"], env={**os.environ},
            )  # fmt: skip
            acks = Counter(port, "nojd/v1/+/ack", len(batch), count_seqs=True)
            probe = Counter(port, "nojd/v1/probe/ack", 1, count_seqs=True)
            ping = messages(1)[0][1].replace(b'"bench-0"', b'"probe"')
            while not probe.done.is_set():  # ingest is listening once a probe is acked
                publish_all(port, [("nojd/v1/probe/response", ping)])
                probe.done.wait(0.5)
            probe.close()
            acks.seen = 0
            started = publish_all(port, batch)
            acks.done.wait(600)
            ingest_seconds = time.perf_counter() - started
            acks.close()

            clock = ManualClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
            with Outbox(folder / "kiosk", "bench-kiosk") as outbox:
                for _ in range(10_000):
                    stamp = clock.stamp()
                    outbox.commit(kiosk_response(stamp.at), stamp)
                settings = UplinkConfig(BrokerSettings(f"mqtt://127.0.0.1:{port}"))
                uplink = Uplink(settings, "bench-kiosk", outbox, SURVEY, clock)
                started = time.perf_counter()
                uplink.start()
                uplink.drained.wait(600)
                drain_seconds = time.perf_counter() - started
                uplink.stop()
        finally:
            if ingest is not None:
                ingest.terminate()
                ingest.wait(30)
            broker.terminate()
            broker.wait(10)
    count = len(batch)
    print(f"raw broker, {count} messages QoS 1: {count / raw_seconds:.0f} messages/s")
    print(f"  ({raw_seconds:.2f} s from the first publish to the last delivery)")
    print(f"ingest, the same {count} committed and acked: {count / ingest_seconds:.0f} responses/s")
    print(f"  ({ingest_seconds:.2f} s from the first publish to the last ack)")
    print(f"kiosk backlog of 10000 drained through the uplink: {drain_seconds:.1f} s")


if __name__ == "__main__":
    main()
