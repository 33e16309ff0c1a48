"""sd_notify and journald levels, with real nojd processes and a real notify socket."""

import socket
import time

import pytest
from processes import Process, free_port, kiosk_config

WATCHDOG_USEC = "400000"  # 0.4 s: a kick every 0.2 s


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    yield sock, str(path)
    sock.close()


def messages(sock, until, timeout=30.0):
    """Notify messages received until ``until(received)`` holds or the deadline passes."""
    received: list[str] = []
    deadline = time.monotonic() + timeout
    while not until(received) and time.monotonic() < deadline:
        try:
            received.append(sock.recv(4096).decode())
        except TimeoutError:
            continue
    return received


def test_the_kiosk_says_ready_and_kicks_the_watchdog(tmp_path, notify_socket):
    sock, path = notify_socket
    config = kiosk_config(tmp_path, "desk-1", "")
    kiosk = Process(
        "kiosk", "run", "--config", str(config),
        env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": WATCHDOG_USEC,
             "GPIOZERO_PIN_FACTORY": "mock"},
    )  # fmt: skip
    try:
        got = messages(sock, lambda r: sum(m == "WATCHDOG=1" for m in r) >= 3)
        assert got and got[0].startswith("READY=1\nSTATUS=serving visitors"), (got, kiosk.log)
        assert got.count("WATCHDOG=1") >= 3, kiosk.log
    finally:
        kiosk.terminate()
        kiosk.close()


def test_the_server_says_ready_when_it_listens(tmp_path, notify_socket, broker):
    sock, path = notify_socket
    port = free_port()
    server = Process(
        "server", "run", "--broker", broker.url, "--db", f"sqlite:///{tmp_path / 's.sqlite'}",
        "--listen", f"127.0.0.1:{port}",
        env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": WATCHDOG_USEC, "JOURNAL_STREAM": "8:1"},
    )  # fmt: skip
    try:
        got = messages(sock, lambda r: sum(m == "WATCHDOG=1" for m in r) >= 2)
        assert got and got[0] == f"READY=1\nSTATUS=ingest running; dashboard on 127.0.0.1:{port}"
        assert got.count("WATCHDOG=1") >= 2
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens when it says so
    finally:
        server.terminate()
        server.close()
    # under journald every line carries its syslog priority: <6> info, <4> warning
    lines = [line for line in server.log.splitlines() if line.strip()]
    assert any(
        line.startswith("<6>INFO nojd.server: dashboard and API listening") for line in lines
    )
    assert all(line[:3] in ("<2>", "<3>", "<4>", "<6>", "<7>") for line in lines), lines


def test_without_systemd_nothing_is_sent(monkeypatch):
    from nojd.systemd import Watchdog, notify

    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert notify("READY=1") is False
    assert Watchdog().interval is None and Watchdog().wait_limit(3600) == 3600
