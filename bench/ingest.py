"""Ingest benchmark: the broker's own rate beside ingest's, for the same messages, with C clients.

    .venv/bin/python bench/ingest.py [--messages 20000] [--devices 20] [--runs RUNS]
    .venv/bin/python bench/ingest.py --runs sqlite:1 --profile ingest.prof   # with py-spy

RUNS is STORE:WORKERS,... (default sqlite:1,postgresql:1,postgresql:2).

Each run starts a real Mosquitto on a free port, then:

1. **raw broker**: 20 ``mosquitto_pub -l -q 1`` processes (one per device) publish the
   messages, and one ``mosquitto_sub -q 1`` receives them; messages per second from the
   first line written to the last message received;
2. **ingest**: the same publishers send the same kind of messages to ``nojd server ingest``
   (1 or 2 workers, on a fresh SQLite store or a throwaway PostgreSQL database); responses
   per second from the first line written until the last one is committed *and* its ack
   has come back (a ``mosquitto_sub`` on ``nojd/v1/+/ack``), the ratio to the raw rate,
   and the p50/p99 ack latency (from writing a line to its ack arriving). With ``--rate``
   the lines to ingest are paced, for the latency under a load ingest keeps up with.

The lines are written from Python as fast as the pipes take them; a message is built
when its line is written, so the latency counts no time spent waiting in this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

NOJD = str(Path(sys.executable).with_name("nojd"))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
SEQ = re.compile(r'"seq":(\d+)')
LINE = (
    '{{"v":1,"id":"{id}","device":"{device}","seq":{seq},"site":"bench","survey":"service",'
    '"lang":"sv","at":"{at}","clock":"synced","answers":{{"wait_time":4,"reception":5,'
    '"trust":4,"overall":5}},"flags":[]}}\n'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\nmax_queued_messages 0\n"
        "max_inflight_messages 0\n"
    )
    broker = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def now_at() -> str:
    moment = time.time()
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1000):03d}Z"
    )


class Listener:
    """``mosquitto_sub -v`` on a topic filter; the arrival time of each (device, seq)."""

    def __init__(self, port: int, topic: str, acks: bool) -> None:
        self.arrived: dict[tuple[str, int], float] = {}
        self.lines = 0
        self.process = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-v", "-t", topic,
             "-t", "bench/probe"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.acks = acks
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            now = time.time()
            topic, _, payload = line.partition(" ")
            self.lines += 1
            if topic == "bench/probe":
                continue
            device = topic.split("/")[2]
            if self.acks:
                for seq in json.loads(payload)["seqs"]:
                    self.arrived.setdefault((device, seq), now)
            else:  # the seq without parsing the whole message: this reader must keep up
                found = SEQ.search(payload)
                if found:
                    self.arrived[(device, int(found.group(1)))] = now

    def ready(self, port: int) -> None:
        """Wait until the subscription holds: a probe comes back."""
        deadline = time.monotonic() + 10
        while self.lines == 0:
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
                            "-t", "bench/probe", "-m", "x"], check=True)  # fmt: skip
            time.sleep(0.1)
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto_sub did not subscribe")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def send(
    port: int, devices: int, per_device: int, first_seq: int, rate: float = 0
) -> dict[tuple[str, int], float]:
    """Write every device's lines into its own ``mosquitto_pub -l``, as fast as they go or
    ``rate`` lines a second in all; when each was written."""
    sent: dict[tuple[str, int], float] = {}
    publishers = []
    for number in range(devices):
        device = f"bench-{number}"
        publisher = subprocess.Popen(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-l",
             "-t", f"nojd/v1/{device}/response"],
            stdin=subprocess.PIPE, text=True,
        )  # fmt: skip
        publishers.append((device, publisher))

    def write(device: str, pipe: IO[str]) -> None:
        began = time.monotonic()
        for number, seq in enumerate(range(first_seq, first_seq + per_device)):
            if rate:  # this device's share of the rate, on a schedule that does not drift
                time.sleep(max(0.0, began + number * devices / rate - time.monotonic()))
            sent[(device, seq)] = time.time()
            pipe.write(LINE.format(id=uuid.uuid4(), device=device, seq=seq, at=now_at()))
            pipe.flush()
        pipe.close()

    writers = [threading.Thread(target=write, args=(device, publisher.stdin))
               for device, publisher in publishers]  # fmt: skip
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    for _, publisher in publishers:
        publisher.wait(120)
    return sent


def wait_for(arrived: dict[Any, float], wanted: dict[Any, float], timeout: float = 600) -> None:
    """Until every key of ``wanted`` has arrived."""
    deadline = time.monotonic() + timeout
    while any(key not in arrived for key in wanted):
        if time.monotonic() > deadline:
            missing = sum(key not in arrived for key in wanted)
            raise RuntimeError(f"{missing} of {len(wanted)} did not arrive")
        time.sleep(0.05)


def run(
    store: str, workers: int, count: int, devices: int, profile: str | None, rate: float = 0
) -> dict[str, Any]:
    per_device = count // devices
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        broker, port = start_broker(folder)
        ingests: list[subprocess.Popen[bytes]] = []
        postgres = None
        try:
            raw = Listener(port, "nojd/v1/+/response", acks=False)
            raw.ready(port)
            sent = send(port, devices, per_device, 1)
            wait_for(raw.arrived, sent)
            raw_seconds = max(raw.arrived.values()) - min(sent.values())
            raw.close()

            if store == "sqlite":
                db = f"sqlite:///{folder / 'server.sqlite'}"
            else:
                from postgres import Postgres  # type: ignore[import-not-found]  # tests/

                postgres = Postgres().start()
                db = postgres.database()
            config = folder / "ingest.toml"  # the bench's fixed-date probe is plausible too
            config.write_text("[ingest]\npast_days = 36500\nfuture_hours = 87600\n")
            for worker in range(workers):
                ingests.append(subprocess.Popen(
                    [NOJD, "server", "ingest", "--config", str(config), "--broker",
                     f"mqtt://127.0.0.1:{port}", "--db", db, "--client-id",
                     f"bench-ingest-{worker}", "--log-level", "WARNING"], env={**os.environ},
                ))  # fmt: skip
            acks = Listener(port, "nojd/v1/+/ack", acks=True)
            acks.ready(port)
            while ("bench-0", 1) not in acks.arrived:  # ingest is listening once one is acked
                send(port, 1, 1, 1)
                time.sleep(0.2)
            spy = None
            if profile:
                spy = subprocess.Popen(
                    [str(Path(sys.executable).with_name("py-spy")), "record", "-o", profile,
                     "--format", "raw", "--pid", str(ingests[0].pid), "--threads", "--subprocesses",
                     "--rate", "250"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(1)
            sent = send(port, devices, per_device, 2, rate)
            wait_for(acks.arrived, sent)
            if spy is not None:
                spy.send_signal(2)
                spy.wait(60)
            latencies = sorted(acks.arrived[key] - at for key, at in sent.items())
            ingest_seconds = max(acks.arrived[key] for key in sent) - min(sent.values())
            acks.close()
        finally:
            for process in ingests:
                process.terminate()
                process.wait(30)
            broker.terminate()
            broker.wait(10)
            if postgres is not None:
                postgres.stop()
    total = devices * per_device
    raw_rate, ingest_rate = total / raw_seconds, total / ingest_seconds
    return {
        "store": store, "workers": workers, "messages": total, "raw": raw_rate,
        "ingest": ingest_rate, "ratio": ingest_rate / raw_rate,
        "p50": statistics.median(latencies), "p99": latencies[int(len(latencies) * 0.99) - 1],
    }  # fmt: skip


def main() -> None:
    # stopped (timeout, kill): the finally blocks stop the broker and the ingest workers
    signal.signal(signal.SIGTERM, lambda *args: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument(
        "--runs",
        default="sqlite:1,postgresql:1,postgresql:2",
        help="STORE:WORKERS,... (default sqlite:1,postgresql:1,postgresql:2)",
    )
    parser.add_argument(
        "--rate", type=float, default=0,
        help="send to ingest at this many messages/s in all (default: as fast as they go)",
    )  # fmt: skip
    parser.add_argument(
        "--profile",
        help="record ingest's first worker with py-spy to this "
        "file (collapsed stacks; bench/profile_top.py sums them)",
    )
    args = parser.parse_args()
    print("| store | workers | messages | raw broker | ingest, committed and acked | ratio "
          "| ack p50 | ack p99 |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for spec in args.runs.split(","):
        store, workers = spec.split(":")
        got = run(store, int(workers), args.messages, args.devices, args.profile, args.rate)
        print(f"| {got['store']} | {got['workers']} | {got['messages']} | {got['raw']:,.0f}/s "
              f"| {got['ingest']:,.0f}/s | {got['ratio']:.2f} | {got['p50'] * 1000:.0f} ms "
              f"| {got['p99'] * 1000:.0f} ms |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
