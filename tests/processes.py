"""Real processes for end-to-end tests: a Mosquitto broker on a free port, nojd servers and kiosks."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from waiting import wait_until

NOJD = str(Path(sys.executable).with_name("nojd"))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Broker:
    """A Mosquitto of our own: its own config, port, persistence folder and log."""

    def __init__(self, folder: Path, extra: str = "", port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"persistence true\npersistence_location {folder}/\n"
            f"log_dest file {folder}/mosquitto.log\nlog_type all\n"
            # as root, stay root: the test's files belong to root
            "user root\n" + (extra or "allow_anonymous true\n"),
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Broker:
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stderr=subprocess.DEVNULL
        )
        assert wait_until(self._listening, 10), "mosquitto did not start"
        return self

    def _listening(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError((self.folder / "mosquitto.log").read_text(errors="replace")[-2000:])
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Process:
    """A nojd process whose stdout lines arrive on a queue (JSON lines are parsed)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [NOJD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy", **(env or {})},
        )  # fmt: skip
        self.lines: queue.Queue[Any] = queue.Queue()  # JSON objects and text lines, None at the end
        self.errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None  # stdout=PIPE
        for line in self.process.stdout:
            self.lines.put(json.loads(line) if line.startswith("{") else line)
        self.lines.put(None)

    def _read_errors(self) -> None:
        assert self.process.stderr is not None  # stderr=PIPE
        for line in self.process.stderr:
            self.errors.append(line)

    @property
    def log(self) -> str:
        return "".join(self.errors)

    def take(self, count: int, timeout: float = 60) -> list[Any]:
        taken = []
        for _ in range(count):
            item = self.lines.get(timeout=timeout)
            if item is None:
                break
            taken.append(item)
        return taken

    def rest(self, timeout: float = 120) -> list[Any]:
        """Everything printed until the process's stdout closed."""
        taken = []
        while (item := self.lines.get(timeout=timeout)) is not None:
            taken.append(item)
        return taken

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for reader in self._readers:
            reader.join(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


KIOSK = """
device = "{device}"
site = "{site}"
data_dir = "{data}"
broker = "{broker}"
[session]
response_interval = 0.01
inactivity_timeout = 1
settle_time = 0
rapid_repeat_limit = 100000
[uplink]
resend_after = {resend_after}
heartbeat = 5
{uplink}
"""


def kiosk_config(folder: Path, device: str, broker: str, site: str = "kontaktcenter",
                 resend_after: float = 2, uplink: str = "") -> Path:  # fmt: skip
    path = folder / f"{device}.toml"
    path.write_text(
        KIOSK.format(device=device, site=site, data=folder / device, broker=broker,
                     resend_after=resend_after, uplink=uplink),
        encoding="utf-8",
    )  # fmt: skip
    return path


def outbox_rows(data: Path) -> list[tuple[str, int, str, str | None]]:
    """``(device, seq, id, acked_at)`` of every row of a kiosk's outbox."""
    with sqlite3.connect(data / "outbox.sqlite") as db:
        return db.execute("SELECT device, seq, id, acked_at FROM responses ORDER BY seq").fetchall()


def most_sends(data: Path) -> int:
    """The largest number of times one row of a kiosk's outbox was sent."""
    with sqlite3.connect(data / "outbox.sqlite") as db:
        return db.execute("SELECT max(send_count) FROM responses").fetchone()[0] or 0


def query(db: Path | str, sql: str) -> list[tuple[Any, ...]] | None:
    """The rows of ``sql`` in a server's database, read around nojd: a SQLite file (its
    path or URL) or a PostgreSQL URL; None while its tables do not exist yet."""
    url = str(db)
    if url.startswith("postgresql://"):
        try:
            with psycopg.connect(url) as connection:
                return [tuple(row) for row in connection.execute(sql).fetchall()]
        except psycopg.errors.UndefinedTable:
            return None
    path = Path(url.removeprefix("sqlite://"))
    if not path.exists():
        return None
    try:
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created, or not migrated yet
        return None


def server_rows(db: Path | str) -> list[tuple[str, int, str]]:
    """``(device, seq, id)`` of every response the server stored."""
    return query(db, "SELECT device, seq, id FROM responses ORDER BY device, seq") or []


def db_url(db: Path | str) -> str:
    """A store's URL, for ``--db``, from a SQLite path or a URL."""
    return db if isinstance(db, str) else f"sqlite:///{db}"


class Publisher:
    """A raw client that publishes anything and listens to acks."""

    def __init__(self, broker):
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
        )
        self.acks: list[list[int]] = []
        self.acked: list[tuple[str, int]] = []  # (device, seq) of every ack
        self.ready = threading.Event()
        self.client.on_connect = lambda *a: self.ready.set()
        self.client.on_subscribe = lambda *a: self.ready.set()
        self.client.on_message = self._ack
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.ready.wait(10)
        self.ready.clear()
        self.client.subscribe("nojd/v1/+/ack", qos=1)
        assert self.ready.wait(10)

    def _ack(self, client, userdata, message):
        seqs = json.loads(message.payload)["seqs"]
        self.acks.append(seqs)
        self.acked.extend((message.topic.split("/")[2], seq) for seq in seqs)

    def send(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def listening(publisher: Publisher, db: Path | str, timeout: float = 30) -> bool:
    """Whether ingest listens: a retained status published now reaches its store in time."""
    probe = (
        b'{"v":1,"state":"online","at":"2026-11-22T09:00:00.000Z","backlog":0,"version":"probe"}'
    )
    publisher.send("nojd/v1/probe/status", probe, retain=True)

    return wait_until(
        lambda: bool(query(db, "SELECT 1 FROM devices WHERE device = 'probe'")), timeout
    )


@contextmanager
def running_ingest(folder: Path, db: Path | str | None = None):
    """A broker, a `nojd server ingest` on a fresh store (SQLite in ``folder`` unless
    ``db`` names another), and a raw publisher, all listening."""
    broker = Broker(folder / "broker").start()
    db = folder / "server.sqlite" if db is None else db
    # The tests' answers are on fixed dates, years apart: any time is plausible here.
    config = folder / "ingest.toml"
    config.write_text("[ingest]\npast_days = 36500\nfuture_hours = 87600\n", encoding="utf-8")
    ingest = Process("server", "ingest", "--config", str(config), "--broker", broker.url,
                     "--db", db_url(db))  # fmt: skip
    publisher = Publisher(broker)
    try:
        assert listening(publisher, db), ingest.log
        yield broker, db, ingest, publisher
    finally:
        publisher.close()
        ingest.close()
        broker.stop()
