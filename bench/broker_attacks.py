"""Attacks with terminals' own credentials, on the broker setup before the dynamic-security
plugin (password file, ``acl_file``, no size limit) and on the shipped one.

    .venv/bin/python bench/broker_attacks.py

1. shared subscriptions: nine terminals subscribe to ``$share/nojd-ingest/nojd/v1/+/response``,
   then a tenth sends 200 responses once (QoS 1, no resend); how many a real
   ``nojd server ingest`` stored.
2. client-id takeover: a terminal connects with another terminal's client id; whether the
   victim was disconnected.
3. size: three 200 MB publishes from a terminal; the resident memory of the broker and of
   the ingest process before, and its peak after.
"""

from __future__ import annotations

import glob
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from ingest import free_port
from paho.mqtt.enums import CallbackAPIVersion

from nojd.server.broker_admin import load_admin
from nojd.server.broker_file import init_broker
from nojd.server.devices import add_device
from nojd.survey import build_response, default_survey, encode
from nojd.survey.topics import encode_status

ROOT = Path(__file__).resolve().parent.parent
NOJD = str(Path(sys.executable).with_name("nojd"))
SERVER_PASSWORD = "bench-server"
#: The ACL nojd shipped before the plugin (firmware_config/mosquitto/nojd.acl).
OLD_ACL = """user nojd-server
topic read nojd/v1/+/response
topic read nojd/v1/+/status
topic write nojd/v1/+/ack
pattern write nojd/v1/%u/response
pattern write nojd/v1/%u/status
pattern read nojd/v1/%u/ack
"""
TERMINALS = [f"thief-{n}" for n in range(9)] + ["victim", "desk"]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS), or its peak so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


class Setup:
    """A broker with one of the two setups, and each terminal's password."""

    def __init__(self, folder: Path, plugin: bool) -> None:
        folder.mkdir(parents=True)
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        conf = f"listener {self.port} 127.0.0.1\nuser root\nper_listener_settings false\n"
        conf += "allow_anonymous false\nmax_queued_messages 10000\n"
        self.passwords: dict[str, str] = {}
        if plugin:
            shipped = (ROOT / "firmware_config/mosquitto/nojd.conf").read_text()
            [library] = glob.glob("/usr/lib/*/mosquitto_dynamic_security.so")
            wanted = ("plugin", "max_packet")
            kept = "\n".join(line for line in shipped.splitlines() if line.startswith(wanted))
            kept = kept.replace("/usr/lib/@MULTIARCH@/mosquitto_dynamic_security.so", library)
            conf += kept.replace("/var/lib/mosquitto/nojd-dynsec.json", str(folder / "dynsec.json"))
            conf += "\n"
            init_broker(folder / "dynsec.json", folder / "admin.toml", SERVER_PASSWORD, "nojd/v1",
                        self.url)  # fmt: skip
        else:
            passwd = folder / "passwd"
            passwd.touch(mode=0o600)
            for name in ["nojd-server", *TERMINALS]:
                password = SERVER_PASSWORD if name == "nojd-server" else uuid.uuid4().hex
                subprocess.run(["mosquitto_passwd", "-b", str(passwd), name, password], check=True)
                self.passwords[name] = password
            (folder / "acl").write_text(OLD_ACL)
            conf += f"password_file {passwd}\nacl_file {folder / 'acl'}\n"
        (folder / "mosquitto.conf").write_text(conf)
        self.broker = subprocess.Popen(["mosquitto", "-c", str(folder / "mosquitto.conf")],
                                       stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(0.5)
        if plugin:
            admin, _ = load_admin(folder / "admin.toml")
            for name in TERMINALS:
                made = add_device(name, "kontaktcenter", self.url, admin, folder / "configs")
                self.passwords[name] = made.password
        server = folder / "server.toml"
        server.write_text(f'[broker]\nurl = "{self.url}"\nusername = "nojd-server"\n'
                          f'password = "{SERVER_PASSWORD}"\n')  # fmt: skip
        self.db = folder / "server.sqlite"
        command = [
            NOJD,
            "server",
            "ingest",
            "--config",
            str(server),
            "--db",
            f"sqlite:///{self.db}",
        ]
        self.ingest = subprocess.Popen(command, stderr=subprocess.DEVNULL)

    def client(
        self, user: str, client_id: str | None = None
    ) -> tuple[mqtt.Client, list[tuple[str, object]]]:
        events: list[tuple[str, object]] = []
        made = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5,
                           client_id=client_id or f"nojd-kiosk-{user}")  # fmt: skip
        made.username_pw_set(user, self.passwords[user])
        made.on_connect = lambda c, u, f, reason, p: events.append(("connect", reason))
        made.on_disconnect = lambda c, u, f, reason, p: events.append(("disconnect", reason))
        made.connect("127.0.0.1", self.port)
        made.loop_start()
        wait(lambda: events, 10)
        return made, events

    def stored(self) -> int:
        import sqlite3

        if not self.db.exists():
            return 0
        with sqlite3.connect(self.db) as db:
            try:
                return int(db.execute("SELECT count(*) FROM responses").fetchone()[0])
            except sqlite3.OperationalError:
                return 0

    def close(self) -> None:
        for process in (self.ingest, self.broker):
            process.terminate()
            process.wait(10)


