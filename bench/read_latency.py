"""Ack latency while the dashboard is read: do reads hold up ingest?

    .venv/bin/python bench/read_latency.py [--db URL] [--messages 600] [--rate 50]

A real Mosquitto and a real ``nojd server run`` (ingest and web in one process) on a
fresh store: SQLite in a temporary folder, or the PostgreSQL database ``--db`` names
(an empty one). Responses are published one by one at ``--rate`` per second; the ack
latency of each is the time from its publish to its ack on ``nojd/v1/<device>/ack``.
It is measured twice: with nobody reading, then while ``--readers`` clients log in
and load the Terminaler page (``/devices``) in a loop. Prints p50, p99 and max.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).parent))
from ingest import free_port, start_broker

from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
PASSWORD = "ett-långt-lösenord"


class Acks:
    """Publish one response at a time and time its ack."""

    def __init__(self, port: int) -> None:
        self.arrived: dict[int, float] = {}
        self.changed = threading.Condition()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
        )
        self.client.on_message = self._ack
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("nojd/v1/+/ack", qos=1)
        self.client.loop_start()
        self.seq = 0

    def _ack(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now = time.perf_counter()
        seqs = [int(s) for s in re.findall(rb"\d+", message.payload.split(b'"seqs"')[1])]
        with self.changed:
            for seq in seqs:
                self.arrived.setdefault(seq, now)
            self.changed.notify_all()

    def run(self, count: int, rate: float) -> list[float]:
        """Latencies in milliseconds of ``count`` responses sent at ``rate`` per second."""
        sent: dict[int, float] = {}
        for _ in range(count):
            self.seq += 1
            response = build_response(
                default_survey(), device="bench-1", seq=self.seq, site="s", lang="sv",
                answers={"overall": 4},
            )  # fmt: skip
            sent[self.seq] = time.perf_counter()
            self.client.publish("nojd/v1/bench-1/response", encode(response), qos=1)
            time.sleep(1 / rate)  # pacing the load, not waiting for a result
        with self.changed:
            done = self.changed.wait_for(lambda: all(s in self.arrived for s in sent), 120)
        assert done, f"{sum(s not in self.arrived for s in sent)} responses never acked"
        return [(self.arrived[seq] - at) * 1000 for seq, at in sent.items()]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def read_in_a_loop(base: str, stop: threading.Event, loads: list[int]) -> None:
    with requests.Session() as browser:
        browser.post(f"{base}/login", data={"name": "admin", "password": PASSWORD}, timeout=30)
        while not stop.is_set():
            page = browser.get(f"{base}/devices", timeout=30)
            assert page.status_code == 200, page.status_code
            loads.append(1)


def summary(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<28} n={len(ordered)}  p50 {statistics.median(ordered):7.1f} ms  "
        f"p99 {p99:7.1f} ms  max {ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--readers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        broker, port = start_broker(folder)
        db = args.db or f"sqlite:///{folder / 'server.sqlite'}"
        web = free_port()
        subprocess.run(
            [NOJD, "server", "user", "add", "admin", "--db", db],
            input=PASSWORD, text=True, check=True, capture_output=True,
        )  # fmt: skip
        server = subprocess.Popen(
            [NOJD, "server", "run", "--broker", f"mqtt://127.0.0.1:{port}", "--db", db,
             "--listen", f"127.0.0.1:{web}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "NOTIFY_SOCKET": ""},
        )  # fmt: skip
        base = f"http://127.0.0.1:{web}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    time.sleep(0.1)  # polling for the server to listen
            acks = Acks(port)
            acks.run(50, args.rate)  # warm up: the store, the connections
            quiet = acks.run(args.messages, args.rate)
            stop, loads = threading.Event(), list[int]()
            readers = [
                threading.Thread(target=read_in_a_loop, args=(base, stop, loads))
                for _ in range(args.readers)
            ]
            for reader in readers:
                reader.start()
            started = time.perf_counter()
            busy = acks.run(args.messages, args.rate)
            elapsed = time.perf_counter() - started
            stop.set()
            for reader in readers:
                reader.join(30)
            acks.close()
        finally:
            server.terminate()
            server.wait(30)
            broker.terminate()
            broker.wait(30)
    print(f"store: {'PostgreSQL' if args.db else 'SQLite'}; {args.rate:g} responses/s")
    print(summary("no readers", quiet))
    print(summary(f"{args.readers} readers of /devices", busy))
    print(f"page loads meanwhile: {len(loads)} ({len(loads) / elapsed:.0f}/s)")


if __name__ == "__main__":
    main()
