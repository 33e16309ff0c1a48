"""How many QoS 1 messages a bare paho subscriber takes in one Python process: the ceiling
of any ingest that receives with paho in the process that also commits.

    .venv/bin/python bench/paho_ceiling.py [--messages 20000]

The same publishers as bench/ingest.py (20 ``mosquitto_pub -l -q 1``), and a paho client
(MQTT 5, then 3.1.1) whose ``on_message`` only counts.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from ingest import LINE, now_at, start_broker
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

DEVICES = 20


def measure(port: int, protocol: MQTTProtocolVersion, count: int) -> float:
    """Messages per second into a paho subscriber that only counts them."""
    got = [0]
    done, subscribed = threading.Event(), threading.Event()
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=protocol,
                         client_id=f"ceiling-{protocol}")  # fmt: skip

    def counted(client: mqtt.Client, userdata: object, message: object) -> None:
        got[0] += 1
        if got[0] >= count:
            done.set()

    client.on_message = counted
    client.on_subscribe = lambda *args: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe("nojd/v1/+/response", qos=1)
    subscribed.wait(10)
    lines = [
        "".join(LINE.format(id=uuid.uuid4(), device=f"d{n}", seq=seq, at=now_at())
                for seq in range(1, count // DEVICES + 1))
        for n in range(DEVICES)
    ]  # fmt: skip
    publishers = [
        subprocess.Popen(["mosquitto_pub", "-p", str(port), "-q", "1", "-l", "-t",
                          f"nojd/v1/d{n}/response"], stdin=subprocess.PIPE, text=True)
        for n in range(DEVICES)
    ]  # fmt: skip
    started = time.perf_counter()
    for publisher, text in zip(publishers, lines, strict=True):
        assert publisher.stdin is not None
        publisher.stdin.write(text)
        publisher.stdin.close()
    done.wait(300)
    seconds = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    for publisher in publishers:
        publisher.wait(60)
    return got[0] / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    count = args.messages // DEVICES * DEVICES
    with tempfile.TemporaryDirectory() as scratch:
        broker, port = start_broker(Path(scratch))
        try:
            for name, protocol in (("MQTT 5", mqtt.MQTTv5), ("MQTT 3.1.1", mqtt.MQTTv311)):
                print(f"{name}: {measure(port, protocol, count):,.0f} messages/s")
        finally:
            broker.terminate()
            broker.wait(10)


if __name__ == "__main__":
    main()