def shared(setup: Setup) -> int:
    for name in TERMINALS[:9]:
        thief, _ = setup.client(name)
        thief.subscribe("$share/nojd-ingest/nojd/v1/+/response", qos=1)
    desk, _ = setup.client("desk")
    desk.publish("nojd/v1/desk/status", encode_status("online", datetime.now(UTC), 0, "bench"),
                 qos=1, retain=True)  # fmt: skip
    import sqlite3

    def listening() -> bool:
        if not setup.db.exists():
            return False
        with sqlite3.connect(setup.db) as db:
            try:
                return bool(db.execute("SELECT 1 FROM devices WHERE device = 'desk'").fetchall())
            except sqlite3.OperationalError:
                return False

    assert wait(listening, 30), "ingest did not start"
    survey = default_survey()
    for seq in range(1, 201):
        answer = build_response(survey, device="desk", seq=seq, site="kontaktcenter", lang="sv",
                                answers={"overall": 4})  # fmt: skip
        desk.publish("nojd/v1/desk/response", encode(answer), qos=1)
    last, since = -1, time.monotonic()
    while time.monotonic() - since < 5:  # until nothing more arrives for 5 s
        if setup.stored() != last:
            last, since = setup.stored(), time.monotonic()
        time.sleep(0.2)
    return last


def takeover(setup: Setup) -> bool:
    _, victim = setup.client("victim")
    setup.client("thief-0", client_id="nojd-kiosk-victim")
    return wait(lambda: any(kind == "disconnect" for kind, _ in victim), 3)


def size(setup: Setup) -> tuple[float, float, float, float]:
    before = rss_mb(setup.broker.pid), rss_mb(setup.ingest.pid)
    sender, events = setup.client("thief-1")
    big = b"x" * 200_000_000
    for _ in range(3):
        if any(kind == "disconnect" for kind, _ in events):
            sender, events = setup.client("thief-1")
        sender.publish("nojd/v1/thief-1/response", big, qos=1)
        time.sleep(3)  # a bench, not a test: let the broker take it and pass it on
    time.sleep(5)
    return (before[0], rss_mb(setup.broker.pid, "VmHWM"), before[1],
            rss_mb(setup.ingest.pid, "VmHWM"))  # fmt: skip


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for plugin in (False, True):
            name = "plugin (shipped)" if plugin else "acl_file (before)"
            setup = Setup(Path(folder) / name.split()[0], plugin)
            try:
                stored = shared(setup)
                dropped = takeover(setup)
                broker_before, broker_after, ingest_before, ingest_after = size(setup)
            finally:
                setup.close()
            rows.append(
                f"| {name} | {stored} of 200 | {'yes' if dropped else 'no'} | "
                f"{broker_before:.0f} → {broker_after:.0f} MB | "
                f"{ingest_before:.0f} → {ingest_after:.0f} MB |"
            )
    print(
        "| broker setup | stored with 9 `$share` intruders | victim disconnected by its id | "
        "broker memory, 3 × 200 MB (before → peak) | ingest memory (before → peak) |"
    )
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
