"""A Mosquitto running the shipped nojd.conf: its dynamic-security plugin, with the file
`nojd broker init` writes, and terminals made by `nojd device add`'s own code."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from nojd.server.broker_admin import load_admin
from nojd.server.broker_file import init_broker
from nojd.server.devices import NewDevice, add_device
from nojd.survey.topics import PREFIX

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "firmware_config" / "mosquitto" / "nojd.conf"
SERVER_PASSWORD = "server-secret"
[PLUGIN] = glob.glob("/usr/lib/*/mosquitto_dynamic_security.so")


def shipped_conf(plugin_file: Path) -> str:
    """The shipped nojd.conf without its listeners and TLS files (the fixture gives its own
    listener), with this machine's plugin and the test's plugin file."""
    dropped = ("listener", "cafile", "certfile", "keyfile", "require_certificate",
               "per_listener_settings")  # fmt: skip
    lines = [line for line in CONF.read_text().splitlines() if not line.startswith(dropped)]
    text = "\n".join(lines) + "\n"
    return text.replace("/usr/lib/@MULTIARCH@/mosquitto_dynamic_security.so", PLUGIN).replace(
        "/var/lib/mosquitto/nojd-dynsec.json", str(plugin_file)
    )


class Secured:
    """The broker, and ``add`` for terminals on it."""

    def __init__(self, make_broker: Any, folder: Path, name: str = "secured") -> None:
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.plugin_file = self.folder / "dynsec.json"
        self.admin_file = self.folder / "broker-admin.toml"
        self.broker = make_broker(name, extra=shipped_conf(self.plugin_file), start=False)
        init_broker(self.plugin_file, self.admin_file, SERVER_PASSWORD, PREFIX, self.broker.url)
        self.broker.start()
        self.admin, self.prefix = load_admin(self.admin_file)

    @property
    def url(self) -> str:
        url: str = self.broker.url
        return url

    def add(self, device: str, change: str = "", site: str = "kontaktcenter") -> NewDevice:
        """What `nojd device add` does, against this broker."""
        return add_device(device, site, self.url, self.admin, self.folder / "configs",
                          change=change, prefix=self.prefix)  # fmt: skip

    def server_toml(self, extra: str = "") -> Path:
        """A server config that logs in as nojd-server."""
        path = self.folder / "server.toml"
        path.write_text(
            f'[broker]\nurl = "{self.url}"\nusername = "nojd-server"\n'
            f'password = "{SERVER_PASSWORD}"\n{extra}',
            encoding="utf-8",
        )
        return path
