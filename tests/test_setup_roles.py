"""`./setup.sh kiosk` and `./setup.sh server` pointed at a temporary root (DESTDIR): the files
they write, run twice, checked by systemd-analyze and used for real by Mosquitto and nojd."""

import base64
import glob
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from processes import NOJD, Process, free_port, query, server_rows
from waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
UNITS = ("/etc/systemd/system/nojd-kiosk.service", "/etc/systemd/system/nojd-server.service")


def setup(role, destdir, **env):
    result = run_setup(role, destdir, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def run_setup(role, destdir, **env):
    return subprocess.run(
        [str(ROOT / "setup.sh"), role], capture_output=True, text=True, timeout=300,
        env={**os.environ, "DESTDIR": str(destdir), **env},
    )  # fmt: skip


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    before = {unit: Path(unit).exists() for unit in UNITS}
    root = tmp_path_factory.mktemp("root")
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/cmdline.txt").write_text("console=tty1 root=PARTUUID=1 rootwait\n")
    runs = {role: [setup(role, root), setup(role, root)] for role in ("kiosk", "server")}
    yield root, runs
    # nothing outside the temporary root was written
    assert {unit: Path(unit).exists() for unit in UNITS} == before


def test_the_kiosk_role_writes_config_unit_and_console_settings(roots):
    root, runs = roots
    first, second = runs["kiosk"]
    config = root / "etc/nojd/kiosk.toml"
    assert config.read_text() == (ROOT / "firmware_config/kiosk.example.toml").read_text()
    assert mode(config) == 0o640 and (root / "var/lib/nojd").is_dir()
    unit = (root / "etc/systemd/system/nojd-kiosk.service").read_text()
    assert f"ExecStart={ROOT}/.venv/bin/nojd kiosk run --config /etc/nojd/kiosk.toml" in unit
    for line in (
        "Type=notify",
        "WatchdogSec=30",
        "Restart=always",
        "User=nojd",
        "Environment=SDL_VIDEODRIVER=kmsdrm",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/nojd",
        "NoNewPrivileges=true",
        "PrivateTmp=true",
    ):
        assert line in unit.splitlines(), line  # fmt: skip
    assert (root / "boot/firmware/cmdline.txt").read_text().count("consoleblank=0") == 1
    # the device groups named in the unit all exist here: a missing one would stop the unit
    [groups] = [line for line in unit.splitlines() if line.startswith("SupplementaryGroups=")]
    named = groups.removeprefix("SupplementaryGroups=").split()
    gpio = subprocess.run(["getent", "group", "gpio"], capture_output=True).returncode == 0
    assert named == ["video", "render", "input", *(["gpio"] if gpio else [])]
    assert "WorkingDirectory=/var/lib/nojd" in unit.splitlines()  # lgpio writes a pipe there
    # it says what it did and what comes next; the second run keeps what exists
    assert f"wrote {config}" in first and "next: set device, site, broker" in first
    assert f"kept {config} (exists)" in second and "unchanged" in second
    assert "skipped under DESTDIR: systemctl enable nojd-kiosk.service" in first


def test_the_server_role_writes_broker_tls_unit_and_an_admin(roots):
    root, runs = roots
    first, second = runs["server"]
    config = (root / "etc/nojd/server.toml").read_text()
    [password] = re.findall(r'^password = "([0-9a-f]{48})"', config, re.MULTILINE)
    # the broker's users: the plugin's file, with the server's password from server.toml
    plugin_file = root / "var/lib/mosquitto/nojd-dynsec.json"
    assert mode(plugin_file) == 0o600 and mode(root / "etc/nojd/broker-admin.toml") == 0o600
    clients = {each["username"]: each for each in json.loads(plugin_file.read_text())["clients"]}
    assert sorted(clients) == ["nojd-admin", "nojd-server"]
    assert stored_password_is(clients["nojd-server"], password)
    admin = re.findall(r'^password = "(.+)"', (root / "etc/nojd/broker-admin.toml").read_text(),
                       re.MULTILINE)  # fmt: skip
    assert stored_password_is(clients["nojd-admin"], admin[0])
    conf = (root / "etc/mosquitto/conf.d/nojd.conf").read_text()
    [plugin] = glob.glob("/usr/lib/*/mosquitto_dynamic_security.so")
    shipped = (ROOT / "firmware_config/mosquitto/nojd.conf").read_text()
    assert conf == shipped.replace("/usr/lib/@MULTIARCH@/mosquitto_dynamic_security.so", plugin)
    tls = root / "etc/nojd/tls"
    assert mode(tls / "ca.key") == 0o600 and mode(tls / "server.key") == 0o640
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tls / "ca.crt"), str(tls / "server.crt")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.stdout.strip().endswith(": OK"), verified.stderr
    unit = (root / "etc/systemd/system/nojd-server.service").read_text()
    assert f"ExecStart={ROOT}/.venv/bin/nojd server run --config /etc/nojd/server.toml" in unit
    assert "--listen 0.0.0.0:8080" in unit and "Type=notify" in unit
    users = subprocess.run(
        [NOJD, "server", "user", "list", "--db", f"sqlite:///{root}/var/lib/nojd/server.sqlite"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert users == "admin\tadmin\n"
    assert "dashboard login: admin / " in first and "dashboard login" not in second
    assert f"kept {plugin_file}" in second
    assert "kept the TLS certificate" in second and "kept the dashboard users" in second
    # the second run changed no secret
    assert password in (root / "etc/nojd/server.toml").read_text()


def stored_password_is(client, password):
    """Whether the plugin's stored form (PBKDF2-SHA512) is of ``password``."""
    salt = base64.b64decode(client["salt"])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, client["iterations"])
    return base64.b64encode(digest).decode() == client["password"]


def test_an_older_install_s_terminals_keep_their_passwords(tmp_path):
    """An install from before the plugin: its password file's terminals become the plugin's
    clients with the same passwords, the old files are renamed, and nothing else is lost."""
    passwd = tmp_path / "etc/mosquitto/nojd.passwd"
    passwd.parent.mkdir(parents=True)
    passwd.touch(mode=0o600)
    for user, password in (("desk-1", "old-desk-1"), ("nojd-server", "old-server")):
        subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
    (tmp_path / "etc/mosquitto/nojd.acl").write_text("pattern write nojd/v1/%u/response\n")
    said = setup("server", tmp_path)
    clients = json.loads((tmp_path / "var/lib/mosquitto/nojd-dynsec.json").read_text())["clients"]
    found = {each["username"]: each for each in clients}
    assert sorted(found) == ["desk-1", "nojd-admin", "nojd-server"]
    assert stored_password_is(found["desk-1"], "old-desk-1")
    assert found["desk-1"]["clientid"] == "nojd-kiosk-desk-1"
    assert "and 1 terminal(s) carried over" in said
    assert not passwd.exists() and passwd.with_name("nojd.passwd.unused").exists()
    assert (tmp_path / "etc/mosquitto/nojd.acl.unused").exists()


def test_the_units_pass_systemd_analyze_verify(roots):
    root, _ = roots
    for name in ("nojd-kiosk.service", "nojd-server.service"):
        result = subprocess.run(
            ["systemd-analyze", "verify", str(root / "etc/systemd/system" / name)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0 and result.stderr.strip() == "", (name, result.stderr)


def test_a_terminal_delivers_over_tls_with_what_the_server_role_wrote(roots, tmp_path, make_broker):
    """Mosquitto runs the role's nojd.conf (its paths and ports moved into the test), with
    its plugin's users and its certificates; a terminal made by `nojd device add` sends over
    mqtts, and `nojd server ingest` with the role's server.toml stores its answers."""
    root, _ = roots
    tls_port = free_port()
    etc = root / "etc"
    conf = (etc / "mosquitto/conf.d/nojd.conf").read_text()
    conf = "\n".join(
        line for line in conf.splitlines()
        if not line.startswith(("listener 1883", "persistence"))
    )  # fmt: skip
    # on loopback only: a port free there may be some connection's port elsewhere, and the
    # shipped listener binds every address (two runs failed "Address already in use")
    conf = conf.replace("listener 8883", f"listener {tls_port} 127.0.0.1")
    conf = conf.replace("/etc/nojd/", f"{etc}/nojd/").replace(
        "/var/lib/mosquitto/", f"{root}/var/lib/mosquitto/"
    )
    broker = make_broker(extra=conf + "\n")
    admin = etc / "nojd/broker-admin.toml"  # its port moved too
    admin.write_text(admin.read_text().replace("mqtt://127.0.0.1:1883", broker.url))
    terminals = tmp_path / "terminals"
    subprocess.run(
        [NOJD, "device", "add", "desk-9", "--site", "kontaktcenter",
         "--broker", f"mqtts://localhost:{tls_port}", "--admin", str(admin),
         "--out", str(terminals), "--ca-file", str(etc / "nojd/tls/ca.crt")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with (terminals / "desk-9.toml").open("a", encoding="utf-8") as made:
        made.write("[session]\nresponse_interval = 0.01\nsettle_time = 0\n")  # brisk visitors
    db = tmp_path / "server.sqlite"
    ingest = Process("server", "ingest", "--config", str(etc / "nojd/server.toml"),
                     "--broker", broker.url, "--db", f"sqlite:///{db}")  # fmt: skip
    kiosk = Process("kiosk", "simulate", "--config", str(terminals / "desk-9.toml"),
                    "--data", str(tmp_path / "desk-9"), "--visitors", "5", "--rate", "600",
                    env={"GPIOZERO_PIN_FACTORY": "mock"})  # fmt: skip
    try:
        made = kiosk.rest(timeout=120)
        assert kiosk.process.wait(60) == 0, kiosk.log
        assert wait_until(lambda: len(server_rows(db)) == 5, 60), ingest.log + kiosk.log
        assert sorted(row["seq"] for row in made) == [1, 2, 3, 4, 5]
    finally:
        kiosk.close()
        ingest.terminate()
        ingest.close()


#: Debian 12's /etc/mosquitto/mosquitto.conf as its mosquitto package ships it (comments
#: left out); the folders are moved into the test.
DEBIAN_MOSQUITTO_CONF = """pid_file {dir}/mosquitto.pid
persistence true
persistence_location {dir}/
log_dest file {dir}/mosquitto.log
include_dir {dir}/conf.d
"""


def test_the_role_s_broker_config_starts_beside_debian_s_own(roots, tmp_path):
    """Mosquitto reads Debian's main file first, then conf.d/nojd.conf: a setting named in
    both (persistence_location) stops it with "Duplicate …". Only ports and paths move."""
    root, _ = roots
    port, tls_port = free_port(), free_port()
    (tmp_path / "conf.d").mkdir()
    conf = (root / "etc/mosquitto/conf.d/nojd.conf").read_text()
    conf = conf.replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    conf = conf.replace("listener 8883", f"listener {tls_port} 127.0.0.1")  # loopback: above
    conf = conf.replace("/etc/", f"{root}/etc/")
    conf = conf.replace("/var/lib/mosquitto/", f"{root}/var/lib/mosquitto/")
    (tmp_path / "conf.d/nojd.conf").write_text(conf + "user root\n")
    main = tmp_path / "mosquitto.conf"
    main.write_text(DEBIAN_MOSQUITTO_CONF.format(dir=tmp_path))
    said = tmp_path / "stderr"
    with said.open("w") as stderr:
        broker = subprocess.Popen(["mosquitto", "-c", str(main)], stderr=stderr)
    try:

        def listening():
            assert broker.poll() is None, said.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False

        assert wait_until(listening, 10)
    finally:
        broker.terminate()
        broker.wait(10)


def test_a_new_server_certificate_keeps_the_local_ca(roots):
    root, _ = roots
    tls = root / "etc/nojd/tls"
    ca = (tls / "ca.crt").read_bytes()
    old = (tls / "server.crt").read_bytes()
    (tls / "server.crt").unlink()
    (tls / "server.key").unlink()
    said = setup("server", root)
    assert "kept the local CA" in said and "made a server certificate" in said
    assert (tls / "ca.crt").read_bytes() == ca and (tls / "server.crt").read_bytes() != old
    verified = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tls / "ca.crt"), str(tls / "server.crt")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.stdout.strip().endswith(": OK"), verified.stderr


def test_the_server_role_on_a_postgresql_elsewhere(tmp_path, postgres):
    """NOJD_DB=postgresql://…: the URL goes into server.toml, and the first admin into
    that database (a real, throwaway PostgreSQL); a second run keeps both."""
    url = postgres.database()
    first = setup("server", tmp_path, NOJD_DB=url)
    second = setup("server", tmp_path, NOJD_DB=url)
    config = (tmp_path / "etc/nojd/server.toml").read_text()
    assert f'\ndb = "{url}"\n' in config
    assert query(url, "SELECT name, role FROM users") == [("admin", "admin")]
    assert "dashboard login: admin / " in first and "kept the dashboard users" in second
    assert not (tmp_path / "var/lib/nojd/server.sqlite").exists()


def test_the_server_role_with_a_local_postgresql_under_destdir(tmp_path):
    said = setup("server", tmp_path, NOJD_DB="postgresql")
    config = (tmp_path / "etc/nojd/server.toml").read_text()
    assert '\ndb = "postgresql:///nojd"\n' in config
    assert "skipped under DESTDIR: the PostgreSQL role and database nojd" in said
    assert "skipped under DESTDIR: the first dashboard user (in PostgreSQL)" in said
    # An existing config keeps its store: a later NOJD_DB says how to move instead.
    again = setup("server", tmp_path, NOJD_DB="sqlite")
    assert "kept the store of " in again and "postgresql:///nojd, not NOJD_DB's" in again
    assert '\ndb = "postgresql:///nojd"\n' in (tmp_path / "etc/nojd/server.toml").read_text()


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("mysql://x", "NOJD_DB='mysql://x': expected sqlite, postgresql (a local database) "
                      "or a postgresql:// URL"),
        ('postgresql://a@b/c"d', "NOJD_DB: a URL with a space, quote or backslash cannot go "
                                 "into server.toml"),
    ],
)  # fmt: skip
def test_a_bad_nojd_db_is_one_line_and_writes_nothing(tmp_path, value, said):
    result = run_setup("server", tmp_path, NOJD_DB=value)
    assert result.returncode == 2
    assert result.stdout.strip().splitlines()[-1] == f"setup.sh: {said}"
    assert not (tmp_path / "etc").exists()
